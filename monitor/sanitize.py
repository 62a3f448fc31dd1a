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
import hashlib
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


def _storable(value: str | None, limit: int = MAX_FIELD) -> bool:
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


# The columns identifiers are stored in (monitor/storage/schema.py). A valid identifier can be longer:
# a Mastodon account on a 190-character domain, a Bluesky did:web on such a host, a Hacker News id of
# any length. Such a value is stored fitted (``fit``): the same value always fits the same way, so a
# reply still finds the post it answers; the original is kept in the observation's ``original``.
ID_LIMIT = 128  # post ids, the posts a post answers, author ids
HANDLE_LIMIT = 200  # author handles, brand names
SOURCE_LIMIT = 32
LANG_LIMIT = 16


def fit(value: str, limit: int) -> str:
    """``value`` if it fits ``limit`` characters, else its start and a hash of the whole (``limit`` long)."""
    if len(value) <= limit:
        return value
    digest = hashlib.blake2b(value.encode("utf-8", "replace"), digest_size=16).hexdigest()
    return value[: limit - len(digest) - 1] + "#" + digest


def clean_observation(obs: Observation) -> Observation:
    """The same observation with every string made storable and every identifier fitted to its
    column; returned as is when already clean (the usual case, checked without building a copy)."""
    a = obs.author
    if (_storable(obs.text, MAX_TEXT) and _storable(obs.url, MAX_FIELD) and _storable(obs.source, SOURCE_LIMIT)
            and _storable(obs.lang, LANG_LIMIT) and _storable(obs.brand, HANDLE_LIMIT)
            and _storable(a.handle, HANDLE_LIMIT)):
        for f in (obs.id, obs.in_reply_to, obs.conversation_id, a.id):
            if f is not None and not _storable(f, ID_LIMIT):
                break
        else:
            return obs
    ids = {"id": obs.id, "in_reply_to": obs.in_reply_to, "conversation_id": obs.conversation_id,
           "author_id": a.id, "author_handle": a.handle}
    fitted = {k: _fitted(v, HANDLE_LIMIT if k == "author_handle" else ID_LIMIT) for k, v in ids.items()}
    original = {k: clean_text(v, MAX_FIELD) for k, v in ids.items() if v is not None and fitted[k] != v}
    extra = {**obs.extra, "original": original} if original else obs.extra
    lang = _opt(obs.lang)
    return dataclasses.replace(
        obs, text=clean_text(obs.text), id=fitted["id"] or "", url=_opt(obs.url),
        source=fit(clean_text(obs.source, len(obs.source)), SOURCE_LIMIT),
        lang=fit(lang, LANG_LIMIT) if lang is not None else None,
        brand=_fitted(obs.brand, HANDLE_LIMIT), in_reply_to=fitted["in_reply_to"],
        conversation_id=fitted["conversation_id"], extra=extra,
        author=Author(id=fitted["author_id"], handle=fitted["author_handle"], followers=a.followers,
                      verified=a.verified))


def _fitted(value: str | None, limit: int) -> str | None:
    # Made storable whole, then fitted: two long ids that share their first characters stay apart.
    return None if value is None else fit(clean_text(value, len(value)), limit)


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
