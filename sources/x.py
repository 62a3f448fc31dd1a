"""X (Twitter): recent search per brand and batched look-ups, through tweepy's v2 ``Client``.

Reads are billed per post, so the cursor keeps, per brand, the newest tweet id seen (``since_id``).
When a poll's page budget (``max_pages``) runs out before the search reaches ``since_id``, the hole
between ``since_id`` and the oldest tweet read is kept as a ``gap`` and filled on later polls with
the pages left over: nothing the API still offers is skipped, nothing is read twice on purpose.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, ClassVar

import requests
import tweepy  # type: ignore[import-untyped, unused-ignore]
from pydantic import Field

from monitor.brands import BrandMatcher
from monitor.config.secrets import Secret, redact, reveal
from monitor.config.sources import SourceBase
from monitor.errors import RateLimited, SourceError
from monitor.interfaces import Clock
from monitor.models import Author, BrandQuery, Metrics, Observation, PollResult
from monitor.retry import retry_after
from monitor.sanitize import valid_time
from sources._http import Drops, make_session, normalize_base_url
from sources._http import as_dict as _dict
from sources._http import count as _count
from sources._http import text_or_none as _text
from sources._limits import DEFAULT_MAX_BYTES, DEFAULT_REQUEST_DEADLINE
from sources._rest import parse_time

API = "https://api.twitter.com"
TWEET_FIELDS = ["created_at", "public_metrics", "lang", "conversation_id", "referenced_tweets", "in_reply_to_user_id"]
USER_FIELDS = ["public_metrics", "verified", "username"]
BATCH = 100  # ids per look-up and results per search page: the API's maximum
MAX_QUERY = 512  # characters in a recent-search query
TWITTER_EPOCH_MS = 1288834974657
_ID = re.compile(r"^[0-9]{1,20}$")


def build_queries(brand: BrandQuery, *, include_retweets: bool = False, limit: int = MAX_QUERY) -> list[str]:
    """The brand's search as queries of at most ``limit`` characters (usually one:
    ``("acme air" OR acmeair OR @acmeair) -"acme air fryer" -is:retweet``): the keywords split into
    OR-groups, each with all the excludes. A keyword that cannot fit even alone is left out (``too_long``)."""
    suffix = _suffix(brand, include_retweets)
    queries: list[str] = []
    group: list[str] = []
    for term in _terms(brand):
        if len(_or([term]) + suffix) > limit:
            continue
        if group and len(_or([*group, term]) + suffix) > limit:
            queries.append(_or(group) + suffix)
            group = []
        group.append(term)
    return queries + ([_or(group) + suffix] if group else [])


def too_long(brand: BrandQuery, *, include_retweets: bool = False, limit: int = MAX_QUERY) -> list[str]:
    """The brand's search terms that do not fit in a query even alone (with the excludes)."""
    suffix = _suffix(brand, include_retweets)
    return [t for t in _terms(brand) if len(_or([t]) + suffix) > limit]


def _terms(brand: BrandQuery) -> list[str]:
    terms = [_phrase(k) for k in brand.keywords if k.strip()]
    if handle := brand.handles.get("x"):
        terms.append("@" + handle.lstrip("@"))
    return terms


def _or(terms: list[str]) -> str:
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


def _suffix(brand: BrandQuery, include_retweets: bool) -> str:
    excludes = "".join(f" -{_phrase(e)}" for e in brand.exclude if e.strip())
    return excludes if include_retweets else excludes + " -is:retweet"


def _phrase(text: str) -> str:
    words = text.replace('"', " ").split()
    return words[0] if len(words) == 1 and words[0].isalnum() else '"' + " ".join(words) + '"'


def snowflake_time(ident: str) -> datetime | None:
    """When a tweet was posted, from its id: milliseconds since the epoch = (id >> 22) + 1288834974657."""
    try:
        return valid_time(datetime.fromtimestamp(((int(ident) >> 22) + TWITTER_EPOCH_MS) / 1000, UTC))
    except (ValueError, OverflowError, OSError):
        return None


