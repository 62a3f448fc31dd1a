"""Durations in config and on the command line: "90s", "2m", "1h30m", "7d", or plain seconds."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, ValidationInfo

from monitor.timestamps import format_timestamp as format_timestamp  # re-exported for the config's users
from monitor.timestamps import parse_timestamp

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: object) -> float:
    """Seconds in ``value``; raises ValueError with a message fit for a user."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as '90s', '5m' or '1h'")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError("a duration must be a finite number of seconds")
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return float(value)
    if not isinstance(value, str):
        raise ValueError("expected a duration such as '90s', '5m' or '1h'")
    text = value.strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    pos, total = 0, 0.0
    for m in _PART.finditer(text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(text) or not text:
        raise ValueError(f"{value!r} is not a duration; use e.g. '90s', '5m', '1h30m' or '7d'")
    return total


def format_duration(seconds: float) -> str:
    """``seconds`` in the largest unit that writes it whole ("90s", "10m", "7d")."""
    for unit in ("d", "h", "m", "s"):
        n = seconds / _UNITS[unit]
        if n >= 1 and n == int(n):
            return f"{int(n)}{unit}"
    return f"{seconds:g}s"


def between(low: float, high: float, *, zero_means_off: bool = False) -> Callable[[float], float]:
    """A check that a duration lies in [low, high] (or is 0 when that switches something off).

    ``inf``, ``nan``, 0 and ``1e308`` all parse as floats and all crash or spin a scheduler or a date
    computation later: they are refused at load, where the error can still name the key.
    """
    def check(value: float) -> float:
        if value == 0 and zero_means_off:
            return value
        if not low <= value <= high:
            off = " (or 0 for off)" if zero_means_off else ""
            raise ValueError(f"must be between {format_duration(low)} and {format_duration(high)}{off}")
        return value

    return check


WRITTEN = "written"  # validation context: the values come from a config file a person wrote


def written_duration(value: object, info: ValidationInfo) -> float:
    """A duration; in a config file (``info.context[WRITTEN]``) with its unit ("15m", "90s"): a bare
    number is refused (``interval = 15`` meant minutes more often than seconds), except 0, which
    switches a thing off. Code may give seconds as numbers."""
    seconds = parse_duration(value)
    bare = (isinstance(value, int | float) and not isinstance(value, bool)) or \
        (isinstance(value, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*", value) is not None)
    if bare and seconds != 0 and info.context and info.context.get(WRITTEN):
        raise ValueError(f"{value!r} has no unit: write '{value}s' for seconds, '{value}m' for minutes "
                         "(or h, d)")
    return seconds


DAY = 86400.0
Interval = Annotated[float, BeforeValidator(written_duration), AfterValidator(between(1.0, 7 * DAY))]
"""How often a job runs."""
Timeout = Annotated[float, BeforeValidator(written_duration), AfterValidator(between(0.1, 600.0))]
"""How long one request may take."""
Window = Annotated[float, BeforeValidator(written_duration), AfterValidator(between(1.0, 3650 * DAY))]
"""How far back or ahead something is looked at."""
Jitter = Annotated[float, BeforeValidator(written_duration), AfterValidator(between(0.0, 3600.0))]
Keep = Annotated[float, BeforeValidator(written_duration),
                 AfterValidator(between(60.0, 36500 * DAY, zero_means_off=True))]
"""How long rows are kept (0: for ever)."""


MAX_SINCE = 3650 * DAY  # the longest look back a user may type (``--since``, ``?since=``): the longest window


def since_spec(value: str, now: datetime) -> datetime:
    """``--since`` accepts a timestamp or a duration ago ("24h", at most ten years)."""
    try:
        return parse_timestamp(value)
    except ValueError:
        pass
    try:
        seconds = parse_duration(value)
    except ValueError:
        raise ValueError(f"{value!r} is neither an ISO 8601 timestamp nor a duration like '24h'") from None
    if seconds > MAX_SINCE:
        raise ValueError(f"{value!r} reaches too far back (at most {MAX_SINCE / DAY:.0f}d)")
    return now - timedelta(seconds=seconds)
