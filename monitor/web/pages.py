"""The read-only incident pages, served by the daemon beside /healthz (``[web]``, off unless enabled).

- ``/incidents``: the open incidents (``?brand=``, ``?tier=``, ``?since=`` filter them), as ``monitor incidents``,
  a page at a time (``?page=``, ``?per_page=``) with links to the next and previous pages;
- ``/incidents/ID``: one incident's whole history, as ``monitor incident ID``, with the replay report's
  charts (one renderer: monitor/web/render.py).

Pages are plain HTML and inline SVG: no script, nothing fetched, a Content-Security-Policy that forbids
scripts and framing, every piece of public text escaped. Access: the endpoint listens on
``[daemon] health_host`` (loopback by default); exposed anywhere else, the config must ask for an access
token (HTTP Basic with the token as password, or ``Authorization: Bearer``) or trust a reverse proxy that
authenticates (``trust_proxy``: requests must then come from ``proxy_addresses`` and carry
``proxy_header``). Every request must name an allowed host (monitor/web/access.py). Links between pages
are relative, so they also work under a proxy's path prefix.

Cost: a page reads what it shows (monitor/storage/incident_queries.py), whatever the incident's size, and at most
``max_renders`` pages are rendered at once: more requests are answered 503 with ``Retry-After`` within
``RENDER_WAIT`` seconds instead of queueing memory and threads behind the ones being rendered.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode

from monitor.config.durations import DAY, MAX_SINCE, since_spec
from monitor.config.secrets import reveal
from monitor.config.settings import ScoringConfig, WebConfig
from monitor.interfaces import Clock
from monitor.models import PAGES, Silence, Tier
from monitor.storage.incident_views import NoSuchIncident, count_incidents, incident_history, list_incidents, resolve
from monitor.storage.store import Store
from monitor.web.access import LoginThrottle, ProxyCheck, allowed_hosts, host_name
from monitor.web.charts import slug, source_colors
from monitor.web.render import CSP, incident_charts, render, tier_number, when

log = logging.getLogger("monitor.pages")
PREFIX = PAGES
PER_PAGE = 50  # incidents per page of the list, unless ?per_page= says otherwise
MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000
MAX_VALUE = 200  # characters of one query-string value
MAX_FIELDS = 20  # fields in one query string
RENDER_WAIT = 2.0  # seconds a request waits for a render slot before it is answered 503
RETRY_AFTER = 2  # seconds a busy answer asks the client to wait
_NUMBER = re.compile(r"[0-9]{1,7}", re.ASCII)


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"


class BadQuery(ValueError):
    """A query-string value out of bounds; its message is shown to the user (400)."""


def status_words(r: Mapping[str, Any]) -> str:
    return ", ".join(x for x in ("open" if r["open"] else "closed", "acknowledged" if r["acknowledged"] else "",
                                 f"snoozed until {when(r['snoozed_until'])}" if r["snoozed_until"] else "",
                                 "marked not a complaint" if r["not_complaint"] else "") if x)


def query_fields(query: str) -> dict[str, list[str]]:
    """The query string's fields; a few at most (the list has four filters and two page fields)."""
    try:
        return parse_qs(query, max_num_fields=MAX_FIELDS)
    except ValueError:
        raise BadQuery(f"at most {MAX_FIELDS} fields in the address") from None


def text_value(q: dict[str, list[str]], name: str, default: str = "") -> str:
    """The first ``name`` in the query string, at most ``MAX_VALUE`` characters."""
    value = (q.get(name) or [default])[0]
    if len(value) > MAX_VALUE:
        raise BadQuery(f"{name}: at most {MAX_VALUE} characters")
    return value


def number_value(q: dict[str, list[str]], name: str, default: int, high: int) -> int:
    """A whole number between 1 and ``high`` from the query string."""
    value = text_value(q, name).strip()
    if not value:
        return default
    if not _NUMBER.fullmatch(value) or not 1 <= int(value) <= high:
        raise BadQuery(f"{name}: {value[:20]!r} is not a whole number from 1 to {high:,}")
    return int(value)


