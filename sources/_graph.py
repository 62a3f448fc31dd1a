"""What the Meta sources (Threads, the brand's Facebook page, its Instagram account) share: the Graph
API's error objects sorted into the monitor's errors, its usage headers, paging by ``paging.next``, and
a newest-first walk whose cursor (the "since" cursor) keeps what was read.

Errors. A Graph API failure is a JSON ``{"error": {"message", "type", "code", "error_subcode",
"fbtrace_id"}}`` whatever the HTTP status (400 mostly, 403, 500):

- ``190``: the access token expired or is invalid. Permanent, with the reason (the subcode: 463
  expired, 460 password changed, ...); the source then sends no request until it is built again with a
  new token (a restart), so a dead token is never retried in a loop.
- ``4``, ``17``, ``32``, ``613``, ``80001``-``80014`` and HTTP 429: rate limited. ``RateLimited``
  with the wait ``X-Business-Use-Case-Usage`` gives (``estimated_time_to_regain_access``, minutes),
  else 15 minutes: Meta sends no Retry-After and counts over a rolling hour.
- ``100``: a bad parameter or an object that does not exist (or that the token cannot see):
  permanent, naming the config key whose id was asked for (``sources.facebook.page_id``).
- ``10``, ``200``-``299``: a permission is missing: permanent, naming the permissions needed.
- anything else (``1``, ``2`` "temporarily unavailable", 5xx, an answer that is not JSON) is retried
  later by the scheduler.

A successful answer whose ``X-App-Usage``, ``X-Page-Usage`` or ``X-Business-Use-Case-Usage`` says 95%
or more of a quota is used holds the next request back (``RateLimited``) for the time Meta says access
takes to regain, or 15 minutes, instead of running into the limit.

Paging. ``paging.next`` is an absolute URL on the API's host that carries the token: it is followed on
``api_base_url`` (path and query kept, the token replaced by ours, so a stored one holds no secret) and
never to another host.

The walk (``walk``) reads a newest-first edge (a feed, a post's comments, a search) from the top down
to an ``overlap`` behind the newest item seen by earlier polls, emitting each item not seen before.
A page whose items were all read before ends the walk too (what lies below was read by then). When
its page budget runs out (or a page fails) before that, the ``paging.next`` where it stopped is
kept as a gap, read on later polls with the pages left over: nothing the API still offers is skipped,
nothing is emitted twice. The first poll reads one page (no backfill).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar, Self
from urllib.parse import parse_qsl, urlencode, urlsplit

from pydantic import Field, field_validator

from monitor.config.secrets import Secret, redact, reveal
from monitor.config.sources import SourceBase
from monitor.errors import RateLimited, SourceError
from monitor.models import BrandQuery, Observation, PollResult
from monitor.retry import retry_after
from monitor.sanitize import printable
from sources._http import Drops, as_dict, number
from sources._http import text_or_none as _text
from sources._limits import DEFAULT_MAX_BYTES, DEFAULT_REQUEST_DEADLINE
from sources._rest import RestClient, bounded, parse_time

GRAPH_API = "https://graph.facebook.com"
RATE_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
PERMISSION_CODES = frozenset({10, *range(200, 300)})
TOKEN_CODE, BAD_PARAMETER = 190, 100
TOKEN_REASONS = {458: "the app is not installed", 459: "the account is checkpointed", 460: "the password changed",
                 463: "the token has expired", 464: "the account is unconfirmed", 467: "the token is invalid",
                 492: "the session is invalid"}
USAGE_HEADERS = ("x-app-usage", "x-page-usage", "x-business-use-case-usage")
DEFAULT_WAIT = 900.0  # seconds, when Meta says nothing of when access comes back
HIGH_USAGE = 95.0  # percent of a quota after which we stop asking
MAX_GAPS = 4
OVERLAP = 600.0  # seconds behind the newest item: items indexed late are still found
GRAPH_ID = re.compile(r"^[0-9]{1,25}(?:_[0-9]{1,25})?$")  # a page's post: <page id>_<post id>

Item = tuple[str, float, dict[str, Any]]  # (id, epoch seconds, raw item)
Read = Callable[[str | None, float | None], tuple[list[Item], str | None]]
"""(paging.next or None for the first page, the lowest time wanted) → (items newest first, paging.next)."""


class GraphError(SourceError):
    """A Graph API error object, its ``code`` kept for the sources that handle one (100: gone)."""

    def __init__(self, message: str, *, code: int | None, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message, permanent=permanent, retry_after=retry_after)
        self.code = code


class MetaConfig(SourceBase):
    """The keys the Meta sources share: an access token (README: Meta credentials), how many pages of an
    edge one poll reads at most, and the Graph API version."""

    needs: ClassVar[tuple[str, ...]] = ("access_token",)

    access_token: Secret = None
    max_pages: int = Field(default=3, ge=1, le=20)
    api_version: str = Field(default="v19.0", pattern=r"^v[0-9]{1,3}\.[0-9]{1,2}$")

    def source_options(self) -> dict[str, Any]:
        """What the source's constructor takes from the section, besides the token and the clock."""
        return {**self.http_options(), "max_pages": self.max_pages, "api_version": self.api_version}


