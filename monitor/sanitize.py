"""Untrusted text made safe to store: no lone surrogates, no NUL bytes, bounded length.

Posts come from the public and from APIs that may be hostile or broken: a lone surrogate cannot be
encoded as UTF-8 (SQLite and PostgreSQL refuse it), PostgreSQL refuses NUL in text, and a
multi-megabyte post must not cost megabytes in every table and alert.
"""

from __future__ import annotations

import dataclasses
import re

from monitor.models import Author, Observation

MAX_TEXT = 40_000  # Reddit's own limit for a post body; tweets are far shorter
MAX_FIELD = 2_000


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
