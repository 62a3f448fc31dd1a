"""What the team said against what a replay decides: the loop for tuning thresholds on your own history.

The Slack buttons (and ``monitor ack`` / ``monitor feedback``) store, per incident, "acknowledged" (a
human took it up: the alert was worth it) or "not a complaint" (noise). ``monitor replay --since``
re-decides the stored history under the config given; this module matches each labelled incident of
the live database to the replayed incidents that hold any of its posts (a changed config may group
posts differently, so incidents are matched by their posts, not their ids) and counts:

- noise the replay still alerts on, and noise it now leaves quiet;
- acknowledged incidents the replay still alerts on, and those it would have missed.

A threshold or weight change in ``[scoring]`` that silences noise without missing what the team
acted on is worth making; one that misses acknowledged incidents is not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from monitor.models import AlertEvent, Tier
from monitor.storage import schema as s
from monitor.storage.store import Store


@dataclass(frozen=True)
class Feedback:
    incident: str
    brand: str | None
    label: str  # "not_complaint" or "acknowledged" (a human looked and took it as a real complaint)
    at: datetime
    user: str | None


def feedback_for(store: Store, since: datetime | None = None) -> list[Feedback]:
    """The humans' labels of incidents, latest per incident, oldest first: for replay and evaluation."""
    latest: dict[str, Feedback] = {}
    for incident, action, at, user, brand in store.incident_labels(since):
        label = "not_complaint" if action == "not_complaint" else "acknowledged"
        if latest.get(incident, None) and latest[incident].label == "not_complaint":
            continue  # "not a complaint" is the stronger statement; an ack afterwards does not undo it
        latest[incident] = Feedback(incident, brand, label, at, user)
    return sorted(latest.values(), key=lambda f: f.at)


@dataclass(frozen=True)
class Judged:
    """One labelled incident: what the team said, what the live monitor sent, what the replay would."""

    incident: str
    brand: str | None
    label: str  # "not_complaint" (noise) or "acknowledged"
    live_tier: Tier
    replay_tier: Tier


@dataclass
class FeedbackReport:
    judged: list[Judged] = field(default_factory=list)

    def count(self, label: str, alerted: bool, *, live: bool = False) -> int:
        return sum(1 for j in self.judged if j.label == label
                   and ((j.live_tier if live else j.replay_tier) > Tier.none) == alerted)

    def summary(self) -> dict[str, Any]:
        noise, acked = "not_complaint", "acknowledged"
        return {
            "labelled": len(self.judged),
            "noise": {"total": sum(j.label == noise for j in self.judged),
                      "alerted_live": self.count(noise, True, live=True),
                      "alerted_in_replay": self.count(noise, True), "quiet_in_replay": self.count(noise, False)},
            "acknowledged": {"total": sum(j.label == acked for j in self.judged),
                             "alerted_live": self.count(acked, True, live=True),
                             "alerted_in_replay": self.count(acked, True), "missed_in_replay": self.count(acked, False)},
            "incidents": [{"incident": j.incident, "brand": j.brand, "label": j.label, "live": j.live_tier.name,
                           "replay": j.replay_tier.name} for j in self.judged],
        }

    def lines(self) -> list[str]:
        """The comparison in words, for the table view."""
        if not self.judged:
            return []
        sm = self.summary()
        n, a = sm["noise"], sm["acknowledged"]
        return [f"Against your team's feedback ({sm['labelled']} labelled incidents):",
                f"  marked not a complaint: {n['total']}; alerted live {n['alerted_live']}, "
                f"in this replay {n['alerted_in_replay']} (quiet: {n['quiet_in_replay']})",
                f"  acknowledged: {a['total']}; alerted live {a['alerted_live']}, "
                f"in this replay {a['alerted_in_replay']} (missed: {a['missed_in_replay']})"]


def posts_of_incidents(store: Store, incidents: Iterable[str]) -> dict[str, set[tuple[str, str]]]:
    """Each incident's posts, as (source, post id)."""
    m = s.mentions
    wanted = sorted(set(incidents))
    out: dict[str, set[tuple[str, str]]] = {i: set() for i in wanted}
    with store.begin() as conn:
        for i in range(0, len(wanted), 500):
            q = select(m.c.incident_id, m.c.source, m.c.post_id).where(m.c.incident_id.in_(wanted[i:i + 500]))
            for r in conn.execute(q):
                out[r.incident_id].add((r.source, r.post_id))
    return out


def alerted_posts(store: Store) -> dict[str, set[tuple[str, str]]]:
    """The posts of every incident alerted on in ``store`` (a replay's scratch database)."""
    with store.begin() as conn:
        alerted = conn.execute(select(s.incidents.c.id).where(s.incidents.c.alerted_tier > 0)).scalars().all()
    return posts_of_incidents(store, alerted)


def compare(live: Store, since: datetime, alerts: list[AlertEvent],
            replayed_posts: dict[str, set[tuple[str, str]]]) -> FeedbackReport:
    """Match the live store's labelled incidents (labelled since ``since``) with the replay's alerts.

    ``replayed_posts`` holds the posts of each incident the replay alerted on (from its scratch store)."""
    labels = feedback_for(live, since)
    if not labels:
        return FeedbackReport()
    live_posts = posts_of_incidents(live, (f.incident for f in labels))
    with live.begin() as conn:
        live_tiers = dict(conn.execute(select(s.incidents.c.id, s.incidents.c.alerted_tier)
                                       .where(s.incidents.c.id.in_([f.incident for f in labels]))).all())
    top: dict[str, Tier] = {}
    for a in alerts:
        top[a.incident] = max(top.get(a.incident, Tier.none), a.tier)
    by_post: dict[tuple[str, str], Tier] = {}
    for inc, posts in replayed_posts.items():
        for p in posts:
            by_post[p] = max(by_post.get(p, Tier.none), top.get(inc, Tier.none))
    report = FeedbackReport()
    for f in labels:
        replay_tier = max((by_post.get(p, Tier.none) for p in live_posts.get(f.incident, ())), default=Tier.none)
        report.judged.append(Judged(f.incident, f.brand, f.label, Tier(int(live_tiers.get(f.incident) or 0)),
                                    replay_tier))
    return report