class OwnAccountConfig(MetaConfig):
    """A brand's own account (a Facebook page, an Instagram account): its id (under the key ``id_key``),
    the brand it belongs to (needed when the config has several) and how many of its latest posts have
    their comments read."""

    # The key holding the account's id, what the account is (for the reason the source is off) and
    # where its id is found (for the error when it is not one).
    account: ClassVar[tuple[str, str, str]] = ("", "", "")

    brand: str | None = None
    max_posts: int = Field(default=10, ge=1, le=100)

    @field_validator("page_id", "ig_user_id", mode="after", check_fields=False)
    @classmethod
    def _account_id(cls, v: str | None) -> str | None:
        value = v.strip() if v else None
        if value and not GRAPH_ID.match(value):
            raise ValueError(f"expected {cls.account[2]}, not {value!r}")
        return value or None

    def source_options(self) -> dict[str, Any]:
        return {**super().source_options(), "account_id": getattr(self, self.account[0]) or "", "brand": self.brand,
                "max_posts": self.max_posts}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        key, what, _ = cls.account
        cls.needs = ("access_token", key)
        cls.needs_hint = f"the brand's {what} needs an access token and its {key}"


class GraphClient:
    """GETs on the Graph API with a token; ``list`` answers an edge's page and its ``paging.next``."""

    def __init__(self, name: str, token: str, *, clock: Callable[[], datetime], api: str, api_base_url: str | None,
                 permissions: str, timeout: float = 20.0, max_response_size: int = DEFAULT_MAX_BYTES,
                 request_deadline: float = DEFAULT_REQUEST_DEADLINE):
        self.name, self.key, self.permissions = name, f"sources.{name}", permissions
        self._token, self._clock = token, clock
        self._rest = RestClient(name, api_base_url or api, clock=clock, timeout=timeout, secrets=[token],
                                max_response_size=max_response_size, request_deadline=request_deadline)
        self.usage = self._rest.usage
        self._origins = {_origin(api), _origin(self._rest.base_url)}
        self.dead: str | None = None  # why the token was refused (code 190): no request is sent again
        self.hold_until: datetime | None = None  # a quota nearly used up: no request before then

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, subject: str | None = None) -> dict[str, Any]:
        """The JSON object at ``path`` (relative to the base URL, or a followed ``paging.next``);
        ``subject`` is the config key whose id is in the path, named when the API says it is wrong."""
        if self.dead:
            raise GraphError(self.dead, code=TOKEN_CODE, permanent=True)
        now = self._clock()
        if self.hold_until is not None and now < self.hold_until:
            wait = (self.hold_until - now).total_seconds()
            raise RateLimited(f"{self.name}: {HIGH_USAGE:g}% of a Meta rate limit used; waiting {wait:.0f}s",
                              retry_after=wait)
        query = [(k, v) for k, v in parse_qsl(urlsplit(path).query, keep_blank_values=True) if k != "access_token"]
        query += [*(params or {}).items(), ("access_token", self._token)]
        response = self._rest.request("GET", path.split("?", 1)[0], query)
        where = f"{self.name}: GET {urlsplit(path).path}"
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) or not 200 <= response.status_code < 300:
            raise self._error(where, response.status_code, as_dict(error), response.headers, subject)
        if not isinstance(body, dict):
            raise SourceError(f"{where}: bad answer (not a JSON object)")
        self._watch(response.headers, now)
        return body

    def list(self, path: str, params: Mapping[str, Any] | None = None, *, subject: str | None = None,
             drops: Drops | None = None) -> tuple[list[dict[str, Any]], str | None]:
        """One page of an edge: its items (objects only; others counted in ``drops``) and ``paging.next``."""
        payload = self.get(path, params, subject=subject)
        data = payload.get("data")
        if not isinstance(data, list):
            raise SourceError(f"{self.name}: GET {urlsplit(path).path}: the answer is not a Graph API list")
        items = [d for d in data if isinstance(d, dict)]
        if drops is not None:
            drops.add("post", len(data) - len(items))
        self.usage["reads"] += len(items)
        return items, self.follow(as_dict(payload.get("paging")).get("next"))

    def follow(self, link: Any) -> str | None:
        """``paging.next`` as a path under our base URL without the token, or ``None`` (none, or another host's)."""
        link = _text(link)
        if link is None or _origin(link) not in self._origins:
            return None
        base = self._rest.base_url
        rest = link[len(base):] if link.startswith(base + "/") else link[len(_origin(link)):]
        parts = urlsplit(rest)
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "access_token"])
        return parts.path + (f"?{query}" if query else "")

    def lookup(self, version: str, ids: Sequence[str], fields: str, batch: int = 50) -> dict[str, dict[str, Any]]:
        """Objects by id (``GET /?ids=...``), ``batch`` at a time; when one of a batch is gone (code
        100: deleted, hidden) the batch is asked for one by one and the gone ones are left out."""
        out: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), batch):
            chunk = list(ids[start : start + batch])
            try:
                found = self.get(f"/{version}/", {"ids": ",".join(chunk), "fields": fields})
            except GraphError as exc:
                if exc.code != BAD_PARAMETER:
                    raise
                found = {}
                for ident in chunk:
                    try:
                        found[ident] = self.get(f"/{version}/{ident}", {"fields": fields})
                    except GraphError as one:
                        if one.code != BAD_PARAMETER:
                            raise
            out.update({k: v for k, v in found.items() if k in chunk and isinstance(v, dict)})
        self.usage["reads"] += len(out)
        return out

    def _error(self, where: str, status: int, error: dict[str, Any], headers: Mapping[str, str],
               subject: str | None) -> SourceError:
        code, sub = _code(error.get("code")), _code(error.get("error_subcode"))
        message = redact(printable(_text(error.get("message")) or f"HTTP {status}")[:300], [self._token])
        detail = f"(code {code}{f', subcode {sub}' if sub else ''}: {message})" if code is not None else f"(HTTP {status})"
        if status == 429 or code in RATE_CODES:
            wait = retry_after(headers, self._clock()) or _regain(headers) or DEFAULT_WAIT
            return RateLimited(f"{where}: rate limited {detail}", retry_after=wait)
        if code == TOKEN_CODE:
            reason = TOKEN_REASONS.get(sub or 0, "expired or invalid")
            self.dead = (f"{self.name}: the access token was refused, {reason} {detail}; "
                         f"set a new {self.key}.access_token and restart")
            return GraphError(self.dead, code=code, permanent=True)
        if code == BAD_PARAMETER:
            what = f"{self.key}.{subject}" if subject else "a parameter"
            return GraphError(f"{where}: {what} is wrong, or not readable with this token {detail}", code=code,
                              permanent=True)
        if code in PERMISSION_CODES:
            return GraphError(f"{where}: the token lacks a permission ({self.permissions}) {detail}", code=code,
                              permanent=True)
        permanent = code is None and status in (400, 401, 403, 404, 410)
        return GraphError(f"{where}: HTTP {status} {detail}", code=code, permanent=permanent)

    def _watch(self, headers: Mapping[str, str], now: datetime) -> None:
        """Hold the next request back while a usage header says a quota is (nearly) used up."""
        if _usage(headers) >= HIGH_USAGE:
            self.hold_until = now + timedelta(seconds=_regain(headers) or DEFAULT_WAIT)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _code(value: Any) -> int | None:
    n = number(value)
    return int(n) if n is not None and n == int(n) else None


