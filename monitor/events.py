"""AlertEvent to and from JSON (the outbox stores events; replay prints them)."""

from __future__ import annotations

from typing import Any

from monitor.models import AlertEvent, Tier
from monitor.timestamps import format_timestamp, parse_timestamp


def event_to_dict(e: AlertEvent) -> dict[str, Any]:
    return {
        "incident": e.incident, "brand": e.brand, "tier": e.tier.name, "at": format_timestamp(e.at),
        "score": e.score, "mentions": e.mentions, "authors": e.authors, "sources": list(e.sources),
        "reasons": list(e.reasons), "first_seen": format_timestamp(e.first_seen),
        "previous_tier": e.previous_tier.name, "top_posts": list(e.top_posts), "test": e.test,
        "replay": e.replay,
    }


def event_from_dict(d: dict[str, Any]) -> AlertEvent:
    return AlertEvent(
        incident=d["incident"], brand=d["brand"], tier=Tier.parse(d["tier"]), at=parse_timestamp(d["at"]),
        score=float(d["score"]), mentions=int(d["mentions"]), authors=int(d["authors"]),
        sources=tuple(d["sources"]), reasons=tuple(d["reasons"]), first_seen=parse_timestamp(d["first_seen"]),
        previous_tier=Tier[d.get("previous_tier", "none")], top_posts=tuple(d.get("top_posts", ())),
        test=bool(d.get("test")), replay=bool(d.get("replay")),
    )


CONTRACT_ALERT_KEYS = ("incident", "brand", "tier", "at", "score", "mentions", "authors", "sources",
                       "reasons", "first_seen")


def contract_alert(e: AlertEvent) -> dict[str, Any]:
    """The alert object of ``monitor replay --format json`` (CONTRACT.md), exactly those keys."""
    d = event_to_dict(e)
    return {k: d[k] for k in CONTRACT_ALERT_KEYS}
