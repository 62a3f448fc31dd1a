"""Untrusted text made safe to store: no lone surrogates, no NUL bytes, bounded length; and the one
rule for counts and times that the sources and the JSONL parser share.

Posts come from the public and from APIs that may be hostile or broken: a lone surrogate cannot be
encoded as UTF-8 (SQLite and PostgreSQL refuse it), PostgreSQL refuses NUL in text, and a
multi-megabyte post must not cost megabytes in every table and alert. A like count of ``1e308`` or
``10**30`` overflows the incident arithmetic and the database's 64-bit integers, and a post dated in
year 1 or 9999 overflows date arithmetic: such values are refused where they are parsed.
"""

from __future__ import annotations

import dataclasses
import math
import re
from datetime import UTC, datetime

from monitor.models import Author, Observation

MAX_TEXT = 40_000  # Reddit's own limit for a post body; tweets are far shorter
MAX_FIELD = 2_000
# The largest real counts (a viral post's views, the biggest account's followers) stay below 10**11.
# Capped at 10**12, a post's engagement (five counts) and a brand's day of it fit in 64 bits with room
# to spare, and stay exact as floats.
MAX_COUNT = 10**12
# Posts dated outside these bounds are not posts of a social platform; the bounds keep every window
# and report computed from a post's date (days back, days ahead) inside datetime's range.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def valid_count(value: object) -> int:
    """A platform count (likes, followers, points) as an int; ``ValueError`` naming the problem.

    Numbers only (not ``True``), finite, at most ``MAX_COUNT`` either way. A negative count
    (Reddit's score of a downvoted post) counts as 0: as spread, it is none.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    if not -MAX_COUNT <= value <= MAX_COUNT:
        raise ValueError("is out of range (a count is at most 10^12)")
    return int(value) if value > 0 else 0


def valid_time(value: datetime) -> datetime:
    """``value`` (aware) if it lies between 1970 and 2100, else ``ValueError``."""
    if not EARLIEST <= value < LATEST:
        raise ValueError("is out of range (1970 to 2100)")
    return value


def clean_text(value: str, limit: int = MAX_TEXT) -> str:
    if len(value) > limit:
        value = value[:limit] + "…"
    if value.isascii():
        return value.replace("\x00", "") if "\x00" in value else value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value.replace("\x00", "")


def _opt(value: str | None) -> str | None:
    return None if value is None else clean_text(value, MAX_FIELD)


def _storable(value: str | None, limit: int) -> bool:
    if value is None:
        return True
    if len(value) > limit or "\x00" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clean_observation(obs: Observation) -> Observation:
    """The same observation with every string made storable; returned as is when already clean."""
    a = obs.author
    if _storable(obs.text, MAX_TEXT):
        for f in (obs.id, obs.url, obs.lang, obs.brand, obs.in_reply_to, obs.conversation_id, a.id, a.handle):
            if f is not None and not _storable(f, MAX_FIELD):
                break
        else:
            return obs  # the usual case, checked without building a copy
    return dataclasses.replace(
        obs, text=clean_text(obs.text), id=clean_text(obs.id, MAX_FIELD), url=_opt(obs.url), lang=_opt(obs.lang),
        brand=_opt(obs.brand), in_reply_to=_opt(obs.in_reply_to), conversation_id=_opt(obs.conversation_id),
        author=Author(id=_opt(a.id), handle=_opt(a.handle), followers=a.followers, verified=a.verified))


# Terminal escape sequences (CSI: colours, cursor moves, clear screen; OSC: titles, hyperlinks) taken out
# whole, then any C0/C1 control character left (and the bidi overrides that reorder what is shown):
# a post cannot draw on, or link from, a user's terminal.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
                      r"|\x1b[@-Z\\-_]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # and bidi overrides


def printable(text: object, *, one_line: bool = True) -> str:
    """Public text made inert for a terminal: no escape sequence, no control character; with
    ``one_line`` (the default) line breaks and tabs become spaces too, so it cannot fake a line."""
    value = str(text)
    if value.isprintable():
        return value
    value = _CONTROLS.sub("", _ESCAPES.sub("", value))
    return " ".join(value.split()) if one_line else value
