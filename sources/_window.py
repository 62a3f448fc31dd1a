"""A newest-first search walked by time, for APIs that page backwards from "now" (HN, Bluesky).

The state (JSON, kept in the source's cursor) holds the newest timestamp seen, a bounded list of the
ids seen near it (the search reads an ``overlap`` behind the newest item, as indexes run late) and,
when a poll's page budget ran out before reaching the previous poll's position, the ``gap`` still
unread. Later polls read new items first, then the gap with the pages left over: nothing the API
still offers is skipped, nothing is emitted twice. The first poll reads one page only (no backfill).

``poll_keywords`` is a whole poll for such a source: one window per (brand, keyword), the states kept
in the cursor as ``{"v": 1, "brands": {brand: {keyword: state}}}``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from monitor.brands import BrandMatcher
from monitor.errors import SourceError
from monitor.models import BrandQuery, Observation, PollResult
from sources._http import Drops, as_dict
from sources._rest import bounded

Item = tuple[str, float, Any]  # (id, epoch seconds, raw item)
Fetch = Callable[[float | None, float | None, str | None], tuple[list[Item], str | None]]
"""(lowest timestamp, highest timestamp, page token) → (items newest first, next page token)."""
Parse = Callable[[Any, datetime, str | None, Drops | None], Observation | None]
"""(raw item, observed at, brand, drops) → an Observation, or ``None`` when unusable."""


@dataclass(frozen=True)
class KeywordSearch:
    """What a source brings to ``poll_keywords``: its search (``fetcher(keyword)``), its parser, its
    drop tally, and how far each poll may read."""

    fetcher: Callable[[str], Fetch]
    parse: Parse
    drops: Drops
    max_pages: int
    overlap: float


def poll_keywords(search: KeywordSearch, brands: Sequence[BrandQuery], cursor: dict[str, Any],
                  observed_at: datetime) -> PollResult:
    """One poll: a ``search_window`` per brand keyword, each brand's hits checked by its own matcher.

    A failed search ends the poll: with observations already found it is a partial result (the
    windows read so far advance, the rest keep their state), without any the error is raised.
    """
    old = as_dict(as_dict(cursor).get("brands"))
    states = {b.name: dict(as_dict(old.get(b.name))) for b in brands}
    out: list[Observation] = []
    try:
        for brand in brands:
            emit = _emitter(search, brand, observed_at, out)
            for keyword in _keywords(brand):
                states[brand.name][keyword] = search_window(
                    as_dict(states[brand.name].get(keyword)), search.fetcher(keyword), emit,
                    max_pages=search.max_pages, overlap=search.overlap)
    except SourceError as exc:
        if not out:
            raise
        return PollResult(out, _cursor(states, old), partial=True, note=str(exc))
    return PollResult(out, _cursor(states, old))


def _keywords(brand: BrandQuery) -> list[str]:
    """A brand's keywords, trimmed and lower-cased, each once: one search each (these APIs have no OR)."""
    return list(dict.fromkeys(k.strip().lower() for k in brand.keywords if k.strip()))


def _emitter(search: KeywordSearch, brand: BrandQuery, observed_at: datetime,
             out: list[Observation]) -> Callable[[Any], None]:
    """Parses each new raw item into ``out`` as one of ``brand``'s observations. The searches match
    loosely (prefixes, typos, stems), so an item is kept only if the brand's own matcher agrees; it is
    parsed without a brand, since the matcher would take a brand already set as its answer."""
    matcher = BrandMatcher([brand])

    def emit(raw: Any) -> None:
        obs = search.parse(raw, observed_at, None, search.drops)
        if obs is None:
            search.drops.add("post")
        elif matcher.match(obs) is not None:
            out.append(replace(obs, brand=brand.name))

    return emit


def _cursor(states: dict[str, dict[str, Any]], old: dict[str, Any]) -> dict[str, Any]:
    """The new cursor: brands not polled this time keep their old states; empty states are left out."""
    brands = {**old, **{name: {k: v for k, v in s.items() if v} for name, s in states.items()}}
    return {"v": 1, "brands": {name: s for name, s in brands.items() if s}}


def search_window(state: dict[str, Any], fetch: Fetch, emit: Callable[[Any], None], *, max_pages: int,
                  overlap: float, seen_limit: int = 500) -> dict[str, Any]:
    """One poll of one query; ``emit`` gets each raw item not seen before, as pages arrive.

    Returns the new state; raises whatever ``fetch`` raises (the caller then keeps the old state).
    """
    newest = _num(state.get("newest"))
    seen = set(x for x in state.get("seen") or [] if isinstance(x, str))
    gap = state.get("gap")
    gap = [float(g) for g in gap] if isinstance(gap, list) and len(gap) == 2 and all(_num(g) is not None
                                                                                      for g in gap) else None
    read: list[Item] = []

    def take(items: list[Item]) -> None:
        for ident, ts, raw in items:
            if ident not in seen:
                seen.add(ident)
                emit(raw)
            read.append((ident, ts, raw))

    lo = newest - overlap if newest is not None else None

    def caught_up(items: list[Item]) -> bool:
        """A whole page already seen, at or below the previous newest: the rest was read before."""
        return newest is not None and bool(items) and all(i in known and ts <= newest for i, ts, _ in items)

    known = set(seen)
    got, complete, used = _pages(fetch, lo, None, max_pages if newest is not None else 1, take, caught_up)
    if not complete and newest is not None and got:
        gap = [gap[0] if gap else float(lo or 0.0), min(ts for _, ts, _ in got)]
    elif gap and used < max_pages:
        more, done, _ = _pages(fetch, gap[0], gap[1], max_pages - used, take, lambda _: False)
        gap = None if done or not more else [gap[0], min(ts for _, ts, _ in more)]
    new_newest = max([newest or 0.0, *(ts for _, ts, _ in read)]) or None
    keep = [i for i, _, _ in sorted(read, key=lambda r: r[1])]
    old_seen = [x for x in state.get("seen") or [] if isinstance(x, str)]
    out: dict[str, Any] = {}
    if new_newest:
        out["newest"] = new_newest
        out["seen"] = bounded([*old_seen, *keep], seen_limit)
    if gap:
        out["gap"] = gap
    return out


def _pages(fetch: Fetch, lo: float | None, hi: float | None, pages: int, take: Callable[[list[Item]], None],
           caught_up: Callable[[list[Item]], bool]) -> tuple[list[Item], bool, int]:
    """Up to ``pages`` pages: (items read, whether the search ran out, pages used)."""
    got: list[Item] = []
    token: str | None = None
    for page in range(1, pages + 1):
        items, token = fetch(lo, hi, token)
        take(items)
        got += items
        if token is None or not items or caught_up(items):
            return got, True, page
    return got, False, pages


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)
