"""The one redactor: registered secret values, values a caller adds and the password of any URL,
replaced by ``***`` wherever they stand alone (in a log line, an error, a report). The config registers
its secrets (``Config.secrets()``, monitor/config/secrets.py); the logs pass every line through here."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus

if TYPE_CHECKING:  # pydantic itself is not needed here, and `monitor score` never loads it (start-up)
    from pydantic import SecretStr

_SECRETS: list[str] = []
_PATTERN: re.Pattern[str] | None = None
# Words of the monitor's own messages and config keys: a "secret" that is one of them hides nothing
# and, redacted, would garble every message that names the key ("client_***_file").
_VOCABULARY = frozenset({"secret", "token", "password", "client", "bearer", "key", "webhook", "url", "app", "bot",
                         "access", "username", "user", "none", "null", "true", "false", "test"})
# user:password@ in any URL, whether or not its password was registered (a DSN in a driver's error).
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]*:)[^\s/]+@")
_WORDISH = re.compile(r"\w", re.ASCII)


def _forms(values: Iterable[str | SecretStr | None]) -> set[str]:
    """The ways each value worth hiding may be written: as is, escaped inside JSON (a log line),
    percent-encoded (a URL). Short values and words of our own vocabulary are not worth hiding."""
    found: set[str] = set()
    for v in values:
        v = v if v is None or isinstance(v, str) else v.get_secret_value()  # a SecretStr
        if not v or len(v) < 4 or v.casefold() in _VOCABULARY:
            continue
        found |= {v, json.dumps(v)[1:-1], json.dumps(v, ensure_ascii=False)[1:-1], quote(v, safe=""),
                  quote_plus(v, safe="")}
    return found


def _bounded(value: str) -> str:
    """A value matched only as a whole: ``token`` in ``bearer_token`` is a word, not the value."""
    pattern = re.escape(value)
    if _WORDISH.match(value[0]):
        pattern = r"(?<![A-Za-z0-9_])" + pattern
    if _WORDISH.match(value[-1]):
        pattern += r"(?![A-Za-z0-9_])"
    return pattern


def _compile(values: Iterable[str]) -> re.Pattern[str] | None:
    # The longest first: a secret that contains another (a webhook URL and its path) goes whole.
    ordered = sorted(set(values), key=lambda s: (-len(s), s))
    return re.compile("|".join(_bounded(s) for s in ordered)) if ordered else None


@lru_cache(maxsize=64)
def _with_extra(extra: frozenset[str]) -> tuple[tuple[str, ...], re.Pattern[str] | None]:
    values = tuple(set(_SECRETS) | extra)
    return values, _compile(values)


def register_secrets(values: Iterable[str | SecretStr | None]) -> None:
    """Values (tokens, passwords) that must never be printed. Short values are ignored."""
    global _PATTERN
    new = _forms(values) - set(_SECRETS)
    if new:
        _SECRETS.extend(new)
        _PATTERN = _compile(_SECRETS)
        _with_extra.cache_clear()


def redact(text: str, also: Iterable[str | SecretStr | None] = ()) -> str:
    """``text`` with every registered secret value, every value in ``also`` and the password of any URL
    replaced by ``***``."""
    extra = frozenset(_forms(also))
    values, pattern = _with_extra(extra) if extra else (_SECRETS, _PATTERN)
    # The plain substring test first: a regex of every secret's every spelling costs 50 times more.
    if pattern is not None and any(secret in text for secret in values):
        text = pattern.sub("***", text)
    if "://" in text:
        text = _URL_PASSWORD.sub(r"\g<head>***@", text)
    return text
