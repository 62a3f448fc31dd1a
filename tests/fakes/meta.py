"""A fake Meta Graph API (graph.facebook.com and graph.threads.net) answering with the real shapes.

Shapes, field by field, from Meta's published references (as the Graph API documents them, not
recorded answers): the Threads Keyword Search reference (``GET /v1.0/keyword_search``: ``q``,
``search_type`` TOP/RECENT, ``since``/``until`` epoch seconds, ``limit`` up to 100; media fields
``id, text, media_type, permalink, timestamp`` as ``2024-05-01T10:11:12+0000``, ``username,
has_replies, is_quote_post, is_reply``), the Page Feed and Page Tagged references (``id, message,
created_time, permalink_url, from {name, id}``, ``comments.limit(0).summary(true)`` as ``{"data": [],
"summary": {"order", "total_count", "can_comment"}}``, ``reactions`` likewise, ``shares {count}`` left out
when there are none), the Object Comments reference (``order=reverse_chronological``,
``filter=stream``; ``like_count, comment_count, parent {id}``), the IG User Media / IG Media Comments /
IG User Tags references (``caption, timestamp, permalink, comments_count, like_count, username``;
comments with ``replies {data: [...]}`` and ``from {id, username}``), cursor paging (``paging:
{cursors: {before, after}, next}``, ``next`` an absolute URL carrying ``access_token``, left out on the
last page), multiple-id look-ups (``GET /v19.0/?ids=a,b``: an object keyed by id; an unknown id fails
the whole request with code 100), and the Graph API error object (``{"error": {"message", "type",
"code", "error_subcode", "fbtrace_id"}}``, HTTP 400 for codes 100/190/4/17/32/613, 403 for 10/200).

Instagram comments are served oldest first (the older order of the API; its reference promises none),
so that the source is tested not to depend on the order.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from tests.fakes.http import FakeServer, Reply, first

GRAPH = "v19.0"
THREADS = "v1.0"


def stamp(when: datetime) -> str:
    """A Graph API time: ``2024-05-01T10:11:12+0000``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def graph_error(code: int, message: str, *, subcode: int | None = None, kind: str = "OAuthException") -> str:
    """The body of a Graph API error answer."""
    error: dict[str, Any] = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEfGhIjK"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return json.dumps({"error": error})


EXPIRED = graph_error(190, "Error validating access token: Session has expired on Tuesday, 30-Apr-24 10:00:00 "
                      "PDT. The current time is Wednesday, 01-May-24 10:11:12 PDT.", subcode=463)
RATE = graph_error(4, "(#4) Application request limit reached")


def _fields(spec: str | None) -> list[str]:
    """The top-level names of a ``fields`` parameter (``comments.limit(0).summary(true)`` → ``comments``)."""
    names, depth, word = [], 0, ""
    for ch in spec or "":
        depth += ch in "{(" and 1 or (ch in "})" and -1 or 0)
        if ch == "," and depth == 0:
            names.append(word)
            word = ""
        else:
            word += ch
    names.append(word)
    return [re.split(r"[.{]", n, maxsplit=1)[0].strip() for n in names if n.strip()]


def _cursor(ident: str) -> str:
    return base64.urlsafe_b64encode(ident.encode()).decode().rstrip("=")


def _uncursor(value: str) -> str:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()