def since_value(text: str, now: datetime) -> datetime | None:
    """``?since=``: a timestamp or a duration ago, no further back than ``MAX_SINCE`` (a bound on what a
    request may make the database scan, and on dates Python can compute)."""
    if not text:
        return None
    try:
        since = since_spec(text, now)
    except OverflowError:  # a timestamp whose offset takes it past year 1 or 9999
        raise BadQuery(f"since: {text[:40]!r} is out of range") from None
    except ValueError as exc:
        raise BadQuery(f"since: {exc}") from None
    if since < now - timedelta(seconds=MAX_SINCE):
        raise BadQuery(f"since: {text[:40]!r} reaches too far back (at most {MAX_SINCE / DAY:.0f}d)")
    return since


class Pages:
    def __init__(self, store: Store, web: WebConfig, scoring: ScoringConfig, clock: Clock,
                 silences: Sequence[Silence] = ()):
        """``silences``: the config's (``[[alerts.silences]]``); the stored ones are read for each page."""
        self.store, self.web, self.scoring, self.clock = store, web, scoring, clock
        self.config_silences = list(silences)
        self.hosts = allowed_hosts(web)
        self.proxy = ProxyCheck(web)
        self.throttle = LoginThrottle()
        self._renders = threading.BoundedSemaphore(web.max_renders)
        self._busy, self._refused, self._not_proxy = _Quiet(60.0), _Quiet(60.0), _Quiet(60.0)  # log lines

    def handles(self, path: str) -> bool:
        return path == PREFIX or path.startswith(PREFIX + "/")

    def handle(self, path: str, query: str, headers: Any, client: str = "") -> Response:
        """The answer to a GET of ``path`` from ``client`` (its address); never raises (a failure is
        logged and answered 500)."""
        try:
            denied = self._denied(headers, client)
            if denied is not None:
                return denied
            if not self._renders.acquire(timeout=RENDER_WAIT):
                return self._too_busy()
            try:
                return self._handle(path, query)
            finally:
                self._renders.release()
        except Exception as exc:  # noqa: BLE001 - a page must not take the health endpoint down
            log.exception("incident page failed", extra={"error": type(exc).__name__})
            return Response(500, b"internal error: see the monitor's log", content_type="text/plain; charset=utf-8")

    def _handle(self, path: str, query: str) -> Response:
        rest = path[len(PREFIX):]
        try:
            if rest in ("", "/"):
                return self._list(query_fields(query), base="incidents/" if rest == "" else "")
            ident = unquote(rest[1:])
            if "/" in ident or not ident or len(ident) > MAX_VALUE:
                return self._error(404, "Not found", "There is no such page.", "../incidents")
            try:
                return self._incident(ident)
            except NoSuchIncident:
                # The short ids the commands take (``3b3e``, ``inc-3b3e``): to the incident's own address.
                full = resolve(self.store, ident)
                return Response(302, b"", headers={"Location": quote(full, safe="")},
                                content_type="text/plain; charset=utf-8")
        except NoSuchIncident:
            return self._error(404, "No such incident", "The database holds no incident by that id.", "../incidents")
        except BadQuery as exc:
            return self._error(400, "Bad address", str(exc), "incidents" if rest == "" else ".")

    def _too_busy(self) -> Response:
        if (skipped := self._busy.due()) is not None:
            log.warning("incident pages busy: request answered 503", extra={"max_renders": self.web.max_renders,
                                                                           "also_refused": skipped})
        return Response(503, b"busy: too many pages are being rendered; try again in a moment",
                        {"Retry-After": str(RETRY_AFTER)}, "text/plain; charset=utf-8")

    # access ---------------------------------------------------------------------------------

    def _denied(self, headers: Any, client: str) -> Response | None:
        """``headers``: a mapping or the request's ``email.message.Message`` (case-insensitive .get)."""
        web = self.web
        host = str(headers.get("Host") or "")
        if host_name(host) not in self.hosts:
            # Checked first: a rebound name must not even learn whether a token is asked.
            if (skipped := self._refused.due()) is not None:
                log.warning("incident page refused: unknown Host (see [web] allowed_hosts)",
                            extra={"client": client, "host": host[:100], "also_refused": skipped})
            return self._error(400, "Unknown host", "These pages answer only to the names they were configured for "
                                                    "([web] public_url, allowed_hosts, or the loopback).", "")
        if web.trust_proxy:
            if not self.proxy.from_proxy(client, headers):
                if (skipped := self._not_proxy.due()) is not None:
                    log.warning("incident page refused: not from the trusted proxy (see [web] proxy_addresses)",
                                extra={"client": client, "also_refused": skipped})
                return self._error(403, "Forbidden", "These pages are served through the reverse proxy.", "")
            if not str(headers.get(web.proxy_header) or "").strip():
                return self._error(403, "Forbidden", "These pages are served through the reverse proxy.", "")
        if web.access_token:
            return self._signed_in(str(headers.get("Authorization") or ""), client)
        return None

    def _signed_in(self, header: str, client: str) -> Response | None:
        """None when ``header`` carries the token; else 401, or 429 while ``client`` is throttled."""
        wait = self.throttle.wait(client)
        if wait > 0:
            r = self._error(429, "Too many attempts", "Too many wrong tokens from this address; wait a minute.", "")
            r.headers["Retry-After"] = str(max(1, round(wait)))
            return r
        if header.strip() and self._token_ok(header):
            self.throttle.succeeded(client)
            return None
        if header.strip():  # a browser's first request carries no credentials: not a failed sign-in
            failures = self.throttle.failed(client)
            log.warning("incident pages: wrong access token", extra={"client": client, "failures": failures})
        r = self._error(401, "Sign in", "These pages need the monitor's access token (as the password).", "")
        r.headers["WWW-Authenticate"] = 'Basic realm="complaint monitor", charset="UTF-8"'
        return r

    def _token_ok(self, header: str) -> bool:
        scheme, _, value = header.strip().partition(" ")
        given = ""
        if scheme.lower() == "bearer":
            given = value.strip()
        elif scheme.lower() == "basic":
            try:
                given = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")[2]
            except (binascii.Error, UnicodeDecodeError):
                return False
        token = reveal(self.web.access_token) or ""
        return bool(given) and hmac.compare_digest(given.encode(), token.encode())

    # pages ------------------------------------------------------------------------------------

    def _list(self, q: dict[str, list[str]], base: str) -> Response:
        now = self.clock()
        brand = text_value(q, "brand") or None
        tier_name = text_value(q, "tier", "watch")
        since_text = text_value(q, "since")
        page = number_value(q, "page", 1, MAX_PAGE)
        per_page = number_value(q, "per_page", PER_PAGE, MAX_PER_PAGE)
        try:
            tier = Tier.parse(tier_name)
        except ValueError as exc:
            return self._error(400, "Bad filter", str(exc), base or ".")
        since = since_value(since_text, now)
        window = self.scoring.window
        total = count_incidents(self.store, now, window, since=since, brand=brand, min_tier=tier)
        rows = list_incidents(self.store, now, window, since=since, brand=brand, min_tier=tier,
                              limit=per_page, offset=(page - 1) * per_page)
        for r in rows:
            r["status"] = status_words(r)
        scope = (f"incidents active since {when(since)}" if since else "open incidents") + f" at {tier.name} or above"
        if brand:
            scope += f" · brand {brand}"
        keep = {"brand": brand or "", "tier": tier_name if tier_name != "watch" else "", "since": since_text,
                "per_page": str(per_page) if per_page != PER_PAGE else ""}
        pager = pagination(page, per_page, total, keep)
        return self._page(200, "incidents.html", title="Incidents", scope=scope, now=now, incidents=rows, base=base,
                          pager=pager, silences=self._silences(now, brand))

    def _silences(self, now: datetime, brand: str | None) -> list[dict[str, Any]]:
        """The silences in force or to come (stored, then the config's), of ``brand`` when the list is
        filtered by one: what mutes alerts is shown where people look for them."""
        kept = [(x, "monitor silence") for x in self.store.silences(now)]
        kept += [(x, "config") for x in self.config_silences if x.state(now) != "ended"]
        return [{"what": ", ".join(f"{k} {v}" for k, v in (("brand", x.brand), ("author", x.author),
                                                          ("keyword", x.keyword)) if v),
                 "state": x.state(now), "starts": x.starts, "ends": x.ends, "critical": x.critical,
                 "by": x.created_by, "comment": x.comment, "kept": kept_in,
                 "id": x.ident}
                for x, kept_in in kept
                if brand is None or x.brand is None or x.brand.casefold() == brand.casefold()]

    def _incident(self, ident: str) -> Response:
        now = self.clock()
        h = incident_history(self.store, ident, now, self.scoring.window)
        inc = h["incident"]
        thresholds = {1: self.scoring.watch, 2: self.scoring.warning, 3: self.scoring.critical}
        marks = [(e["at"], float(e["score"]), tier_number(e["tier"])) for e in h["timeline"] if e["kind"] == "alert"]
        colors = source_colors([s for per in h["hourly"].values() for s in per])
        shown = len(h["posts"])
        view = {
            "id": inc["incident"], "slug": slug(inc["incident"]), "brand": inc["brand"], "tier": inc["tier"],
            "meta": "", "leads": [],
            "charts": incident_charts(inc["incident"], h["points"], marks, h["hourly"], thresholds, colors),
            "timeline_title": "Timeline: each tier with its reasons, where it was sent, what people did",
            "timeline": h["timeline"], "posts": h["posts"], "posts_open": True,
            "posts_title": (f"All {shown} posts" if not h["more_posts"]
                            else f"{shown} posts that weigh most (of {shown + h['more_posts']:,})"),
            "answers": h["answers"], "more_answers": h["more_answers"],
            "repeaters": h["repeaters"], "more_repeaters": h["more_repeaters"],
        }
        return self._page(200, "incident.html", title=f"{inc['brand']} · {inc['incident']}", inc=inc, now=now,
                          status=status_words(inc), reasons=h["reasons"], channels=h["channels"], v=view,
                          list_url="../incidents")

    def _error(self, status: int, title: str, message: str, list_url: str) -> Response:
        return self._page(status, "error.html", title=title, message=message, list_url=list_url or ".")

    def _page(self, code: int, template: str, **context: Any) -> Response:
        body = render(template, **context).encode("utf-8")
        return Response(code, body, {"Content-Security-Policy": CSP + "; frame-ancestors 'none'",
                                       "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                                       "X-Frame-Options": "DENY"})


def pagination(page: int, per_page: int, total: int, keep: dict[str, str]) -> dict[str, Any]:
    """Where a page of the list stands and the (relative, query-only) links to its neighbours; ``keep``:
    the filters every link carries (empty ones are left out)."""
    pages = max(1, -(-total // per_page))

    def link(n: int) -> str:
        return "?" + urlencode({k: v for k, v in {**keep, "page": str(n) if n > 1 else ""}.items() if v})

    first = (page - 1) * per_page + 1
    return {"page": page, "pages": pages, "total": total, "first": first, "last": min(total, page * per_page),
            "previous": link(min(page - 1, pages)) if page > 1 else None,
            "next": link(page + 1) if page < pages else None,
            "start": link(1) if page > 2 else None}


class _Quiet:
    """At most one log line per ``every`` seconds for a repeated event; ``due`` says how many were skipped."""

    def __init__(self, every: float):
        self.every, self._last, self._skipped = every, -every, 0
        self._lock = threading.Lock()

    def due(self) -> int | None:
        with self._lock:
            now = time.monotonic()
            if now - self._last < self.every:
                self._skipped += 1
                return None
            skipped, self._last, self._skipped = self._skipped, now, 0
            return skipped
