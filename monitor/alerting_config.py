"""The ``[alerts]`` section of the config: channels, routing and noise control.

Vocabulary from Alertmanager: a *route* sends matching alerts to channels, a *silence* mutes alerts
that match it for a time, *quiet hours* mute everything below ``critical`` at night, and
``repeat_interval`` reminds about an incident nobody acknowledged.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from monitor.durations import DAY, Timeout, between, parse_duration

TierName = Literal["watch", "warning", "critical"]
Duration = Annotated[float, BeforeValidator(parse_duration)]
CHANNEL_NAMES = ("console", "slack", "webhook", "email")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _known_channels(names: list[str]) -> list[str]:
    for name in names:
        if name not in CHANNEL_NAMES:
            raise ValueError(f"unknown channel {name!r} (known: {', '.join(CHANNEL_NAMES)})")
    return names


ChannelList = Annotated[list[str], AfterValidator(_known_channels)]


class ConsoleAlertConfig(_Strict):
    enabled: bool = True


class SlackAlertConfig(_Strict):
    """A bot token (messages updated in place, threads, buttons) or an incoming webhook (neither)."""

    enabled: bool = True
    bot_token: str | None = None
    app_token: str | None = None        # xapp-…: Socket Mode for the buttons (no public URL needed)
    webhook_url: str | None = None      # instead of bot_token: simpler, but no updates, threads or buttons
    channel: str = ""                   # the channel ID (C0123ABCD) or "#name"; required with bot_token
    api_base_url: str | None = None
    timeout: Timeout = 20.0
    max_posts: int = Field(default=5, ge=0, le=20)
    buttons: bool = True

    @model_validator(mode="after")
    def _one_way_in(self) -> SlackAlertConfig:
        if self.bot_token and self.webhook_url:
            raise ValueError("give bot_token or webhook_url, not both")
        if self.app_token and not self.app_token.startswith("xapp-"):
            raise ValueError("app_token must be an app-level token (xapp-…) with connections:write")
        return self


class WebhookAlertConfig(_Strict):
    """A JSON POST per alert, signed with HMAC-SHA256 over ``timestamp.body`` when ``secret`` is set."""

    enabled: bool = True
    url: str
    secret: str | None = None
    timeout: Timeout = 10.0

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        if v and not v.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return v


class EmailAlertConfig(_Strict):
    enabled: bool = True
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True               # upgrade the connection before logging in (port 587)
    ssl: bool = False                   # implicit TLS instead (port 465)
    username: str | None = None
    password: str | None = None
    sender: str = Field(min_length=3)
    to: list[str] = Field(min_length=1)
    timeout: Timeout = 20.0

    @model_validator(mode="after")
    def _one_tls(self) -> EmailAlertConfig:
        if self.ssl and self.starttls:
            raise ValueError("set ssl = true (port 465) or starttls = true (port 587), not both")
        return self


class RouteConfig(_Strict):
    """Alerts matching every given condition go to ``channels``; the first matching route decides."""

    brands: list[str] = Field(default_factory=list)     # empty: any brand
    sources: list[str] = Field(default_factory=list)    # any of the incident's sources; empty: any
    min_tier: TierName | None = None                    # default: alerts.min_tier
    channels: ChannelList = Field(min_length=1)
    continue_: bool = Field(default=False, alias="continue")  # also try the routes after this one


class SilenceConfig(_Strict):
    """Mute alerts of a brand, of an author or containing a keyword (all given must match)."""

    brand: str | None = None
    author: str | None = None
    keyword: str | None = None
    starts: datetime | None = None
    ends: datetime | None = None
    comment: str = ""

    @model_validator(mode="after")
    def _matches_something(self) -> SilenceConfig:
        if not (self.brand or self.author or self.keyword):
            raise ValueError("a silence needs at least one of brand, author, keyword")
        if self.starts and self.ends and self.ends <= self.starts:
            raise ValueError("ends must be after starts")
        return self


class QuietHoursConfig(_Strict):
    """Between ``start`` and ``end`` (local time) only ``critical`` alerts go out."""

    start: str
    end: str
    timezone: str = "UTC"
    channels: ChannelList = Field(default_factory=list)   # empty: every channel

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        if not _CLOCK.match(v):
            raise ValueError(f"{v!r} is not a time of day like '22:00'")
        return v

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (use an IANA name like 'Europe/Warsaw')") from None
        return v


class AlertsConfig(_Strict):
    min_tier: TierName = "warning"
    # Remind about unacknowledged incidents this often; off when unset or 0. Under 10 minutes would flood.
    repeat_interval: Annotated[float, BeforeValidator(parse_duration),
                               AfterValidator(between(600.0, 30 * DAY, zero_means_off=True))] | None = None
    default_channels: ChannelList | None = None  # where alerts no route matches go; default: every channel
    console: ConsoleAlertConfig = Field(default_factory=ConsoleAlertConfig)
    slack: SlackAlertConfig | None = None
    webhook: WebhookAlertConfig | None = None
    email: EmailAlertConfig | None = None
    routes: list[RouteConfig] = Field(default_factory=list)
    silences: list[SilenceConfig] = Field(default_factory=list)
    quiet_hours: QuietHoursConfig | None = None

    @field_validator("repeat_interval")
    @classmethod
    def _zero_is_off(cls, v: float | None) -> float | None:
        return v or None
