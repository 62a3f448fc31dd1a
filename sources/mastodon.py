"""Mastodon: public hashtag timelines (no key) and, with an access token, status search, on each
instance listed, over plain HTTP.

Hashtags default to each brand keyword without spaces (``acme air`` → ``#acmeair``) plus the ones
configured. Timelines are read forwards with ``min_id`` (the page right after the cursor, then the
next), so a poll that runs out of pages resumes where it stopped: nothing is skipped. Full-text search
(``/api/v2/search``) needs a token: instances only index posts whose authors opted in.

Status ids are local to an instance, so an observation's id is ``<instance host>/<status id>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import quote, urlsplit

from pydantic import Field, field_validator

from monitor.brands import BrandMatcher
from monitor.config.secrets import Secret, reveal
from monitor.config.sources import SourceBase, http_urls
from monitor.errors import SourceError
from monitor.interfaces import Clock
from monitor.models import Author, BrandQuery, Metrics, Observation, PollResult
from sources._http import Drops, as_dict
from sources._http import count as _count
from sources._http import text_or_none as _text
from sources._limits import DEFAULT_MAX_BYTES, DEFAULT_REQUEST_DEADLINE
from sources._rest import RestClient, parse_time, strip_html, with_links

API = "https://mastodon.social"
PAGE = 40  # statuses per page: the API's maximum
REFRESH_BATCH = 20
_ID = re.compile(r"^[0-9]{1,20}$")


def hashtags(brand: BrandQuery, extra: Sequence[str] = ()) -> list[str]:
    tags = [re.sub(r"[^\w]", "", k.lower()) for k in (*brand.keywords, *extra)]
    return list(dict.fromkeys(t for t in tags if t))


def parse_status(status: Any, host: str, observed_at: datetime, brand: str | None = None,
                 drops: Drops | None = None) -> Observation | None:
    """One Mastodon ``Status`` (HTML content stripped, links kept) as an Observation, or ``None``.
    Unusable numbers are made unknown and counted in ``drops``."""
    if not isinstance(status, dict):
        return None
    count = partial(_count, drops=drops)
    ident, created = _text(status.get("id")), parse_time(status.get("created_at"))
    if ident is None or not _ID.match(ident) or created is None:
        return None
    account = as_dict(status.get("account"))
    acct = _text(account.get("acct"))
    if acct and "@" not in acct:
        acct = f"{acct}@{host}"  # local accounts: the same handle whatever instance we read it from
    text, links = strip_html(_text(status.get("content")) or "")
    if cw := _text(status.get("spoiler_text")):
        text = f"{cw}\n\n{text}"
    card_url = _text(as_dict(status.get("card")).get("url"))
    parent = _text(status.get("in_reply_to_id"))
    return Observation(
        source="mastodon", id=f"{host}/{ident}", url=_text(status.get("url")) or _text(status.get("uri")),
        kind="comment" if parent else "post", text=with_links(text, [*links, *([card_url] if card_url else [])]),
        lang=_text(status.get("language")),
        author=Author(id=acct, handle=acct, followers=count(account.get("followers_count")),
                      verified=None),
        created_at=created, observed_at=observed_at,
        metrics=Metrics(likes=count(status.get("favourites_count")), reposts=count(status.get("reblogs_count")),
                        replies=count(status.get("replies_count"))),
        in_reply_to=f"{host}/{parent}" if parent else None, brand=brand)


class MastodonConfig(SourceBase):
    """``[sources.mastodon]``: public hashtag timelines (no key); an access token adds full-text search."""

    instances: list[str] = Field(default_factory=list)  # more instances besides api_base_url
    hashtags: list[str] = Field(default_factory=list)  # besides each brand keyword without spaces
    access_token: Secret = None  # enables /api/v2/search (full text) on the instances
    max_pages: int = Field(default=3, ge=1, le=20)

    @field_validator("instances")
    @classmethod
    def _instances(cls, v: list[str]) -> list[str]:
        return http_urls(v)


class MastodonSource:
    name = "mastodon"
    config_model = MastodonConfig

    @classmethod
    def from_config(cls, config: MastodonConfig, *, clock: Clock) -> MastodonSource:
        return cls(clock=clock, instances=config.instances, hashtags=config.hashtags,
                   access_token=reveal(config.access_token), max_pages=config.max_pages, **config.http_options())

    def __init__(self, *, clock: Callable[[], datetime], api_base_url: str | None = None,
                 instances: Sequence[str] = (), hashtags: Sequence[str] = (), access_token: str | None = None,
                 max_pages: int = 3, timeout: float = 20.0, max_response_size: int = DEFAULT_MAX_BYTES,
                 request_deadline: float = DEFAULT_REQUEST_DEADLINE):
        self._clock = clock
        self.max_pages = max(1, int(max_pages))
        self.extra_tags = tuple(t.lstrip("#") for t in hashtags)
        self._token = access_token
        self._clients: dict[str, RestClient] = {}
        for base in dict.fromkeys([api_base_url or API, *instances]):
            client = RestClient("mastodon", base, clock=clock, timeout=timeout,
                                max_response_size=max_response_size, request_deadline=request_deadline, secrets=[access_token])
            self._clients[urlsplit(client.base_url).netloc] = client
        self.usage: dict[str, int] = {"requests": 0, "reads": 0}
        self.drops = Drops()

    def poll(self, brands: Sequence[BrandQuery], cursor: dict[str, Any]) -> PollResult:
        observed_at = self._clock()
        old = as_dict(as_dict(cursor).get("instances"))
        states = {host: dict(as_dict(old.get(host))) for host in self._clients}
        out: list[Observation] = []
        seen: set[str] = set()
        try:
            for host, client in self._clients.items():
                for brand in brands:
                    matcher = BrandMatcher([brand])
                    feeds = [f"tag:{t}" for t in hashtags(brand, self.extra_tags)]
                    feeds += [f"search:{k.lower()}" for k in brand.keywords if k.strip()] if self._token else []
                    for feed in feeds:

                        def emit(statuses: list[Any], tag: bool = feed.startswith("tag:"), name: str = brand.name,
                                 m: BrandMatcher = matcher, host: str = host) -> None:
                            for status in statuses:
                                obs = parse_status(status, host, observed_at, drops=self.drops)
                                if obs is None:
                                    self.drops.add("post")
                                # A hashtag names the brand even when the words do not; search matches loosely.
                                elif obs.id not in seen and (tag or m.match(obs) is not None):
                                    seen.add(obs.id)
                                    out.append(replace(obs, brand=name))

                        self._read(client, feed, states[host], emit)
        except SourceError as exc:
            if not out:
                raise
            return PollResult(out, _cursor(states, old), partial=True, note=str(exc))
        return PollResult(out, _cursor(states, old))

    def _read(self, client: RestClient, feed: str, state: dict[str, Any], emit: Callable[[list[Any]], None]) -> None:
        """New statuses of one timeline, page by page; ``state[feed]`` moves after each page emitted."""
        kind, _, term = feed.partition(":")
        since = _text(state.get(feed))
        for _ in range(self.max_pages if since else 1):
            if kind == "tag":
                params: dict[str, Any] = {"limit": PAGE, **({"min_id": since} if since else {})}
                page = self._get(client, f"/api/v1/timelines/tag/{quote(term, safe='')}", params)
            else:
                params = {"q": term, "type": "statuses", "limit": PAGE, **({"min_id": since} if since else {})}
                page = as_dict(self._get(client, "/api/v2/search", params)).get("statuses")
            if not isinstance(page, list):
                raise SourceError(f"mastodon: {feed}: the answer is not a list of statuses")
            ids = [s["id"] for s in page if isinstance(s, dict) and isinstance(s.get("id"), str) and _ID.match(s["id"])]
            self.usage["reads"] += len(page)
            emit(page)
            if ids:
                since = max(ids, key=int)
                state[feed] = since
            if len(page) < PAGE or not ids:
                break

    def refresh(self, ids: Sequence[str]) -> list[Observation]:
        """Current favourites, boosts and replies of statuses, per instance."""
        observed_at = self._clock()
        by_host: dict[str, list[str]] = {}
        for i in dict.fromkeys(ids):
            host, _, local = i.rpartition("/")
            if host in self._clients and _ID.match(local):
                by_host.setdefault(host, []).append(local)
        out: list[Observation] = []
        for host, local_ids in by_host.items():
            client = self._clients[host]
            for start in range(0, len(local_ids), REFRESH_BATCH):
                batch = local_ids[start : start + REFRESH_BATCH]
                try:
                    page = self._get(client, "/api/v1/statuses", [("id[]", i) for i in batch])
                except SourceError as exc:
                    if "HTTP 404" not in str(exc):
                        raise
                    # before Mastodon 4.3: one by one; deleted ones are left out (not counted as unusable)
                    page = [status for i in batch if (status := self._one(client, i)) is not None]
                statuses = page if isinstance(page, list) else []
                self.usage["reads"] += len(statuses)
                found = [o for s in statuses if (o := parse_status(s, host, observed_at, drops=self.drops)) is not None]
                self.drops.add("post", len(statuses) - len(found))
                out += found
        return out

    def _one(self, client: RestClient, ident: str) -> Any:
        try:
            return self._get(client, f"/api/v1/statuses/{ident}", None)
        except SourceError as exc:
            if "HTTP 404" in str(exc):
                return None  # deleted
            raise

    def _get(self, client: RestClient, path: str, params: Any) -> Any:
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else None
        before = client.usage["requests"]
        try:
            return client.get(path, params, headers=headers)
        finally:
            self.usage["requests"] += client.usage["requests"] - before


def _cursor(states: dict[str, dict[str, Any]], old: dict[str, Any]) -> dict[str, Any]:
    merged = {**old, **{host: s for host, s in states.items() if s}}
    return {"v": 1, "instances": merged}
