"""Bluesky: posts found by ``app.bsky.feed.searchPosts`` over plain XRPC/HTTP; re-reads by ``getPosts``.

Keyless by default, on the public AppView. Bluesky switches unauthenticated search off from time to
time (HTTP 403) and refuses its ``cursor`` parameter without a login, so pages are walked with
``since``/``until`` (which every AppView accepts) and, given ``handle`` and an app password, the
source logs in (``com.atproto.server.createSession``) and searches through the account's PDS.
One query per brand keyword, newest first (``sort=latest``); the cursor is walked by time
(``sources._window``). An observation's id is the post's ``at://`` URI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from pydantic import Field

from monitor.config.secrets import Secret, reveal
from monitor.config.sources import SourceBase
from monitor.errors import SourceError
from monitor.interfaces import Clock
from monitor.models import Author, BrandQuery, Metrics, Observation, PollResult
from sources._http import Drops, as_dict
from sources._http import count as _count
from sources._http import text_or_none as _text
from sources._limits import DEFAULT_MAX_BYTES, DEFAULT_REQUEST_DEADLINE
from sources._rest import RestSource, parse_time, with_links
from sources._window import Fetch, Item, KeywordSearch, poll_keywords

API = "https://public.api.bsky.app"
AUTH_API = "https://bsky.social"
PAGE = 100  # posts per search page: the API's maximum
REFRESH_BATCH = 25  # uris per getPosts: the API's maximum
OVERLAP = 600.0


def web_url(uri: str, handle: str | None) -> str | None:
    """``at://did/app.bsky.feed.post/rkey`` → ``https://bsky.app/profile/<handle or did>/post/rkey``."""
    parts = uri.removeprefix("at://").split("/")
    if len(parts) != 3 or parts[1] != "app.bsky.feed.post":
        return None
    return f"https://bsky.app/profile/{handle or parts[0]}/post/{parts[2]}"


def _links(record: dict[str, Any]) -> list[str]:
    """Full URLs of a post: link facets (the text shows them shortened), link cards, quoted posts."""
    links = [f.get("uri") for facet in record.get("facets") or [] if isinstance(facet, dict)
             for f in facet.get("features") or [] if isinstance(f, dict) and f.get("$type", "").endswith("#link")]
    embed = as_dict(record.get("embed"))
    for node in (embed, as_dict(embed.get("media"))):
        links.append(as_dict(node.get("external")).get("uri"))
    quoted = as_dict(embed.get("record"))
    quoted = as_dict(quoted.get("record")) or quoted
    if isinstance(quoted.get("uri"), str):
        links.append(web_url(quoted["uri"], None))
    return [u for u in links if isinstance(u, str) and u.startswith(("http://", "https://"))]


def sort_time(post: dict[str, Any]) -> datetime | None:
    """When the AppView files a post: the earlier of its claimed creation and its indexing."""
    times = [t for t in (parse_time(as_dict(post.get("record")).get("createdAt")), parse_time(post.get("indexedAt")))
             if t is not None]
    return min(times) if times else None


def parse_post(post: Any, observed_at: datetime, brand: str | None = None, drops: Drops | None = None) -> Observation | None:
    """One ``app.bsky.feed.defs#postView`` as an Observation, or ``None`` when unusable. Unusable
    numbers are made unknown and counted in ``drops``."""
    if not isinstance(post, dict):
        return None
    count = partial(_count, drops=drops)
    uri, record, author = _text(post.get("uri")), as_dict(post.get("record")), as_dict(post.get("author"))
    created = parse_time(record.get("createdAt")) or parse_time(post.get("indexedAt"))
    text = record.get("text")
    if uri is None or created is None or not isinstance(text, str):
        return None
    handle = _text(author.get("handle"))
    reply = as_dict(record.get("reply"))
    parent, root = _text(as_dict(reply.get("parent")).get("uri")), _text(as_dict(reply.get("root")).get("uri"))
    langs = record.get("langs")
    return Observation(
        source="bluesky", id=uri, url=web_url(uri, handle), kind="comment" if parent else "post",
        text=with_links(text, _links(record)), lang=_text(langs[0]) if isinstance(langs, list) and langs else None,
        author=Author(id=_text(author.get("did")), handle=handle, followers=count(author.get("followersCount"))),
        created_at=created, observed_at=observed_at,
        metrics=Metrics(likes=count(post.get("likeCount")), reposts=count(post.get("repostCount")),
                        replies=count(post.get("replyCount")), quotes=count(post.get("quoteCount"))),
        in_reply_to=parent, conversation_id=root or uri, brand=brand)


class BlueskyConfig(SourceBase):
    """``[sources.bluesky]``: keyless on the public AppView; ``handle`` and an app password to search
    logged in (Bluesky turns keyless search off at times)."""

    handle: str | None = None
    app_password: Secret = None
    auth_base_url: str | None = None  # the account's PDS; default https://bsky.social
    max_pages: int = Field(default=3, ge=1, le=20)
    lang: str | None = None


