"""Timestamps as the contract writes them (docs/CONTRACT.md): ISO 8601, UTC, 'Z'."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_timestamp(value: str) -> datetime:
    """ISO 8601 to an aware UTC datetime; a value without an offset is UTC (CONTRACT.md)."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 timestamp") from None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def format_timestamp(dt: datetime) -> str:
    """The one way timestamps are written: UTC, seconds (or microseconds when present), 'Z'."""
    dt = dt.astimezone(UTC)
    spec = "seconds" if dt.microsecond == 0 else "microseconds"
    return dt.replace(tzinfo=None).isoformat(timespec=spec) + "Z"
