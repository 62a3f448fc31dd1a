"""Secrets: how the config types them and the one way they are kept out of logs, errors and reports.

A config field holding a secret is typed ``Secret`` (pydantic's ``SecretStr``): its value prints as
``**********``, may come from ``${VAR}`` or ``<key>_file``, and is found by its type, not by its key's
name. ``Config.secrets()`` lists every such value (and the passwords of URLs) and the CLI registers
them; ``redact`` (monitor/redaction.py) then replaces the registered values, the values a caller adds (a source's own token,
used before or without any registration) and the password of any URL, wherever they stand alone.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, BeforeValidator, SecretStr

from monitor.redaction import redact as redact  # the one redactor, re-exported for the config's users
from monitor.redaction import register_secrets as register_secrets


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
