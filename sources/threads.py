"""Threads (Meta): public posts found by keyword search, with a Threads access token that has the
``threads_keyword_search`` permission (README: Meta credentials).

One ``GET /v1.0/keyword_search?q=...&search_type=RECENT`` per brand keyword, newest first, bounded
below by ``since`` and followed by ``paging.next``; the cursor is the Graph walk of ``sources._graph``
(newest time seen, the ids near it, gaps left when the page budget ran out). The search matches
loosely, so every post is checked against the brand's keywords and excludes. A post by the brand's
Threads handle (``handles.threads``) is the brand's own.

Meta caps keyword search at 500 queries per user per rolling 7 days (queries that find nothing are not
counted; Meta's page now says 2,200 per 24 hours): the default budget is 500 requests a week and the
scheduler stretches the interval to stay inside it. Until the app is approved for
``threads_keyword_search`` the search finds only the token owner's posts. The answers carry no
engagement counts (those are the author's insights), so there is nothing to re-read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any, ClassVar

from pydantic import Field

from monitor.brands import BrandMatcher
from monitor.config.durations import Interval
from monitor.config.sources import BudgetConfig
from monitor.errors import SourceError
from monitor.models import Author, BrandQuery, Observation, PollResult
from sources._graph import MetaConfig, MetaSource, emitter, identify, lister, outcome, walk
from sources._http import as_dict
from sources._http import text_or_none as _text

API = "https://graph.threads.net"
FIELDS = "id,text,media_type,permalink,timestamp,username,has_replies,is_quote_post,is_reply"
WEEK = 7 * 86400.0
SEARCHES_PER_WEEK = 500  # Meta's keyword-search cap per user, rolling 7 days
_ID = re.compile(r"^[0-9]{1,25}$")


def parse_post(post: Any, observed_at: datetime, brand: BrandQuery | None = None) -> Observation | None:
    """One keyword-search result (a Threads media object) as an Observation, or ``None`` when it has no
    usable id or time. A post without text (an image alone) keeps an empty text."""
    if (found := identify(post, "timestamp")) is None:
        return None
    username, link = _text(post.get("username")), _text(post.get("permalink"))
    own = brand.handles.get("threads", "").lstrip("@").casefold() if brand else ""
    return Observation(
        source="threads", id=found[0], url=link if link and link.startswith("https://") else None,
        kind="comment" if post.get("is_reply") is True else "post", text=_text(post.get("text")) or "",
        author=Author(id=username, handle=username), created_at=found[1], observed_at=observed_at,
        brand=brand.name if brand else None, by_brand=bool(own and username and username.casefold() == own))


class ThreadsConfig(MetaConfig):
    """``[sources.threads]``: a Threads access token with threads_keyword_search; 500 searches a week."""

    needs_hint: ClassVar[str] = "Threads' keyword search needs an access token with threads_keyword_search"
    from_env: ClassVar[Mapping[str, str]] = {"access_token": "THREADS_ACCESS_TOKEN"}

    interval: Interval = 1800.0
    budget: BudgetConfig | None = BudgetConfig(requests=SEARCHES_PER_WEEK, per=WEEK)
    max_pages: int = Field(default=2, ge=1, le=20)
    api_version: str = Field(default="v1.0", pattern=r"^v[0-9]{1,3}\.[0-9]{1,2}$")
    limit: int = Field(default=25, ge=1, le=100)  # posts per page (the API's default 25, at most 100)

    def source_options(self) -> dict[str, Any]:
        return {**super().source_options(), "limit": self.limit}

    def limits(self) -> list[tuple[str, int, float]]:
        """The budget set, and Meta's weekly cap on searches whenever the budget leaves requests out."""
        out = super().limits()
        if not any(unit == "requests" for unit, _, _ in out):
            out.append(("requests", SEARCHES_PER_WEEK, WEEK))
        return out


class ThreadsSource(MetaSource):
    color = "#495057"  # its line in the charts
    name = "threads"
    config_model = ThreadsConfig
    api = API
    permissions = "threads_basic and threads_keyword_search"

    def __init__(self, *, limit: int = 25, **options: Any):
        super().__init__(**{"api_version": "v1.0", **options})
        self.limit = max(1, min(int(limit), 100))

    def poll(self, brands: Sequence[BrandQuery], cursor: dict[str, Any]) -> PollResult:
        observed_at = self._clock()
        old = as_dict(as_dict(cursor).get("brands"))
        states = {b.name: dict(as_dict(old.get(b.name))) for b in brands}
        out: list[Observation] = []
        error: SourceError | None = None
        for brand in brands:
            parse = partial(parse_post, observed_at=observed_at, brand=brand)
            for keyword in dict.fromkeys(k.strip().lower() for k in brand.keywords if k.strip()):
                params = {"q": keyword, "search_type": "RECENT", "fields": FIELDS, "limit": self.limit}
                read = lister(self.graph, f"/{self.version}/keyword_search", params, stamp="timestamp", since=True,
                              drops=self.drops)
                states[brand.name][keyword], error = walk(states[brand.name].get(keyword), read,
                                                          emitter(parse, out, self.drops, _checker(brand)),
                                                          max_pages=self.max_pages, start=observed_at.timestamp())
                if error is not None:
                    break
            if error is not None:
                break
        out = list({(obs.id, obs.brand): obs for obs in out}.values())  # found by two of a brand's keywords
        return outcome(out, _cursor(states, old), error)

    def refresh(self, ids: Sequence[str]) -> list[Observation]:
        """Nothing to re-read: Threads shows a post's counts to its author only."""
        return []


def _checker(brand: BrandQuery) -> Callable[[Observation], bool]:
    """The search matches loosely: keep a post only if the brand's own matcher agrees."""
    matcher = BrandMatcher([brand])
    return lambda obs: obs.by_brand or matcher.match(replace(obs, brand=None)) is not None


def _cursor(states: dict[str, dict[str, Any]], old: dict[str, Any]) -> dict[str, Any]:
    brands = {**old, **{name: {k: v for k, v in s.items() if v} for name, s in states.items()}}
    return {"v": 1, "brands": {name: s for name, s in brands.items() if s}}
