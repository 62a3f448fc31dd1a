"""Reddit: posts found by search and recent comments of chosen subreddits, through praw (app-only OAuth).

The cursor holds for each (brand, subreddit) search and each subreddit's comment listing the newest
``created_utc`` seen and a bounded list of recently seen fullnames (praw's ``BoundedSet`` idea). A
poll reads back an overlap behind the newest item, as search indexes posts late: a late post is
still found, a seen one is not re-emitted.
"""

from __future__ import annotations

import configparser
import re
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, ClassVar

import praw
from praw.exceptions import PRAWException
from prawcore.const import ACCESS_TOKEN_PATH
from prawcore.exceptions import OAuthException, PrawcoreException, RequestException
from prawcore.rate_limit import RateLimiter
from prawcore.sessions import FiniteRetryStrategy
from pydantic import Field

from monitor.brands import BrandMatcher
from monitor.config.durations import Interval
from monitor.config.secrets import Secret, redact, reveal
from monitor.config.sources import SourceBase
from monitor.errors import RateLimited, SourceError
from monitor.interfaces import Clock
from monitor.models import Author, BrandQuery, Metrics, Observation, PollResult
from monitor.retry import retry_after
from sources._http import Drops, epoch_to_utc, make_session, normalize_base_url, number
from sources._http import as_dict as _dict
from sources._http import count as _count
from sources._http import text_or_none as _text
from sources._limits import DEFAULT_MAX_BYTES, DEFAULT_REQUEST_DEADLINE

REDDIT_WEB = "https://www.reddit.com"
SEARCH_OVERLAP = 600.0  # seconds behind the newest post: search indexes posts late
COMMENTS_OVERLAP = 60.0
COMMENTS_RETRY = 3600.0  # seconds before a subreddit's comments are asked for again after a 403/404
SEEN_LIMIT = 1000
MAX_PAGES = 10  # Reddit listings end at about 1,000 items: what lies beyond is not offered
BATCH = 100  # ids per /api/info call
_SUBREDDIT = re.compile(r"^[A-Za-z0-9_]+(\+[A-Za-z0-9_]+)*$")
_FULLNAME = re.compile(r"^t[13]_[a-z0-9]+$")
_Params = Mapping[str, str | int]
_Emit = Callable[[Any, dict[str, Any]], None]
_HINTS = {401: " (token rejected)", 403: " (forbidden)", 404: " (not found: check the subreddit names)"}


@dataclass(frozen=True)
class _NoRetry(FiniteRetryStrategy):
    """prawcore retries 5xx twice, sleeping in between; retry policy belongs to our scheduler."""

    DEFAULT_RETRIES: ClassVar[int] = 0
    retries: int = 0


class _NoSleepRateLimiter(RateLimiter):
    """No pacing (a poll is one short burst); a used-up window raises RateLimited instead of a sleep."""

    def delay(self) -> None:
        if self.remaining is None or self.remaining > 0 or self.next_request_timestamp_ns is None:
            return
        wait = (self.next_request_timestamp_ns - time.monotonic_ns()) / 1e9
        if wait > 0:
            raise RateLimited(f"reddit: rate-limit window used up; retry in {wait:.0f}s", retry_after=wait)


def parse_thing(kind: Any, data: Any, observed_at: datetime, brand: str | None = None,
                drops: Drops | None = None) -> Observation | None:
    """One listing child (``t3`` post or ``t1`` comment) as an Observation; ``None`` if unusable.
    Unusable numbers are made unknown and counted in ``drops``."""
    if kind not in ("t1", "t3") or not isinstance(data, dict):
        return None
    count = partial(_count, drops=drops)
    ident = _text(data.get("id"))
    fullname = _text(data.get("name")) or (f"{kind}_{ident}" if ident else None)
    created = epoch_to_utc(data.get("created_utc"))
    if fullname is None or created is None:
        return None
    permalink = _text(data.get("permalink"))
    handle = _text(data.get("author"))
    author = Author(id=_text(data.get("author_fullname")), handle=None if handle == "[deleted]" else handle)
    common: dict[str, Any] = {
        "source": "reddit",
        "id": fullname,
        "created_at": created,
        "observed_at": observed_at,
        "url": REDDIT_WEB + permalink if permalink and permalink.startswith("/") else None,
        "author": author,
        "brand": brand,
    }
    if kind == "t3":
        title, body = _text(data.get("title")) or "", _text(data.get("selftext")) or ""
        return Observation(
            **common,
            kind="post",
            text=f"{title}\n\n{body}" if body else title,
            metrics=Metrics(score=count(data.get("score")), replies=count(data.get("num_comments"))),
            conversation_id=fullname,
        )
    return Observation(
        **common,
        kind="comment",
        text=_text(data.get("body")) or "",
        metrics=Metrics(score=count(data.get("score"))),
        in_reply_to=_text(data.get("parent_id")),
        conversation_id=_text(data.get("link_id")),
    )


