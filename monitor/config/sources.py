"""The ``[sources.*]`` sections of the config: what every source's section shares, and the section
holding one per registered source (``sources.SOURCES``). Each source's own keys are in its module.

A source that ``needs`` credentials (Reddit, X) stays off without them and says why; a keyless one
(news, Hacker News, Bluesky, Mastodon) is on when its section is present (the embedded defaults list
every registered source) and off when a config file leaves it out. Every source takes
``api_base_url`` (CONTRACT.md) and an optional ``budget`` of requests or reads per period (monitor/daemon/quota.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, BeforeValidator, ByteSize, ConfigDict, Field, model_validator

from monitor.config.durations import Interval, Timeout, Window, format_duration, parse_duration
from monitor.config.plugins import Sections

Duration = Annotated[float, BeforeValidator(parse_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def http_urls(values: list[str]) -> list[str]:
    """A validator for lists of full URLs (extra feeds, extra instances)."""
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
    """The keys every ``[sources.NAME]`` section has; a source's model adds its own."""

    needs: ClassVar[tuple[str, ...]] = ()  # credentials (secret keys) without which the source stays off
    needs_hint: ClassVar[str] = ""  # what the API needs, in words, for the reason it is off
    from_env: ClassVar[Mapping[str, str]] = {}  # key -> environment variable, in the embedded defaults
    min_interval: ClassVar[float] = 1.0  # the shortest poll interval its API's terms or caching allow
    min_reason: ClassVar[str] = ""

    enabled: bool = True
    interval: Interval = 300.0
    api_base_url: str | None = None
    timeout: Timeout = 20.0  # per socket operation: connecting, and each wait for more of the answer
    # A hostile or broken API cannot hold a poll (a trickled answer) or the memory (a gzip bomb):
    request_deadline: Duration = Field(default=60.0, gt=0, le=86400)  # one whole answer
    poll_deadline: Duration = Field(default=300.0, gt=0, le=86400)  # one whole poll or re-read, every request
    max_response_size: ByteSize = Field(default=ByteSize(8 * 2**20), ge=64 * 1024, le=2**30)  # decoded; "8MiB"
    budget: BudgetConfig | None = None

    @classmethod
    def absent(cls) -> Self:
        """The section when the config leaves it out: a source with credentials waits for them, a
        keyless one is off."""
        return cls() if cls.needs else cls(enabled=False)

    def idle(self) -> str | None:
        """Why the section, though on and lacking no credential, gives its source nothing to read (an
        App Store source with no app listed), or None. Such a source is off on purpose, quietly."""
        return None

    def missing(self) -> list[str]:
        """The credentials this section lacks."""
        return [key for key in self.needs if not getattr(self, key)]

    def limits(self) -> list[tuple[str, int, float]]:
        """(unit, limit, seconds) of each budget this section sets; a source adds its own keys' (X's
        ``reads_per_day``)."""
        b = self.budget
        return [(unit, n, float(b.per)) for unit, n in (("requests", b.requests), ("reads", b.reads)) if n] if b else []

    def http_options(self) -> dict[str, Any]:
        """What every source's constructor takes for its HTTP client."""
        return {"api_base_url": self.api_base_url, "timeout": self.timeout,
                "max_response_size": int(self.max_response_size), "request_deadline": self.request_deadline}

    def problems(self) -> list[tuple[str, str]]:
        """Keys fine alone but not together, as (key, message); checked once the config is valid. Here:
        an interval below what the source's API asks of its users (``min_interval``)."""
        if self.enabled and self.interval < self.min_interval:
            return [("interval", f"at least {format_duration(self.min_interval)} for this source ({self.min_reason})")]
        return []


class SourcesConfig(Sections):
    """``[sources]``: one section per registered source, named as in ``sources.SOURCES``."""

    kind: ClassVar[str] = "source"

    @classmethod
    def registry(cls) -> Mapping[str, str]:
        from sources import SOURCES

        return SOURCES

    def section(self, name: str) -> SourceBase:
        section: SourceBase = getattr(self, name)
        return section


OFF_ON_PURPOSE = ("no [sources.", "enabled = false")
NO_CREDENTIALS = "no credentials"  # how every reason for want of credentials begins (here and in settings)


def off_on_purpose(reason: str) -> bool:
    """Whether a source is off because the config says so (left out, switched off, or given nothing to
    read: ``SourceBase.idle``), not for want of credentials."""
    return reason.startswith(OFF_ON_PURPOSE) or not reason.startswith(NO_CREDENTIALS)


def why_off(name: str, section: SourceBase, off: Mapping[str, str], *, present: bool = True,
            hint: bool = True) -> str | None:
    """Why the daemon leaves source ``name`` off, or None (``off``: sections whose secrets are unset;
    ``present``: whether the config has a ``[sources.NAME]`` section at all; ``hint``: with where the
    credentials come from)."""
    if not section.needs and not section.enabled and not present:  # keyless: on when its section is there
        return f"no [sources.{name}] section"
    if not section.enabled:
        return "enabled = false"
    if f"sources.{name}" in off or section.missing():
        extra = f" ({section.needs_hint}; see README)" if section.needs_hint and hint else ""
        missing = section.missing()
        default = f"no credentials: set sources.{name}.{' and '.join(missing)}" if missing else "no credentials"
        return off.get(f"sources.{name}", default) + extra
    return section.idle()


def default_sections() -> str:
    """The ``[sources.*]`` part of the embedded defaults: every registered source, its credentials
    taken from the environment."""
    lines: list[str] = []
    for name in SourcesConfig.registry():
        model: type[SourceBase] = SourcesConfig.plugin(name).config_model
        lines += [f"[sources.{name}]", *(f'{key} = "${{{var}}}"' for key, var in model.from_env.items())]
    return "\n".join(lines)