def parse_tweet(
    tweet: Any, users: Mapping[str, Any], observed_at: datetime, brand: str | None = None, drops: Drops | None = None
) -> Observation | None:
    """One v2 tweet object (with the ``includes.users`` of its page) as an Observation, or ``None``.

    The API sends only the fields asked for: a tweet without a usable ``created_at`` takes its time
    from its id, and one whose author is missing from ``includes`` is kept, author unknown. Unusable
    numbers are made unknown and counted in ``drops``.
    """
    if not isinstance(tweet, dict):
        return None
    ident, text = _text(tweet.get("id")), tweet.get("text")
    if ident is None or not _ID.match(ident) or not isinstance(text, str):
        return None
    created = parse_time(tweet.get("created_at")) or snowflake_time(ident)
    if created is None:
        return None
    count = partial(_count, drops=drops)
    pm = _dict(tweet.get("public_metrics"))
    author_id = _text(tweet.get("author_id"))
    user = _dict(users.get(author_id)) if author_id else {}
    verified = user.get("verified")
    refs = tweet.get("referenced_tweets")
    refs = refs if isinstance(refs, list) else []
    replied_to = next((_text(r.get("id")) for r in refs if isinstance(r, dict) and r.get("type") == "replied_to"), None)
    return Observation(
        source="x",
        id=ident,
        url=f"https://x.com/i/status/{ident}",
        kind="comment" if replied_to else "post",
        text=text,
        lang=_text(tweet.get("lang")),
        author=Author(
            id=author_id,
            handle=_text(user.get("username")),
            followers=count(_dict(user.get("public_metrics")).get("followers_count")),
            verified=verified if isinstance(verified, bool) else None,
        ),
        created_at=created,
        observed_at=observed_at,
        metrics=Metrics(
            likes=count(pm.get("like_count")),
            reposts=count(pm.get("retweet_count")),
            replies=count(pm.get("reply_count")),
            quotes=count(pm.get("quote_count")),
            views=count(pm.get("impression_count")),
        ),
        in_reply_to=replied_to,
        conversation_id=_text(tweet.get("conversation_id")),
        brand=brand,
    )


def parse_page(payload: Any, observed_at: datetime,
               drops: Drops | None = None) -> tuple[list[Observation], list[int], str | None]:
    """A search or look-up answer: its observations, the ids of all its tweets, its ``next_token``.
    Tweets that cannot be used are left out and counted in ``drops``."""
    if not isinstance(payload, dict) or not isinstance(payload.get("data", []), list):
        raise SourceError("x: the answer is not a v2 tweet list")
    users = _dict(payload.get("includes")).get("users")
    users = {u["id"]: u for u in users if isinstance(u, dict) and isinstance(u.get("id"), str)} \
        if isinstance(users, list) else {}
    tweets = payload.get("data") or []
    ids = [int(t["id"]) for t in tweets if isinstance(t, dict) and isinstance(t.get("id"), str) and _ID.match(t["id"])]
    observations = [obs for t in tweets if (obs := parse_tweet(t, users, observed_at, drops=drops)) is not None]
    if drops is not None:
        drops.add("post", len(tweets) - len(observations))
    return observations, ids, _text(_dict(payload.get("meta")).get("next_token"))


class _RedactToken(logging.Filter):
    """tweepy logs request headers at DEBUG, bearer token included: redacted in the record itself, so
    that no handler (ours or another's) sees it."""

    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message, [self.secret])
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class XConfig(SourceBase):
    """``[sources.x]``: a bearer token (README: X credentials); reads are billed, so they can be capped."""

    needs: ClassVar[tuple[str, ...]] = ("bearer_token",)
    needs_hint: ClassVar[str] = "X's API needs a bearer token"
    from_env: ClassVar[Mapping[str, str]] = {"bearer_token": "X_BEARER_TOKEN"}

    bearer_token: Secret = None
    max_pages: int = Field(default=5, ge=1, le=100)
    reads_per_day: int | None = Field(default=None, ge=1)  # X bills per post read: a daily read budget

    def limits(self) -> list[tuple[str, int, float]]:
        out = super().limits()
        if self.reads_per_day and not any(unit == "reads" for unit, _, _ in out):
            out.append(("reads", self.reads_per_day, 86400.0))
        return out


