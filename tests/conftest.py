from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# praw refuses to move its endpoints without this; the sources set it too, tests make it explicit.
os.environ.setdefault("PRAW_ALLOW_ENDPOINT_OVERRIDE", "1")


class FakeClock:
    """Injected time: tests move it by hand, nothing sleeps."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        from datetime import timedelta

        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def scorer():
    from monitor.scoring import MentionScorer

    return MentionScorer()
