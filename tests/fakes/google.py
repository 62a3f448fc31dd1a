"""Local stand-ins for the Google APIs the YouTube and Google Play sources read.

Shapes, field by field, follow Google's published references: the YouTube Data API v3 discovery
document (``https://www.googleapis.com/discovery/v1/apis/youtube/v3/rest``: ``SearchListResponse``,
``SearchResult``, ``CommentThreadListResponse``, ``CommentThread``, ``Comment``, ``VideoListResponse``)
and its error guide (``developers.google.com/youtube/v3/docs/errors``: ``quotaExceeded`` in the
``youtube.quota`` domain, ``commentsDisabled`` and ``videoNotFound`` in ``youtube.commentThread``);
the Android Publisher API v3 (``reviews.list``: ``ReviewsListResponse``, ``Review``, ``Comment``,
``UserComment``, ``DeveloperComment``, ``Timestamp`` with ``seconds`` as a string, ``TokenPagination``,
``PageInfo`` with its ``resultPerPage`` spelling); Google's JSON error body (``{"error": {"code",
"message", "errors": [{"message", "domain", "reason"}], "status"}}``) and the OAuth 2.0 token
endpoint's answers (``access_token``/``expires_in``/``token_type``; ``{"error": "invalid_grant",
"error_description": ...}``) as in RFC 6749 and Google's service-account guide.

Page tokens are opaque keys of the last item served (as Google's are opaque), so a token kept between
polls still points where it did when newer items arrive.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from google.auth import crypt

from tests.fakes.http import FakeServer, Reply, first

API_KEY = "AIzaFAKE-youtube-key-0123456789abcdef"


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def google_error(code: int, reason: str, message: str, domain: str = "global", status: str | None = None) -> Reply:
    body: dict[str, Any] = {"error": {"code": code, "message": message,
                                      "errors": [{"message": message, "domain": domain, "reason": reason}]}}
    if status:
        body["error"]["status"] = status
    return Reply(code, body)


def quota_exceeded() -> Reply:
    return google_error(403, "quotaExceeded", 'The request cannot be completed because you have exceeded your '
                        '<a href="/youtube/v3/getting-started#quota">quota</a>.', "youtube.quota")


def _token(ts: Any, ident: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([ts, ident]).encode()).decode().rstrip("=")


def _after(token: str | None) -> tuple[Any, ...] | None:
    if not token:
        return None
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    return tuple(json.loads(raw))


def _page(items: list[Any], key: Any, token: str | None, size: int) -> tuple[list[Any], str | None]:
    """Newest first, from after ``token``; the next token when more remain."""
    ordered = sorted(items, key=key, reverse=True)
    after = _after(token)
    if after is not None:
        ordered = [i for i in ordered if key(i) < after]
    page = ordered[:size]
    return page, (_token(*key(page[-1])) if len(ordered) > size else None)


@dataclass
class Video:
    id: str
    title: str
    description: str
    published: float
    channel: str = "UCxxxxxxxxxxxxxxxxxxxxxx"
    channel_title: str = "Some Channel"
    comments_disabled: bool = False
    threads: list[dict[str, Any]] = field(default_factory=list)


class FakeYouTube(FakeServer):
    """search.list, commentThreads.list, comments.list and videos.list under /youtube/v3, one API key,
    a daily quota charged as YouTube charges it (100 a search, 1 any other call)."""

    name = "fake-youtube"

    def __init__(self) -> None:
        self.videos: dict[str, Video] = {}
        self.quota = 10_000
        self.used = 0
        self._n = 0
        super().__init__()

    def add_video(self, vid: str, title: str, published: float, description: str = "", **kw: Any) -> Video:
        with self._lock:
            self.videos[vid] = Video(vid, title, description, published, **kw)
            return self.videos[vid]

    def add_comment(self, vid: str, text: str, published: float, *, author: str = "@viewer",
                    author_channel: str = "UCviewerxxxxxxxxxxxxxxxx", likes: Any = 0,
                    reply_to: str | None = None) -> str:
        with self._lock:
            self._n += 1
            video = self.videos[vid]
            cid = f"Ugz{self._n:04d}abcdefghijklmnopqrstu"
            snippet: dict[str, Any] = {
                "channelId": video.channel, "videoId": vid, "textDisplay": text, "textOriginal": text,
                "authorDisplayName": author, "authorProfileImageUrl": "https://yt3.ggpht.com/a.jpg",
                "authorChannelUrl": f"http://www.youtube.com/{author}", "authorChannelId": {"value": author_channel},
                "canRate": True, "viewerRating": "none", "likeCount": likes, "publishedAt": iso(published),
                "updatedAt": iso(published)}
            if reply_to is not None:
                thread = next(t for t in video.threads if t["id"] == reply_to)
                cid = f"{reply_to}.{self._n:04d}xyzABCDEFGH"
                comment = {"kind": "youtube#comment", "etag": "e", "id": cid, "snippet": {**snippet, "parentId": reply_to}}
                thread.setdefault("replies", {"comments": []})["comments"].insert(0, comment)
                thread["snippet"]["totalReplyCount"] += 1
                return cid
            video.threads.append({
                "kind": "youtube#commentThread", "etag": "e", "id": cid,
                "snippet": {"channelId": video.channel, "videoId": vid,
                            "topLevelComment": {"kind": "youtube#comment", "etag": "e", "id": cid, "snippet": snippet},
                            "canReply": True, "totalReplyCount": 0, "isPublic": True}})
            return cid

    def route(self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
              body: bytes) -> Reply:
        if first(query, "key") != API_KEY:
            return google_error(400, "badRequest", "API key not valid. Please pass a valid API key.",
                                status="INVALID_ARGUMENT")
        cost = 100 if path == "/youtube/v3/search" else 1
        with self._lock:
            if self.used + cost > self.quota:
                return quota_exceeded()
            self.used += cost
            if path == "/youtube/v3/search":
                return self._search(query)
            if path == "/youtube/v3/commentThreads":
                return self._threads(query)
            if path == "/youtube/v3/comments":
                wanted = set((first(query, "id") or "").split(","))
                found = [c for v in self.videos.values() for t in v.threads
                         for c in (t.get("replies") or {}).get("comments", []) if c["id"] in wanted]
                return Reply(200, {"kind": "youtube#commentListResponse", "etag": "e", "items": found})
            if path == "/youtube/v3/videos":
                wanted = set((first(query, "id") or "").split(","))
                items = [{"kind": "youtube#video", "etag": "e", "id": v.id,
                          "snippet": {"publishedAt": iso(v.published), "channelId": v.channel, "title": v.title,
                                      "description": v.description, "channelTitle": v.channel_title},
                          "statistics": {"viewCount": "1000", "likeCount": "50", "favoriteCount": "0",
                                         "commentCount": str(len(v.threads))}}
                         for v in self.videos.values() if v.id in wanted]
                return Reply(200, {"kind": "youtube#videoListResponse", "etag": "e", "items": items,
                                   "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)}})
        return Reply(404, {"error": {"code": 404, "message": "Not Found", "errors": [
            {"message": "Not Found", "domain": "global", "reason": "notFound"}]}})

    def _search(self, query: dict[str, list[str]]) -> Reply:
        terms = [t.strip('"').lower() for t in (first(query, "q") or "").split(" ")[0].split("|")]
        after = datetime.fromisoformat((first(query, "publishedAfter") or "1970-01-01T00:00:00Z").replace("Z", "+00:00"))
        size = int(first(query, "maxResults") or 5)
        hits = [v for v in self.videos.values() if v.published > after.timestamp()
                and any(t in f"{v.title} {v.description}".lower() or t in v.id.lower() for t in terms)]
        page, token = _page(hits, lambda v: (v.published, v.id), first(query, "pageToken"), size)
        items = [{"kind": "youtube#searchResult", "etag": "e", "id": {"kind": "youtube#video", "videoId": v.id},
                  "snippet": {"publishedAt": iso(v.published), "channelId": v.channel, "title": v.title,
                              "description": v.description, "thumbnails": {"default": {"url": "https://i.ytimg.com/a.jpg"}},
                              "channelTitle": v.channel_title, "liveBroadcastContent": "none",
                              "publishTime": iso(v.published)}} for v in page]
        return Reply(200, {"kind": "youtube#searchListResponse", "etag": "e", "regionCode": "US",
                           "pageInfo": {"totalResults": len(hits), "resultsPerPage": size}, "items": items,
                           **({"nextPageToken": token} if token else {})})

    def _threads(self, query: dict[str, list[str]]) -> Reply:
        vid, channel, ids = first(query, "videoId"), first(query, "allThreadsRelatedToChannelId"), first(query, "id")
        if vid is not None:
            video = self.videos.get(vid)
            if video is None:
                return google_error(404, "videoNotFound", "The video identified by the <code><a href=\"/youtube/v3/"
                                    "docs/commentThreads/list#videoId\">videoId</a></code> parameter could not be "
                                    "found.", "youtube.commentThread")
            if video.comments_disabled:
                return google_error(403, "commentsDisabled", "The video identified by the <code><a href=\"/youtube/"
                                    "v3/docs/commentThreads/list#videoId\">videoId</a></code> parameter has disabled "
                                    "comments.", "youtube.commentThread")
            threads = list(video.threads)
        elif channel is not None:
            threads = [t for v in self.videos.values() if v.channel == channel for t in v.threads]
        elif ids is not None:
            threads = [t for v in self.videos.values() for t in v.threads if t["id"] in ids.split(",")]
        else:
            return google_error(400, "missingRequiredParameter", "No filter selected. Expected one of: "
                                "allThreadsRelatedToChannelId, id, videoId", "youtube.parameter")
        token = first(query, "pageToken")
        if token == "expired":
            return google_error(400, "invalidPageToken", "The request specifies an invalid page token.",
                                "youtube.commentThread")
        size = int(first(query, "maxResults") or 20)
        page, nxt = _page(threads, lambda t: (t["snippet"]["topLevelComment"]["snippet"]["publishedAt"], t["id"]),
                          token, size)
        if "replies" not in (first(query, "part") or ""):
            page = [{k: v for k, v in t.items() if k != "replies"} for t in page]
        return Reply(200, {"kind": "youtube#commentThreadListResponse", "etag": "e",
                           "pageInfo": {"totalResults": len(page), "resultsPerPage": size}, "items": page,
                           **({"nextPageToken": nxt} if nxt else {})})


def form(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode()).items()}


PLAY_REVIEWS = re.compile(r"^/androidpublisher/v3/applications/([^/]+)/reviews$")


class FakeGooglePlay(FakeServer):
    """The OAuth 2.0 token endpoint (``POST /token``, the JWT bearer grant, the assertion's signature
    checked with the service account's public key) and ``reviews.list`` of the Android Publisher
    API, for the apps the service account may read."""

    name = "fake-googleplay"

    def __init__(self, public_pem: bytes, client_email: str) -> None:
        self.verifier = crypt.RSAVerifier.from_string(public_pem)
        self.client_email = client_email
        self.reviews: dict[str, list[dict[str, Any]]] = {}
        self.tokens: list[str] = []
        self.assertions: list[dict[str, Any]] = []
        self.revoked = False
        self.forbidden: set[str] = set()
        super().__init__()

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    def add_review(self, package: str, rid: str, text: str, modified: float, *, stars: Any = 1, thumbs: Any = 0,
                   author: str | None = "Ann", lang: str = "en", reply: str | None = None,
                   replied: float | None = None) -> dict[str, Any]:
        user = {"text": text, "lastModified": {"seconds": str(int(modified)), "nanos": 0}, "starRating": stars,
                "reviewerLanguage": lang, "device": "a10", "androidOsVersion": 33, "appVersionCode": 120,
                "appVersionName": "1.2.0", "thumbsUpCount": thumbs, "thumbsDownCount": 0,
                "deviceMetadata": {"productName": "a10 (Galaxy A10)", "manufacturer": "Samsung", "ramMb": 2048}}
        review: dict[str, Any] = {"reviewId": rid, "comments": [{"userComment": user}]}
        if author is not None:
            review["authorName"] = author
        if reply is not None:
            review["comments"].append({"developerComment": {
                "text": reply, "lastModified": {"seconds": str(int(replied or modified)), "nanos": 0}}})
        with self._lock:
            bucket = self.reviews.setdefault(package, [])
            bucket[:] = [r for r in bucket if r["reviewId"] != rid] + [review]
        return review

    def route(self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
              body: bytes) -> Reply:
        if path == "/token" and method == "POST":
            return self._token(form(body))
        m = PLAY_REVIEWS.match(path)
        if m is None or method != "GET":
            return google_error(404, "notFound", "Not Found", status="NOT_FOUND")
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return google_error(401, "authError", "Request had invalid authentication credentials. Expected OAuth "
                                "2 access token, login cookie or other valid authentication credential.",
                                status="UNAUTHENTICATED")
        package = m.group(1)
        if package in self.forbidden:
            return google_error(403, "permissionDenied", "The caller does not have permission",
                                status="PERMISSION_DENIED")
        if package not in self.reviews:
            return google_error(404, "applicationNotFound", f"Package not found: {package}.", status="NOT_FOUND")
        size = min(int(first(query, "maxResults") or 10), 100)
        lang = first(query, "translationLanguage")
        with self._lock:
            items = [json.loads(json.dumps(r)) for r in self.reviews[package]]
        page, nxt = _page(items, lambda r: (int(r["comments"][0]["userComment"]["lastModified"]["seconds"]),
                                             r["reviewId"]), first(query, "token"), size)
        if lang:
            for r in page:
                user = r["comments"][0]["userComment"]
                if user["reviewerLanguage"] != lang:
                    user["originalText"], user["text"] = user["text"], f"[{lang}] {user['text']}"
        out: dict[str, Any] = {"reviews": page, "pageInfo": {"totalResults": len(items), "resultPerPage": size,
                                                             "startIndex": 0}}
        if nxt:
            out["tokenPagination"] = {"nextPageToken": nxt}
        return Reply(200, out)

    def _token(self, fields: dict[str, str]) -> Reply:
        if fields.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return Reply(400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type: "})
        assertion = fields.get("assertion", "")
        try:
            head, claims, sig = assertion.split(".")
            signed = self.verifier.verify(f"{head}.{claims}".encode(), base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
            payload = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
        except ValueError:
            signed, payload = False, {}
        if self.revoked or not signed or payload.get("iss") != self.client_email:
            return Reply(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
        if payload.get("aud") != self.token_uri or payload.get("exp", 0) - payload.get("iat", 0) > 3600:
            return Reply(400, {"error": "invalid_grant", "error_description": "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe."})
        self.assertions.append(payload)
        token = f"ya29.fake-{len(self.tokens) + 1}"
        self.tokens.append(token)
        return Reply(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})