def _listing(payload: Any, what: str, drops: Drops | None = None) -> tuple[list[tuple[Any, dict[str, Any]]], str | None]:
    """The (kind, data) children of a Listing and its ``after``; SourceError if it is not one.
    Children without data are left out and counted in ``drops``."""
    data = payload.get("data") if isinstance(payload, dict) and payload.get("kind") == "Listing" else None
    children = data.get("children") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(children, list):
        raise SourceError(f"reddit: {what}: the answer is not a listing")
    items = [(c.get("kind"), c["data"]) for c in children if isinstance(c, dict) and isinstance(c.get("data"), dict)]
    if drops is not None:
        drops.add("post", len(children) - len(items))
    after = data.get("after")
    return items, after if isinstance(after, str) and after else None


def search_query(brand: BrandQuery) -> str:
    """Reddit search syntax: the brand's keywords as exact phrases, OR-ed (excludes are applied here)."""
    return " OR ".join(f'"{k.replace(chr(34), " ").strip()}"' for k in brand.keywords if k.strip())


class RedditConfig(SourceBase):
    """``[sources.reddit]``: a script app's credentials (README: Reddit credentials)."""

    needs: ClassVar[tuple[str, ...]] = ("client_id", "client_secret")
    needs_hint: ClassVar[str] = "Reddit's API needs an app's client_id and client_secret"
    from_env: ClassVar[Mapping[str, str]] = {"client_id": "REDDIT_CLIENT_ID", "client_secret": "REDDIT_CLIENT_SECRET"}

    client_id: Secret = None
    client_secret: Secret = None
    user_agent: str = "complaint-monitor (github.com/complaint-monitor)"
    interval: Interval = 120.0
    subreddits: list[str] = Field(default_factory=lambda: ["all"])
    include_comments: bool = True


