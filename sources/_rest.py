"""What the plain-HTTP sources share: one GET sorted into data or a SourceError, usage counters, links.

``RestClient.get`` answers the decoded body, or raises ``RateLimited`` (429, with the wait the API
asked for), ``SourceError`` (5xx, timeouts, garbage: retried later) or ``SourceError(permanent=True)``
(400/401/403/404: a config problem). It never sleeps: retry policy belongs to the scheduler.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import requests

from monitor.config.secrets import redact
from monitor.errors import RateLimited, SourceError
from monitor.retry import retry_after
from monitor.sanitize import valid_time
from sources._http import Drops, make_session, normalize_base_url
from sources._limits import DEFAULT_MAX_BYTES, DEFAULT_REQUEST_DEADLINE, AnswerTooLarge, DeadlineExceeded

_PERMANENT = {400: "bad request", 401: "unauthorized", 403: "forbidden", 404: "not found", 410: "gone"}
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


class RestClient:
    """GETs against one base URL with a timeout, counting requests (``usage["requests"]``)."""

    def __init__(self, name: str, base_url: str, *, clock: Callable[[], datetime], timeout: float = 20.0,
                 secrets: Iterable[str | None] = (), user_agent: str = "complaint-monitor",
                 max_response_size: int = DEFAULT_MAX_BYTES, request_deadline: float = DEFAULT_REQUEST_DEADLINE):
        self.name = name
        self.base_url = normalize_base_url(base_url)
        self.clock = clock
        self.secrets = [s for s in secrets if s]
        self.session = make_session(timeout, max_bytes=max_response_size, request_deadline=request_deadline,
                                    key=f"sources.{name}")
        self.session.headers["User-Agent"] = user_agent
        self.usage: dict[str, int] = {"requests": 0, "reads": 0}

    def get(self, path: str, params: Mapping[str, Any] | list[tuple[str, Any]] | None = None, *,
            headers: Mapping[str, str] | None = None, raw: bool = False, json: Any = None,
            data: Mapping[str, str] | None = None) -> Any:
        """``path`` relative to the base URL, or an absolute URL. JSON (or the response when ``raw``).
        With ``json``, the request is a POST of that body; with ``data``, a POST of that form."""
        method = "GET" if json is None and data is None else "POST"
        where = self.where(method, path)
        response = self.request(method, path, params, headers=headers, json=json, data=data)
        failure = self.failure(where, response, raw=raw)
        if failure is not None:
            raise failure
        if raw:
            return response
        try:
            return response.json()
        except ValueError:
            raise SourceError(f"{where}: bad answer (not JSON)") from None

    def failure(self, where: str, response: requests.Response, *, raw: bool = False) -> SourceError | None:
        """What an answer's status says went wrong (``None``: nothing; a 304 is an answer when ``raw``).
        An API whose error bodies say more (Google's) reads them here."""
        status = response.status_code
        if status == 429:
            wait = retry_after(response.headers, self.clock())
            return RateLimited(f"{where}: HTTP 429 (rate limited)", retry_after=wait)
        if status in _PERMANENT:
            return SourceError(f"{where}: HTTP {status} ({_PERMANENT[status]})", permanent=True)
        if 200 <= status < 300 or (status == 304 and raw):
            return None
        wait = retry_after(response.headers, self.clock()) if status == 503 else None
        return SourceError(f"{where}: HTTP {status}", retry_after=wait)

    def where(self, method: str, path: str) -> str:
        """``name: GET /path`` (or the origin of an absolute URL) for messages: never a query string."""
        return f"{self.name}: {method} {path.split('?', 1)[0] if not path.startswith('http') else _origin(path)}"

    def request(self, method: str, path: str, params: Mapping[str, Any] | list[tuple[str, Any]] | None = None, *,
                headers: Mapping[str, str] | None = None, json: Any = None,
                data: Mapping[str, str] | None = None) -> requests.Response:
        """The answer whatever its status (counted in ``usage``); ``SourceError`` when there is none.
        For APIs whose error answers say more than their status (the Graph API's error objects)."""
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        where = self.where(method, path)
        self.usage["requests"] += 1
        try:
            return self.session.request(method, url, params=params, headers=dict(headers or {}), json=json,
                                        data=data)
        except (AnswerTooLarge, DeadlineExceeded) as exc:
            raise SourceError(f"{where}: {exc}") from None
        except requests.RequestException as exc:
            raise SourceError(self._redact(f"{where}: no answer ({type(exc).__name__})")) from None

    def _redact(self, text: str) -> str:
        return redact(text, self.secrets)


class RestSource:
    """What a source over one plain-HTTP API sets up alike: its clock, one ``RestClient`` named after the
    source (``name``), whose counters are the source's ``usage``, and the tally of unusable items
    (``drops``), which the monitor reads after each poll and re-read."""

    name: str

    def __init__(self, base_url: str, *, clock: Callable[[], datetime], timeout: float, max_response_size: int,
                 request_deadline: float, secrets: Iterable[str | None] = ()):
        self._clock = clock
        self._http = RestClient(self.name, base_url, clock=clock, timeout=timeout, secrets=secrets,
                                max_response_size=max_response_size, request_deadline=request_deadline)
        self.usage = self._http.usage
        self.drops = Drops()


def _origin(url: str) -> str:
    return "/".join(url.split("/", 3)[:3])


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "p", "div", "li") and self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")
        href = dict(attrs).get("href") if tag == "a" else None
        if href and href.startswith(("http://", "https://")):
            self.links.append(href)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def strip_html(markup: str) -> tuple[str, list[str]]:
    """Plain text of an HTML fragment and the http(s) links it points to."""
    if "<" not in markup:
        return html.unescape(markup).strip(), []
    parser = _Text()
    parser.feed(markup)
    parser.close()
    text = re.sub(r"[ \t]+", " ", "".join(parser.parts))
    return re.sub(r"\n\s*\n+", "\n\n", text).strip(), parser.links


def with_links(text: str, links: Iterable[str]) -> str:
    """``text`` followed by the links it points to but does not spell out, one per line, so that the
    pipeline's shared-URL join sees them (display text is often a shortened link)."""
    present = set(_URL.findall(text))
    extra = [u for u in dict.fromkeys(links) if u and u not in present and u not in text]
    return text if not extra else text + "\n\n" + "\n".join(extra)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp as an aware UTC datetime, or ``None``."""
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return valid_time(dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC))
    except (ValueError, OverflowError):  # not ISO 8601, or outside 1970 to 2100
        return None


def bounded(ids: Iterable[str], limit: int) -> list[str]:
    """The last ``limit`` distinct ids, order kept (praw's BoundedSet, as a JSON-friendly list)."""
    return list(dict.fromkeys(ids))[-limit:]
