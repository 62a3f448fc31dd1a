"""Fake Bluesky (XRPC AppView + PDS login) and Mastodon APIs, answering with the real shapes.

Mixed into ``tests.fakes.keyless.FakeKeyless``. Endpoints:
    Bluesky  GET /xrpc/app.bsky.feed.searchPosts (q, sort, since, until, limit<=100, cursor: 403 without
             a login, as on the public AppView), GET /xrpc/app.bsky.feed.getPosts (uris, at most 25),
             POST /xrpc/com.atproto.server.createSession. ``bsky_require_auth``: search answers 403.
    Mastodon GET /api/v1/timelines/tag/{tag} (limit<=40, since_id, min_id, max_id), GET /api/v2/search
             (needs ``Authorization: Bearer <mastodon_token>``), GET /api/v1/statuses?id[]=..,
             GET /api/v1/statuses/{id}. Every answer carries the X-RateLimit-* headers.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.feeds import _ts
from tests.fakes.http import Reply, first


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


class FediverseMixin:
    bsky_require_auth: bool
    bsky_account: tuple[str, str] | None
    mastodon_token: str | None
    _bsky: dict[str, dict[str, Any]]
    _statuses: dict[str, dict[str, Any]]

    def _init_fediverse(self) -> None:
        self.bsky_require_auth = False
        self.bsky_account = None
        self.mastodon_token = None
        self._bsky = {}
        self._statuses = {}
        self._jwts: set[str] = set()

    # Bluesky ----------------------------------------------------------------------------------------

    def add_bsky_post(self, text: str, *, handle: str = "alice.bsky.social", created: datetime | float | None = None,
                      likes: int = 0, reposts: int = 0, replies: int = 0, quotes: int = 0, lang: str = "en",
                      reply_to: str | None = None, link: str | None = None, card: str | None = None) -> str:
        did = "did:plc:" + re.sub(r"[^a-z0-9]", "", handle.lower())[:24].ljust(24, "x")
        rkey = "3k" + format(len(self._bsky) + 1, "011d")
        uri = f"at://{did}/app.bsky.feed.post/{rkey}"
        when = _ts(created)
        record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": _iso(when), "langs": [lang]}
        if reply_to:
            root = self._bsky[reply_to]["record"].get("reply", {}).get("root") or {"uri": reply_to, "cid": "bafy"}
            record["reply"] = {"root": root, "parent": {"uri": reply_to, "cid": "bafy"}}
        if link:
            shown = link.split("://", 1)[1][:20] + "..."
            text_with = f"{text} {shown}"
            record["text"] = text_with
            start = len(text.encode()) + 1
            record["facets"] = [{"index": {"byteStart": start, "byteEnd": start + len(shown.encode())},
                                 "features": [{"$type": "app.bsky.richtext.facet#link", "uri": link}]}]
        if card:
            record["embed"] = {"$type": "app.bsky.embed.external", "external": {"uri": card, "title": "t", "description": ""}}
        self._bsky[uri] = {"uri": uri, "cid": "bafyrei" + rkey, "author": {"did": did, "handle": handle,
                           "displayName": handle.split(".")[0].title(), "labels": []},
                           "record": record, "replyCount": replies, "repostCount": reposts, "likeCount": likes,
                           "quoteCount": quotes, "indexedAt": _iso(when + 1), "labels": []}
        return uri

    def set_bsky_metrics(self, uri: str, **counts: int) -> None:
        self._bsky[uri].update({f"{k}Count": v for k, v in counts.items()})

    def _bluesky(self, method: str, path: str, q: dict[str, list[str]], headers: dict[str, str],
                 body: bytes) -> Reply | None:
        if not path.startswith("/xrpc/"):
            return None
        nsid = path[len("/xrpc/"):]
        limits = {"ratelimit-limit": "3000", "ratelimit-remaining": "2999", "ratelimit-policy": "3000;w=300"}
        authed = headers.get("authorization", "").removeprefix("Bearer ") in self._jwts
        if nsid == "com.atproto.server.createSession" and method == "POST":
            data = json.loads(body or b"{}")
            if self.bsky_account is not None and (data.get("identifier"), data.get("password")) != self.bsky_account:
                return Reply(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
            jwt = f"jwt-{len(self._jwts) + 1}"
            self._jwts.add(jwt)
            return Reply(200, {"accessJwt": jwt, "refreshJwt": "r" + jwt, "handle": data.get("identifier"),
                               "did": "did:plc:me"})
        if nsid == "app.bsky.feed.searchPosts":
            if (self.bsky_require_auth or first(q, "cursor") is not None) and not authed:
                return Reply(403, raw=b"<html><title>403 Forbidden</title></html>", content_type="text/html")
            limit = int(first(q, "limit") or 25)
            if not 1 <= limit <= 100:
                return Reply(400, {"error": "InvalidRequest", "message": "limit must be <= 100"})
            phrase = (first(q, "q") or "").strip('"').lower()
            since, until = first(q, "since"), first(q, "until")

            def sort_at(p: dict[str, Any]) -> float:
                return min(_parse(p["record"]["createdAt"]), _parse(p["indexedAt"]))

            found = [p for p in self._bsky.values() if re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)",
                                                                 p["record"]["text"].lower())
                     and (since is None or sort_at(p) >= _parse(since)) and (until is None or sort_at(p) < _parse(until))]
            found.sort(key=sort_at, reverse=True)
            offset = int(first(q, "cursor") or 0)
            page = found[offset:offset + limit]
            out: dict[str, Any] = {"posts": page, "hitsTotal": len(found)}
            if offset + limit < len(found):
                out["cursor"] = str(offset + limit)
            return Reply(200, out, limits)
        if nsid == "app.bsky.feed.getPosts":
            uris = q.get("uris", [])
            if len(uris) > 25:
                return Reply(400, {"error": "InvalidRequest", "message": "uris must not have more than 25 elements"})
            return Reply(200, {"posts": [self._bsky[u] for u in uris if u in self._bsky]}, limits)
        return Reply(501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"})

    # Mastodon ---------------------------------------------------------------------------------------

    def add_status(self, html: str, *, tags: tuple[str, ...] = (), acct: str = "carol",
                   created: datetime | float | None = None, favourites: int = 0, reblogs: int = 0, replies: int = 0,
                   in_reply_to: str | None = None, language: str = "en", followers: int = 10,
                   spoiler: str = "") -> str:
        when = _ts(created)
        ident = str((int(when * 1000) << 16) + len(self._statuses) + 1)
        username = acct.split("@")[0]
        url = f"https://mastodon.example/@{acct}/{ident}"
        self._statuses[ident] = {
            "id": ident, "created_at": _iso(when), "in_reply_to_id": in_reply_to, "sensitive": bool(spoiler),
            "spoiler_text": spoiler, "visibility": "public", "language": language, "uri": url, "url": url,
            "replies_count": replies, "reblogs_count": reblogs, "favourites_count": favourites,
            "content": html, "reblog": None, "media_attachments": [], "mentions": [], "emojis": [], "card": None,
            "tags": [{"name": t.lower(), "url": f"https://mastodon.example/tags/{t}"} for t in tags],
            "account": {"id": str(abs(hash(acct)) % 10**9), "username": username, "acct": acct,
                        "display_name": username.title(), "followers_count": followers, "url": f"https://mastodon.example/@{acct}"},
        }
        return ident

    def set_status_counts(self, ident: str, **counts: int) -> None:
        self._statuses[ident].update({f"{k}_count": v for k, v in counts.items()})

    def _mastodon(self, path: str, q: dict[str, list[str]], headers: dict[str, str]) -> Reply | None:
        if not path.startswith(("/api/v1/timelines/tag/", "/api/v2/search", "/api/v1/statuses")):
            return None
        reset = (datetime.now(UTC) + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
        limits = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299", "X-RateLimit-Reset": reset}
        if path.startswith("/api/v1/timelines/tag/"):
            tag = path.rsplit("/", 1)[1].lower()
            return Reply(200, self._page([s for s in self._statuses.values()
                                          if tag in {t["name"] for t in s["tags"]}], q), limits)
        if path == "/api/v2/search":
            if self.mastodon_token is None or headers.get("authorization") != f"Bearer {self.mastodon_token}":
                return Reply(401, {"error": "The access token is invalid"}, limits)
            term = (first(q, "q") or "").lower()
            found = [s for s in self._statuses.values() if term in s["content"].lower()]
            return Reply(200, {"accounts": [], "hashtags": [], "statuses": self._page(found, q)}, limits)
        if path == "/api/v1/statuses":
            return Reply(200, [self._statuses[i] for i in q.get("id[]", []) if i in self._statuses], limits)
        ident = path.rsplit("/", 1)[1]
        if ident in self._statuses:
            return Reply(200, self._statuses[ident], limits)
        return Reply(404, {"error": "Record not found"}, limits)

    def _page(self, statuses: list[dict[str, Any]], q: dict[str, list[str]]) -> list[dict[str, Any]]:
        limit = min(int(first(q, "limit") or 20), 40)
        since, min_id, max_id = (int(first(q, k) or 0) for k in ("since_id", "min_id", "max_id"))
        found = [s for s in statuses if int(s["id"]) > max(since, min_id) and (not max_id or int(s["id"]) < max_id)]
        found.sort(key=lambda s: int(s["id"]))
        # min_id: the page right after it (oldest first, then shown newest first); otherwise the newest.
        page = found[:limit] if min_id else found[-limit:]
        return sorted(page, key=lambda s: int(s["id"]), reverse=True)
