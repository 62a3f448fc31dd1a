"""What the sources' config sections share beyond ``SourceBase``: building the source from its section
(``SourceSection.source_options``, ``FromSection.from_config``), an API's own published limit, the
section whose one credential is an API key, and the checks of a list's entries (an app, a business
unit, a channel) that each belong to a brand.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar, Self

from pydantic import AfterValidator, BaseModel, ConfigDict

from monitor.config.secrets import Secret, reveal
from monitor.config.sources import SourceBase
from monitor.interfaces import Clock


class SourceSection(SourceBase):
    """A ``[sources.NAME]`` section that says what its source's constructor takes (``source_options``)
    and, in ``api_limit``, the API's own published limit as (unit, limit, seconds): kept to unless the
    section's ``budget`` sets that unit itself, so that the source never runs into the API's refusals."""

    api_limit: ClassVar[tuple[str, int, float] | None] = None

    def source_options(self) -> dict[str, Any]:
        """What the source's constructor takes from the section, besides the clock: here the HTTP
        client's options; a section adds its own keys (secrets revealed)."""
        return self.http_options()

    def limits(self) -> list[tuple[str, int, float]]:
        out = super().limits()
        if self.api_limit is not None and not any(unit == self.api_limit[0] for unit, _, _ in out):
            out.append(self.api_limit)
        return out


class FromSection:
    """A source built from its section alone: ``from_config`` passes the clock and the section's
    ``source_options`` to the constructor."""

    config_model: ClassVar[type[SourceSection]]

    @classmethod
    def from_config(cls, config: SourceSection, *, clock: Clock) -> Self:
        build: Callable[..., Self] = cls
        return build(clock=clock, **config.source_options())


class ApiKeySection(SourceSection):
    """A section whose one credential is an API key (``api_key``, without which the source stays off);
    ``needs_hint`` says which API wants it and ``from_env`` where the embedded defaults read it from."""

    needs: ClassVar[tuple[str, ...]] = ("api_key",)

    api_key: Secret = None

    def source_options(self) -> dict[str, Any]:
        return {**super().source_options(), "api_key": reveal(self.api_key) or ""}


class Entry(BaseModel):
    """One entry of a section's list (an app, a business unit, a channel): its own keys only, fixed."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def matching(pattern: re.Pattern[str], message: str, *, strip: bool = False) -> AfterValidator:
    """A string field's check: the value (``strip``: trimmed) when ``pattern`` matches it, else
    ``ValueError(message)``, where ``{v!r}`` stands for the value as given."""

    def check(v: str) -> str:
        value = v.strip() if strip else v
        if not pattern.match(value):
            raise ValueError(message.format(v=v))
        return value

    return AfterValidator(check)


def brand_name(what: str) -> AfterValidator:
    """A ``brand`` field's check: the name trimmed, and not empty (``what``: the entry, for the error)."""

    def check(v: str) -> str:
        if not v.strip():
            raise ValueError(f"name the brand (one of [[brands]]) {what} belongs to")
        return v.strip()

    return AfterValidator(check)
