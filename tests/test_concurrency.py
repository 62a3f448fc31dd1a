"""Jobs of one daemon touching the same brand at the same time (threads), on SQLite and PostgreSQL.

The daemon polls and re-observes on several threads: a poll batch (new posts) and a re-observation
batch (later snapshots of the same story's posts) can meet on one incident. Each must see what the
other committed: an incident crossing tiers queues each tier once, in order, and remembers the
highest it was alerted at.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from monitor.config.settings import parse_config
from monitor.models import Author, Metrics, Observation, Tier
from monitor.pipeline.factory import build_pipeline
from monitor.storage import schema as s
from monitor.storage.store import Store

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=timezone.utc)
CONFIG = parse_config("""
[[brands]]
name = "Acme Air"
keywords = ["acme air"]
[alerts]
min_tier = "watch"
""", env={}).config
ROUNDS = 8


def story_post(i: int, at: datetime, *, likes: int = 0, observed: datetime | None = None) -> Observation:
    author = f"passenger{i}"
    return Observation(
        source="x", id=f"p{i}", url=f"https://x.com/{author}/status/p{i}", kind="post", lang="en",
        text=f"Acme Air flight 2231 has been stuck at the gate for 6 hours with no food and no information (#{i})",
        created_at=at, observed_at=observed or at, author=Author(id=f"id{i}", handle=author, followers=300),
        metrics=Metrics(likes=likes, reposts=0))


def rounds() -> list[tuple[datetime, list[Observation], list[Observation]]]:
    """Per round: its time, the new posts a poll finds, and snapshots of earlier posts with more engagement
    (a story that grows over a few rounds, so that both kinds of batch take it across tiers)."""
    out = []
    for r in range(ROUNDS):
        at = T0 + timedelta(minutes=5 * r)
        new = [story_post(2 * r + k, at) for k in range(2)]
        # The first post takes off (a post going viral and a crowd joining: critical), the rest grow slowly.
        again = [story_post(i, T0 + timedelta(minutes=5 * (i // 2)), likes=10 * r * r if i == 0 else r, observed=at)
                 for i in range(2 * r)]
        out.append((at, new, again))
    return out


def test_poll_and_reobserve_batches_of_one_brand_meet_on_an_incident(db_url: str, scorer) -> None:
    store = Store(db_url)
    now = [T0]
    # The daemon's pipeline (not replay): decisions at the later of the post's time and the clock.
    pipe = build_pipeline(store, CONFIG, scorer, lambda: now[0], channels=("console",))
    # Both batches of a round assess the incident before either writes back: each waits here (briefly)
    # for the other at its first assessment. A batch that had to wait for the other's commit finds
    # the barrier already given up on and goes straight on.
    meet: list[threading.Barrier] = []
    waited = threading.local()

    def observer(_inc: str, _brand: str, _at: datetime, _score: float, _tier: Tier) -> None:
        if getattr(waited, "done", False):
            return
        waited.done = True
        try:
            meet[-1].wait(timeout=0.5)
        except threading.BrokenBarrierError:
            pass

    pipe.observer = observer
    errors: list[BaseException] = []

    def job(batch: list[Observation], start: threading.Barrier) -> None:
        waited.done = False
        start.wait()
        try:
            pipe.process(batch, source="x", cursor={"since_id": batch[-1].id}) if batch else None
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    for at, new, again in rounds():
        now[0] = at
        meet.append(threading.Barrier(2))
        start = threading.Barrier(2)
        threads = [threading.Thread(target=job, args=(b, start)) for b in (new, again)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not errors, errors

    with store.begin() as conn:
        queued = conn.execute(select(s.outbox.c.incident_id, s.outbox.c.event).order_by(s.outbox.c.id)).all()
        incidents = {r.id: r for r in conn.execute(select(s.incidents)).all()}
        story = {r.incident_id for r in conn.execute(select(s.mentions.c.incident_id))}
        days = conn.execute(select(s.brand_days.c.mentions)).scalars().all()
    assert len(story) == 1, "one story, one incident"
    (inc_id,) = story
    tiers = [Tier[e["tier"]] for i, e in queued if i == inc_id]
    assert len(tiers) >= 2, f"the story should cross tiers, queued: {tiers}"
    assert tiers == sorted(set(tiers)), f"each tier queued once and in order, got {[t.name for t in tiers]}"
    assert incidents[inc_id].alerted_tier == int(max(tiers)), "the incident remembers its highest alert"
    assert max(tiers) == Tier.critical
    assert days == [2 * ROUNDS], "every post counted once in the brand's day, whichever job wrote first"
