"""A wave of one-star reviews through ``monitor poll-once``, against local fakes of the App Store feed
and Trustpilot's API (tests/fakes/reviews.py, whose shapes tests/test_source_appstore.py and
tests/test_source_trustpilot.py describe).

Two weeks of the same app's ordinary reviews (mostly three to five stars, a few ones and twos, about
two a day, and a Trustpilot review a day) are polled once a day and raise nothing; then forty one-star
reviews in three hours, most about logging in, polled every half hour, should warn. poll-once runs
in-process (click's runner) with the monitor's clock injected, so the reviews' dates, the polls and
the incidents share one timeline; nothing sleeps.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from monitor.cli import main
from monitor.daemon.app import Monitor
from monitor.models import Tier
from tests.conftest import FakeClock
from tests.fakes.reviews import FakeReviews

APP, UNIT, KEY = "284882215", "46d6a890000064000500e0c3", "tp-key-123456"
START = datetime(2025, 6, 2, 0, 0, tzinfo=UTC)
ORDINARY = [
    (5, "Love it", "Does what I need every day."), (4, "Good", "Quick and simple, a few rough edges."),
    (5, "Great update", "The new layout is cleaner."), (3, "OK", "Fine, but the widgets could be better."),
    (4, "Handy", "I use it for work and it is reliable."), (5, "Five stars", "Best app of its kind."),
    (3, "Decent", "Some features are hidden in menus."), (4, "Nice", "Sync between devices works well."),
    (2, "Meh", "Dark mode is missing."), (1, "Ads", "Too many notifications about offers."),
]
WAVE = ["Can't log in", "Login broken", "Logged out and can't get back in", "Login loop after update",
        "Cannot sign in", "Useless, login fails"]


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeReviews, FakeClock, Path, Path]]:
    clock = FakeClock(START)
    create = Monitor.create.__func__  # type: ignore[attr-defined]

    def with_clock(cls: type[Monitor], loaded: Any, _clock: Any = None, **kw: Any) -> Monitor:
        return create(cls, loaded, clock, **kw)  # the injected time, for every poll-once run

    monkeypatch.setattr(Monitor, "create", classmethod(with_clock))
    with FakeReviews(api_key=KEY) as fake:
        fake.add_tp_unit(UNIT)
        db = tmp_path / "m.db"
        cfg = tmp_path / "m.toml"
        cfg.write_text(f"""
[storage]
url = "sqlite:///{db}"
[[brands]]
name = "Acme"
keywords = ["acme"]
[sources.appstore]
api_base_url = "{fake.url}"
apps = [{{ id = "{APP}", brand = "Acme", countries = ["us"] }}]
[sources.trustpilot]
api_base_url = "{fake.url}"
api_key = "{KEY}"
business_units = [{{ id = "{UNIT}", brand = "Acme" }}]
""")
        yield fake, clock, cfg, db


def poll_once(cfg: Path) -> None:
    result = CliRunner().invoke(main, ["poll-once", "--config", str(cfg)])
    assert result.exit_code == 0, result.output


def highest_tier(db: Path) -> tuple[Tier, list[tuple[Any, ...]]]:
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text("SELECT id, tier, alerted_tier, score, mentions FROM incidents"))]
    engine.dispose()
    return Tier(max([0, *(r[1] for r in rows)])), rows


def normal_fortnight(fake: FakeReviews, clock: FakeClock, cfg: Path) -> None:
    rng = random.Random(7)
    for day in range(14):
        base = START + timedelta(days=day)
        for n in range(2):
            stars, title, content = ORDINARY[rng.randrange(len(ORDINARY))]
            fake.add_app_review(APP, base + timedelta(hours=9 + 6 * n, minutes=rng.randrange(60)), stars=stars,
                                title=title, content=content, author=f"user{day}-{n}")
        stars, title, content = ORDINARY[rng.randrange(len(ORDINARY))]
        fake.add_tp_review(UNIT, base + timedelta(hours=13), stars=stars, title=title, text=content, name=f"tp{day}")
        clock.now = base + timedelta(hours=23)
        poll_once(cfg)


def test_a_steady_trickle_of_ordinary_reviews_raises_nothing(world: tuple[FakeReviews, FakeClock, Path, Path]) -> None:
    fake, clock, cfg, db = world
    normal_fortnight(fake, clock, cfg)
    tier, rows = highest_tier(db)
    assert tier < Tier.warning, rows
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT source, count(*) FROM mentions GROUP BY source")).all())
    engine.dispose()
    assert stored == {"appstore": 28, "trustpilot": 14}  # every review once


def test_a_wave_of_one_star_reviews_warns(world: tuple[FakeReviews, FakeClock, Path, Path]) -> None:
    fake, clock, cfg, db = world
    normal_fortnight(fake, clock, cfg)
    assert highest_tier(db)[0] < Tier.warning
    wave_start = START + timedelta(days=14, hours=9)
    rng = random.Random(11)
    for i in range(40):
        login = i % 5 != 4  # most mention logging in
        title = WAVE[i % len(WAVE)] if login else "Terrible"
        content = ("The update logged me out and login keeps failing with an error. Useless." if login
                   else "Crashes every time I open it since the update.")
        fake.add_app_review(APP, wave_start + timedelta(minutes=i * 4.5 + rng.random()), stars=1, title=title,
                            content=content, author=f"angry{i}")
    for step in range(1, 7):  # polled every half hour through the three hours
        clock.now = wave_start + timedelta(minutes=30 * step)
        poll_once(cfg)
    tier, rows = highest_tier(db)
    print(f"review wave: highest tier {tier.name}; incidents (id, tier, alerted_tier, score, mentions): {rows}")
    assert tier >= Tier.warning, rows
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        points = [(datetime.fromisoformat(str(at)).replace(tzinfo=UTC), t)
                  for at, t in conn.execute(text("SELECT at, tier FROM incident_scores ORDER BY at"))]
    engine.dispose()
    warned = min(at for at, t in points if t >= Tier.warning)
    print(f"review wave: first at warning {warned} (wave from {wave_start}); points {points[-8:]}")
    assert warned > wave_start  # the wave did it, not the fortnight before
    # ...as a wave: its alert counts the low ratings against the app's usual.
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        events = [e if isinstance(e, dict) else json.loads(e) for (e,) in conn.execute(text("SELECT event FROM outbox"))]
    engine.dispose()
    said = " ".join(r for e in events for r in e.get("reasons", ()))
    assert "one- and two-star reviews in" in said and "a day in all" in said, said
