"""App Store: the customer reviews of the apps listed, from Apple's public RSS feed in JSON (no key).

One feed per app and storefront (country):
``/{country}/rss/customerreviews/page={n}/id={app}/sortby=mostrecent/json``, 50 reviews a page,
10 pages at most, newest first. The feed has no filter by date, so each poll reads from page 1 down
until it reaches reviews it has read (``sources._pages``); the first poll reads page 1 only.

The feed's quirks: with one review, ``entry`` is an object, not a list; with none it is absent; old
feeds put the app's own record first on page 1 (no ``im:rating``), which is not a review. Review ids
are Apple's, unique across storefronts; an observation's id is ``<country>/<review id>``. A review has
no address of its own: its url is the app's reviews page in that storefront, marked with the review's
id (``#review-<id>``): an observation's url is its own address, and a url two posts share ties them
into one story, which the reviews of one app are not. The feed carries no developer answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from pydantic import Field, field_validator

from monitor.config.durations import Interval
from monitor.errors import SourceError
from monitor.models import RATING_RANGE, Author, BrandQuery, Metrics, Observation, PollResult
from sources._config import Entry, FromSection, SourceSection, brand_name
from sources._http import Drops, as_dict
from sources._http import count as _count
from sources._http import text_or_none as _text
from sources._limits import DEFAULT_MAX_BYTES, DEFAULT_REQUEST_DEADLINE
from sources._pages import FetchPage, Item, ListPoll, PagedList, dated, poll_lists, watched
from sources._rest import RestSource, parse_time

API = "https://itunes.apple.com"
REVIEWS_PAGE = "https://apps.apple.com/{country}/app/id{app}?see-all=reviews"
PAGE = 50  # reviews per page of the feed
MAX_PAGES = 10  # the feed offers 10 pages (500 reviews): nothing beyond
OVERLAP = 86400.0  # seconds behind the newest review: the feed is cached and runs late at times
_APP_ID = re.compile(r"^[0-9]{1,20}$")
_REVIEW_ID = re.compile(r"^[0-9]{1,30}$")
_COUNTRY = re.compile(r"^[a-z]{2}$")
_AUTHOR_ID = re.compile(r"/id([0-9]{1,30})(?:[/?]|$)")


def _label(node: Any) -> str | None:
    """The feed's ``{"label": "..."}`` wrapping, unwrapped (a string, or None)."""
    value = as_dict(node).get("label")
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return _text(value)


def entries(payload: Any) -> list[Any]:
    """The entries of one page of the feed (one entry comes as an object; none, as no key)."""
    feed = as_dict(payload).get("feed") if isinstance(payload, dict) else None
    if not isinstance(feed, dict):
        raise SourceError("appstore: the answer is not a customer-reviews feed")
    entry = feed.get("entry")
    if entry is None:
        return []
    return entry if isinstance(entry, list) else [entry]


def has_next(payload: Any, page: int) -> bool:
    """Whether the feed's links offer a page after ``page`` (``rel="next"`` beyond it, or ``last``)."""
    links = as_dict(as_dict(payload).get("feed")).get("link")
    found: dict[str, int] = {}
    for link in links if isinstance(links, list) else [links]:
        attrs = as_dict(as_dict(link).get("attributes"))
        rel, href = attrs.get("rel"), attrs.get("href")
        if isinstance(rel, str) and isinstance(href, str) and (m := re.search(r"/page=([0-9]{1,3})/", href)):
            found[rel] = int(m.group(1))
    if "next" in found:
        return found["next"] > page
    if "last" in found:
        return found["last"] > page
    return True  # no links: the page's size decides (the caller stops on a short page)


def rating(entry: Any, drops: Drops | None = None) -> int | None:
    """The review's stars, or None: no ``im:rating`` (not a review) or a number out of 1-5 (counted)."""
    raw = _label(as_dict(entry).get("im:rating"))
    if raw is None:
        return None
    stars = _count(raw, drops)
    lo, hi = RATING_RANGE
    if stars is None or not lo <= stars <= hi:
        if stars is not None and drops is not None:
            drops.add("number")
        return None
    return stars


