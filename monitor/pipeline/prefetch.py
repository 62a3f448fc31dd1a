"""Reading a batch ahead: the mentions, incident keys, incidents and pulses its observations touch,
each in a few ``IN (...)`` queries (or from the write-back cache), before any is worked on."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, select

from monitor.incidents.grouping import SURGE_KEY, KeySlot, KeyTable, Pending, candidate_keys
from monitor.incidents.pulse import Pulse
from monitor.incidents.state import Incident, IncidentState
from monitor.storage import schema as s

if TYPE_CHECKING:
    from monitor.pipeline.cache import Cache, MentionKey, MentionRow

CHUNK = 500  # ids per IN (...) query
MENTION_COLS = ("source", "post_id", "engagement", "metrics", "text", "incident_id", "last_observed_at",
                "by_brand", "sentiment", "complaint", "is_complaint", "cues", "score", "author_handle",
                "author_id", "followers")


def chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def incident_from_row(r: Any) -> Incident:
    """An incident as stored (its state is the JSON document ``IncidentState`` describes)."""
    return Incident(r.id, r.brand, r.first_seen, cast(IncidentState, dict(r.state)), r.alerted_tier)


def prefetch(conn: Connection, pending: list[Pending], *, cache: Cache | None,
             signer: Callable[[str, frozenset[str]], list[int]], brand_words: Callable[[str], frozenset[str]],
             mentions: dict[MentionKey, MentionRow], keys: KeyTable, incidents: dict[str, Incident],
             pulses: dict[str, Pulse]) -> None:
    """Fill a batch's ``mentions``, ``keys``, ``incidents`` and ``pulses`` with those ``pending`` touches,
    from ``cache`` or through ``conn``; a post new to us gets its candidate keys and its wording's
    signature (``signer`` of its text without ``brand_words``)."""
    m, k, i = s.mentions, s.incident_keys, s.incidents
    by_source: dict[str, set[str]] = {}
    for item in pending:
        for post in (item.obs.id, *item.parents):
            key = (item.obs.source, post)
            if cache is not None and key in cache.mentions:
                mentions[key] = cache.mentions[key]
            elif cache is None or cache.has(key):
                by_source.setdefault(item.obs.source, set()).add(post)
    for source, id_set in by_source.items():
        for part in chunks(sorted(id_set)):
            cols = [m.c[c] for c in MENTION_COLS]
            for row in conn.execute(select(*cols).where(m.c.source == source, m.c.post_id.in_(part))):
                mentions[(row.source, row.post_id)] = dict(row._mapping)
    # Incident keys matter only to posts new to us (a later snapshot keeps its incident).
    first = {item.obs.key: item for item in reversed(pending)}
    for key, item in first.items():
        if key not in mentions:
            item.keys = candidate_keys(item.obs)
            item.sigs = [f"sig:{h}" for h in signer(item.obs.text, brand_words(item.brand))]
    wanted: dict[str, set[str]] = {}
    for item in pending:
        if item.keys or item.sigs:
            wanted.setdefault(item.brand, set()).update(item.keys, item.sigs, (SURGE_KEY,))
    _load_pulses(conn, sorted({item.brand for item in pending}), cache, pulses)
    for brand, brand_keys in sorted(wanted.items()):
        for part in chunks(sorted(brand_keys)):
            # The primary key is (brand, key): one index probe per key asked for.
            for row in conn.execute(select(k.c.key, k.c.incident_id, k.c.last_seen)
                                    .where(k.c.brand == brand, k.c.key.in_(part))):
                keys[(brand, row.key)] = KeySlot(row.incident_id, row.last_seen, True)
    ids = sorted({v.incident for v in keys.values()} | {r["incident_id"] for r in mentions.values()
                                                        if r["incident_id"]})
    if cache is not None:
        for inc_id in ids:
            if inc_id in cache.incidents:
                incidents[inc_id] = cache.incidents[inc_id]
        ids = [i for i in ids if i not in incidents]
    for part in chunks(ids):
        for r in conn.execute(select(i).where(i.c.id.in_(part))):
            incidents[r.id] = incident_from_row(r)


def _load_pulses(conn: Connection, brands: list[str], cache: Cache | None, pulses: dict[str, Pulse]) -> None:
    if cache is not None:
        pulses.update({b: cache.pulses[b] for b in brands if b in cache.pulses})
        brands = [b for b in brands if b not in pulses]
    t = s.brand_pulse
    for part in chunks(brands):
        for row in conn.execute(select(t.c.brand, t.c.state).where(t.c.brand.in_(part))):
            pulses[row.brand] = Pulse.from_json(row.state)
    for b in brands:
        pulses.setdefault(b, Pulse())
