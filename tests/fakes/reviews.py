"""A local stand-in for the two review APIs, on one base URL:

* Apple's customer-reviews RSS feed in JSON, ``/{country}/rss/customerreviews/page={n}/id={app}/sortby=mostrecent/json``
  (50 entries a page, 10 pages at most; one entry comes as an object, none as no ``entry`` key; the
  feed's ``link`` list with ``first``/``last``/``previous``/``next``; ``old_style`` puts the app's own
  record first on page 1, as older feeds did). Unknown pages past 10 answer 400 as Apple does.
* Trustpilot's ``/v1/business-units/{id}/reviews`` (``page``, ``perPage`` up to 100,
  ``orderBy=createdat.desc``, ``stars``, ``language``; ``links`` with ``rel: next-page``; the key in
  the ``apikey`` header or query; a wrong key answers 401 with the gateway's fault body; an unknown
  unit 404 with ``{"message": ..., "errorCode": ...}``).

Failures and the request log come from ``tests.fakes.http.FakeServer``.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from tests.fakes.http import FakeServer, Reply, first

APPLE_PAGE, APPLE_PAGES = 50, 10
_FEED = re.compile(r"^/([a-z]{2})/rss/customerreviews/page=([0-9]+)/id=([0-9]+)/sortby=mostrecent/json$")
_UNIT = re.compile(r"^/v1/business-units/([A-Za-z0-9]+)/reviews$")


def _iso(t: datetime, *, apple: bool) -> str:
    if apple:  # Apple writes Cupertino's local time with its offset: 2024-05-01T10:11:12-07:00
        return t.astimezone(timezone(timedelta(hours=-7))).strftime("%Y-%m-%dT%H:%M:%S-07:00")
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class FakeReviews(FakeServer):
    name = "fake-reviews"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, api_key: str = "tp-key-123456"):
        self.api_key = api_key
        self._data_lock = threading.Lock()
        self._apple: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._tp: dict[str, list[dict[str, Any]]] = {}
        self.old_style = False
        self._next_id = 10_000_000_000
        super().__init__(host, port)

    # App Store -----------------------------------------------------------------------------------------

    def add_app_review(self, app: str, created: datetime, *, stars: int | str = 5, title: str = "Nice",
                       content: str = "Works well.", country: str = "us", author: str = "jane",
                       version: str = "3.2.1", votes: Any = "0", ident: str | None = None,
                       raw: dict[str, Any] | None = None) -> str:
        """An entry shaped as Apple's feed writes it; returns its review id."""
        with self._data_lock:
            self._next_id += 1
            rid = ident or str(self._next_id)
            entry = raw if raw is not None else {
                "author": {"uri": {"label": f"https://itunes.apple.com/{country}/reviews/id{abs(hash(author)) % 10**9}"},
                           "name": {"label": author}, "label": ""},
                "updated": {"label": _iso(created, apple=True)},
                "im:rating": {"label": str(stars)},
                "im:version": {"label": version},
                "id": {"label": rid},
                "title": {"label": title},
                "content": {"label": content, "attributes": {"type": "text"}},
                "link": {"attributes": {"rel": "related", "href": f"https://itunes.apple.com/{country}/review?id={app}&type=Purple%20Software"}},
                "im:voteSum": {"label": str(votes)},
                "im:contentType": {"attributes": {"term": "Application", "label": "Application"}},
                "im:voteCount": {"label": str(votes)},
            }
            self._apple.setdefault((app, country), []).append({"at": created, "entry": entry})
        return rid

    def _feed(self, country: str, page: int, app: str) -> Reply:
        if not 1 <= page <= APPLE_PAGES:
            return Reply(400, raw=b"CustomerReviews RSS page depth is limited to 10", content_type="text/plain")
        with self._data_lock:
            rows = sorted(self._apple.get((app, country), []), key=lambda r: r["at"], reverse=True)
        rows = rows[: APPLE_PAGE * APPLE_PAGES]
        entries: list[dict[str, Any]] = [r["entry"] for r in rows[(page - 1) * APPLE_PAGE : page * APPLE_PAGE]]
        if self.old_style and page == 1:
            entries.insert(0, {"im:name": {"label": "Acme"}, "id": {"label": f"https://apps.apple.com/{country}/app/id{app}"},
                               "im:artist": {"label": "Acme Inc."}, "title": {"label": "Acme - Acme Inc."}})
        last = max(1, -(-len(rows) // APPLE_PAGE))
        base = f"https://itunes.apple.com/{country}/rss/customerreviews"
        link = [{"attributes": {"rel": "alternate", "type": "text/html", "href": f"https://apps.apple.com/WebObjects/MZStore.woa/wa/viewGrouping?cc={country}&id=1"}},
                {"attributes": {"rel": "self", "href": f"{base}/page={page}/id={app}/sortby=mostrecent/json"}},
                {"attributes": {"rel": "first", "href": f"{base}/page=1/id={app}/sortby=mostrecent/xml?urlDesc=/customerreviews/id={app}/sortBy=mostRecent/json"}},
                {"attributes": {"rel": "last", "href": f"{base}/page={last}/id={app}/sortby=mostrecent/xml?urlDesc=/customerreviews/id={app}/sortBy=mostRecent/json"}},
                {"attributes": {"rel": "previous", "href": f"{base}/page={max(1, page - 1)}/id={app}/sortby=mostrecent/xml?urlDesc=/customerreviews/id={app}/sortBy=mostRecent/json"}},
                {"attributes": {"rel": "next", "href": f"{base}/page={min(last, page + 1)}/id={app}/sortby=mostrecent/xml?urlDesc=/customerreviews/id={app}/sortBy=mostRecent/json"}}]
        feed: dict[str, Any] = {
            "author": {"name": {"label": "iTunes Store"}, "uri": {"label": "http://www.apple.com/uk/itunes/"}},
            "updated": {"label": "2024-05-01T10:11:12-07:00"}, "rights": {"label": "Copyright 2008 Apple Inc."},
            "title": {"label": "iTunes Store: Customer Reviews"}, "icon": {"label": "http://itunes.apple.com/favicon.ico"},
            "link": link, "id": {"label": f"{base}/page={page}/id={app}/sortby=mostrecent/json"},
        }
        if len(entries) == 1:
            feed["entry"] = entries[0]
        elif entries:
            feed["entry"] = entries
        return Reply(200, {"feed": feed}, content_type="text/javascript; charset=utf-8")

    # Trustpilot ----------------------------------------------------------------------------------------

    def add_tp_review(self, unit: str, created: datetime, *, stars: Any = 5, title: str = "Great",
                      text: str = "Good service.", name: str = "Sam", language: str = "en",
                      reply: tuple[str, datetime] | None = None, likes: Any = 0, ident: str | None = None) -> str:
        with self._data_lock:
            self._next_id += 1
            rid = ident or f"{self._next_id:024x}"
            review = {
                "id": rid, "stars": stars, "title": title, "text": text, "language": language,
                "createdAt": _iso(created, apple=False), "updatedAt": None,
                "consumer": {"id": f"{abs(hash(name)) % 10**12:024x}", "displayName": name, "numberOfReviews": 3,
                             "displayLocation": None},
                "companyReply": ({"text": reply[0], "createdAt": _iso(reply[1], apple=False), "updatedAt": None}
                                 if reply else None),
                "isVerified": False, "numberOfLikes": likes, "status": "active", "reportData": None,
                "complianceLabels": [],
                "links": [{"href": f"https://api.trustpilot.com/v1/reviews/{rid}", "method": "GET", "rel": "reviews"},
                          {"href": f"https://api.trustpilot.com/v1/business-units/{unit}", "method": "GET",
                           "rel": "business-units"}],
            }
            self._tp.setdefault(unit, []).append(review)
        return rid

    def add_tp_unit(self, unit: str) -> None:
        with self._data_lock:
            self._tp.setdefault(unit, [])

    def _trustpilot(self, unit: str, query: dict[str, list[str]], headers: dict[str, str]) -> Reply:
        key = headers.get("apikey") or first(query, "apikey")
        if key != self.api_key:
            return Reply(401, {"fault": {"faultstring": "Invalid ApiKey", "detail": {"errorcode": "oauth.v2.InvalidApiKey"}}})
        with self._data_lock:
            if unit not in self._tp:
                return Reply(404, {"message": "Business unit not found", "errorCode": 404})
            rows = list(self._tp[unit])
        rows.sort(key=lambda r: r["createdAt"], reverse=(first(query, "orderBy") or "createdat.desc") == "createdat.desc")
        if stars := first(query, "stars"):
            wanted = {int(s) for s in stars.split(",")}
            rows = [r for r in rows if r["stars"] in wanted]
        if (lang := first(query, "language")) and lang != "all":
            rows = [r for r in rows if r["language"] == lang]
        page, per = int(first(query, "page") or 1), min(100, int(first(query, "perPage") or 20))
        chunk = rows[(page - 1) * per : page * per]
        base = f"https://api.trustpilot.com/v1/business-units/{unit}/reviews?perPage={per}&orderBy=createdat.desc"
        links = [{"href": f"{base}&page={page}", "method": "GET", "rel": "self"}]
        if page > 1:
            links.append({"href": f"{base}&page={page - 1}", "method": "GET", "rel": "prev-page"})
        if page * per < len(rows):
            links.append({"href": f"{base}&page={page + 1}", "method": "GET", "rel": "next-page"})
        return Reply(200, {"reviews": chunk, "links": links})

    def route(self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
              body: bytes) -> Reply:
        if m := _FEED.match(path):
            return self._feed(m.group(1), int(m.group(2)), m.group(3))
        if m := _UNIT.match(path):
            return self._trustpilot(m.group(1), query, headers)
        return Reply(404, {"error": "Not Found"})

    def __enter__(self) -> FakeReviews:
        return self
