"""The ``[alerts]`` section of the config: routing and noise control, and what every channel's section
shares (each channel's own keys are in its module, registered in ``alerts.CHANNELS``).

Vocabulary from Alertmanager: a *route* sends matching alerts to channels, a *silence* mutes alerts
that match it for a time, *quiet hours* mute everything below ``critical`` at night, and
``repeat_interval`` reminds about an incident nobody acknowledged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, ClassVar, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic.dataclasses import dataclass

from monitor.config.checks import spelled
from monitor.config.durations import DAY, between, written_duration
from monitor.config.plugins import Sections
from monitor.models import MIN_KEYWORD, Silence

TierName = Literal["watch", "warning", "critical"]
ClockTime = Annotated[str, spelled(re.compile(r"([01]\d|2[0-3]):[0-5]\d"), "a time of day like '22:00'")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _known_channels(names: list[str]) -> list[str]:
    known = AlertsConfig.registry()
    for name in names:
        if name not in known:
            raise ValueError(f"unknown channel {name!r} (known: {', '.join(known)})")
    return names


ChannelList = Annotated[list[str], AfterValidator(_known_channels)]


class ChannelSettings(_Strict):
    """The keys every ``[alerts.NAME]`` channel section has; a channel's model (in its module) adds its own."""

    enabled: bool = True

    @classmethod
    def absent(cls) -> Self | None:
        """The section when the config leaves it out: by default, no such channel."""
        return None

    def off_reason(self) -> str | None:
        """Why this channel would send nothing (its summary says ``off (<reason>)``), or None."""
        return None if self.enabled else "enabled = false"

    def describe(self) -> str:
        """Where an enabled channel sends, for ``check-config`` (``, via smtp.example.com:587``): never a secret."""
        return ""

    def summary(self) -> str:
        why = self.off_reason()
        return f"off ({why})" if why else "on" + self.describe()

    def problems(self) -> list[tuple[str, str]]:
        """Keys fine alone but not together, as (key, message); checked once the config is valid."""
        return []


class RouteConfig(_Strict):
    """Alerts matching every given condition go to ``channels``; the first matching route decides."""

    brands: list[str] = Field(default_factory=list)     # empty: any brand
    sources: list[str] = Field(default_factory=list)    # any of the incident's sources; empty: any
    min_tier: TierName | None = None                    # default: alerts.min_tier
    channels: ChannelList = Field(min_length=1)
    continue_: bool = Field(default=False, alias="continue")  # also try the routes after this one


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class SilenceConfig(Silence):
    """``[[alerts.silences]]``: a ``Silence`` (its fields are the keys) checked as the config's: it mutes
    alerts of a brand, of an author or containing a keyword (all given must match), and critical alerts
    only when it says ``critical = true``."""

    @field_validator("keyword")
    @classmethod
    def _a_real_word(cls, value: str | None) -> str | None:
        if value is not None and len(value.strip()) < MIN_KEYWORD:
            raise ValueError(f"a keyword needs at least {MIN_KEYWORD} characters (it matches whole words)")
        return value

    @model_validator(mode="after")
    def _matches_something(self) -> SilenceConfig:
        if self.ident is not None or self.created_by is not None:
            raise ValueError("ident and created_by belong to stored silences (monitor silence), not the config's")
        if not (self.brand or self.author or self.keyword):
            raise ValueError("a silence needs at least one of brand, author, keyword")
        if self.starts and self.ends and self.ends <= self.starts:
            raise ValueError("ends must be after starts")
        return self


class QuietHoursConfig(_Strict):
    """Between ``start`` and ``end`` (local time) only ``critical`` alerts go out."""

    start: ClockTime
    end: ClockTime
    timezone: str = "UTC"
    channels: ChannelList = Field(default_factory=list)   # empty: every channel

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (use an IANA name like 'Europe/Warsaw')") from None
        return v


class AlertsConfig(Sections):
    """``[alerts]``: routing and noise control, and one section per registered channel (``alerts.CHANNELS``)."""

    model_config = ConfigDict(populate_by_name=True)
    kind: ClassVar[str] = "channel"

    min_tier: TierName = "warning"
    # Remind about unacknowledged incidents this often; off when unset or 0. Under 10 minutes would flood.
    repeat_interval: Annotated[float, BeforeValidator(written_duration),
                               AfterValidator(between(600.0, 30 * DAY, zero_means_off=True))] | None = None
    default_channels: ChannelList | None = None  # where alerts no route matches go; default: every channel
    routes: list[RouteConfig] = Field(default_factory=list)
    silences: list[SilenceConfig] = Field(default_factory=list)
    quiet_hours: QuietHoursConfig | None = None

    @classmethod
    def registry(cls) -> Mapping[str, str]:
        from alerts import CHANNELS

        return CHANNELS

    def section(self, name: str) -> ChannelSettings | None:
        section: ChannelSettings | None = getattr(self, name)
        return section

    @field_validator("repeat_interval")
    @classmethod
    def _zero_is_off(cls, v: float | None) -> float | None:
        return v or None
