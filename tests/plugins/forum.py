"""A source for a made-up forum whose search answers like Threads' keyword search (the project's real
Threads source is sources/threads.py): registered by the tests as ``forum``. Written as a source module
of its own would be: its config section, a constructor from it, ``poll`` and ``refresh``.

``GET /v1.0/keyword_search?q=...&search_type=RECENT&fields=...`` with a bearer token answers
``{"data": [{"id", "text", "timestamp", "username", "permalink"}, ...]}``; the cursor keeps the ids
already read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field

from monitor.config.secrets import Secret, reveal
from monitor.config.sources import SourceBase
from monitor.models import Author, BrandQuery, Observation, PollResult
from sources._limits import DEFAULT_MAX_BYTES, DEFAULT_REQUEST_DEADLINE
from sources._rest import RestClient, bounded, parse_time

API = "https://forum.example"
FIELDS = "id,text,timestamp,username,permalink"


class ForumConfig(SourceBase):
    """``[sources.forum]``: an access token of the forum's API."""

    needs: ClassVar[tuple[str, ...]] = ("access_token",)
    needs_hint: ClassVar[str] = "the forum's API needs an access token"
    from_env: ClassVar[Mapping[str, str]] = {"access_token": "FORUM_ACCESS_TOKEN"}

    access_token: Secret = None
    max_results: int = Field(default=25, ge=1, le=100)


class ForumSource:
    name = "forum"
    config_model = ForumConfig

    @classmethod
    def from_config(cls, config: ForumConfig, *, clock: Callable[[], datetime]) -> ForumSource:
        return cls(access_token=reveal(config.access_token) or "", clock=clock, max_results=config.max_results,
                   **config.http_options())

    def __init__(self, *, access_token: str, clock: Callable[[], datetime], api_base_url: str | None = None,
                 max_results: int = 25, timeout: float = 20.0, max_response_size: int = DEFAULT_MAX_BYTES,
                 request_deadline: float = DEFAULT_REQUEST_DEADLINE):
        self._clock, self._token, self.max_results = clock, access_token, max_results
        self._http = RestClient("forum", api_base_url or API, clock=clock, timeout=timeout, secrets=[access_token],
                                max_response_size=max_response_size, request_deadline=request_deadline)
        self.usage = self._http.usage

    def poll(self, brands: Sequence[BrandQuery], cursor: dict[str, Any]) -> PollResult:
        observed_at = self._clock()
        seen = [s for s in cursor.get("seen") or [] if isinstance(s, str)]
        out: list[Observation] = []
        for brand in brands:
            for keyword in brand.keywords:
                page = self._http.get("/v1.0/keyword_search", {"q": keyword, "search_type": "RECENT",
                                                               "fields": FIELDS, "limit": self.max_results},
                                      headers={"Authorization": f"Bearer {self._token}"})
                for post in page.get("data") or []:
                    obs = parse_post(post, observed_at, brand.name)
                    if obs is not None and obs.id not in seen:
                        seen.append(obs.id)
                        out.append(obs)
        return PollResult(out, {"seen": bounded(seen, 1000)})

    def refresh(self, ids: Sequence[str]) -> list[Observation]:
        return []  # the search answers carry no engagement counts to follow


def parse_post(post: Any, observed_at: datetime, brand: str) -> Observation | None:
    if not isinstance(post, dict) or not isinstance(post.get("id"), str) or not isinstance(post.get("text"), str):
        return None
    created = parse_time(post.get("timestamp"))
    if created is None:
        return None
    return Observation(source="forum", id=post["id"], url=post.get("permalink"), kind="post", text=post["text"],
                       author=Author(handle=post.get("username")), created_at=created, observed_at=observed_at,
                       brand=brand)
