"""A newest-first list read by page number with no filter by time (the App Store's review feed,
Trustpilot's reviews ordered by date): how a poll knows where to stop, and what it has seen.

The state (JSON, kept in the source's cursor) holds the newest timestamp seen, a bounded list of the
ids seen and, when a poll ran out of pages before reaching what it had read before, the ``floor``: the
newest timestamp of the poll before, still to be reached. Each poll reads from page 1 down until a
page reaches the floor (or the newest seen), the list ends, or the page budget does; it emits the
items it has not seen that are newer than the floor less an ``overlap`` (late arrivals). Pages shift
as new items arrive, so ids, not page numbers, tell what was read. The first poll reads one page
only (no backfill), as the other sources do (``sources._window``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from sources._rest import bounded

Item = tuple[str, float, Any]  # (id, epoch seconds, raw item)
FetchPage = Callable[[int], tuple[list[Item], bool]]
"""page number (from 1) → (items newest first, whether a next page exists)."""


def read_newest_first(state: dict[str, Any], fetch: FetchPage, emit: Callable[[Any], None], *, max_pages: int,
                      per_page: int, overlap: float, seen_limit: int = 1000) -> dict[str, Any]:
    """One poll of one list; ``emit`` gets each raw item not seen before, as pages arrive. Returns the
    new state; raises whatever ``fetch`` raises (the caller keeps the old state for this list).

    A poll first reads from page 1 until it reaches the newest item seen before. If a ``floor`` is
    left (an earlier poll's page budget ran out), it then jumps to where the unread part now starts
    (``depth``, the items above it then, plus those that arrived since; a page early, in case some
    were deleted, when the budget allows) and reads on until the floor."""
    newest = _num(state.get("newest"))
    floor = _num(state.get("floor"))
    raw_depth = state.get("depth")
    depth = raw_depth if isinstance(raw_depth, int) and not isinstance(raw_depth, bool) and raw_depth >= 0 else 0
    old_seen = [x for x in state.get("seen") or [] if isinstance(x, str)]
    seen = set(old_seen)
    target = floor if floor is not None else newest
    low = target - overlap if target is not None else None
    read: list[Item] = []
    budget = max(1, max_pages) if newest is not None else 1

    def walk(first: int, until: float | None) -> tuple[bool, int]:
        """Pages from ``first`` until one reaches ``until``: (whether the walk ended, last page read)."""
        nonlocal budget
        page = first - 1
        while budget > 0:
            page += 1
            budget -= 1
            items, more = fetch(page)
            for ident, ts, raw in items:
                if ident not in seen and (low is None or ts > low):
                    seen.add(ident)
                    emit(raw)
                read.append((ident, ts, raw))
            if not items or not more or (until is not None and min(ts for _, ts, _ in items) <= until):
                return True, page
        return False, page

    caught_up, last = walk(1, newest)
    out: dict[str, Any] = {}
    if newest is not None and not caught_up:  # more new items than pages: the unread part starts below them
        out["floor"], out["depth"] = target, len(read)
    elif floor is not None and newest is not None and caught_up:
        arrived = sum(1 for _, ts, _ in read if ts > newest)
        early = 1 if budget >= 2 else 0  # a page early only when that leaves a page for the unread part
        first = max(last + 1, (depth + arrived) // max(1, per_page) + 1 - early)
        done, last = walk(first, floor) if budget > 0 else (False, first - 1)
        if not done:
            out["floor"], out["depth"] = floor, last * per_page
    stamps = [ts for _, ts, _ in read]
    known = [newest] if newest is not None else []
    if known or stamps:
        keep = [i for i, _, _ in sorted(read, key=lambda r: r[1])]
        again = set(keep)  # read again: they move to the young end, so the bound drops the old first
        out["newest"] = max([*known, *stamps])
        out["seen"] = bounded([*(i for i in old_seen if i not in again), *keep], seen_limit)
    return out


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)
