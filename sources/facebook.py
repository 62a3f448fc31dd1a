"""The brand's own Facebook page: posts on it (the page's and its visitors'), the comments on its latest
posts, and posts that tag the page, read with a page access token (README: Meta credentials).

Per poll: ``GET /{page-id}/feed`` (posts since the last poll), then for each of the ``max_posts``
latest posts of the last ``post_lookback`` ``GET /{post-id}/comments`` newest first
(``order=reverse_chronological``; ``filter=stream`` brings replies too), then ``GET /{page-id}/tagged``;
each walked by ``sources._graph.walk``. Everything read is the configured brand's (``brand``; the only
brand when there is one): a comment on the brand's page need not name it. A post or comment whose
author (``from.id``) is the page is the brand speaking (``by_brand``).

Ids: a post's is its Graph id (``<page id>_<post id>``), a comment's ``<post id>/<comment id>`` so that
a re-read knows which fields to ask for. The comments on one post share ``conversation_id`` (the post's
id); a reply's ``in_reply_to`` is its parent comment, a top-level comment's the post.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any, ClassVar

from monitor.config.durations import Window
from monitor.errors import SourceError
from monitor.models import Author, BrandQuery, Metrics, Observation, PollResult
from sources._graph import OwnAccountConfig, OwnAccountSource, emitter, gone, identify, lister, outcome, walk
from sources._http import Drops, as_dict, count
from sources._http import text_or_none as _text

POST_FIELDS = ("id,message,created_time,permalink_url,from,comments.limit(0).summary(true),"
               "reactions.limit(0).summary(true),shares")
COMMENT_FIELDS = "id,message,created_time,from,like_count,comment_count,parent{id},permalink_url"
TAGGED_FIELDS = "id,message,created_time,permalink_url,from"
PAGE = 25  # posts per page of the feed
COMMENTS_PAGE = 100
TRACKED = 100  # posts whose comment cursors are kept


def _summary(raw: dict[str, Any], edge: str) -> Any:
    return as_dict(as_dict(raw.get(edge)).get("summary")).get("total_count")


def _common(raw: Any, page_id: str, observed_at: datetime, brand: str | None) -> tuple[str, dict[str, Any]] | None:
    """A post's or comment's id and the fields they share, or ``None`` without a usable id or time."""
    found = identify(raw, "created_time")
    if found is None:
        return None
    author = as_dict(raw.get("from"))
    link, author_id = _text(raw.get("permalink_url")), _text(author.get("id"))
    return found[0], {"source": "facebook", "text": _text(raw.get("message")) or "", "created_at": found[1],
                      "observed_at": observed_at, "url": link if link and link.startswith("https://") else None,
                      "author": Author(id=author_id, handle=_text(author.get("name"))), "brand": brand,
                      "by_brand": author_id == page_id}


def parse_post(raw: Any, page_id: str, observed_at: datetime, brand: str | None = None,
               drops: Drops | None = None) -> Observation | None:
    """A feed or tagged post as an Observation (``None`` without a usable id or time); unusable counts
    are made unknown and counted in ``drops``."""
    if (common := _common(raw, page_id, observed_at, brand)) is None:
        return None
    metrics = Metrics(likes=count(_summary(raw, "reactions"), drops), replies=count(_summary(raw, "comments"), drops),
                      reposts=count(as_dict(raw.get("shares")).get("count"), drops))
    return Observation(id=common[0], kind="post", metrics=metrics, conversation_id=common[0], **common[1])


def parse_comment(raw: Any, post_id: str, page_id: str, observed_at: datetime, brand: str | None = None,
                  drops: Drops | None = None) -> Observation | None:
    """A comment on post ``post_id`` as an Observation (``None`` without a usable id or time)."""
    if (common := _common(raw, page_id, observed_at, brand)) is None:
        return None
    parent = _text(as_dict(raw.get("parent")).get("id"))
    return Observation(id=f"{post_id}/{common[0]}", kind="comment",
                       metrics=Metrics(likes=count(raw.get("like_count"), drops),
                                       replies=count(raw.get("comment_count"), drops)),
                       in_reply_to=f"{post_id}/{parent}" if parent else post_id, conversation_id=post_id, **common[1])


class FacebookConfig(OwnAccountConfig):
    """``[sources.facebook]``: a page access token and the page's id (README: Meta credentials)."""

    account: ClassVar[tuple[str, str, str]] = (
        "page_id", "Facebook page", "the page's numeric id (Graph API Explorer: /me?fields=id with the page token)")
    from_env: ClassVar[Mapping[str, str]] = {"access_token": "FACEBOOK_PAGE_TOKEN"}
    page_id: str | None = None
    post_lookback: Window = 7 * 86400.0  # the comments of posts older than this are no longer read
    include_tagged: bool = True  # posts elsewhere that tag the page

    def source_options(self) -> dict[str, Any]:
        return {**super().source_options(), "post_lookback": self.post_lookback, "include_tagged": self.include_tagged}


