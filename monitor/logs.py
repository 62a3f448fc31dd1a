"""Structured logs: one line per event, JSON when stderr is not a terminal; secrets redacted.

Modules log with the standard library (``logging.getLogger(...).info("event", extra={...})``);
structlog renders the records. Every rendered line passes through ``redact`` last, so a secret that
slipped into an exception message or a URL still never reaches the log.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any
from urllib.parse import quote, quote_plus

import structlog

_SECRETS: list[str] = []
_PATTERN: re.Pattern[str] | None = None
_STD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
# Words of the monitor's own messages and config keys: a "secret" that is one of them hides nothing
# and, redacted, would garble every message that names the key ("client_***_file").
_VOCABULARY = frozenset({"secret", "token", "password", "client", "bearer", "key", "webhook", "url", "app", "bot",
                         "access", "username", "user", "none", "null", "true", "false", "test"})
# user:password@ in any URL, whether or not its password was registered (a DSN in a driver's error).
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]*:)[^\s/]+@")
_WORDISH = re.compile(r"\w", re.ASCII)


def _forms(value: str) -> set[str]:
    """The ways a value may be written: as is, escaped inside JSON (a log line), percent-encoded (a URL)."""
    return {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1], quote(value, safe=""),
            quote_plus(value, safe="")}


def _bounded(value: str) -> str:
    """A value matched only as a whole: ``token`` in ``bearer_token`` is a word, not the value."""
    pattern = re.escape(value)
    if _WORDISH.match(value[0]):
        pattern = r"(?<![A-Za-z0-9_])" + pattern
    if _WORDISH.match(value[-1]):
        pattern += r"(?![A-Za-z0-9_])"
    return pattern


def register_secrets(values: Iterable[str]) -> None:
    """Values (tokens, passwords) that must never be printed. Short values are ignored."""
    global _PATTERN
    for v in values:
        if not v or len(v) < 4 or v.casefold() in _VOCABULARY:
            continue
        for form in _forms(v):
            if form not in _SECRETS:
                _SECRETS.append(form)
    _SECRETS.sort(key=len, reverse=True)  # the longest first: a secret that contains another goes whole
    _PATTERN = re.compile("|".join(_bounded(s) for s in _SECRETS)) if _SECRETS else None


def redact(text: str) -> str:
    """``text`` with every registered secret value, and the password of any URL, replaced by ``***``."""
    # The plain substring test first: a regex of every secret's every spelling costs 50 times more.
    if _PATTERN is not None and any(secret in text for secret in _SECRETS):
        text = _PATTERN.sub("***", text)
    if "://" in text:
        text = _URL_PASSWORD.sub(r"\g<head>***@", text)
    return text


def _extras(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    record = event.get("_record")
    if record is not None:
        for key, value in record.__dict__.items():
            if key not in _STD_ATTRS and not key.startswith("_"):
                event.setdefault(key, value)
    return event


class _Redacting(structlog.stdlib.ProcessorFormatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(level: str = "info", *, json: bool | None = None, stream: Any = None) -> None:
    stream = stream or sys.stderr
    if json is None:
        json = not (hasattr(stream, "isatty") and stream.isatty())
    renderer: Any = structlog.processors.JSONRenderer(sort_keys=True) if json else structlog.dev.ConsoleRenderer(colors=False)
    formatter = _Redacting(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _extras,
        ],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, renderer],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("apscheduler", "urllib3", "prawcore", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
