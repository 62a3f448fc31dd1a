"""The ``[sources.*]`` sections of the config: one model per platform, strict like the rest.

Reddit and X need credentials and stay off without them. The keyless sources (news, Hacker News,
Bluesky, Mastodon) are on when their section is present (the embedded defaults list them all) and off
when a config file leaves their section out. Every source takes ``api_base_url`` (CONTRACT.md) and an
optional ``budget`` of requests or reads per period (monitor/quota.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ByteSize, ConfigDict, Field, field_validator, model_validator

from monitor.durations import Interval, Timeout, Window, parse_duration

Duration = Annotated[float, BeforeValidator(parse_duration)]
SOURCE_NAMES = ("reddit", "x", "news", "hackernews", "bluesky", "mastodon")
KEYLESS = ("news", "hackernews", "bluesky", "mastodon")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _http_urls(values: list[str]) -> list[str]:
    for v in values:
        if not v.startswith(("http://", "https://")):
            raise ValueError(f"{v!r} is not an http(s) URL")
    return values


class BudgetConfig(_Strict):
    """At most ``requests`` API calls, or ``reads`` posts read (X bills per post), per ``per``."""

    requests: int | None = Field(default=None, ge=1)
    reads: int | None = Field(default=None, ge=1)
    per: Window = 900.0

    @model_validator(mode="after")
    def _something(self) -> BudgetConfig:
        if self.requests is None and self.reads is None:
            raise ValueError("a budget needs requests or reads (e.g. budget = { requests = 900, per = \"15m\" })")
        if self.per <= 0:
            raise ValueError("per must be a positive duration")
        return self


class SourceBase(_Strict):
    enabled: bool = True
    interval: Interval = 300.0
    api_base_url: str | None = None
    timeout: Timeout = 20.0  # per socket operation: connecting, and each wait for more of the answer
    # A hostile or broken API cannot hold a poll (a trickled answer) or the memory (a gzip bomb):
    request_deadline: Duration = Field(default=60.0, gt=0, le=86400)  # one whole answer
    poll_deadline: Duration = Field(default=300.0, gt=0, le=86400)  # one whole poll or re-read, every request
    max_response_size: ByteSize = Field(default=ByteSize(8 * 2**20), ge=64 * 1024, le=2**30)  # decoded; "8MiB"
    budget: BudgetConfig | None = None

    def kwargs(self) -> dict[str, Any]:
        """What the source's constructor takes from this section (keyless sources)."""
        skip = {"enabled", "interval", "budget", "poll_deadline"}
        return {k: (list(v) if isinstance(v, list) else v) for k, v in self if k not in skip}


class RedditConfig(SourceBase):
    client_id: str | None = None
    client_secret: str | None = None
    user_agent: str = "complaint-monitor (github.com/complaint-monitor)"
    interval: Interval = 120.0
    subreddits: list[str] = Field(default_factory=lambda: ["all"])
    include_comments: bool = True


class XConfig(SourceBase):
    bearer_token: str | None = None
    max_pages: int = Field(default=5, ge=1, le=100)
    reads_per_day: int | None = Field(default=None, ge=1)  # X bills per post read: a daily read budget


class NewsConfig(SourceBase):
    interval: Interval = 900.0
    search: bool = True  # one news-search feed per brand at api_base_url + search_path
    search_path: str = "/rss/search?q={query}&hl=en-US&gl=US&ceid=US:en"
    feeds: list[str] = Field(default_factory=list)  # more RSS/Atom feeds (full URLs)
    max_age: Window = 7 * 86400.0

    @field_validator("feeds")
    @classmethod
    def _feeds(cls, v: list[str]) -> list[str]:
        return _http_urls(v)

    @field_validator("search_path")
    @classmethod
    def _query(cls, v: str) -> str:
        if "{query}" not in v:
            raise ValueError("search_path must contain {query}")
        return v


class HackerNewsConfig(SourceBase):
    max_pages: int = Field(default=3, ge=1, le=20)


class BlueskyConfig(SourceBase):
    handle: str | None = None  # with app_password: log in (Bluesky turns keyless search off at times)
    app_password: str | None = None
    auth_base_url: str | None = None  # the account's PDS; default https://bsky.social
    max_pages: int = Field(default=3, ge=1, le=20)
    lang: str | None = None


class MastodonConfig(SourceBase):
    instances: list[str] = Field(default_factory=list)  # more instances besides api_base_url
    hashtags: list[str] = Field(default_factory=list)  # besides each brand keyword without spaces
    access_token: str | None = None  # enables /api/v2/search (full text) on the instances
    max_pages: int = Field(default=3, ge=1, le=20)

    @field_validator("instances")
    @classmethod
    def _instances(cls, v: list[str]) -> list[str]:
        return _http_urls(v)


class SourcesConfig(_Strict):
    reddit: RedditConfig = Field(default_factory=RedditConfig)
    x: XConfig = Field(default_factory=XConfig)
    # Keyless sources: on when their section is present, off when a config file leaves it out.
    news: NewsConfig = Field(default_factory=lambda: NewsConfig(enabled=False))
    hackernews: HackerNewsConfig = Field(default_factory=lambda: HackerNewsConfig(enabled=False))
    bluesky: BlueskyConfig = Field(default_factory=lambda: BlueskyConfig(enabled=False))
    mastodon: MastodonConfig = Field(default_factory=lambda: MastodonConfig(enabled=False))
