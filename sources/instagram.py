"""The brand's Instagram professional account: its media, the comments on its latest media (with their
replies), and media where the account is tagged, read with an access token (README: Meta credentials).

Per poll: ``GET /{ig-user-id}/media`` (newest first: new media are emitted, and the first page's
``comments_count`` tells which media have new comments), then for each of the ``max_posts`` latest
media whose count changed ``GET /{ig-media-id}/comments`` (each comment with the first page of its
``replies``), then ``GET /{ig-user-id}/tags``. Media and tags are walked by ``sources._graph.walk``.
The order of a media's comments is not documented, so they are read whole (``max_pages`` pages a poll,
resumed at the next poll where the budget ran out) and the cursor keeps, per media, the count read and
the ids seen. Everything is the configured brand's (``brand``); a comment whose ``username`` is the
account's is the brand answering (``by_brand``), and so are the account's own media.

Ids: a media's is its Graph id, a comment's ``<media id>/<comment id>``. The comments on one media share
``conversation_id`` (the media's id); a reply's ``in_reply_to`` is its comment, a comment's the media.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any, ClassVar

from monitor.errors import SourceError
from monitor.models import Author, BrandQuery, Metrics, Observation, PollResult
from sources._graph import Item, OwnAccountConfig, OwnAccountSource, emitter, gone, identify, lister, outcome, walk
from sources._http import Drops, as_dict, count
from sources._http import text_or_none as _text
from sources._rest import bounded

MEDIA_FIELDS = "id,caption,timestamp,permalink,comments_count,like_count,username"
REPLY_FIELDS = "id,text,timestamp,username,like_count"
COMMENT_FIELDS = f"id,text,timestamp,username,like_count,replies{{{REPLY_FIELDS}}},from"
REFRESH_COMMENT_FIELDS = "id,text,timestamp,username,like_count,from,parent_id"
TAG_FIELDS = "id,caption,timestamp,permalink,username,comments_count,like_count"
PAGE = 25
COMMENTS_PAGE = 50
SEEN = 1000  # comment ids kept per media


def parse_media(raw: Any, account: str | None, observed_at: datetime, brand: str | None = None,
                drops: Drops | None = None) -> Observation | None:
    """A media (the account's, or one it is tagged in) as an Observation; ``None`` without a usable id
    or time. Unusable counts are made unknown and counted in ``drops``."""
    if (found := identify(raw, "timestamp")) is None:
        return None
    username, link = _text(raw.get("username")), _text(raw.get("permalink"))
    return Observation(source="instagram", id=found[0], kind="post", text=_text(raw.get("caption")) or "",
                       url=link if link and link.startswith("https://") else None,
                       author=Author(id=username, handle=username), created_at=found[1], observed_at=observed_at,
                       metrics=Metrics(likes=count(raw.get("like_count"), drops),
                                       replies=count(raw.get("comments_count"), drops)),
                       conversation_id=found[0], brand=brand, by_brand=_same(username, account))


def parse_comment(raw: Any, media_id: str, account: str | None, observed_at: datetime, brand: str | None = None,
                  drops: Drops | None = None, parent: str | None = None) -> Observation | None:
    """A comment (or, with ``parent``, a reply) on media ``media_id`` as an Observation, or ``None``."""
    if (found := identify(raw, "timestamp")) is None:
        return None
    who = as_dict(raw.get("from"))
    username = _text(raw.get("username")) or _text(who.get("username"))
    parent = parent or _text(raw.get("parent_id"))
    return Observation(source="instagram", id=f"{media_id}/{found[0]}", kind="comment",
                       text=_text(raw.get("text")) or "", author=Author(id=_text(who.get("id")) or username,
                                                                       handle=username),
                       created_at=found[1], observed_at=observed_at,
                       metrics=Metrics(likes=count(raw.get("like_count"), drops)),
                       in_reply_to=f"{media_id}/{parent}" if parent else media_id, conversation_id=media_id,
                       brand=brand, by_brand=_same(username, account))


def thread(raw: Any, media_id: str, account: str | None, observed_at: datetime, brand: str | None = None,
           drops: Drops | None = None) -> list[Observation | None]:
    """A comment from the comments edge and the replies that came with it (``None`` for each unusable)."""
    top = parse_comment(raw, media_id, account, observed_at, brand, drops)
    replies = as_dict(raw.get("replies")).get("data") if isinstance(raw, dict) else None
    parent = _text(raw.get("id")) if top is not None else None
    return [top, *(parse_comment(r, media_id, account, observed_at, brand, drops, parent) if parent else None
                   for r in (replies if isinstance(replies, list) else []))]


def _same(username: str | None, account: str | None) -> bool:
    return bool(username and account and username.lstrip("@").casefold() == account.lstrip("@").casefold())


class InstagramConfig(OwnAccountConfig):
    """``[sources.instagram]``: an access token and the Instagram professional account's id (README:
    Meta credentials)."""

    account: ClassVar[tuple[str, str, str]] = ("ig_user_id", "Instagram account",
                                               "its numeric id (Graph API: /{page-id}?fields=instagram_business_account)")
    from_env: ClassVar[Mapping[str, str]] = {"access_token": "INSTAGRAM_ACCESS_TOKEN"}
    ig_user_id: str | None = None
    include_tags: bool = True  # media where the account is tagged

    def source_options(self) -> dict[str, Any]:
        return {**super().source_options(), "include_tags": self.include_tags}


class InstagramSource(OwnAccountSource):
    """The account's media, the comments (and replies) on its latest media, and the media it is tagged
    in; ``account`` is its username, learnt from its media."""

    color = "#d6336c"  # its line in the charts
    name = "instagram"
    config_model = InstagramConfig
    permissions = "instagram_basic, instagram_manage_comments and pages_read_engagement"
    fields = (MEDIA_FIELDS, REFRESH_COMMENT_FIELDS)

    def __init__(self, *, include_tags: bool = True, **options: Any):
        super().__init__(**options)
        self.ig_user_id, self.include_tags = self.account_id, include_tags
        self.account: str | None = None

    def read(self, own: BrandQuery, old: dict[str, Any], observed_at: datetime) -> PollResult:
        self.account = self.account or _text(old.get("account")) or own.handles.get("instagram")
        listed: dict[str, Item] = {}  # the media read this poll, with their current comment counts
        out: list[Observation] = []
        edge = lister(self.graph, f"/{self.version}/{self.ig_user_id}/media",
                      {"fields": MEDIA_FIELDS, "limit": max(PAGE, self.max_posts)}, stamp="timestamp", since=False,
                      subject="ig_user_id", drops=self.drops)

        def read(link: str | None, floor: float | None) -> tuple[list[Item], str | None]:
            items, after = edge(link, floor)
            listed.update((item[0], item) for item in items)
            self.account = next((u for _, _, r in items if (u := _text(r.get("username")))), self.account)
            return items, after

        media, error = walk(old.get("media"), read, self._emitter(out, own, observed_at),
                            max_pages=self.max_pages, start=observed_at.timestamp())
        states = {k: v for k, v in as_dict(old.get("comments")).items() if isinstance(v, dict)}
        latest = sorted(listed.values(), key=lambda item: -item[1])[: self.max_posts]
        for media_id, _, raw in latest:
            if error is not None:
                break
            state = states.get(media_id, {})
            n = count(raw.get("comments_count"), self.drops)
            if state.get("next") or (n or 0) != state.get("n", 0):
                states[media_id], error = self._comments(media_id, state, n, own, observed_at, out)
        tags = old.get("tags")
        if self.include_tags and error is None:
            read_tags = lister(self.graph, f"/{self.version}/{self.ig_user_id}/tags",
                               {"fields": TAG_FIELDS, "limit": PAGE}, stamp="timestamp", since=False,
                               subject="ig_user_id", drops=self.drops)
            tags, error = walk(tags, read_tags, self._emitter(out, own, observed_at),
                               max_pages=self.max_pages, start=observed_at.timestamp())
        # Media that left the first page of the listing are no longer read (unless it failed: then all kept).
        comments = {m: s for m, s in states.items() if m in listed} if listed else states
        new_cursor = {"v": 1, "account": self.account, "media": media, "tags": tags or {}, "comments": comments}
        return outcome(out, new_cursor, error)

    def _emitter(self, out: list[Observation], brand: BrandQuery, observed_at: datetime) -> Callable[[dict[str, Any]], None]:
        """The ``emit`` of the media and tags walks (the account is read when each item is parsed)."""
        return emitter(partial(self.parse, observed_at=observed_at, brand=brand.name), out, self.drops)

    def _comments(self, media_id: str, state: dict[str, Any], n: int | None, brand: BrandQuery, observed_at: datetime,
                  out: list[Observation]) -> tuple[dict[str, Any], SourceError | None]:
        """The comments of one media not seen before, from where the last read stopped or the top. The
        count is recorded once a read reaches the end; until then the next poll goes on from ``next``."""
        old_seen = [s for s in state.get("seen") or [] if isinstance(s, str)]
        seen, fresh = set(old_seen), []
        link: str | None = _text(state.get("next"))
        error: SourceError | None = None
        done = False
        for _ in range(self.max_pages):
            try:
                items, link = self.graph.list(link or f"/{self.version}/{media_id}/comments",
                                              None if link else {"fields": COMMENT_FIELDS, "limit": COMMENTS_PAGE},
                                              drops=self.drops)
            except SourceError as exc:  # if the media is gone or the cursor stale: from the top when it changes
                link, error = (None, None) if gone(exc) else (link, exc)
                break
            found = [o for raw in items for o in thread(raw, media_id, self.account, observed_at, brand.name, self.drops)]
            self.drops.add("post", sum(o is None for o in found))
            for obs in found:
                if obs is not None and obs.id not in seen:
                    seen.add(obs.id)
                    fresh.append(obs.id)
                    out.append(obs)
            if link is None:
                done = True
                break
        new: dict[str, Any] = {"n": (n or 0) if done else state.get("n", 0),
                               "seen": bounded([*old_seen, *fresh], SEEN)}
        if link is not None:
            new["next"] = link  # where the budget ran out, or the page that failed
        return new, error

    def parse(self, raw: Any, observed_at: datetime, brand: str | None, post_id: str | None = None) -> Observation | None:
        if post_id is None:
            return parse_media(raw, self.account, observed_at, brand, self.drops)
        return parse_comment(raw, post_id, self.account, observed_at, brand, self.drops)
