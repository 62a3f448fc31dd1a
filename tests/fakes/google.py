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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

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
