"""Trustpilot: the reviews of the business units listed, from the public Business Units API (an API key).

``GET /v1/business-units/{id}/reviews?perPage=100&page=N&orderBy=createdat.desc``, newest first,
optionally only some stars (``stars=1,2``) or one language. The list has no filter by date, so each
poll reads from page 1 down until it reaches reviews it has read (``sources._pages``); the first poll
reads page 1 only. The key goes in the ``apikey`` header (the API takes it there or in the query; a
header stays out of every logged URL).

A review's ``companyReply`` is the business answering: it becomes a second observation, a comment on
the review written by the brand (``by_brand``), dated when the reply was written. A reply written
after the review was read is not seen: the list is ordered by the reviews' dates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Annotated, Any, ClassVar

from pydantic import Field, field_validator

from monitor.errors import SourceError
from monitor.models import RATING_RANGE, Author, BrandQuery, Metrics, Observation, PollResult
from sources._config import ApiKeySection, Entry, FromSection, brand_name, matching
from sources._http import Drops, as_dict
from sources._http import count as _count
from sources._http import text_or_none as _text
from sources._limits import DEFAULT_MAX_BYTES, DEFAULT_REQUEST_DEADLINE
from sources._pages import FetchPage, Item, ListPoll, PagedList, dated, poll_lists, watched
from sources._rest import RestSource, parse_time

API = "https://api.trustpilot.com"
REVIEW_URL = "https://www.trustpilot.com/reviews/"
PER_PAGE = 100  # the API's maximum
OVERLAP = 3600.0  # seconds behind the newest review: reviews pass moderation before they are listed
HOURLY_LIMIT = 10_000  # requests an hour per key, the API's published rate limit
_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")
_LANGUAGE = re.compile(r"^(all|[a-z]{2}(-[A-Za-z]{2})?)$")


def stars(value: Any, drops: Drops | None = None) -> int | None:
    """A review's stars (1-5), or None; a number out of range is counted in ``drops``."""
    n = _count(value, drops)
    lo, hi = RATING_RANGE
    if n is not None and not lo <= n <= hi:
        if drops is not None:
            drops.add("number")
        return None
    return n


def parse_review(review: Any, unit: str, observed_at: datetime, brand: str | None = None,
                 drops: Drops | None = None) -> list[Observation]:
    """One review as an Observation, followed by its company reply if it has one; ``[]`` when the
    review is unusable (no id, no usable date). Unusable numbers are made unknown, counted in ``drops``."""
    if not isinstance(review, dict):
        return []
    ident, created = _text(review.get("id")), parse_time(review.get("createdAt"))
    if ident is None or not _ID.match(ident) or created is None:
        return []
    title, body = _text(review.get("title")) or "", _text(review.get("text")) or ""
    consumer = as_dict(review.get("consumer"))
    handle = _text(consumer.get("displayName"))
    url = REVIEW_URL + ident
    out = [Observation(
        source="trustpilot", id=ident, url=url, kind="review",
        text=f"{title}\n{body}" if title and body else title or body, lang=_text(review.get("language")),
        author=Author(id=_text(consumer.get("id")) or handle, handle=handle),
        created_at=created, observed_at=observed_at,
        metrics=Metrics(likes=_count(review.get("numberOfLikes"), drops)),
        conversation_id=ident, brand=brand, rating=stars(review.get("stars"), drops))]
    reply = review.get("companyReply")
    if isinstance(reply, dict):
        answered = parse_time(reply.get("createdAt"))
        if answered is not None and (text := _text(reply.get("text"))):
            out.append(Observation(
                source="trustpilot", id=f"{ident}/reply", url=url, kind="comment", text=text,
                author=Author(id=f"business-unit/{unit}", handle=brand), created_at=answered,
                observed_at=observed_at, in_reply_to=ident, conversation_id=ident, brand=brand, by_brand=True))
        elif drops is not None:
            drops.add("post")
    return out


def page_of(payload: Any) -> tuple[list[Any], bool]:
    """The reviews of one answer and whether it links a next page; SourceError if it is not one."""
    reviews = payload.get("reviews") if isinstance(payload, dict) else None
    if not isinstance(reviews, list):
        raise SourceError("trustpilot: the answer is not a list of reviews")
    links = payload.get("links")
    more = any(isinstance(link, dict) and link.get("rel") == "next-page" for link in links) \
        if isinstance(links, list) else False
    return reviews, more


class BusinessUnitConfig(Entry):
    """One business unit: ``{ id = "46d6a890000064000500e0c3", brand = "Acme" }``."""

    id: Annotated[str, matching(_ID, "a business unit id is letters and digits (find it with "
                                     "/v1/business-units/find), got {v!r}", strip=True)]
    brand: Annotated[str, brand_name("the business unit")]