def _header_json(headers: Mapping[str, str], name: str) -> Any:
    raw = headers.get(name)
    try:
        return json.loads(raw) if isinstance(raw, str) and len(raw) < 65536 else None
    except (ValueError, RecursionError):
        return None


def _buc_entries(headers: Mapping[str, str]) -> list[dict[str, Any]]:
    """The entries of ``X-Business-Use-Case-Usage``: ``{"<business id>": [{"type", "call_count", ...}]}``."""
    value = as_dict(_header_json(headers, "x-business-use-case-usage"))
    return [e for entries in value.values() if isinstance(entries, list) for e in entries if isinstance(e, dict)]


def _usage(headers: Mapping[str, str]) -> float:
    """The highest share (percent) of any quota the usage headers report."""
    entries = [as_dict(_header_json(headers, h)) for h in USAGE_HEADERS[:2]] + _buc_entries(headers)
    shares = [n for e in entries for k in ("call_count", "total_time", "total_cputime")
              if (n := number(e.get(k))) is not None]
    return max(shares, default=0.0)


def _regain(headers: Mapping[str, str]) -> float | None:
    """Seconds until access comes back, from ``estimated_time_to_regain_access`` (minutes), at most a day."""
    minutes = [n for e in _buc_entries(headers) if (n := number(e.get("estimated_time_to_regain_access"))) and n > 0]
    return min(max(minutes) * 60.0, 86400.0) if minutes else None


