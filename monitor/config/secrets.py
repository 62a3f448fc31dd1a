"""Secrets: how the config types them and the one way they are kept out of logs, errors and reports.

A config field holding a secret is typed ``Secret`` (pydantic's ``SecretStr``): its value prints as
``**********``, may come from ``${VAR}`` or ``<key>_file``, and is found by its type, not by its key's
name. ``Config.secrets()`` lists every such value (and the passwords of URLs) and the CLI registers
them; ``redact`` then replaces the registered values, the values a caller adds (a source's own token,
used before or without any registration) and the password of any URL, wherever they stand alone.
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Iterable
from functools import lru_cache
from typing import Annotated, Any, Union, get_args, get_origin
from urllib.parse import quote, quote_plus, unquote, urlsplit

from pydantic import BaseModel, BeforeValidator, SecretStr


def _blank_is_unset(value: Any) -> Any:
    # An empty string (a ${VAR} left empty in a disabled section) means "not set", as it always has.
    return None if value == "" else value


Secret = Annotated[SecretStr | None, BeforeValidator(_blank_is_unset)]
"""The type of every secret in the config: ``None`` when unset, never an empty ``SecretStr``."""


def reveal(value: SecretStr | None) -> str | None:
    """The secret's text, for the one place that must send it (a login, a header)."""
    return value.get_secret_value() if value is not None else None


def holds_secret(annotation: Any) -> bool:
    """Does a field's type hold a ``SecretStr`` (alone, optional, or in a list)?"""
    if isinstance(annotation, type) and issubclass(annotation, SecretStr):
        return True
    return any(holds_secret(arg) for arg in get_args(annotation))


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model a field's type holds (``X``, ``X | None``, ``list[X]``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType, list, tuple, Annotated):
        for arg in get_args(annotation):
            found = model_in(arg)
            if found is not None:
                return found
    return None


def secret_keys(model: type[BaseModel]) -> frozenset[str]:
    """The keys of ``model`` typed as secrets."""
    return frozenset(name for name, field in model.model_fields.items() if holds_secret(field.annotation))


def secret_values(node: Any) -> list[str]:
    """Every secret value in a validated config (or any part of it), with what of a URL must not be
    printed: for a secret URL (a Slack webhook) its path too, for any URL its password."""
    found: list[str] = []
    if isinstance(node, BaseModel):
        for _, value in node:
            found += secret_values(value)
    elif isinstance(node, list | tuple):
        for item in node:
            found += secret_values(item)
    elif isinstance(node, SecretStr):
        value = node.get_secret_value()
        if value:
            found += [value, *url_secrets(value, whole=True)]
    elif isinstance(node, str) and "://" in node:
        found += url_secrets(node, whole=False)
    return found


def url_secrets(value: str, *, whole: bool) -> list[str]:
    """What of a URL must not be printed: its password (as written and decoded) and, when the whole
    URL is a secret (a webhook), its path with and without the query, and the path's last segment:
    an error body may echo any of them without the host."""
    try:
        parts = urlsplit(value)
        password = parts.password
    except ValueError:
        return []
    found = [password, unquote(password)] if password else []
    if whole and parts.path.strip("/"):
        paths = [parts.path] + ([f"{parts.path}?{parts.query}"] if parts.query else [])
        last = parts.path.rstrip("/").rsplit("/", 1)[-1]
        found += [p for path in paths for p in (path, path.lstrip("/"))] + ([last] if len(last) >= 8 else [])
    return found


# Redaction ----------------------------------------------------------------------------------------

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
        v = v.get_secret_value() if isinstance(v, SecretStr) else v
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
