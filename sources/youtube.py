"""YouTube: comments under recent videos that name the brand, and under the brand's own channel's
videos, through the YouTube Data API v3 with an API key.

Every ``search_interval`` each brand is searched once (``search.list``, ``type=video``,
``order=date``, published since the last search): the videos whose title or description name the
brand (its keywords, not its excludes) are followed for ``follow_for`` after they were published.
Each poll reads the new comment threads of the followed videos (newest first, up to ``max_videos``)
and of each configured brand channel (``allThreadsRelatedToChannelId``), newest first, stopping at
the previous poll's newest comment; when the page budget (``max_pages``) runs out first, the page
token where it stopped is kept and read on later polls (a ``gap``): nothing is skipped, nothing
emitted twice.

Quota: a search costs 100 units, a page of comment threads 1, against 10,000 units a day by default;
the source reports its ``units`` to the budget book (``quota_units_per_day``), which stretches the
poll interval to stay inside it. A spent quota (``quotaExceeded``) waits until midnight Pacific.

A video found is itself a post (its title and description); its comments are comments with the
video as their conversation. The conversation id is the video id in lower case: links are compared
lower-cased (monitor/textsig.urls), so a post linking ``youtu.be/<id>`` (``post_link``) meets the
video's thread only if the thread's key is lower-cased too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Annotated, Any, ClassVar

from pydantic import Field

from monitor.brands import BrandMatcher
from monitor.config.durations import Interval
from monitor.config.sources import Duration
from monitor.errors import SourceError
from monitor.models import Author, BrandQuery, Metrics, Observation, PollResult
from sources._config import ApiKeySection, Entry, FromSection, matching
from sources._google import GoogleClient, GoogleError
from sources._http import Drops, as_dict
from sources._http import count as _count
from sources._http import text_or_none as _text
from sources._limits import DEFAULT_MAX_BYTES, DEFAULT_REQUEST_DEADLINE
from sources._rest import bounded, parse_time

API = "https://www.googleapis.com"
SEARCH_COST, PAGE_COST = 100, 1  # quota units (developers.google.com/youtube/v3/determine_quota_cost)
SEARCH_PAGE, THREAD_PAGE, LOOKUP = 50, 100, 50  # the API's maxima per page / ids per look-up
OVERLAP = 3600.0  # comments are re-read this far behind the newest one (held for review, clock skew)
SEEN_LIMIT = 500
_VIDEO = re.compile(r"^[A-Za-z0-9_-]{11}$")
_COMMENT = re.compile(r"^[A-Za-z0-9_.-]{8,120}$")
_CHANNEL = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
QUOTA_RESET = "midnight Pacific"


def watch_url(video: str, comment: str | None = None) -> str:
    return f"https://www.youtube.com/watch?v={video}" + (f"&lc={comment}" if comment else "")


def search_query(brand: BrandQuery) -> str:
    """The brand's keywords as one query (``|`` is YouTube's OR, ``-`` its NOT)."""
    terms = [f'"{k.strip()}"' if " " in k.strip() else k.strip() for k in brand.keywords if k.strip()]
    excludes = [f'-"{e.strip()}"' if " " in e.strip() else f"-{e.strip()}" for e in brand.exclude if e.strip()]
    return " ".join(["|".join(terms), *excludes])


def parse_video(item: Any, observed_at: datetime, brand: str | None = None) -> Observation | None:
    """One ``youtube#searchResult`` for a video as a post (title and description), or ``None``."""
    item = as_dict(item)
    video = _text(as_dict(item.get("id")).get("videoId"))
    snippet = as_dict(item.get("snippet"))
    created = parse_time(snippet.get("publishedAt"))
    if video is None or not _VIDEO.match(video) or created is None:
        return None
    text = "\n\n".join(t for t in (_text(snippet.get("title")), _text(snippet.get("description"))) if t)
    if not text:
        return None
    return Observation(source="youtube", id=video, url=watch_url(video), kind="post", text=text,
                       author=Author(id=_text(snippet.get("channelId")), handle=_text(snippet.get("channelTitle"))),
                       created_at=created, observed_at=observed_at, conversation_id=video.lower(), brand=brand)