def lister(client: GraphClient, path: str, params: Mapping[str, Any], *, stamp: str, since: bool,
           subject: str | None = None, drops: Drops | None = None) -> Read:
    """The ``Read`` of an edge for ``walk``: its items as (id, time of field ``stamp``, item); ``since``
    when the edge takes a ``since`` (epoch seconds) so that the API leaves older items out. Items without
    an id or a usable time are left out and counted in ``drops``."""

    def read(link: str | None, floor: float | None) -> tuple[list[Item], str | None]:
        query = {**params, **({"since": int(floor)} if since and floor is not None and link is None else {})}
        raw, link = client.list(link or path, None if link else query, subject=subject, drops=drops)
        items = [(found[0], found[1].timestamp(), r) for r in raw if (found := identify(r, stamp)) is not None]
        if drops is not None:
            drops.add("post", len(raw) - len(items))
        return items, link

    return read


def walk(state: Any, read: Read, emit: Callable[[dict[str, Any]], None], *, max_pages: int, start: float | None,
         overlap: float = OVERLAP, seen_limit: int = 500) -> tuple[dict[str, Any], SourceError | None]:
    """One poll of one newest-first edge: each item not seen before goes to ``emit`` as pages arrive.
    Returns the new state and the error that stopped it, if any (the state then says where to resume).
    ``start`` (epoch seconds): where a first poll that finds nothing says the edge was read up to, so
    that the next poll reads all that came since (not just one page)."""
    state = as_dict(state)
    newest = _finite(state.get("newest"))
    old_seen = [s for s in state.get("seen") or [] if isinstance(s, str)]
    seen, fresh, known = set(old_seen), [], frozenset(old_seen)
    gaps = [(g["next"], float(g["floor"])) for g in state.get("gaps") or [] if isinstance(g, dict)
            and _text(g.get("next")) and _finite(g.get("floor")) is not None][:MAX_GAPS]
    floor = newest - overlap if newest is not None else None
    top = newest

    def scan(link: str | None, bottom: float | None, budget: int) -> tuple[str | None, int, SourceError | None]:
        """Pages from ``link`` (None: the top) down to ``bottom``: (where to resume, pages used, error)."""
        nonlocal top
        used = 0
        while used < budget:
            try:
                items, after = read(link, bottom)
            except SourceError as exc:
                return (link if link is not None or used else None), used, exc
            used += 1
            if items and all(ident in known for ident, _, _ in items):
                return None, used, None  # a page read by an earlier poll: what lies below was read too
            below = False
            for ident, ts, raw in items:
                if bottom is not None and ts < bottom:
                    below = True
                    continue
                top = ts if top is None else max(top, ts)
                if ident not in seen:
                    seen.add(ident)
                    fresh.append(ident)
                    emit(raw)
            if below or after is None or not items:
                return None, used, None
            link = after
        return link, used, None

    resume, used, error = scan(None, floor, max_pages if newest is not None else 1)
    if resume is not None and floor is not None:
        gaps.insert(0, (resume, floor))
    pending: list[tuple[str, float]] = []
    for link, bottom in gaps:
        if error is not None or used >= max_pages or link == resume:
            pending.append((link, bottom))
            continue
        left, n, error = scan(link, bottom, max_pages - used)
        used += n
        if gone(error):
            left, error = None, None  # a paging cursor the API no longer knows: that gap is given up
        if left is not None:
            pending.append((left, bottom))
    out: dict[str, Any] = {"newest": start} if start is not None and top is None and error is None else {}
    if top is not None:
        out = {"newest": top, "seen": bounded([*old_seen, *reversed(fresh)], seen_limit)}  # the newest kept
        if pending:
            out["gaps"] = [{"next": link, "floor": bottom} for link, bottom in pending[:MAX_GAPS]]
    return out, error


