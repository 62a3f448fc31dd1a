"""Records shared by sources, the pipeline and alert channels. Frozen: nobody edits a record in place."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

METRIC_NAMES = ("likes", "reposts", "replies", "quotes", "views", "score")
ENGAGEMENT_METRICS = ("likes", "reposts", "replies", "quotes", "score")  # what spreads a post: not views
KINDS = ("post", "comment", "article", "review")
RATING_RANGE = (1, 5)  # a review's stars, as the app stores and review sites give them
LOW_STARS = 2  # a review of this many stars or fewer is a low rating: a complaint, whatever its words


# A count as a platform reports it (likes, followers, points; monitor.sanitize.valid_count's rule):
# ``None`` when the platform does not say, which is unknown, never zero.
Count = int | None


@dataclass(frozen=True)
class Author:
    id: str | None = None
    handle: str | None = None
    followers: Count = None
    verified: bool | None = None


@dataclass(frozen=True)
class Metrics:
    """Engagement counts as the platform reports them."""

    likes: Count = None
    reposts: Count = None
    replies: Count = None
    quotes: Count = None
    views: Count = None
    score: Count = None

    def engagement(self) -> int:
        """One comparable number: interactions that spread a post (``ENGAGEMENT_METRICS``; views excluded)."""
        return sum(v for k in ENGAGEMENT_METRICS if (v := getattr(self, k)))


@dataclass(frozen=True)
class Observation:
    """What a poller saw of one post at one moment (CONTRACT.md, "Observation JSONL")."""

    source: str
    id: str
    text: str
    created_at: datetime
    observed_at: datetime
    url: str | None = None
    kind: str = "post"
    lang: str | None = None
    author: Author = field(default_factory=Author)
    metrics: Metrics = field(default_factory=Metrics)
    in_reply_to: str | None = None
    conversation_id: str | None = None
    brand: str | None = None
    # A review's stars (1-5); None for everything that is not a review.
    rating: int | None = None
    # Set by a source that knows the brand wrote it (a developer's answer to a review, a post on the
    # brand's own page by the page); otherwise the brand's configured handles decide.
    by_brand: bool = False
    # Unknown JSONL fields, kept so that an export round-trips what it was given.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.id)


def event_order(obs: Observation) -> tuple[datetime, datetime, str, str]:
    """The order in which observations are judged, in the daemon and in replay alike: by when they were
    seen, then written (a poll's page comes newest first), then source and id."""
    return obs.observed_at, obs.created_at, obs.source, obs.id


@dataclass(frozen=True)
class BrandQuery:
    """What a source needs to know of a brand to search for it."""

    name: str
    keywords: tuple[str, ...]
    handles: dict[str, str] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class PollResult:
    """One poll's harvest. ``cursor`` is stored in the same transaction as the observations."""

    observations: list[Observation]
    cursor: dict[str, Any]
    # Set when the source stopped early (rate limit, error) and the cursor was not advanced.
    partial: bool = False
    note: str | None = None


@dataclass(frozen=True)
class MentionScore:
    """Per-mention scores (CONTRACT.md, "monitor score output")."""

    lang: str
    sentiment: float
    complaint: float
    is_complaint: bool
    cues: tuple[str, ...]
    score: float
    lang_supported: bool = True


class Tier(enum.IntEnum):
    none = 0
    watch = 1
    warning = 2
    critical = 3

    @classmethod
    def parse(cls, name: str) -> Tier:
        try:
            return cls[name]
        except KeyError:
            raise ValueError(f"unknown tier {name!r}; expected one of watch, warning, critical") from None


@dataclass(frozen=True)
class AlertEvent:
    """A decision to tell a human about an incident: what channels render and send."""

    incident: str
    brand: str
    tier: Tier
    at: datetime
    score: float
    mentions: int
    authors: int
    sources: tuple[str, ...]
    reasons: tuple[str, ...]
    first_seen: datetime
    previous_tier: Tier = Tier.none
    top_posts: tuple[dict[str, Any], ...] = ()
    test: bool = False
    replay: bool = False


@dataclass(frozen=True)
class IncidentStatus:
    """What people did with an incident (``incident_actions``): the router reads it before an alert."""

    acknowledged: bool = False
    snoozed_until: datetime | None = None
    not_complaint: bool = False


@dataclass(frozen=True)
class Silence:
    """Mutes the alerts of incidents all its given matchers match, from ``starts`` to ``ends``
    (``[[alerts.silences]]`` or ``monitor silence``). An author or keyword matches when every key post
    of the incident has it, so a silence never hides an incident that other people are driving; a
    keyword is a whole word or phrase (of at least ``MIN_KEYWORD`` characters), so "a" matches no post
    that merely contains the letter. A critical alert is muted only by a silence that says so
    (``critical``): a story that turned critical while someone muted its small beginnings is shown."""

    brand: str | None = None
    author: str | None = None
    keyword: str | None = None
    starts: datetime | None = None
    ends: datetime | None = None
    comment: str = ""
    critical: bool = False  # mutes critical alerts too
    ident: int | None = None  # a stored silence's id (``monitor unsilence``); None for the config's
    created_by: str | None = None

    def active(self, at: datetime) -> bool:
        return (self.starts is None or self.starts <= at) and (self.ends is None or at < self.ends)

    def state(self, at: datetime) -> str:
        """"active", "to come" or "ended" at ``at``: the words the CLI and the pages show."""
        return "ended" if self.ends is not None and self.ends <= at else "active" if self.active(at) else "to come"

    def matches(self, event: AlertEvent) -> bool:
        if event.tier >= Tier.critical and not self.critical:
            return False
        posts = event.top_posts
        if self.brand and self.brand.casefold() != event.brand.casefold():
            return False
        if self.author:
            who = self.author.lstrip("@").casefold()
            if not posts or any(str(p.get("author") or "").lstrip("@").casefold() != who for p in posts):
                return False
        if self.keyword:
            word = keyword_pattern(self.keyword)
            if not posts or any(word.search(str(p.get("text") or "")) is None for p in posts):
                return False
        return True


MIN_KEYWORD = 3  # characters of a silence's keyword: shorter ones match everything


def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """A silence's keyword as a whole word or phrase, case-insensitive ("refund" is not in "refunded")."""
    return re.compile(r"(?<!\w)" + re.escape(keyword.strip()) + r"(?!\w)", re.IGNORECASE)


PAGES = "/incidents"  # where the daemon serves the incident pages (monitor/web/pages.py)


def incident_url(public_url: str | None, incident: str) -> str | None:
    """The address of an incident's page under ``[web] public_url`` (what a channel links to), if any."""
    if not public_url:
        return None
    return f"{public_url.rstrip('/')}{PAGES}/{quote(incident, safe='')}"