class BlueskySource(RestSource):
    name = "bluesky"
    config_model = BlueskyConfig

    @classmethod
    def from_config(cls, config: BlueskyConfig, *, clock: Clock) -> BlueskySource:
        return cls(clock=clock, handle=config.handle, app_password=reveal(config.app_password),
                   auth_base_url=config.auth_base_url, max_pages=config.max_pages, lang=config.lang,
                   **config.http_options())

    def __init__(self, *, clock: Callable[[], datetime], api_base_url: str | None = None, handle: str | None = None,
                 app_password: str | None = None, auth_base_url: str | None = None, max_pages: int = 3,
                 timeout: float = 20.0, max_response_size: int = DEFAULT_MAX_BYTES,
                 request_deadline: float = DEFAULT_REQUEST_DEADLINE, lang: str | None = None):
        self.max_pages = max(1, int(max_pages))
        self.lang = lang
        self._login = (handle, app_password) if handle and app_password else None
        base = (auth_base_url or AUTH_API) if self._login else (api_base_url or API)
        super().__init__(base, clock=clock, timeout=timeout, max_response_size=max_response_size,
                         request_deadline=request_deadline, secrets=[app_password])
        self._token: str | None = None

    def poll(self, brands: Sequence[BrandQuery], cursor: dict[str, Any]) -> PollResult:
        search = KeywordSearch(self._fetcher, parse_post, self.drops, max_pages=self.max_pages, overlap=OVERLAP)
        return poll_keywords(search, brands, cursor, self._clock())

    def _fetcher(self, keyword: str) -> Fetch:
        def fetch(lo: float | None, hi: float | None, token: str | None) -> tuple[list[Item], str | None]:
            until = float(token) if token else (hi + 0.001 if hi is not None else None)
            params: dict[str, Any] = {"q": _quoted(keyword), "sort": "latest", "limit": PAGE}
            params |= {"since": _iso(lo)} if lo is not None else {}
            params |= {"until": _iso(until)} if until is not None else {}
            params |= {"lang": self.lang} if self.lang else {}
            payload = self._xrpc("app.bsky.feed.searchPosts", params)
            posts = payload.get("posts") if isinstance(payload, dict) else None
            if not isinstance(posts, list):
                raise SourceError("bluesky: searchPosts: the answer holds no posts list")
            self.usage["reads"] += len(posts)
            items = [(p["uri"], t.timestamp(), p) for p in posts
                     if isinstance(p, dict) and isinstance(p.get("uri"), str) and (t := sort_time(p)) is not None]
            self.drops.add("post", len(posts) - len(items))
            oldest = min((ts for _, ts, _ in items), default=None)
            # The next page: posts older than this page's oldest (+1 ms: ties are read again, then deduplicated).
            more = len(posts) >= PAGE and oldest is not None and (until is None or oldest + 0.001 < until)
            return items, str(oldest + 0.001) if more and oldest is not None else None

        return fetch

    def refresh(self, ids: Sequence[str]) -> list[Observation]:
        """Current like/repost/reply/quote counts, 25 posts per ``getPosts``; deleted posts are left out."""
        observed_at = self._clock()
        wanted = [i for i in dict.fromkeys(ids) if i.startswith("at://")]
        out: list[Observation] = []
        for start in range(0, len(wanted), REFRESH_BATCH):
            payload = self._xrpc("app.bsky.feed.getPosts", [("uris", u) for u in wanted[start : start + REFRESH_BATCH]])
            posts = payload.get("posts") if isinstance(payload, dict) else None
            if not isinstance(posts, list):
                raise SourceError("bluesky: getPosts: the answer holds no posts list")
            self.usage["reads"] += len(posts)
            found = [obs for p in posts if (obs := parse_post(p, observed_at, drops=self.drops)) is not None]
            self.drops.add("post", len(posts) - len(found))
            out += found
        return out

    def _xrpc(self, method: str, params: Any) -> Any:
        headers = {}
        if self._login is not None:
            if self._token is None:
                session = self._http.get("/xrpc/com.atproto.server.createSession",
                                         json={"identifier": self._login[0], "password": self._login[1]})
                self._token = _text(as_dict(session).get("accessJwt"))
                if self._token is None:
                    raise SourceError("bluesky: login answered no access token", permanent=True)
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            return self._http.get(f"/xrpc/{method}", params, headers=headers)
        except SourceError as exc:
            if self._login is not None and "HTTP 40" in str(exc):
                self._token = None  # expired session: log in again on the next call
                raise SourceError(str(exc), retry_after=exc.retry_after) from None
            if not self._login and "HTTP 403" in str(exc):
                raise SourceError(f"{exc}: the public AppView refuses unauthenticated search at times; set "
                                  "sources.bluesky.handle and app_password", retry_after=3600.0) from None
            raise


def _quoted(keyword: str) -> str:
    return f'"{keyword}"' if " " in keyword else keyword


def _iso(ts: float) -> str:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=ts)).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")

