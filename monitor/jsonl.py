"""Observation JSONL (CONTRACT.md): parse with line numbers, write back exactly."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any, NamedTuple, TypeVar

import orjson

from monitor.errors import InputError
from monitor.models import ENGAGEMENT_METRICS, KINDS, METRIC_NAMES, RATING_RANGE, Author, Metrics, Observation
from monitor.sanitize import MAX_COUNT, valid_count, valid_time
from monitor.timestamps import format_timestamp, parse_timestamp

_KNOWN = {"source", "id", "url", "kind", "text", "lang", "author", "created_at", "observed_at",
          "metrics", "in_reply_to", "conversation_id", "brand", "rating", "by_brand"}
_METRIC_KEYS = frozenset(METRIC_NAMES)


def _opt_str(d: dict[str, Any], key: str) -> str | None:
    v = d.get(key)
    if type(v) is str:
        if not v.isascii():
            _utf8(v, key)
        return v
    if v is None:
        return v
    if isinstance(v, (str, int)) and not isinstance(v, bool):
        return str(v)
    raise ValueError(f"'{key}' must be a string")


def _utf8(v: str, key: str) -> None:
    """An identifier or tag is echoed, stored and sent on: a lone surrogate ("\\ud800" in the JSON) has
    no UTF-8 and would fail every writer after this one, so the line is refused here, named."""
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"'{key}' holds a lone surrogate (not Unicode text)") from None


def _opt_int(d: dict[str, Any], key: str, where: str) -> int | None:
    v = d.get(key)
    if v is None:
        return None
    try:
        return valid_count(v)  # the sources' rule too: finite, at most 10^12, negatives count 0
    except ValueError as exc:
        raise ValueError(f"'{where}.{key}' {exc}") from None


def _time(d: dict[str, Any], key: str) -> datetime:
    try:
        dt = parse_timestamp(d[key])  # ValueError naming the value when it is not ISO 8601
    except OverflowError:  # an offset that pushes year 9999 past datetime's range
        dt = datetime.max.replace(tzinfo=UTC)
    try:
        return valid_time(dt)
    except ValueError as exc:
        raise ValueError(f"'{key}' {exc}") from None


class Checked(NamedTuple):
    """The fields of one observation line, each checked: what ``observation_from_dict`` builds its
    records from, and all that ``monitor score`` reads of a line (it builds no record)."""

    source: str
    id: str
    text: str
    created_at: datetime
    observed_at: datetime
    kind: str
    url: str | None
    lang: str | None
    author_id: str | None
    handle: str | None
    followers: int | None
    verified: bool | None
    counts: dict[str, int | None]  # the metrics given, by name (unknown ones absent)
    in_reply_to: str | None
    conversation_id: str | None
    brand: str | None
    rating: int | None


def checked(d: Any) -> Checked:
    """Raises ValueError with a message naming the field (the first bad one, in the order below)."""
    if not isinstance(d, dict):
        raise ValueError("expected a JSON object")
    for key in ("source", "id", "text", "created_at"):
        if d.get(key) is None:
            raise ValueError(f"missing required field '{key}'")
    source, ident = _opt_str(d, "source"), _opt_str(d, "id")
    if not isinstance(d["text"], str):
        raise ValueError("'text' must be a string")
    if not isinstance(d["created_at"], str):
        raise ValueError("'created_at' must be an ISO 8601 string")
    created = _time(d, "created_at")
    observed = _time(d, "observed_at") if isinstance(d.get("observed_at"), str) else created
    kind = d.get("kind") or "post"
    if kind not in KINDS:
        raise ValueError(f"'kind' must be one of {', '.join(KINDS)}")
    a = d.get("author") or {}
    if not isinstance(a, dict):
        raise ValueError("'author' must be an object")
    m = d.get("metrics") or {}
    if not isinstance(m, dict):
        raise ValueError("'metrics' must be an object")
    verified = a.get("verified")
    return Checked(
        str(source).lower(), str(ident), d["text"], created, observed, kind, _opt_str(d, "url"),
        _opt_str(d, "lang"), _opt_str(a, "id"), _opt_str(a, "handle"), _opt_int(a, "followers", "author"),
        bool(verified) if verified is not None else None, _counts(m), _opt_str(d, "in_reply_to"),
        _opt_str(d, "conversation_id"), _opt_str(d, "brand"), _rating(d),
    )


def observation_from_dict(d: Any) -> Observation:
    """Raises ValueError with a message naming the field."""
    c = checked(d)
    return Observation(
        source=c.source, id=c.id, text=c.text, created_at=c.created_at, observed_at=c.observed_at,
        url=c.url, kind=c.kind, lang=c.lang,
        author=Author(id=c.author_id, handle=c.handle, followers=c.followers, verified=c.verified),
        metrics=Metrics(**c.counts), in_reply_to=c.in_reply_to, conversation_id=c.conversation_id,
        brand=c.brand, rating=c.rating, by_brand=d.get("by_brand") is True,
        extra={} if d.keys() <= _KNOWN else {k: v for k, v in d.items() if k not in _KNOWN},  # usually none
    )


def engagement(counts: dict[str, int | None]) -> int:
    """``Metrics.engagement`` of these counts, without building the record."""
    return sum(v for k in ENGAGEMENT_METRICS if (v := counts.get(k)))


def _rating(d: dict[str, Any]) -> int | None:
    v = d.get("rating")
    if v is None:
        return None
    lo, hi = RATING_RANGE
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or not lo <= v <= hi:
        raise ValueError(f"'rating' must be a number of stars from {lo} to {hi}")
    return round(v)


def _counts(m: dict[str, Any]) -> dict[str, int | None]:
    if all(type(v) is int and 0 <= v <= MAX_COUNT for v in m.values()) and m.keys() <= _METRIC_KEYS:  # usual case
        return m
    return {k: _opt_int(m, k, "metrics") for k in METRIC_NAMES}


def _loads(line: str) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:  # what orjson refuses (NaN, huge integers) or to word the error alike
        return json.loads(line)


def observation_to_dict(o: Observation) -> dict[str, Any]:
    d: dict[str, Any] = {
        "source": o.source, "id": o.id, "url": o.url, "kind": o.kind, "text": o.text, "lang": o.lang,
        "author": {"id": o.author.id, "handle": o.author.handle, "followers": o.author.followers,
                   "verified": o.author.verified},
        "created_at": format_timestamp(o.created_at), "observed_at": format_timestamp(o.observed_at),
        "metrics": {k: getattr(o.metrics, k) for k in METRIC_NAMES},
        "in_reply_to": o.in_reply_to, "conversation_id": o.conversation_id, "brand": o.brand,
    }
    if o.rating is not None:  # only reviews carry it; other lines stay as they were
        d["rating"] = o.rating
    if o.by_brand:
        d["by_brand"] = True
    for k, v in o.extra.items():
        d.setdefault(k, v)
    return d


def dumps(o: Observation) -> str:
    return json.dumps(observation_to_dict(o), ensure_ascii=False, separators=(", ", ": "))


@dataclass
class ReadStats:
    lines: int = 0
    skipped: int = 0


def read_observations(stream: Iterable[str], name: str, *, strict: bool = False,
                      stats: ReadStats | None = None, warn: IO[str] | None = None) -> Iterator[Observation]:
    """Yield observations; a malformed line is reported with its number and skipped (or raised)."""
    return read_lines(stream, name, observation_from_dict, strict=strict, stats=stats, warn=warn)


T = TypeVar("T")


def read_lines(stream: Iterable[str], name: str, build: Callable[[Any], T], *, strict: bool = False,
               stats: ReadStats | None = None, warn: IO[str] | None = None) -> Iterator[T]:
    """``build`` of each line's JSON (``observation_from_dict`` or ``checked``); a malformed line is
    reported with its number and skipped (or raised)."""
    stats = stats if stats is not None else ReadStats()
    warn = warn if warn is not None else sys.stderr
    for number, line in enumerate(stream, start=1):
        if not line or line.isspace():  # what ``not line.strip()`` says, without copying the line
            continue
        stats.lines += 1
        try:
            item = build(_loads(line))
        except (ValueError, RecursionError) as exc:  # json.JSONDecodeError is a ValueError
            message = f"{name}:{number}: {exc if not isinstance(exc, RecursionError) else 'nested too deeply'}"
            if strict:
                raise InputError(message) from None
            stats.skipped += 1
            print(f"skipped {message}", file=warn)
            continue
        yield item