class TrustpilotConfig(ApiKeySection):
    """``[sources.trustpilot]``: an API key and the business units whose reviews to read."""

    needs_hint: ClassVar[str] = "Trustpilot's API needs an API key"
    from_env: ClassVar[Mapping[str, str]] = {"api_key": "TRUSTPILOT_API_KEY"}
    api_limit: ClassVar[tuple[str, int, float] | None] = ("requests", HOURLY_LIMIT, 3600.0)  # never run into 429s

    business_units: list[BusinessUnitConfig] = Field(default_factory=list)
    stars: list[int] = Field(default_factory=list)  # only these stars (e.g. [1, 2]); all when empty
    language: str | None = None  # only reviews in this language ("en"); all when unset
    max_pages: int = Field(default=5, ge=1, le=100)

    @field_validator("stars")
    @classmethod
    def _stars(cls, v: list[int]) -> list[int]:
        lo, hi = RATING_RANGE
        if any(not lo <= s <= hi for s in v):
            raise ValueError(f"stars are numbers from {lo} to {hi}, got {v}")
        return sorted(set(v))

    @field_validator("language")
    @classmethod
    def _language(cls, v: str | None) -> str | None:
        if v is not None and not _LANGUAGE.match(v):
            raise ValueError(f"a language is a code such as \"en\" or \"all\", got {v!r}")
        return v

    def idle(self) -> str | None:
        return None if self.business_units else "no business units configured"

    def source_options(self) -> dict[str, Any]:
        return {**super().source_options(), "business_units": self.business_units, "stars": self.stars,
                "language": self.language, "max_pages": self.max_pages}


class TrustpilotSource(FromSection, RestSource):
    color = "#00b67a"  # its line in the charts (Trustpilot's green)
    # A review's address (a post that links a review joins its thread): sources.post_link.
    post_link = re.compile(r"^(?:[a-z]{2}\.)?trustpilot\.com/reviews/([0-9a-f]{24})(?:[/?#]|$)")
    name = "trustpilot"
    config_model = TrustpilotConfig

    def __init__(self, *, api_key: str, clock: Callable[[], datetime],
                 business_units: Sequence[BusinessUnitConfig] = (), stars: Sequence[int] = (),
                 language: str | None = None, api_base_url: str | None = None, max_pages: int = 5,
                 timeout: float = 20.0, max_response_size: int = DEFAULT_MAX_BYTES,
                 request_deadline: float = DEFAULT_REQUEST_DEADLINE):
        if not api_key:
            raise ValueError("trustpilot: api_key is required")
        self._key = api_key
        self.units = list(business_units)
        self.stars = list(stars)
        self.language = language
        self.max_pages = max(1, int(max_pages))
        super().__init__(api_base_url or API, clock=clock, timeout=timeout, max_response_size=max_response_size,
                         request_deadline=request_deadline, secrets=[api_key])

    def poll(self, brands: Sequence[BrandQuery], cursor: dict[str, Any]) -> PollResult:
        observed_at = self._clock()
        lists: list[PagedList] = [
            (unit.id, self._fetch(unit.id), partial(parse_review, unit=unit.id, observed_at=observed_at, brand=brand,
                                                    drops=self.drops))
            for unit, brand in watched(self.units, brands)]
        how = ListPoll("trustpilot", "units", self.drops, max_pages=self.max_pages, per_page=PER_PAGE, overlap=OVERLAP,
                       check=_refused)
        return poll_lists(how, lists, cursor)

    def _fetch(self, unit: str) -> FetchPage:
        def fetch(page: int) -> tuple[list[Item], bool]:
            params: dict[str, Any] = {"perPage": PER_PAGE, "page": page, "orderBy": "createdat.desc"}
            if self.stars:
                params["stars"] = ",".join(str(s) for s in self.stars)
            if self.language:
                params["language"] = self.language
            payload = self._http.get(f"/v1/business-units/{unit}/reviews", params, headers={"apikey": self._key})
            reviews, more = page_of(payload)
            self.usage["reads"] += len(reviews)
            return dated(reviews, _identify, self.drops), more and len(reviews) > 0

        return fetch

    def refresh(self, ids: Sequence[str]) -> list[Observation]:
        """Nothing: a review's likes barely move, and the list is what the poll reads."""
        return []


def _identify(review: Any) -> tuple[str | None, datetime | None]:
    """A review's id (when plausible) and date, for its place in the list."""
    ident = _text(as_dict(review).get("id"))
    return (ident if ident is not None and _ID.match(ident) else None), parse_time(as_dict(review).get("createdAt"))


def _refused(exc: SourceError) -> None:
    """A refused key fails every business unit: said once, as the config's problem."""
    if any(f"HTTP {code}" in str(exc) for code in (401, 403)):
        raise SourceError(f"{exc}: check sources.trustpilot.api_key", permanent=True) from None