class FacebookSource(OwnAccountSource):
    """The page's feed, the comments on its latest posts, and the posts that tag it."""

    color = "#0b7285"  # its line in the charts
    name = "facebook"
    config_model = FacebookConfig
    permissions = "pages_read_engagement and pages_read_user_content"
    fields = (POST_FIELDS, COMMENT_FIELDS)

    def __init__(self, *, post_lookback: float = 7 * 86400.0, include_tagged: bool = True, **options: Any):
        super().__init__(**options)
        self.page_id, self.post_lookback, self.include_tagged = self.account_id, float(post_lookback), include_tagged

    def read(self, own: BrandQuery, old: dict[str, Any], observed_at: datetime) -> PollResult:
        posts = {k: float(v) for k, v in as_dict(old.get("posts")).items() if isinstance(v, int | float)}
        comment_states = dict(as_dict(old.get("comments")))
        out: list[Observation] = []
        notes: list[str] = []
        post = partial(self.parse, observed_at=observed_at, brand=own.name)
        feed, error = self._walk(old.get("feed"), "feed", POST_FIELDS, emitter(post, out, self.drops), observed_at)
        posts |= {obs.id: obs.created_at.timestamp() for obs in out}
        horizon = observed_at.timestamp() - self.post_lookback
        recent = sorted((p for p, ts in posts.items() if ts >= horizon), key=lambda p: -posts[p])
        for post_id in recent[: self.max_posts]:
            if error is not None:
                break
            comment = partial(self.parse, observed_at=observed_at, brand=own.name, post_id=post_id)
            params = {"fields": COMMENT_FIELDS, "order": "reverse_chronological", "filter": "stream",
                      "limit": COMMENTS_PAGE}
            read = lister(self.graph, f"/{self.version}/{post_id}/comments", params, stamp="created_time", since=False,
                          drops=self.drops)
            comment_states[post_id], error = walk(comment_states.get(post_id), read,
                                                  emitter(comment, out, self.drops), max_pages=self.max_pages,
                                                  start=posts[post_id], seen_limit=300)
            if gone(error):  # deleted since the feed was read
                notes.append(f"facebook: post {post_id} is gone; its comments are no longer read")
                posts.pop(post_id, None)
                error = None
        tagged = old.get("tagged")
        if self.include_tagged and error is None:
            tagged, error = self._walk(tagged, "tagged", TAGGED_FIELDS, emitter(post, out, self.drops), observed_at)
        kept = sorted((p for p, ts in posts.items() if ts >= horizon), key=lambda p: -posts[p])[:TRACKED]
        new_cursor = {"v": 1, "feed": feed, "tagged": tagged or {}, "posts": {p: posts[p] for p in kept},
                      "comments": {p: comment_states[p] for p in kept if comment_states.get(p)}}
        return outcome(out, new_cursor, error, notes)

    def _walk(self, state: Any, edge: str, fields: str, emit: Callable[[dict[str, Any]], None],
              observed_at: datetime) -> tuple[dict[str, Any], SourceError | None]:
        """New posts of one of the page's edges (``feed``, ``tagged``), bounded below by ``since``."""
        read = lister(self.graph, f"/{self.version}/{self.page_id}/{edge}", {"fields": fields, "limit": PAGE},
                      stamp="created_time", since=True, subject="page_id", drops=self.drops)
        return walk(state, read, emit, max_pages=self.max_pages, start=observed_at.timestamp())

    def parse(self, raw: Any, observed_at: datetime, brand: str | None, post_id: str | None = None) -> Observation | None:
        if post_id is None:
            return parse_post(raw, self.page_id, observed_at, brand, self.drops)
        return parse_comment(raw, post_id, self.page_id, observed_at, brand, self.drops)