def _finite(value: Any) -> float | None:
    n = number(value)
    return n if n is not None and math.isfinite(n) else None


def brand_of(configured: str | None, brands: Sequence[BrandQuery], key: str) -> BrandQuery | None:
    """The brand an own account belongs to: ``brand`` from its section, else the only brand configured."""
    if configured:
        found = next((b for b in brands if b.name.casefold() == configured.casefold()), None)
        if found is None:
            raise SourceError(f"{key}.brand: {configured!r} is not a configured brand "
                              f"(known: {', '.join(b.name for b in brands) or 'none'})", permanent=True)
        return found
    if len(brands) > 1:
        raise SourceError(f"{key}.brand: say which brand the account belongs to ({len(brands)} brands configured)",
                          permanent=True)
    return brands[0] if brands else None


def emitter(parse: Callable[[dict[str, Any]], Observation | None], out: list[Observation], drops: Drops,
            keep: Callable[[Observation], bool] = lambda obs: True) -> Callable[[dict[str, Any]], None]:
    """The ``emit`` of a walk: each item parsed and, if ``keep``, added to ``out``; unusable ones counted."""

    def emit(raw: dict[str, Any]) -> None:
        obs = parse(raw)
        if obs is None:
            drops.add("post")
        elif keep(obs):
            out.append(obs)

    return emit


def outcome(out: list[Observation], cursor: dict[str, Any], error: SourceError | None,
            notes: Iterable[str] = ()) -> PollResult:
    """A poll's result: whole, partial (what was read before ``error``, cursor kept), or the error itself
    when nothing was read (the scheduler then has its ``retry_after`` and ``permanent``)."""
    notes = list(notes)
    if error is None:
        return PollResult(out, cursor, note="; ".join(notes) or None)
    if not out:
        raise error
    wait = f" (retry after {error.retry_after:.0f}s)" if error.retry_after is not None else ""
    return PollResult(out, cursor, partial=True, note="; ".join([*notes, f"{error}{wait}"]))


def gone(error: BaseException | None) -> bool:
    """Whether ``error`` says the object asked for is not there (code 100: deleted, hidden, a stale cursor)."""
    return isinstance(error, GraphError) and error.code == BAD_PARAMETER