class RedditSource:
    color = "#f76707"  # its line in the charts
    name = "reddit"
    config_model = RedditConfig

    @classmethod
    def from_config(cls, config: RedditConfig, *, clock: Clock) -> RedditSource:
        return cls(client_id=reveal(config.client_id) or "", client_secret=reveal(config.client_secret) or "",
                   user_agent=config.user_agent, clock=clock, subreddits=tuple(config.subreddits),
                   include_comments=config.include_comments, **config.http_options())

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        user_agent: str,
        clock: Callable[[], datetime],
        subreddits: Sequence[str] = ("all",),
        api_base_url: str | None = None,
        include_comments: bool = True,
        page_limit: int = 100,
        timeout: float = 20.0,
        max_response_size: int = DEFAULT_MAX_BYTES,
        request_deadline: float = DEFAULT_REQUEST_DEADLINE,
    ):
        bad = [s for s in subreddits if not _SUBREDDIT.match(s)]
        if bad or not subreddits:
            raise ValueError(f"invalid subreddit names: {bad or 'none given'}")
        self._clock = clock
        self._secrets = (client_secret, client_id)
        self.subreddits = tuple(subreddits)
        self.include_comments = include_comments
        self._comments_off: dict[str, datetime] = {}  # subreddit -> comments not asked for until then
        self.drops = Drops()
        self.page_limit = max(1, min(int(page_limit), 100))
        oauth_url, token_url = "https://oauth.reddit.com", REDDIT_WEB
        if api_base_url:
            oauth_url = normalize_base_url(api_base_url)
            # The real API host does not issue tokens: keep www.reddit.com for it.
            token_url = REDDIT_WEB if oauth_url == "https://oauth.reddit.com" else oauth_url
        self._session = make_session(timeout, max_bytes=max_response_size, request_deadline=request_deadline,
                                     key="sources.reddit")
        self._last: tuple[int, str, Any] | None = None  # status, URL and headers of the last answer
        self._session.hooks["response"].append(
            lambda r, *_, **__: setattr(self, "_last", (r.status_code, r.url, r.headers))
        )
        # Every setting that matters is explicit, and explicit settings beat praw.ini files (in the
        # working directory or the user's config) and praw_* environment variables: neither can
        # redirect the credentials, switch to a user login or turn on update checks. praw warns
        # when a praw.ini in the working directory names endpoints; ours win, so that is silenced.
        # (Thing kinds from praw.ini do not matter: we read raw JSON, not praw's objects.)
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="The praw.ini in the current working directory")
                self._reddit = praw.Reddit(
                    "DEFAULT",
                    requestor_kwargs={"session": self._session, "timeout": timeout},
                    client_id=client_id,
                    client_secret=client_secret,
                    user_agent=user_agent,
                    oauth_url=oauth_url + "/",
                    reddit_url=token_url,
                    username=None,
                    password=None,
                    refresh_token=None,
                    redirect_uri=None,
                    check_for_updates=False,
                    check_for_async=False,
                    window_size=600,
                )
        except (PRAWException, PrawcoreException, configparser.Error, ValueError, TypeError) as exc:
            raise ValueError(redact(f"reddit: {exc}", self._secrets)) from None
        core = self._reddit._read_only_core
        if core is not None:
            core._retry_strategy_class = _NoRetry
            core._rate_limiter = _NoSleepRateLimiter(window_size=core._rate_limiter.window_size)

    def poll(self, brands: Sequence[BrandQuery], cursor: dict[str, Any]) -> PollResult:
        observed_at = self._clock()
        # A unit is one listing walk with its own cursor slot: a brand's search in one subreddit,
        # or one subreddit's comment stream (matched against every brand).
        units = [("search", b.name, sub, [b]) for b in brands if search_query(b) for sub in self.subreddits]
        if self.include_comments and brands:
            units += [("comments", "", sub, list(brands)) for sub in self.subreddits
                      if observed_at >= self._comments_off.get(sub, observed_at)]
        states = {(section, brand, sub): _slot(cursor, section, brand, sub) for section, brand, sub, _ in units}
        out: list[Observation] = []
        notes: list[str] = []
        for section, brand, sub, wanted in units:
            try:
                states[section, brand, sub] = self._unit(section, sub, wanted, states[section, brand, sub],
                                                         observed_at, out)
            except SourceError as exc:
                if section == "comments" and not isinstance(exc, RateLimited):
                    # The comment stream only adds to the search: its failure must not cost the posts.
                    if exc.permanent:  # asked again in an hour, not at every poll
                        self._comments_off[sub] = observed_at + timedelta(seconds=COMMENTS_RETRY)
                    notes.append(f"{exc} (comments of r/{sub} skipped"
                                 + (f" for {COMMENTS_RETRY / 3600:g}h)" if exc.permanent else ")"))
                    continue
                if not out:  # nothing to store: the scheduler gets the error (and its retry_after) as is
                    raise
                wait = f" (retry after {exc.retry_after:.0f}s)" if exc.retry_after is not None else ""
                return PollResult(out, _render(states), partial=True, note="; ".join([*notes, f"{exc}{wait}"]))
        return PollResult(out, _render(states), partial=bool(notes), note="; ".join(notes) or None)

    def _unit(self, section: str, sub: str, wanted: list[BrandQuery], state: dict[str, Any], observed_at: datetime,
              out: list[Observation]) -> dict[str, Any]:
        """One listing walk: a brand's search in ``sub`` or ``sub``'s comments; returns its new state."""
        matchers = [(w.name, BrandMatcher([w])) for w in wanted]
        kind, overlap = ("post", SEARCH_OVERLAP) if section == "search" else ("comment", COMMENTS_OVERLAP)
        params: dict[str, str | int] = {}
        if section == "search":
            params = {"q": search_query(wanted[0]), "sort": "new", "t": "all", "syntax": "lucene"}
            params["restrict_sr"] = "false" if sub.lower() == "all" else "true"

        def emit(thing_kind: Any, data: dict[str, Any]) -> None:
            obs = parse_thing(thing_kind, data, observed_at, drops=self.drops)
            if obs is None:
                self.drops.add("post")
            elif obs.kind == kind:
                out.extend(replace(obs, brand=name) for name, m in matchers if m.match(obs))

        return self._scan(f"r/{sub}/{'search' if section == 'search' else 'comments'}/", params, state, overlap, emit)

    def _scan(self, path: str, params: _Params, state: dict[str, Any], overlap: float, emit: _Emit) -> dict[str, Any]:
        """Walk a newest-first listing back to ``overlap`` s before the newest item seen (one page on
        the first poll), emitting unseen items; returns the state to store once the walk completed."""
        top = newest = number(state.get("newest"))
        old_seen = [s for s in state.get("seen") or [] if isinstance(s, str)]
        seen, fresh = set(old_seen), []
        floor = newest - overlap if newest is not None else None
        after: str | None = None
        for _ in range(MAX_PAGES if floor is not None else 1):
            page = dict(params, limit=self.page_limit, **({"after": after} if after else {}))
            items, after = _listing(self._get(path, page), "/" + path, self.drops)
            for kind, data in items:
                # Only a plausible date moves the cursor: 1e308 there would hide every later post.
                stamp = epoch_to_utc(data.get("created_utc"))
                created, name = (stamp.timestamp() if stamp else None), data.get("name")
                if floor is not None and created is not None and created < floor:
                    after = None  # reached what earlier polls have covered
                    break
                if not isinstance(name, str):
                    self.drops.add("post")
                    continue
                if name in seen:
                    continue
                seen.add(name)
                fresh.append(name)
                top = created if top is None else max(top, created or top)
                emit(kind, data)
            if after is None or not items:
                break
        return {"newest": top, "seen": (fresh + old_seen)[:SEEN_LIMIT]} if top is not None else {}

    def refresh(self, ids: Sequence[str]) -> list[Observation]:
        """Current score and comment count of posts and comments, by fullname, 100 per request."""
        observed_at = self._clock()
        wanted = [i for i in dict.fromkeys(ids) if _FULLNAME.match(i)]
        out: list[Observation] = []
        for start in range(0, len(wanted), BATCH):
            payload = self._get("api/info/", {"id": ",".join(wanted[start : start + BATCH])})
            items, _ = _listing(payload, "/api/info", self.drops)
            found = [obs for kind, data in items if (obs := parse_thing(kind, data, observed_at, drops=self.drops))]
            self.drops.add("post", len(items) - len(found))
            out += found
        return out

    def _get(self, path: str, params: _Params) -> Any:
        self._last = None
        try:
            return self._reddit.request(method="GET", path=path, params=dict(params))
        except SourceError:
            raise
        except OAuthException as exc:
            raise SourceError(self._redact(f"reddit: token refused: {exc}"), permanent=True) from None
        except RequestException as exc:  # no answer: connection refused, timeout
            raise SourceError(self._redact(f"reddit: GET /{path}: {exc.original_exception}")) from None
        except (PRAWException, PrawcoreException, ValueError, KeyError, TypeError) as exc:
            if self._last is not None and self._last[0] != 200:  # sorted by the status, not by prawcore's
                raise self._http_error(f"GET /{path}", *self._last) from None  # choice of exception
            raise SourceError(self._redact(f"reddit: GET /{path}: bad answer ({type(exc).__name__})")) from None

    def _http_error(self, where: str, status: int, url: str, headers: Any) -> SourceError:
        if status == 429:
            wait = retry_after(headers, names=("retry-after", "x-ratelimit-reset"))  # Reddit's reset: seconds
            return RateLimited(f"reddit: {where}: HTTP 429 (rate limited)", retry_after=wait)
        if url.endswith(ACCESS_TOKEN_PATH):
            message = f"reddit: token endpoint: HTTP {status} (check client_id/client_secret)"
            return SourceError(message, permanent=status in (400, 401, 403))
        # A 401 here means the token was rejected: prawcore drops it and fetches a new one next time.
        permanent = status in (403, 404) or 300 <= status < 400
        return SourceError(f"reddit: {where}: HTTP {status}{_HINTS.get(status, '')}", permanent=permanent)

    def _redact(self, text: str) -> str:
        return redact(text, self._secrets)


def _slot(cursor: Any, section: str, brand: str, sub: str) -> dict[str, Any]:
    node = _dict(_dict(cursor).get(section))
    return _dict((_dict(node.get(brand)) if brand else node).get(sub))


def _render(states: dict[tuple[str, str, str], dict[str, Any]]) -> dict[str, Any]:
    """``{"v": 1, "search": {brand: {subreddit: state}}, "comments": {subreddit: state}}``."""
    cursor: dict[str, Any] = {"v": 1, "search": {}, "comments": {}}
    for (section, brand, sub), state in states.items():
        if state:
            (cursor[section].setdefault(brand, {}) if brand else cursor[section])[sub] = state
    return cursor