class XSource:
    color = "#1c7ed6"  # its line in the charts
    # A post's address in any of its spellings (a quote links to what it quotes): sources.post_link.
    post_link = re.compile(r"^(?:mobile\.)?(?:twitter|x)\.com/(?:[a-z0-9_]+|i(?:/web)?)/status(?:es)?/(\d{1,25})")
    name = "x"
    config_model = XConfig

    @classmethod
    def from_config(cls, config: XConfig, *, clock: Clock) -> XSource:
        return cls(bearer_token=reveal(config.bearer_token) or "", clock=clock, max_pages=config.max_pages,
                   **config.http_options())

    def __init__(
        self,
        *,
        bearer_token: str,
        clock: Callable[[], datetime],
        api_base_url: str | None = None,
        max_pages: int = 5,
        timeout: float = 20.0,
        include_retweets: bool = False,
        max_response_size: int = DEFAULT_MAX_BYTES,
        request_deadline: float = DEFAULT_REQUEST_DEADLINE,
    ):
        self._clock = clock
        self._token = bearer_token
        self.max_pages = max(1, int(max_pages))
        self.drops = Drops()
        self.include_retweets = include_retweets
        self._client = tweepy.Client(bearer_token=bearer_token, return_type=dict, wait_on_rate_limit=False)
        # tweepy.Client.request() hard-codes https://api.twitter.com: our session moves that origin to
        # api_base_url (path and query kept) and puts a timeout on every request (tweepy sets none).
        self._client.session = make_session(
            timeout, move_from=API, move_to=normalize_base_url(api_base_url) if api_base_url else None,
            max_bytes=max_response_size, request_deadline=request_deadline, key="sources.x",
        )
        tweepy_log = logging.getLogger("tweepy.client")
        if not any(isinstance(f, _RedactToken) and f.secret == bearer_token for f in tweepy_log.filters):
            tweepy_log.addFilter(_RedactToken(bearer_token))

    def poll(self, brands: Sequence[BrandQuery], cursor: dict[str, Any]) -> PollResult:
        observed_at = self._clock()
        old = _dict(_dict(cursor).get("brands"))
        # A brand whose search exceeds X's 512 characters is searched in parts (its keywords split into
        # OR-groups), each part with a cursor slot of its own: "<brand>", "<brand> #2", ...
        units = [(brand, query, brand.name if i == 0 else f"{brand.name} #{i + 1}")
                 for brand in brands
                 for i, query in enumerate(build_queries(brand, include_retweets=self.include_retweets))]
        states = {slot: _dict(old.get(slot)) for _, _, slot in units}
        out: list[Observation] = []
        notes = [f"x: {b.name}: {len(terms)} search term(s) longer than X's {MAX_QUERY} characters, left out"
                 for b in brands if (terms := too_long(b, include_retweets=self.include_retweets))]
        try:
            for brand, query, slot in units:
                states[slot] = self._poll_brand(brand, query, states[slot], observed_at, out)
        except SourceError as exc:
            if not out:  # nothing to store: the scheduler gets the error (and its retry_after) as is
                raise
            wait = f" (retry after {exc.retry_after:.0f}s)" if exc.retry_after is not None else ""
            return PollResult(out, _cursor(states), partial=True, note="; ".join([*notes, f"{exc}{wait}"]))
        return PollResult(out, _cursor(states), note="; ".join(notes) or None)

    def _poll_brand(
        self, brand: BrandQuery, query: str, state: dict[str, Any], observed_at: datetime, out: list[Observation]
    ) -> dict[str, Any]:
        """Search one brand: new tweets first, then the gap left by an earlier poll, within the page
        budget. Returns the brand's new state; raises (state unchanged) when a page fails."""
        since = _int(state.get("since_id"))
        gap = state.get("gap")
        gap = [g for g in gap if _int(g) is not None] if isinstance(gap, list) else []
        gap = gap if len(gap) == 2 and int(gap[0]) < int(gap[1]) else []
        tag = _tagger(brand)
        # On the first poll one page is enough: we do not backfill a week of history.
        ids, complete, used = self._search(query, since, None, self.max_pages if since else 1, observed_at, tag, out)
        new_since = max([*ids, since or 0]) or None
        if not complete and since is not None and ids:
            gap = [gap[0] if gap else str(since), str(min(ids))]  # merged with an older gap, if any
        elif gap and used < self.max_pages:
            lo, hi = int(gap[0]), int(gap[1])
            got, complete, _ = self._search(query, lo, hi, self.max_pages - used, observed_at, tag, out)
            gap = [] if complete or not got else [gap[0], str(min(got))]
        new: dict[str, Any] = {"since_id": str(new_since)} if new_since else {}
        return new | ({"gap": gap} if gap else {})

    def _search(
        self,
        query: str,
        since: int | None,
        until: int | None,
        pages: int,
        observed_at: datetime,
        tag: Callable[[Observation], Observation | None],
        out: list[Observation],
    ) -> tuple[list[int], bool, int]:
        """Up to ``pages`` pages of a search: (ids read, whether the search ran out, pages used)."""
        params: dict[str, Any] = {"max_results": BATCH, "expansions": ["author_id"]}
        params |= {"tweet_fields": TWEET_FIELDS, "user_fields": USER_FIELDS}
        params |= {k: str(v) for k, v in (("since_id", since), ("until_id", until)) if v is not None}
        ids: list[int] = []
        token: str | None = None
        for page in range(1, pages + 1):
            payload = self._call(
                self._client.search_recent_tweets, query, **params, **({"next_token": token} if token else {})
            )
            observations, page_ids, token = parse_page(payload, observed_at, self.drops)
            ids += page_ids
            out.extend(tagged for obs in observations if (tagged := tag(obs)) is not None)
            if token is None:
                return ids, True, page
        return ids, False, pages

    def refresh(self, ids: Sequence[str]) -> list[Observation]:
        """Current metrics of tweets by id, 100 per request; deleted tweets are left out."""
        observed_at = self._clock()
        wanted = [i for i in dict.fromkeys(ids) if _ID.match(i)]
        out: list[Observation] = []
        for start in range(0, len(wanted), BATCH):
            payload = self._call(
                self._client.get_tweets,
                wanted[start : start + BATCH],
                expansions=["author_id"],
                tweet_fields=TWEET_FIELDS,
                user_fields=USER_FIELDS,
            )
            out += parse_page(payload, observed_at, self.drops)[0]
        return out

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """One tweepy call, its failures sorted into SourceError (retry or not) and RateLimited."""
        try:
            return method(*args, **kwargs)
        except tweepy.TooManyRequests as exc:
            raise RateLimited("x: HTTP 429 (rate limited)", retry_after=self._retry_after(exc.response)) from None
        except (tweepy.Unauthorized, tweepy.Forbidden, tweepy.BadRequest, tweepy.NotFound) as exc:
            raise SourceError(self._redact(f"x: {exc}".replace("\n", " ")), permanent=True) from None
        except (tweepy.HTTPException, requests.RequestException) as exc:
            raise SourceError(self._redact(f"x: {exc}".replace("\n", " "))) from None
        except (ValueError, AttributeError, TypeError, KeyError) as exc:  # a body that is not JSON, or odd JSON
            raise SourceError(self._redact(f"x: bad answer ({type(exc).__name__})")) from None

    def _retry_after(self, response: Any) -> float | None:
        headers = getattr(response, "headers", None) or {}
        return retry_after(headers, self._clock(), names=("x-rate-limit-reset", "retry-after"))  # reset: epoch s

    def _redact(self, text: str) -> str:
        return redact(text, [self._token])


def _tagger(brand: BrandQuery) -> Callable[[Observation], Observation | None]:
    """Tags an observation with the brand. The search applies the excludes already; this drops what
    slips through anyway (an excluded phrase and no other mention of the brand)."""
    handle = brand.handles.get("x")
    excluded = BrandMatcher([BrandQuery("-", tuple(brand.exclude))])
    mentions = BrandMatcher([replace(brand, keywords=brand.keywords + ((f"@{handle}",) if handle else ()))])

    def tag(obs: Observation) -> Observation | None:
        if brand.exclude and excluded.match(obs) and not mentions.match(obs):
            return None
        return replace(obs, brand=brand.name)

    return tag


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and _ID.match(value) else None


def _cursor(states: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"v": 1, "brands": {name: state for name, state in states.items() if state}}
