"""Alert events and outbox rows shaped as the pipeline makes them, for the alert channels' tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from monitor.events import event_to_dict
from monitor.models import AlertEvent, Tier
from monitor.storage import schema as s
from monitor.storage.store import Store

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def post(text: str = "Acme Air lost my bag and nobody answers", *, author: str = "flyer", source: str = "x",
         id: str = "1", engagement: int = 40, url: str | None = None, cues: Iterable[str] = ("lost",)) -> dict[str, Any]:
    return {"source": source, "id": id, "url": url or f"https://x.com/i/status/{id}", "author": author,
            "text": text, "engagement": engagement, "score": 0.7, "cues": list(cues), "at": T0.isoformat()}


def event(incident: str = "inc-1", tier: Tier = Tier.warning, previous: Tier = Tier.none, *,
          at: datetime | None = None, brand: str = "Acme Air", posts: Iterable[dict[str, Any]] | None = None,
          sources: tuple[str, ...] = ("x",), **kw: Any) -> AlertEvent:
    kw.setdefault("reasons", (f"{3 * int(tier)} complaints in an hour (usually 0.5)", "a post is spreading fast"))
    return AlertEvent(incident=incident, brand=brand, tier=tier, at=at or T0, score=0.3 + 0.2 * int(tier),
                      mentions=3 * int(tier), authors=2 * int(tier), sources=sources,
                      first_seen=T0 - timedelta(hours=1), previous_tier=previous,
                      top_posts=tuple(posts if posts is not None else (post(),)), **kw)


def climb(incident: str = "inc-1", start: datetime = T0) -> list[AlertEvent]:
    """watch → warning → critical, ten minutes apart."""
    tiers = [Tier.watch, Tier.warning, Tier.critical]
    return [event(incident, t, tiers[i - 1] if i else Tier.none, at=start + timedelta(minutes=10 * i))
            for i, t in enumerate(tiers)]


def queue(store: Store, *events: AlertEvent, channels: Iterable[str] = ("slack",)) -> None:
    """Outbox rows exactly as ``Pipeline._decide`` writes them (one per event and channel)."""
    rows = [dict(dedup_key=f"{e.incident}:{e.tier.name}:{c}", incident_id=e.incident, channel=c, created_at=e.at,
                 event=event_to_dict(e), attempts=0) for e in events for c in channels]
    with store.begin() as conn:
        conn.execute(insert(s.outbox), rows)
