"""Structured logs: one line per event, JSON when stderr is not a terminal; secrets redacted.

Modules log with the standard library (``logging.getLogger(...).info("event", extra={...})``);
structlog renders the records. Every rendered line passes through ``redact`` (monitor/redaction.py) last,
so a secret that slipped into an exception message or a URL still never reaches the log.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

from monitor.redaction import redact, register_secrets

__all__ = ["redact", "register_secrets", "setup_logging"]  # redaction itself lives in monitor/redaction.py

_STD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def _extras(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    record = event.get("_record")
    if record is not None:
        for key, value in record.__dict__.items():
            if key not in _STD_ATTRS and not key.startswith("_"):
                event.setdefault(key, value)
    return event


class _Redacting(logging.Formatter):
    """structlog's ProcessorFormatter, redacted, built on the first record: importing structlog costs
    ~0.1 s, which a command that logs nothing (``monitor score``, most runs) need not pay."""

    def __init__(self, json: bool) -> None:
        super().__init__()
        self._json = json
        self._inner: logging.Formatter | None = None

    def format(self, record: logging.LogRecord) -> str:
        if self._inner is None:
            self._inner = _structlog_formatter(self._json)
        return redact(self._inner.format(record))


def _structlog_formatter(json: bool) -> logging.Formatter:
    import structlog

    renderer: Any = structlog.processors.JSONRenderer(sort_keys=True) if json else structlog.dev.ConsoleRenderer(colors=False)
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _extras,
        ],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, renderer],
    )


def setup_logging(level: str = "info", *, json: bool | None = None, stream: Any = None) -> None:
    stream = stream or sys.stderr
    if json is None:
        json = not (hasattr(stream, "isatty") and stream.isatty())
    formatter = _Redacting(json)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("apscheduler", "urllib3", "prawcore", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
