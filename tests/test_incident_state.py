"""IncidentState names the stored JSON: every key the pipeline writes is one of its keys, and a state
stored before the later keys existed still loads, takes mentions and is assessed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

from sqlalchemy import select

from monitor.config.settings import ScoringConfig
from monitor.incidents.assessment import assess
from monitor.incidents.coefficients import Baseline
from monitor.incidents.state import IncidentState, MentionFacts, add_engagement, add_mention, new_state
from monitor.replay import demo
from monitor.replay.run import run_replay
from monitor.storage import schema as s
from monitor.storage.store import Store

T = datetime(2024, 5, 2, 12, 0, tzinfo=UTC)


def facts(post: str, author: str, at: datetime, *, engagement: int = 20) -> MentionFacts:
    return MentionFacts(source="x", post_id=post, kind="post", url=None, text="Northwind lost my parcel again",
                        author=author, followers=100, created_at=at, engagement=engagement, is_complaint=True,
                        complaint=0.9, sentiment=-0.6, cues=("repeat_contact",), score=0.6, by_brand=False)


def test_every_stored_key_is_named(tmp_path: Path, scorer) -> None:
    url = f"sqlite:///{tmp_path / 'replay.db'}"
    result = run_replay(demo.observations(), demo.config(), scorer, store_url=url)
    assert result.alerts
    store = Store(url)
    with store.begin() as conn:
        states = [r[0] for r in conn.execute(select(s.incidents.c.state))]
    store.close()
    named = set(IncidentState.__annotations__)
    always = set(new_state(facts("1", "a", T)))
    assert states
    for st in states:
        assert always <= set(st) <= named, set(st) - named
    # The later keys are all written by this month's stories (so none of them is a dead name).
    seen = set().union(*states)
    # The demo's month has no brand-wide surge and no reviews.
    assert named - seen <= {"surge", "low_reviews", "review_words"}, named - seen


def test_a_state_stored_before_the_later_keys_still_loads() -> None:
    first = facts("1", "ann", T)
    old = json.loads(json.dumps(new_state(first)))  # as an early release stored it: no arrivals, no checkpoints...
    for key in ("arrivals", "checkpoints", "tied_sources", "author_words", "post_gain", "surge", "brand_at_start"):
        assert key not in old
    st = cast(IncidentState, old)
    for i, who in enumerate(("ann", "bob", "cy", "ann")):
        at = T + timedelta(minutes=10 * i)
        add_mention(st, facts(str(i + 2), who, at), linked=True)
        add_engagement(st, 20, at, snapshot=False)
    a = assess(st, T + timedelta(hours=1), Baseline(daily_mentions=5.0, typical_engagement=2.0), ScoringConfig())
    assert st["mentions"] == 4 and st["n_authors"] == 3 and st["arrivals"]
    assert 0.0 <= a.score <= 1.0 and a.reasons