def parse_comment(comment: Any, observed_at: datetime, *, video: str | None = None, replies: Any = None,
                  brand: str | None = None, brand_channels: frozenset[str] = frozenset(),
                  drops: Drops | None = None) -> Observation | None:
    """One ``youtube#comment`` (a thread's top-level comment, or a reply with its ``parentId``) as an
    Observation, or ``None``. ``replies`` is its thread's ``totalReplyCount``; ``video`` the video
    when the comment does not say. Unusable numbers are made unknown and counted in ``drops``."""
    comment = as_dict(comment)
    ident, snippet = _text(comment.get("id")), as_dict(comment.get("snippet"))
    created = parse_time(snippet.get("publishedAt"))
    text = _text(snippet.get("textOriginal")) or _text(snippet.get("textDisplay"))
    if ident is None or not _COMMENT.match(ident) or created is None or text is None:
        return None
    vid = _text(snippet.get("videoId")) or video
    vid = vid if vid and _VIDEO.match(vid) else None
    parent = _text(snippet.get("parentId"))
    parent = parent if parent and _COMMENT.match(parent) else None
    author_id = _text(as_dict(snippet.get("authorChannelId")).get("value"))
    count = partial(_count, drops=drops)
    return Observation(
        source="youtube", id=ident, url=watch_url(vid, ident) if vid else None, kind="comment", text=text,
        author=Author(id=author_id, handle=_text(snippet.get("authorDisplayName"))),
        created_at=created, observed_at=observed_at,
        metrics=Metrics(likes=count(snippet.get("likeCount")), replies=count(replies)),
        in_reply_to=parent, conversation_id=vid.lower() if vid else None, brand=brand,
        by_brand=author_id is not None and author_id in brand_channels)


def parse_thread(thread: Any, observed_at: datetime, *, brand: str | None = None,
                 brand_channels: frozenset[str] = frozenset(),
                 drops: Drops | None = None) -> tuple[list[Observation], int]:
    """One ``youtube#commentThread``: its top-level comment and the replies it carries, and how many
    comments it held (usable or not)."""
    snippet = as_dict(as_dict(thread).get("snippet"))
    video = _text(snippet.get("videoId"))
    top = snippet.get("topLevelComment")
    replies = as_dict(as_dict(thread).get("replies")).get("comments")
    replies = replies if isinstance(replies, list) else []
    out = []
    for i, comment in enumerate([top, *replies]):
        obs = parse_comment(comment, observed_at, video=video, replies=snippet.get("totalReplyCount") if i == 0 else None,
                            brand=brand, brand_channels=brand_channels, drops=drops)
        if obs is not None:
            out.append(obs)
    return out, 1 + len(replies)


class ChannelConfig(Entry):
    """One brand channel: its comments are the brand's, its own comments ``by_brand``."""

    channel_id: Annotated[str, matching(_CHANNEL, "{v!r} is not a YouTube channel id (UC followed by 22 letters, "
                                                  "digits, - or _)")]
    brand: str


class YouTubeConfig(ApiKeySection):
    """``[sources.youtube]``: an API key (docs/CONFIGURATION.md, "YouTube credentials")."""

    needs_hint: ClassVar[str] = "the YouTube Data API needs an API key"
    from_env: ClassVar[Mapping[str, str]] = {"api_key": "YOUTUBE_API_KEY"}

    interval: Interval = 900.0  # each poll reads comment pages: 1 unit each
    search_interval: Duration = Field(default=6 * 3600.0, ge=900, le=7 * 86400)  # each brand's search: 100 units
    follow_for: Duration = Field(default=3 * 86400.0, ge=3600, le=30 * 86400)  # a found video's comments, after it is published
    max_videos: int = Field(default=30, ge=0, le=500)  # followed videos read per poll, newest first
    max_pages: int = Field(default=3, ge=1, le=50)  # comment pages per video or channel and poll
    channels: list[ChannelConfig] = Field(default_factory=list)
    quota_units_per_day: int = Field(default=10_000, ge=1)  # the project's daily quota (10,000 unless raised)

    def limits(self) -> list[tuple[str, int, float]]:
        return [*super().limits(), ("units", self.quota_units_per_day, 86400.0)]

    def source_options(self) -> dict[str, Any]:
        return {**super().source_options(), "search_interval": self.search_interval, "follow_for": self.follow_for,
                "max_videos": self.max_videos, "max_pages": self.max_pages,
                "channels": {c.channel_id: c.brand for c in self.channels}}


