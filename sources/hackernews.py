"""Hacker News: stories and comments found by the public Algolia search API (no key needed).

One ``search_by_date`` query per brand keyword (Algolia has no OR), newest first, bounded below by
``numericFilters=created_at_i>=...``; the cursor is walked by time (``sources._window``). Algolia
matches loosely (prefixes, typos), so every hit is checked against the brand's keywords and excludes.
Engagement re-reads look stories up by their ``story_<id>`` tags, 50 per request (comments carry no
points in the API).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from pydantic import Field

from monitor.config.sources import SourceBase
from monitor.errors import SourceError
from monitor.interfaces import Clock
from monitor.models import Author, BrandQuery, Metrics, Observation, PollResult
from sources._http import Drops, count, epoch_to_utc
from sources._http import text_or_none as _text
from sources._limits import DEFAULT_MAX_BYTES, DEFAULT_REQUEST_DEADLINE
from sources._rest import RestSource, strip_html, with_links
from sources._window import Fetch, Item, KeywordSearch, poll_keywords

API = "https://hn.algolia.com/api/v1"
ITEM_URL = "https://news.ycombinator.com/item?id="
HITS_PER_PAGE = 100
REFRESH_BATCH = 50
OVERLAP = 900.0  # seconds behind the newest hit: the index runs a little late


def parse_hit(hit: Any, observed_at: datetime, brand: str | None = None, drops: Drops | None = None) -> Observation | None:
    """One Algolia hit (story or comment) as an Observation, or ``None`` when unusable. Unusable
    numbers are made unknown and counted in ``drops``."""
    if not isinstance(hit, dict):
        return None
    ident = str(hit.get("objectID") or "")
    created = epoch_to_utc(hit.get("created_at_i"))
    if not ident or not ident.isdigit() or created is None:
        return None
    raw_tags = hit.get("_tags")
    tags = raw_tags if isinstance(raw_tags, list) else []
    is_comment = "comment" in tags or (hit.get("comment_text") is not None and hit.get("title") is None)
    common: dict[str, Any] = {
        "source": "hackernews", "id": ident, "url": ITEM_URL + ident, "created_at": created,
        "observed_at": observed_at, "author": Author(id=_text(hit.get("author")), handle=_text(hit.get("author"))),
        "brand": brand,
    }
    if is_comment:
        body, links = strip_html(_text(hit.get("comment_text")) or "")
        parent, story = hit.get("parent_id"), hit.get("story_id")
        return Observation(**common, kind="comment", text=with_links(body, links),
                           in_reply_to=str(parent) if parent is not None else None,
                           conversation_id=str(story) if story is not None else None)
    body, links = strip_html(_text(hit.get("story_text")) or "")
    title = _text(hit.get("title")) or ""
    text = f"{title}\n\n{body}" if body else title
    story_url = _text(hit.get("url"))
    return Observation(**common, kind="post", text=with_links(text, [story_url] if story_url else []),
                       metrics=Metrics(score=count(hit.get("points"), drops), replies=count(hit.get("num_comments"), drops)),
                       conversation_id=ident)


class HackerNewsConfig(SourceBase):
    """``[sources.hackernews]``: the public Algolia search. No key."""

    max_pages: int = Field(default=3, ge=1, le=20)


class HackerNewsSource(RestSource):
    name = "hackernews"
    config_model = HackerNewsConfig

    @classmethod
    def from_config(cls, config: HackerNewsConfig, *, clock: Clock) -> HackerNewsSource:
        return cls(clock=clock, max_pages=config.max_pages, **config.http_options())

    def __init__(self, *, clock: Callable[[], datetime], api_base_url: str | None = None, max_pages: int = 3,
                 timeout: float = 20.0, max_response_size: int = DEFAULT_MAX_BYTES,
                 request_deadline: float = DEFAULT_REQUEST_DEADLINE):
        self.max_pages = max(1, int(max_pages))
        super().__init__(api_base_url or API, clock=clock, timeout=timeout, max_response_size=max_response_size,
                         request_deadline=request_deadline)

    def poll(self, brands: Sequence[BrandQuery], cursor: dict[str, Any]) -> PollResult:
        search = KeywordSearch(self._fetcher, parse_hit, self.drops, max_pages=self.max_pages, overlap=OVERLAP)
        return poll_keywords(search, brands, cursor, self._clock())

    def _fetcher(self, keyword: str) -> Fetch:
        def fetch(lo: float | None, hi: float | None, token: str | None) -> tuple[list[Item], str | None]:
            filters = [f for f in (f"created_at_i>={int(lo)}" if lo is not None else "",
                                   f"created_at_i<={int(hi)}" if hi is not None else "") if f]
            params = {"query": keyword, "tags": "(story,comment)", "hitsPerPage": HITS_PER_PAGE, "page": token or "0"}
            if filters:
                params["numericFilters"] = ",".join(filters)
            payload = self._http.get("/search_by_date", params)
            hits, page, pages = _hits(payload, self.drops)
            self.usage["reads"] += len(hits)
            # Only a plausible date moves the cursor: 1e308 there would hide every later hit.
            items = [(str(h["objectID"]), stamp.timestamp(), h) for h in hits
                     if (stamp := epoch_to_utc(h.get("created_at_i"))) is not None and h.get("objectID") is not None]
            self.drops.add("post", len(hits) - len(items))
            return items, str(page + 1) if page + 1 < pages and items else None

        return fetch

    def refresh(self, ids: Sequence[str]) -> list[Observation]:
        """Current points and comment counts of stories (comments have none in the API)."""
        observed_at = self._clock()
        wanted = [i for i in dict.fromkeys(ids) if i.isdigit()]
        out: list[Observation] = []
        for start in range(0, len(wanted), REFRESH_BATCH):
            batch = wanted[start : start + REFRESH_BATCH]
            tags = "story,(" + ",".join(f"story_{i}" for i in batch) + ")"
            hits, _, _ = _hits(self._http.get("/search", {"tags": tags, "hitsPerPage": len(batch)}), self.drops)
            self.usage["reads"] += len(hits)
            found = [obs for h in hits if (obs := parse_hit(h, observed_at, drops=self.drops)) is not None]
            self.drops.add("post", len(hits) - len(found))
            out += [obs for obs in found if obs.id in batch]
        return out


def _hits(payload: Any, drops: Drops) -> tuple[list[dict[str, Any]], int, int]:
    if not isinstance(payload, dict) or not isinstance(payload.get("hits"), list):
        raise SourceError("hackernews: the answer is not an Algolia result")
    page, pages = count(payload.get("page")) or 0, count(payload.get("nbPages")) or 0
    hits = [h for h in payload["hits"] if isinstance(h, dict)]
    drops.add("post", len(payload["hits"]) - len(hits))
    return hits, page, pages