def parse_entry(entry: Any, app: str, country: str, observed_at: datetime, brand: str | None = None,
                drops: Drops | None = None) -> Observation | None:
    """One review of the feed as an Observation, or None: not a review (the app's own record), no id,
    no usable date. Unusable numbers are made unknown and counted in ``drops``."""
    if not isinstance(entry, dict) or "im:rating" not in entry:
        return None
    ident = _label(entry.get("id"))
    created = parse_time(_label(entry.get("updated")))
    if ident is None or not _REVIEW_ID.match(ident) or created is None:
        return None
    stars = rating(entry, drops)
    title = _label(entry.get("title")) or ""
    content = _label(entry.get("content")) or ""
    text = f"{title}\n{content}" if title and content else title or content
    author = as_dict(entry.get("author"))
    name = _label(author.get("name"))
    uri = _label(author.get("uri")) or ""
    uid = m.group(1) if (m := _AUTHOR_ID.search(uri)) else None
    return Observation(
        source="appstore", id=f"{country}/{ident}", url=REVIEWS_PAGE.format(country=country, app=app) + f"#review-{ident}",
        kind="review", text=text, created_at=created, observed_at=observed_at,
        author=Author(id=uid or name, handle=name),
        metrics=Metrics(likes=_count(_label(entry.get("im:voteSum")), drops)),
        brand=brand, rating=stars)  # no conversation: the reviews of one app are not one thread


class AppConfig(Entry):
    """One app: ``{ id = "284882215", brand = "Acme", countries = ["us", "gb"] }``."""

    id: str
    brand: Annotated[str, brand_name("the app")]
    countries: list[str] = Field(default_factory=lambda: ["us"], min_length=1)

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, v: Any) -> str:
        v = str(v).strip().removeprefix("id") if isinstance(v, str | int) and not isinstance(v, bool) else v
        if not isinstance(v, str) or not _APP_ID.match(v):
            raise ValueError(f"an app id is the number in the app's App Store address (…/id284882215), got {v!r}")
        return v

    @field_validator("countries")
    @classmethod
    def _countries(cls, v: list[str]) -> list[str]:
        out = [c.strip().lower() for c in v]
        for c in out:
            if not _COUNTRY.match(c):
                raise ValueError(f"a storefront is a two-letter country code (\"us\", \"gb\"), got {c!r}")
        return list(dict.fromkeys(out))


class AppStoreConfig(SourceSection):
    """``[sources.appstore]``: the apps whose reviews to read. No key; off while no app is listed."""

    interval: Interval = 900.0  # Apple caches the feed; reviews arrive by the hour, not the second
    apps: list[AppConfig] = Field(default_factory=list)
    max_pages: int = Field(default=MAX_PAGES, ge=1, le=MAX_PAGES)

    def idle(self) -> str | None:
        return None if self.apps else "no apps configured"

    def source_options(self) -> dict[str, Any]:
        return {**super().source_options(), "apps": self.apps, "max_pages": self.max_pages}


class AppStoreSource(FromSection, RestSource):
    color = "#d6336c"  # its line in the charts
    name = "appstore"
    config_model = AppStoreConfig

    def __init__(self, *, clock: Callable[[], datetime], apps: Sequence[AppConfig] = (), api_base_url: str | None = None,
                 max_pages: int = MAX_PAGES, timeout: float = 20.0, max_response_size: int = DEFAULT_MAX_BYTES,
                 request_deadline: float = DEFAULT_REQUEST_DEADLINE):
        self.apps = list(apps)
        self.max_pages = max(1, min(MAX_PAGES, int(max_pages)))
        super().__init__(api_base_url or API, clock=clock, timeout=timeout, max_response_size=max_response_size,
                         request_deadline=request_deadline)

    def poll(self, brands: Sequence[BrandQuery], cursor: dict[str, Any]) -> PollResult:
        observed_at = self._clock()
        lists: list[PagedList] = [
            (f"{app.id}/{country}", self._fetch(app.id, country),
             partial(parse_entry, app=app.id, country=country, observed_at=observed_at, brand=brand, drops=self.drops))
            for app, brand in watched(self.apps, brands) for country in app.countries]
        how = ListPoll("appstore", "feeds", self.drops, max_pages=self.max_pages, per_page=PAGE, overlap=OVERLAP)
        return poll_lists(how, lists, cursor)

    def _fetch(self, app: str, country: str) -> FetchPage:
        def fetch(page: int) -> tuple[list[Item], bool]:
            payload = self._http.get(f"/{country}/rss/customerreviews/page={page}/id={app}/sortby=mostrecent/json")
            raw = entries(payload)
            self.usage["reads"] += len(raw)
            return dated(raw, _identify, self.drops), len(raw) >= PAGE and has_next(payload, page)

        return fetch

    def refresh(self, ids: Sequence[str]) -> list[Observation]:
        """Nothing: the feed has no look-up by review, and a review's helpful votes barely move."""
        return []


def _identify(entry: Any) -> tuple[str | None, datetime | None] | None:
    """A review's id (when plausible) and date, for its place in the feed; None for the app's own
    record, first on page 1 of old feeds: not a review."""
    if not isinstance(entry, dict):
        return None, None
    if "im:rating" not in entry:
        return None
    ident = _label(entry.get("id"))
    return (ident if ident is not None and _REVIEW_ID.match(ident) else None), parse_time(_label(entry.get("updated")))