class FakeMeta(FakeServer):
    """Threads search, one Facebook page and one Instagram account, for one access token."""

    name = "fake-meta"

    def __init__(self, token: str = "EAAG-page-tok3n") -> None:
        self.token = token
        self.usage_headers: dict[str, str] = {}
        self.threads: list[dict[str, Any]] = []
        self.page_id, self.page_name = "111222333", "Acme Air"
        self.feed: list[dict[str, Any]] = []
        self.tagged: list[dict[str, Any]] = []
        self.fb_comments: dict[str, list[dict[str, Any]]] = {}
        self.ig_id, self.ig_username = "17841400000000001", "acmeair"
        self.media: list[dict[str, Any]] = []
        self.ig_tags: list[dict[str, Any]] = []
        self.ig_comments: dict[str, list[dict[str, Any]]] = {}
        self._n = 0
        super().__init__()

    def _id(self) -> str:
        self._n += 1
        return str(10**15 + self._n)

    # What tests add -------------------------------------------------------------------------------

    def add_thread(self, text: str, when: datetime, *, username: str = "flyer", reply: bool = False) -> str:
        ident = self._id()
        self.threads.append({"id": ident, "text": text, "media_type": "TEXT_POST",
                             "permalink": f"https://www.threads.net/@{username}/post/C{ident[-6:]}",
                             "timestamp": stamp(when), "username": username, "has_replies": False,
                             "is_quote_post": False, "is_reply": reply})
        return ident

    def add_fb_post(self, message: str | None, when: datetime, *, by: tuple[str, str] | None = None, reactions: int = 0,
                    shares: int = 0, tagged: bool = False) -> str:
        ident = f"{self.page_id}_{self._id()}" if not tagged else f"{self._id()}_{self._id()}"
        name, author = by or (self.page_name, self.page_id)
        post: dict[str, Any] = {"id": ident, "created_time": stamp(when), "from": {"name": name, "id": author},
                                "permalink_url": f"https://www.facebook.com/{author}/posts/{ident.split('_')[1]}",
                                "_reactions": reactions}
        if message is not None:
            post["message"] = message
        if shares:
            post["shares"] = {"count": shares}
        (self.tagged if tagged else self.feed).append(post)
        self.fb_comments.setdefault(ident, [])
        return ident

    def add_fb_comment(self, post: str, message: str, when: datetime, *, by: tuple[str, str] = ("Dana Flyer", "5550001"),
                       parent: str | None = None, likes: int = 0) -> str:
        ident = f"{post.split('_')[1]}_{self._id()}"
        comment: dict[str, Any] = {"id": ident, "message": message, "created_time": stamp(when),
                                   "from": {"name": by[0], "id": by[1]}, "like_count": likes, "comment_count": 0,
                                   "permalink_url": f"https://www.facebook.com/{post}?comment_id={ident.split('_')[1]}"}
        if parent:
            comment["parent"] = {"id": parent}
            next(c for c in self.fb_comments[post] if c["id"] == parent)["comment_count"] += 1
        self.fb_comments[post].append(comment)
        return ident

    def add_media(self, caption: str | None, when: datetime, *, likes: int = 0, tagged_by: str | None = None) -> str:
        ident = self._id()
        media: dict[str, Any] = {"id": ident, "timestamp": stamp(when), "username": tagged_by or self.ig_username,
                                 "permalink": f"https://www.instagram.com/p/C{ident[-8:]}/", "like_count": likes,
                                 "comments_count": 0}
        if caption is not None:
            media["caption"] = caption
        (self.ig_tags if tagged_by else self.media).append(media)
        self.ig_comments.setdefault(ident, [])
        return ident

    def add_ig_comment(self, media: str, text: str, when: datetime, *, username: str = "dana.flies",
                       parent: str | None = None, likes: int = 0) -> str:
        ident = self._id()
        comment = {"id": ident, "text": text, "timestamp": stamp(when), "username": username, "like_count": likes,
                   "from": {"id": str(int(ident) + 7), "username": username}}
        owner = next(m for m in self.media + self.ig_tags if m["id"] == media)
        owner["comments_count"] += 1
        if parent:
            top = next(c for c in self.ig_comments[media] if c["id"] == parent)
            top.setdefault("replies", {"data": []})["data"].append(comment | {"parent_id": parent})
        else:
            self.ig_comments[media].append(comment)
        return ident

    # Serving --------------------------------------------------------------------------------------

    def route(self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
              body: bytes) -> Reply:
        if first(query, "access_token") != self.token:
            return Reply(400, raw=graph_error(190, "Invalid OAuth access token - Cannot parse access token").encode())
        parts = path.strip("/").split("/")
        reply = self._route(parts, query)
        return Reply(reply.status, reply.payload, {**self.usage_headers, **reply.headers}, reply.raw)

    def _route(self, parts: list[str], query: dict[str, list[str]]) -> Reply:
        fields = _fields(first(query, "fields"))
        if parts == [THREADS, "keyword_search"]:
            if first(query, "search_type") not in ("TOP", "RECENT") or not first(query, "q"):
                return _error(100, "(#100) The parameter q is required")
            q = (first(query, "q") or "").casefold()
            return self._list(parts, query, [t for t in self.threads if q in t["text"].casefold()], fields)
        if len(parts) == 1 and parts[0] == GRAPH and first(query, "ids"):
            ids = (first(query, "ids") or "").split(",")
            found = {i: self._object(i) for i in ids}
            if any(v is None for v in found.values()):
                return _error(100, "(#100) Some of the aliases you requested do not exist")
            return Reply(200, {i: self._project(o, fields) for i, o in found.items() if o is not None})
        if len(parts) == 2 and parts[0] == GRAPH:
            obj = self._object(parts[1])
            if obj is None:
                return _missing(parts[1])
            return Reply(200, self._project(obj, fields))
        if len(parts) != 3 or parts[0] != GRAPH:
            return _error(2500, "Unknown path components", kind="OAuthException")
        node, edge = parts[1], parts[2]
        if node == self.page_id and edge in ("feed", "tagged"):
            return self._list(parts, query, self.feed if edge == "feed" else self.tagged, fields, "created_time")
        if node in self.fb_comments and edge == "comments":
            items = self.fb_comments[node] if first(query, "filter") == "stream" else \
                [c for c in self.fb_comments[node] if "parent" not in c]
            return self._list(parts, query, items, fields, "created_time",
                              newest_first=first(query, "order") == "reverse_chronological")
        if node == self.ig_id and edge in ("media", "tags"):
            return self._list(parts, query, self.media if edge == "media" else self.ig_tags, fields)
        if node in self.ig_comments and edge == "comments":
            return self._list(parts, query, self.ig_comments[node], fields, newest_first=False)
        return _missing(node)

    def _object(self, ident: str) -> dict[str, Any] | None:
        everything = [*self.feed, *self.tagged, *self.media, *self.ig_tags,
                      *(c for cs in self.fb_comments.values() for c in cs),
                      *(c for cs in self.ig_comments.values() for top in cs for c in [top, *top.get("replies", {}).get("data", [])])]
        return next((o for o in everything if o["id"] == ident), None)

    def _project(self, obj: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in fields or ["id"]:
            if name == "comments" and "_reactions" in obj:
                out[name] = {"data": [], "summary": {"order": "ranked", "can_comment": True,
                                                     "total_count": len([c for c in self.fb_comments.get(obj["id"], [])
                                                                         if "parent" not in c])}}
            elif name == "reactions":
                out[name] = {"data": [], "summary": {"total_count": obj.get("_reactions", 0), "viewer_reaction": "NONE"}}
            elif name in obj and not name.startswith("_"):
                out[name] = obj[name]
        return out

    def _list(self, parts: list[str], query: dict[str, list[str]], items: list[dict[str, Any]], fields: list[str],
              stamp_field: str = "timestamp", newest_first: bool = True) -> Reply:
        def when(item: dict[str, Any]) -> float:
            return datetime.strptime(item[stamp_field], "%Y-%m-%dT%H:%M:%S%z").timestamp()

        since, until = first(query, "since"), first(query, "until")
        chosen = [i for i in items if (since is None or when(i) >= int(since)) and (until is None or when(i) <= int(until))]
        chosen.sort(key=lambda i: (when(i), i["id"]), reverse=newest_first)
        limit = min(int(first(query, "limit") or 25), 100)
        start = 0
        if after := first(query, "after"):
            anchor = _uncursor(after)
            start = next((n + 1 for n, i in enumerate(chosen) if i["id"] == anchor), len(chosen))
        page = chosen[start : start + limit]
        payload: dict[str, Any] = {"data": [self._project(i, fields) for i in page]}
        if page:
            payload["paging"] = {"cursors": {"before": _cursor(page[0]["id"]), "after": _cursor(page[-1]["id"])}}
            if start + limit < len(chosen):
                rest = {k: v[0] for k, v in query.items() if k != "after"}
                payload["paging"]["next"] = (f"{self.url}/{'/'.join(parts)}?"
                                             + urlencode({**rest, "after": _cursor(page[-1]["id"])}))
        return Reply(200, payload)


def _error(code: int, message: str, *, subcode: int | None = None, kind: str = "OAuthException",
           status: int = 400) -> Reply:
    return Reply(status, raw=graph_error(code, message, subcode=subcode, kind=kind).encode())


def _missing(ident: str) -> Reply:
    return _error(100, f"Unsupported get request. Object with ID '{ident}' does not exist, cannot be loaded due to "
                  "missing permissions, or does not support this operation.", subcode=33, kind="GraphMethodException")
