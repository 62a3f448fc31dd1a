"""A newest-first list read by page number with no filter by time (the App Store's review feed,
Trustpilot's reviews ordered by date): how a poll knows where to stop, and what it has seen.

The state (JSON, kept in the source's cursor) holds the newest timestamp seen, a bounded list of the
ids seen and, when a poll ran out of pages before reaching what it had read before, the ``floor``: the
newest timestamp of the poll before, still to be reached. Each poll reads from page 1 down until a
page reaches the floor (or the newest seen), the list ends, or the page budget does; it emits the
items it has not seen that are newer than the floor less an ``overlap`` (late arrivals). Pages shift
as new items arrive, so ids, not page numbers, tell what was read. The first poll reads one page
only (no backfill), as the other sources do (``sources._window``).

``poll_lists`` is a whole poll for such a source: one state per list (an app in one storefront, a
business unit), kept in the cursor as ``{"v": 1, FIELD: {key: state}}``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from monitor.errors import RateLimited, SourceError
from monitor.models import BrandQuery, Observation, PollResult
from sources._http import Drops, as_dict
from sources._rest import bounded

Item = tuple[str, float, Any]  # (id, epoch seconds, raw item)
FetchPage = Callable[[int], tuple[list[Item], bool]]
"""page number (from 1) → (items newest first, whether a next page exists)."""
Parse = Callable[[Any], "Observation | list[Observation] | None"]
"""raw item → its observation(s); none when it is unusable."""
PagedList = tuple[str, FetchPage, Parse]
"""(the list's key in the cursor, its pages, its parser)."""


class Branded(Protocol):
    brand: str


Listed = TypeVar("Listed", bound=Branded)


def watched(listed: Iterable[Listed], brands: Sequence[BrandQuery]) -> list[tuple[Listed, str]]:
    """The configured lists (apps, business units) whose brand this run watches, each with the brand's
    name as the run spells it (the config may write it in another case); the others are left out."""
    names = {b.name.casefold(): b.name for b in brands}
    return [(item, names[item.brand.casefold()]) for item in listed if item.brand.casefold() in names]


def _never(exc: SourceError) -> None:
    return None


@dataclass(frozen=True)
class ListPoll:
    """What a source brings to ``poll_lists``: its name (for notes), the cursor's key for the lists'
    states, its drop tally, how far each poll may read, and ``check``, which may raise another error
    in place of a list's failure (a refused key is the whole source's problem, not one list's)."""

    name: str
    field: str
    drops: Drops
    max_pages: int
    per_page: int
    overlap: float
    check: Callable[[SourceError], None] = _never


def poll_lists(how: ListPoll, lists: Sequence[PagedList], cursor: dict[str, Any]) -> PollResult:
    """One poll: ``read_newest_first`` for each list, its new raw items parsed into observations.

    A rate limit ends the poll (partial, with what was found; raised without). A list that fails
    for good (an app gone from a storefront) is skipped and the others are read; a passing failure
    is raised while nothing was found. When every list failed and nothing was found, the failures
    are raised as one permanent error."""
    old = as_dict(as_dict(cursor).get(how.field))
    states: dict[str, dict[str, Any]] = {}
    out: list[Observation] = []
    skipped: list[str] = []

    def emit_with(parse: Parse) -> Callable[[Any], None]:
        def emit(raw: Any) -> None:
            found = parse(raw)
            found = [found] if isinstance(found, Observation) else found or []
            if not found:
                how.drops.add("post")
            out.extend(found)

        return emit

    for key, fetch, parse in lists:
        try:
            states[key] = read_newest_first(as_dict(old.get(key)), fetch, emit_with(parse), max_pages=how.max_pages,
                                            per_page=how.per_page, overlap=how.overlap)
        except RateLimited:
            if not out:
                raise
            return PollResult(out, _cursor(how.field, states, old), partial=True, note=f"{how.name}: rate limited at {key}")
        except SourceError as exc:
            how.check(exc)
            if not exc.permanent and not out:
                raise
            skipped.append(str(exc))  # one list gone does not stop the others
    if skipped and not out and len(skipped) == len(lists):
        raise SourceError("; ".join(skipped[:3]), permanent=True)
    return PollResult(out, _cursor(how.field, states, old), partial=bool(skipped), note="; ".join(skipped[:3]) or None)


def _cursor(field: str, states: dict[str, dict[str, Any]], old: dict[str, Any]) -> dict[str, Any]:
    """The new cursor: lists not read this time keep their old states; empty new states are left out."""
    return {"v": 1, field: {**old, **{k: s for k, s in states.items() if s}}}


def dated(raws: Sequence[Any], identify: Callable[[Any], tuple[str | None, datetime | None] | None],
          drops: Drops) -> list[Item]:
    """One page's raw items as ``Item`` s, by ``identify``: (id, time) of an item, either ``None`` when
    unusable (left out and counted in ``drops``: only a plausible date moves the cursor), or ``None``
    for what is not an item at all (left out quietly)."""
    items: list[Item] = []
    for raw in raws:
        found = identify(raw)
        if found is None:
            continue
        ident, stamp = found
        if ident is None or stamp is None:
            drops.add("post")
            continue
        items.append((ident, stamp.timestamp(), raw))
    return items


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