def split_ids(ids: Iterable[str]) -> tuple[list[str], dict[str, str]]:
    """Observation ids sorted for a re-read: posts (``<id>``) and comments (``<post id>/<comment id>``,
    as comment id → post id); others left out."""
    posts: list[str] = []
    comments: dict[str, str] = {}
    for ident in dict.fromkeys(ids):
        post, sep, comment = ident.partition("/")
        if GRAPH_ID.match(post) and not sep:
            posts.append(post)
        elif GRAPH_ID.match(post) and GRAPH_ID.match(comment):
            comments[comment] = post
    return posts, comments


def identify(raw: Any, stamp: str) -> tuple[str, datetime] | None:
    """A Graph object's id and the time in its field ``stamp``, or ``None`` when either is unusable."""
    ident = _text(raw.get("id")) if isinstance(raw, dict) else None
    created = parse_time(raw.get(stamp)) if ident and GRAPH_ID.match(ident) else None
    return (ident, created) if ident and created else None


class MetaSource:
    """What the three Meta sources' objects share: the client, the usage counters, the tally of drops."""

    name: ClassVar[str]
    api: ClassVar[str] = GRAPH_API
    permissions: ClassVar[str]

    @classmethod
    def from_config(cls, config: MetaConfig, *, clock: Callable[[], datetime]) -> Self:
        return cls(access_token=reveal(config.access_token) or "", clock=clock, **config.source_options())

    def __init__(self, *, access_token: str, clock: Callable[[], datetime], api_base_url: str | None = None,
                 api_version: str = "v19.0", max_pages: int = 3, timeout: float = 20.0,
                 max_response_size: int = DEFAULT_MAX_BYTES, request_deadline: float = DEFAULT_REQUEST_DEADLINE):
        self._clock = clock
        self.version = api_version
        self.max_pages = max(1, int(max_pages))
        self.graph = GraphClient(self.name, access_token, clock=clock, api=self.api, api_base_url=api_base_url,
                                 permissions=self.permissions, timeout=timeout, max_response_size=max_response_size,
                                 request_deadline=request_deadline)
        self.usage = self.graph.usage
        self.drops = Drops()


class OwnAccountSource(MetaSource):
    """A source reading the brand's own account (``account_id``: a page's or an Instagram account's id)."""

    def __init__(self, *, account_id: str, brand: str | None = None, max_posts: int = 10, **options: Any):
        super().__init__(**options)
        if not GRAPH_ID.match(account_id):
            raise ValueError(f"sources.{self.name}: not an account id: {account_id!r}")
        self.account_id, self.brand, self.max_posts = account_id, brand, max(1, int(max_posts))

    def poll(self, brands: Sequence[BrandQuery], cursor: dict[str, Any]) -> PollResult:
        observed_at = self._clock()
        own = brand_of(self.brand, brands, f"sources.{self.name}")
        return PollResult([], cursor) if own is None else self.read(own, as_dict(cursor), observed_at)

    def read(self, brand: BrandQuery, cursor: dict[str, Any], observed_at: datetime) -> PollResult:
        """One poll for the account's brand ``brand``, from the previous poll's ``cursor``."""
        raise NotImplementedError

    fields: ClassVar[tuple[str, str]]  # what a re-read asks of a post, and of a comment

    def parse(self, raw: Any, observed_at: datetime, brand: str | None, post_id: str | None = None) -> Observation | None:
        """A post, or with ``post_id`` a comment on it, as an Observation (``None`` if unusable)."""
        raise NotImplementedError

    def refresh(self, ids: Sequence[str]) -> list[Observation]:
        """Current counts of posts and comments by id (``GET /?ids=``, 50 at a time); deleted ones left out."""
        observed_at = self._clock()
        posts, comments = split_ids(ids)
        found = [self.parse(raw, observed_at, self.brand)
                 for raw in self.graph.lookup(self.version, posts, self.fields[0]).values()]
        found += [self.parse(raw, observed_at, self.brand, comments[cid])
                  for cid, raw in self.graph.lookup(self.version, list(comments), self.fields[1]).items()]
        out = [obs for obs in found if obs is not None]
        self.drops.add("post", len(found) - len(out))
        return out