class YouTubeSource(FromSection):
    color = "#e03131"  # its line in the charts
    # A video's address in its spellings (a post linking it joins its comments): sources.post_link.
    # Links arrive lower-cased, hence the lower-cased conversation ids.
    post_link = re.compile(r"^(?:(?:m\.|music\.)?youtube\.com/(?:watch\?(?:[^#\s]*&)?v=|shorts/|live/|embed/|v/)"
                           r"|youtu\.be/)([a-z0-9_-]{11})(?![a-z0-9_-])")
    name = "youtube"
    config_model = YouTubeConfig

    def __init__(self, *, api_key: str, clock: Callable[[], datetime], api_base_url: str | None = None,
                 search_interval: float = 6 * 3600.0, follow_for: float = 3 * 86400.0, max_videos: int = 30,
                 max_pages: int = 3, channels: Mapping[str, str] | None = None, timeout: float = 20.0,
                 max_response_size: int = DEFAULT_MAX_BYTES, request_deadline: float = DEFAULT_REQUEST_DEADLINE):
        self._clock = clock
        self._key = api_key
        self.search_interval, self.follow_for = float(search_interval), float(follow_for)
        self.max_videos, self.max_pages = max(0, int(max_videos)), max(1, int(max_pages))
        self.channels = dict(channels or {})
        self._client = GoogleClient("youtube", api_base_url or API, clock=clock, timeout=timeout, secrets=[api_key],
                                    max_response_size=max_response_size, request_deadline=request_deadline)
        self.usage: dict[str, int] = {"requests": 0, "reads": 0, "units": 0}
        self.notes: list[str] = []
        self.drops = Drops()

    # -- polling -----------------------------------------------------------------------------------

    def poll(self, brands: Sequence[BrandQuery], cursor: dict[str, Any]) -> PollResult:
        now = self._clock()
        cursor = as_dict(cursor)
        searched = {k: v for k, v in as_dict(cursor.get("searched")).items() if _num(v) is not None}
        videos = {k: dict(as_dict(v)) for k, v in as_dict(cursor.get("videos")).items() if _VIDEO.match(k)}
        chans = {k: dict(as_dict(v)) for k, v in as_dict(cursor.get("channels")).items()}
        by_name = {b.name: b for b in brands}
        out: list[Observation] = []
        emitted: set[str] = set()
        notes = self.notes = []

        def keep(obs: Observation) -> None:
            if obs.id not in emitted:
                emitted.add(obs.id)
                out.append(obs)

        def state() -> dict[str, Any]:
            horizon = now.timestamp() - self.follow_for
            live = {k: v for k, v in videos.items() if (_num(v.get("published")) or 0) >= horizon}
            return {"v": 1, "searched": {k: v for k, v in searched.items() if k in by_name},
                    "videos": live, "channels": {k: v for k, v in chans.items() if k in self.channels}}

        try:
            for brand in brands:
                last = _num(searched.get(brand.name))
                if last is None or now.timestamp() - last >= self.search_interval:
                    since = max(now.timestamp() - self.follow_for, (last or 0.0) - OVERLAP)
                    self._search(brand, since, now, videos, keep)
                    searched[brand.name] = now.timestamp()
            horizon = now.timestamp() - self.follow_for
            followed = sorted((v for v, s in videos.items() if s.get("brand") in by_name and not s.get("off")
                               and (_num(s.get("published")) or 0) >= horizon),
                              key=lambda v: -(_num(videos[v].get("published")) or 0))[: self.max_videos]
            for vid in followed:
                brand_name = videos[vid]["brand"]
                owned = frozenset(c for c, b in self.channels.items() if b == brand_name)
                try:
                    self._walk({"videoId": vid}, videos[vid], brand_name, owned, now, keep)
                except GoogleError as exc:
                    if exc.reason in ("commentsDisabled", "videoNotFound", "forbidden") and exc.status in (403, 404):
                        videos[vid]["off"] = exc.reason  # comments off, video gone or private: not asked again
                        notes.append(f"youtube: video {vid}: {exc.reason}, skipped")
                        continue
                    raise
            for channel, brand_name in self.channels.items():
                if brand_name not in by_name:
                    continue
                chans.setdefault(channel, {})
                self._walk({"allThreadsRelatedToChannelId": channel}, chans[channel], brand_name,
                           frozenset(c for c, b in self.channels.items() if b == brand_name), now, keep)
        except SourceError as exc:
            if not out:
                raise
            wait = f" (retry after {exc.retry_after:.0f}s)" if exc.retry_after is not None else ""
            return PollResult(out, state(), partial=True, note="; ".join([*notes, f"{exc}{wait}"]))
        return PollResult(out, state(), note="; ".join(notes) or None)

    def _search(self, brand: BrandQuery, since: float, now: datetime, videos: dict[str, dict[str, Any]],
                keep: Callable[[Observation], None]) -> None:
        """One page of the brand's newest videos: those naming the brand become posts, and followed."""
        matcher = BrandMatcher([BrandQuery(brand.name, brand.keywords, {}, brand.exclude)])
        after = datetime.fromtimestamp(since, now.tzinfo).strftime("%Y-%m-%dT%H:%M:%SZ")
        page = self._get("/youtube/v3/search", {"part": "snippet", "type": "video", "q": search_query(brand),
                                                "order": "date", "publishedAfter": after,
                                                "maxResults": SEARCH_PAGE}, SEARCH_COST)
        items = as_dict(page).get("items")
        if not isinstance(items, list):
            raise SourceError("youtube: search: the answer holds no list of items")
        self.usage["reads"] += len(items)
        for item in items:
            obs = parse_video(item, now)
            if obs is None:
                self.drops.add("post")
                continue
            if matcher.match(obs) is None:  # the search matches loosely (tags, speech): not named, not followed
                continue
            if obs.id in videos:  # found by an earlier search: already a post, already followed
                continue
            keep(replace(obs, brand=brand.name))
            videos[obs.id] = {"brand": brand.name, "published": obs.created_at.timestamp()}

    def _walk(self, where: dict[str, str], state: dict[str, Any], brand: str, owned: frozenset[str], now: datetime,
              keep: Callable[[Observation], None]) -> None:
        """New comment threads of one video or channel, newest first, into ``keep``; ``state`` (newest
        time, ids seen near it, the page token of a gap) is updated only when every page asked for came."""
        newest = _num(state.get("newest"))
        seen = {x for x in state.get("seen") or [] if isinstance(x, str)}
        gap = as_dict(state.get("gap"))
        gap_token, gap_floor = _text(gap.get("token")), _num(gap.get("floor"))
        read: list[tuple[str, float]] = []

        def page(token: str | None, floor: float | None) -> tuple[str | None, float | None]:
            params = {"part": "snippet,replies", **where, "order": "time", "maxResults": THREAD_PAGE,
                      "textFormat": "plainText", **({"pageToken": token} if token else {})}
            answer = as_dict(self._get("/youtube/v3/commentThreads", params, PAGE_COST))
            threads = answer.get("items")
            if not isinstance(threads, list):
                raise SourceError("youtube: commentThreads: the answer holds no list of items")
            oldest: float | None = None
            for thread in threads:
                found, held = parse_thread(thread, now, brand=brand, brand_channels=owned, drops=self.drops)
                self.usage["reads"] += held
                self.drops.add("post", held - len(found))
                for obs in found:
                    ts = obs.created_at.timestamp()
                    if obs.in_reply_to is None:
                        oldest = ts if oldest is None else min(oldest, ts)
                    read.append((obs.id, ts))
                    if obs.id not in seen and (floor is None or ts > floor):
                        seen.add(obs.id)
                        keep(obs)
            return _text(answer.get("nextPageToken")), oldest

        floor = newest - OVERLAP if newest is not None else None
        token: str | None = None
        used = 0
        reached = newest is None  # the first read of a brand channel takes one page; a new video, all its pages
        budget = self.max_pages if (newest is not None or "videoId" in where) else 1
        while used < budget:
            token, oldest = page(token, floor)
            used += 1
            if token is None or (newest is not None and oldest is not None and oldest <= newest):
                reached = True
                break
        if not reached and token:
            gap_token, gap_floor = token, gap_floor if gap_token else floor  # an older gap is older still
        elif gap_token and used < self.max_pages:
            while used < self.max_pages and gap_token:
                try:
                    gap_token, oldest = page(gap_token, gap_floor)
                except GoogleError as exc:
                    if exc.status != 400:
                        raise
                    self.notes.append(f"youtube: a gap's page token was refused ({exc.reason}); the gap is dropped")
                    gap_token = None
                    break
                used += 1
                if oldest is not None and gap_floor is not None and oldest <= gap_floor:
                    gap_token = None
        new_newest = max([newest or 0.0, *(ts for _, ts in read)]) or None
        if new_newest:
            state["newest"] = new_newest
            recent = [i for i, ts in sorted(read, key=lambda r: r[1]) if ts > new_newest - OVERLAP]
            old = [x for x in state.get("seen") or [] if isinstance(x, str)]
            state["seen"] = bounded([*old, *recent], SEEN_LIMIT)
        if gap_token:
            state["gap"] = {"token": gap_token, **({"floor": gap_floor} if gap_floor is not None else {})}
        else:
            state.pop("gap", None)

    # -- re-reading --------------------------------------------------------------------------------

    def refresh(self, ids: Sequence[str]) -> list[Observation]:
        """Current likes and replies of comments (``commentThreads?id=``, replies ``comments?id=``) and
        of videos' comment counts (``videos?id=``), 50 ids a request, 1 unit each."""
        now = self._clock()
        wanted = list(dict.fromkeys(ids))
        vids = [i for i in wanted if _VIDEO.match(i)]
        tops = [i for i in wanted if not _VIDEO.match(i) and _COMMENT.match(i) and "." not in i]
        replies = [i for i in wanted if _COMMENT.match(i) and "." in i]
        out: list[Observation] = []
        for start in range(0, len(tops), LOOKUP):
            answer = self._get("/youtube/v3/commentThreads", {"part": "snippet", "id": ",".join(tops[start:start + LOOKUP]),
                                                              "textFormat": "plainText"}, PAGE_COST)
            for thread in _items(answer):
                out += parse_thread(thread, now, drops=self.drops)[0]
        for start in range(0, len(replies), LOOKUP):
            answer = self._get("/youtube/v3/comments", {"part": "snippet", "id": ",".join(replies[start:start + LOOKUP]),
                                                        "textFormat": "plainText"}, PAGE_COST)
            out += [o for c in _items(answer) if (o := parse_comment(c, now, drops=self.drops)) is not None]
        for start in range(0, len(vids), LOOKUP):
            answer = self._get("/youtube/v3/videos", {"part": "snippet,statistics",
                                                      "id": ",".join(vids[start:start + LOOKUP])}, PAGE_COST)
            for video in _items(answer):
                video = as_dict(video)
                obs = parse_video({"id": {"videoId": video.get("id")}, "snippet": video.get("snippet")}, now)
                if obs is not None:
                    stats = as_dict(video.get("statistics"))
                    out.append(replace(obs, metrics=Metrics(likes=_count(stats.get("likeCount"), self.drops),
                                                     replies=_count(stats.get("commentCount"), self.drops),
                                                     views=_count(stats.get("viewCount"), self.drops))))
        self.usage["reads"] += len(out)
        return out

    def _get(self, path: str, params: dict[str, Any], cost: int) -> Any:
        """One call, its quota cost counted whether or not it succeeds (YouTube charges failures too)."""
        before = self._client.usage["requests"]
        self.usage["units"] += cost
        try:
            return self._client.get(path, {**params, "key": self._key})
        finally:
            self.usage["requests"] += self._client.usage["requests"] - before


def _items(answer: Any) -> list[Any]:
    items = as_dict(answer).get("items")
    return items if isinstance(items, list) else []


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)

