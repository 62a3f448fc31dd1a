"""The read-only incident pages, served by the daemon beside /healthz (``[web]``, off unless enabled).

- ``/incidents``: the open incidents (``?brand=``, ``?tier=``, ``?since=`` filter them), as ``monitor incidents``;
- ``/incidents/ID``: one incident's whole history, as ``monitor incident ID``, with the replay report's
  charts (one renderer: monitor/web/render.py).

Pages are plain HTML and inline SVG: no script, nothing fetched, a Content-Security-Policy that forbids
scripts and framing, every piece of public text escaped. Access: the endpoint listens on
``[daemon] health_host`` (loopback by default); exposed anywhere else, the config must ask for an access
token (HTTP Basic with the token as password, or ``Authorization: Bearer``) or trust a reverse proxy that
authenticates (``trust_proxy``: requests must then carry ``proxy_header``). Links between pages are
relative, so they also work under a proxy's path prefix.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

from monitor.config.durations import since_spec
from monitor.config.secrets import reveal
from monitor.config.settings import ScoringConfig, WebConfig
from monitor.interfaces import Clock
from monitor.models import Tier
from monitor.replay.charts import slug, source_colors
from monitor.storage.store import Store
from monitor.web.history import PAGES, NoSuchIncident, incident_history, list_incidents
from monitor.web.render import CSP, incident_charts, render, tier_number, when

log = logging.getLogger("monitor.pages")
PREFIX = PAGES


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"


def status_words(r: Mapping[str, Any]) -> str:
    return ", ".join(x for x in ("open" if r["open"] else "closed", "acknowledged" if r["acknowledged"] else "",
                                 f"snoozed until {when(r['snoozed_until'])}" if r["snoozed_until"] else "",
                                 "marked not a complaint" if r["not_complaint"] else "") if x)


class Pages:
    def __init__(self, store: Store, web: WebConfig, scoring: ScoringConfig, clock: Clock):
        self.store, self.web, self.scoring, self.clock = store, web, scoring, clock

    def handles(self, path: str) -> bool:
        return path == PREFIX or path.startswith(PREFIX + "/")

    def handle(self, path: str, query: str, headers: Any) -> Response:
        """The answer to a GET of ``path``; never raises (a failure is logged and answered 500)."""
        try:
            return self._handle(path, query, headers)
        except Exception as exc:  # noqa: BLE001 - a page must not take the health endpoint down
            log.exception("incident page failed", extra={"error": type(exc).__name__})
            return Response(500, b"internal error: see the monitor's log", content_type="text/plain; charset=utf-8")

    def _handle(self, path: str, query: str, headers: Any) -> Response:
        denied = self._denied(headers)
        if denied is not None:
            return denied
        rest = path[len(PREFIX):]
        try:
            if rest in ("", "/"):
                return self._list(parse_qs(query), base="incidents/" if rest == "" else "")
            ident = unquote(rest[1:])
            if "/" in ident or not ident:
                return self._error(404, "Not found", "There is no such page.", "../incidents")
            return self._incident(ident)
        except NoSuchIncident:
            return self._error(404, "No such incident", "The database holds no incident by that id.", "../incidents")

    # access ---------------------------------------------------------------------------------

    def _denied(self, headers: Any) -> Response | None:
        """``headers``: a mapping or the request's ``email.message.Message`` (case-insensitive .get)."""
        web = self.web
        if web.trust_proxy and not str(headers.get(web.proxy_header) or "").strip():
            return self._error(403, "Forbidden", "These pages are served through the reverse proxy.", "")
        if web.access_token and not self._token_ok(str(headers.get("Authorization") or "")):
            r = self._error(401, "Sign in", "These pages need the monitor's access token (as the password).", "")
            r.headers["WWW-Authenticate"] = 'Basic realm="complaint monitor", charset="UTF-8"'
            return r
        return None

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
        brand = (q.get("brand") or [""])[0] or None
        tier_name = (q.get("tier") or ["watch"])[0]
        since_text = (q.get("since") or [""])[0]
        try:
            tier = Tier.parse(tier_name)
            since = since_spec(since_text, now) if since_text else None
        except ValueError as exc:
            return self._error(400, "Bad filter", str(exc), base or ".")
        rows = list_incidents(self.store, now, self.scoring.window, since=since, brand=brand, min_tier=tier)
        for r in rows:
            r["status"] = status_words(r)
        scope = (f"incidents active since {when(since)}" if since else "open incidents") + f" at {tier.name} or above"
        if brand:
            scope += f" · brand {brand}"
        return self._page(200, "incidents.html", title="Incidents", scope=scope, now=now, incidents=rows, base=base)

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
                            else f"{shown} posts that weigh most (of {shown + h['more_posts']})"),
            "answers": h["answers"], "repeaters": h["repeaters"],
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
