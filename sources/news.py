"""News: articles from RSS/Atom feeds (feedparser), a news-search feed per brand plus the feeds a user
lists (a local TV station, a trade paper). No key needed.

An article is an observation of kind ``article``, source ``news``; its text is the title, the summary
and every link the article carries, one per line, so the pipeline's shared-URL join sees an article
that links a post the monitor holds. Kept: articles that name a brand, and articles of listed feeds
that link a post on a social platform. Feeds are fetched conditionally (ETag / Last-Modified); the
cursor keeps, per feed, the validators and a bounded list of the entry ids already seen.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote_plus, urlsplit

import feedparser  # type: ignore[import-untyped, unused-ignore]
from pydantic import Field, field_validator

from monitor.brands import BrandMatcher
from monitor.config.durations import Interval, Window
from monitor.config.sources import SourceBase, http_urls
from monitor.errors import RateLimited, SourceError
from monitor.interfaces import Clock
from monitor.models import Author, BrandQuery, Observation, PollResult
from monitor.sanitize import valid_time
from sources._http import as_dict
from sources._limits import DEFAULT_MAX_BYTES, DEFAULT_REQUEST_DEADLINE
from sources._rest import RestSource, bounded, strip_html, with_links

API = "https://news.google.com"
SEARCH_PATH = "/rss/search?q={query}&hl=en-US&gl=US&ceid=US:en"
SEEN_LIMIT = 500
MAX_ID = 128
_SOCIAL = re.compile(r"https?://(?:[\w-]+\.)*(?:reddit\.com|redd\.it|x\.com|twitter\.com|bsky\.app|"
                     r"news\.ycombinator\.com|mastodon\.[\w.]+|threads\.net|facebook\.com|tiktok\.com)/\S+",
                     re.IGNORECASE)


def search_query(brand: BrandQuery) -> str:
    """``"acme air" OR acmeair -"acme air fryer"`` (the common news-search syntax)."""
    terms = [f'"{k.strip()}"' if " " in k.strip() else k.strip() for k in brand.keywords if k.strip()]
    return " OR ".join(terms) + "".join(f' -"{e.strip()}"' for e in brand.exclude if e.strip())


def _time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return valid_time(datetime.fromtimestamp(calendar.timegm(value), UTC))
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def parse_entry(entry: Any, observed_at: datetime, feed_title: str | None = None) -> Observation | None:
    """One feedparser entry as an article Observation, or ``None`` when it has no id or link."""
    link = entry.get("link") if isinstance(entry.get("link"), str) else None
    ident = entry.get("id") if isinstance(entry.get("id"), str) and entry.get("id") else link
    if not ident:
        return None
    if len(ident) > MAX_ID:
        ident = "sha1:" + hashlib.sha1(ident.encode(), usedforsecurity=False).hexdigest()
    title, _ = strip_html(entry.get("title") or "")
    parts: list[str] = []
    links: list[str] = [link] if link else []
    for html in [entry.get("summary") or "", *(c.get("value") or "" for c in entry.get("content") or [])]:
        text, found = strip_html(html)
        if text and text not in parts and text != title:
            parts.append(text)
        links += found
    links += [x.get("href") for x in entry.get("links") or [] if isinstance(x.get("href"), str)]
    source = as_dict(entry.get("source"))
    publisher = source.get("title") if isinstance(source.get("title"), str) else feed_title
    created = _time(entry) or observed_at
    body = "\n\n".join([title, *parts]).strip()
    return Observation(source="news", id=ident, url=link, kind="article", text=with_links(body, links),
                       author=Author(handle=entry.get("author") or publisher or None), created_at=created,
                       observed_at=observed_at)


class NewsConfig(SourceBase):
    """``[sources.news]``: a news-search feed per brand and the RSS/Atom feeds listed. No key."""

    min_interval: ClassVar[float] = 900.0
    min_reason: ClassVar[str] = "news-search feeds refresh every 15 minutes or so and block clients that ask more often"
    interval: Interval = 900.0
    search: bool = True  # one news-search feed per brand at api_base_url + search_path
    search_path: str = SEARCH_PATH
    feeds: list[str] = Field(default_factory=list)  # more RSS/Atom feeds (full URLs)
    max_age: Window = 7 * 86400.0

    @field_validator("feeds")
    @classmethod
    def _feeds(cls, v: list[str]) -> list[str]:
        return http_urls(v)

    @field_validator("search_path")
    @classmethod
    def _query(cls, v: str) -> str:
        if "{query}" not in v:
            raise ValueError("search_path must contain {query}")
        return v


class NewsSource(RestSource):
    color = "#7048e8"  # its line in the charts
    name = "news"
    config_model = NewsConfig

    @classmethod
    def from_config(cls, config: NewsConfig, *, clock: Clock) -> NewsSource:
        return cls(clock=clock, search_path=config.search_path, search=config.search, feeds=config.feeds,
                   max_age=config.max_age, **config.http_options())

    def __init__(self, *, clock: Callable[[], datetime], api_base_url: str | None = None,
                 search_path: str = SEARCH_PATH, search: bool = True, feeds: Sequence[str] = (),
                 max_age: float = 7 * 86400.0, timeout: float = 20.0, max_response_size: int = DEFAULT_MAX_BYTES,
                 request_deadline: float = DEFAULT_REQUEST_DEADLINE):
        if search and "{query}" not in search_path:
            raise ValueError("search_path must contain {query}")
        self.search_path = search_path if search else None
        self.feeds = tuple(dict.fromkeys(feeds))
        self.max_age = max_age
        super().__init__(api_base_url or API, clock=clock, timeout=timeout, max_response_size=max_response_size,
                         request_deadline=request_deadline)

    def poll(self, brands: Sequence[BrandQuery], cursor: dict[str, Any]) -> PollResult:
        observed_at = self._clock()
        old = as_dict(as_dict(cursor).get("feeds"))
        states: dict[str, dict[str, Any]] = {}
        matcher = BrandMatcher(list(brands))
        out: list[Observation] = []
        targets: list[tuple[str, str, BrandQuery | None]] = []
        if self.search_path is not None:
            targets += [(f"search:{b.name}", self.search_path.replace("{query}", quote_plus(search_query(b))), b)
                        for b in brands if any(k.strip() for k in b.keywords)]
        targets += [(url, url, None) for url in self.feeds]
        errors: list[SourceError] = []
        limited: set[str] = set()
        for key, url, brand in targets:
            host = urlsplit(url if "://" in url else self._http.base_url).netloc
            if host in limited:
                continue  # rate limited there a moment ago: the other queries wait for the next poll
            try:
                states[key] = self._feed(url, as_dict(old.get(key)), brand, matcher, observed_at, out)
            except SourceError as exc:  # one feed failing does not stop the others; its state stays
                errors.append(exc)
                if isinstance(exc, RateLimited):
                    limited.add(host)
        if errors and not states:
            raise errors[0]
        note = "; ".join(dict.fromkeys(str(e) for e in errors)) or None
        return PollResult(out, {"v": 1, "feeds": {**old, **states}}, partial=bool(errors), note=note)

    def refresh(self, ids: Sequence[str]) -> list[Observation]:
        """Feeds report no engagement: nothing to re-read."""
        return []

    def _feed(self, url: str, state: dict[str, Any], brand: BrandQuery | None, matcher: BrandMatcher,
              observed_at: datetime, out: list[Observation]) -> dict[str, Any]:
        """Read one feed; append its new, relevant articles to ``out``; return the feed's new state."""
        headers = {k: v for k, v in (("If-None-Match", state.get("etag")), ("If-Modified-Since", state.get("modified")))
                   if isinstance(v, str) and v}
        response = self._http.get(url, headers=headers, raw=True)
        if response.status_code == 304:
            return state
        parsed = feedparser.parse(response.content, response_headers={k.lower(): v for k, v in response.headers.items()})
        if parsed.get("bozo") and not parsed.get("entries"):
            raise SourceError(f"news: {url.split('?', 1)[0]}: not an RSS/Atom feed")
        self.usage["reads"] += len(parsed.entries)
        seen = [s for s in state.get("seen") or [] if isinstance(s, str)]
        known = set(seen)
        title = parsed.feed.get("title") if isinstance(parsed.feed.get("title"), str) else None
        oldest = observed_at - timedelta(seconds=self.max_age)
        for entry in parsed.entries:
            obs = parse_entry(entry, observed_at, title)
            if obs is None:
                self.drops.add("post")
                continue
            if obs.id in known:
                continue
            known.add(obs.id)
            seen.append(obs.id)
            if obs.created_at < oldest:
                continue
            name = brand.name if brand is not None and BrandMatcher([brand]).match(obs) else matcher.match(obs)
            if name is not None:
                out.append(replace(obs, brand=name))
            elif brand is None and _SOCIAL.search(obs.text):
                out.append(obs)  # links a post: the pipeline joins it to that post's story, or drops it
        new = {"seen": bounded(seen, SEEN_LIMIT)}
        new |= {k: response.headers[h] for k, h in (("etag", "ETag"), ("modified", "Last-Modified")) if response.headers.get(h)}
        return new
