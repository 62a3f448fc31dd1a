"""Wiring: from a loaded config to the store, scorer, sources, channels and pipeline.

``Monitor.poll_source`` and ``Monitor.reobserve`` are the jobs the daemon schedules and ``poll-once``
runs once; a failing source is backed off and reported while the others go on.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.config import Config, LoadedConfig
from monitor.errors import RateLimited, SourceError
from monitor.interfaces import Channel, Clock, Source
from monitor.logs import redact
from monitor.outbox import Deliverer
from monitor.pipeline import Pipeline, Scorer
from monitor.store import Store

log = logging.getLogger("monitor")

MAX_BACKOFF = 3600.0


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class SourceHealth:
    last_success: datetime | None = None
    last_error: str | None = None
    failures: int = 0
    next_allowed: datetime | None = None
    last_reported: datetime | None = None


def build_sources(config: Config, clock: Clock, off: dict[str, str]) -> tuple[dict[str, Source], dict[str, str]]:
    """Enabled sources with what they need; the others with the reason they are off."""
    from sources import load_source_class

    active: dict[str, Source] = {}
    reasons: dict[str, str] = {}
    rc, xc = config.sources.reddit, config.sources.x
    if not rc.enabled:
        reasons["reddit"] = "disabled in the config"
    elif "sources.reddit" in off or not (rc.client_id and rc.client_secret):
        reasons["reddit"] = off.get("sources.reddit", "no credentials") + \
            " (Reddit's API needs an app's client_id and client_secret; see README)"
    else:
        active["reddit"] = load_source_class("reddit")(
            client_id=rc.client_id, client_secret=rc.client_secret, user_agent=rc.user_agent, clock=clock,
            subreddits=tuple(rc.subreddits), api_base_url=rc.api_base_url,
            include_comments=rc.include_comments, timeout=rc.timeout)
    if not xc.enabled:
        reasons["x"] = "disabled in the config"
    elif "sources.x" in off or not xc.bearer_token:
        reasons["x"] = off.get("sources.x", "no credentials") + " (X's API needs a bearer token; see README)"
    else:
        active["x"] = load_source_class("x")(bearer_token=xc.bearer_token, clock=clock,
                                             api_base_url=xc.api_base_url, max_pages=xc.max_pages,
                                             timeout=xc.timeout)
    return active, reasons


def build_channels(config: Config) -> dict[str, Channel]:
    from alerts import load_channel_class

    channels: dict[str, Channel] = {}
    if config.alerts.console.enabled:
        channels["console"] = load_channel_class("console")()
    return channels


def build_scorer() -> Scorer:
    from monitor.scoring import MentionScorer

    return MentionScorer()


@dataclass
class Monitor:
    loaded: LoadedConfig
    store: Store
    clock: Clock
    sources: dict[str, Source]
    off: dict[str, str]
    channels: dict[str, Channel]
    pipeline: Pipeline
    deliverer: Deliverer
    health: dict[str, SourceHealth] = field(default_factory=dict)

    @classmethod
    def create(cls, loaded: LoadedConfig, clock: Clock = utc_now, *, scorer: Scorer | None = None,
               channels: dict[str, Channel] | None = None) -> Monitor:
        config = loaded.config
        store = Store(config.storage.url)
        sources, off = build_sources(config, clock, loaded.off)
        chans = build_channels(config) if channels is None else channels
        pipeline = Pipeline(store, config, scorer or build_scorer(), clock, channels=tuple(chans))
        return cls(loaded, store, clock, sources, off, chans, pipeline, Deliverer(store, chans, clock),
                   {name: SourceHealth() for name in sources})

    @property
    def config(self) -> Config:
        return self.loaded.config

    def poll_source(self, name: str) -> int:
        """One poll of one source: fetch, then commit observations and cursor together."""
        health = self.health[name]
        now = self.clock()
        if health.next_allowed and now < health.next_allowed:
            return 0
        source = self.sources[name]
        cursor = self.store.get_cursor(name)
        try:
            result = source.poll(self.config.brand_queries(), cursor)
        except SourceError as exc:
            self._failed(name, exc)
            return 0
        stats = self.pipeline.process(result.observations, source=name, cursor=result.cursor)
        health.last_success, health.failures, health.next_allowed = self.clock(), 0, None
        log.info("poll", extra={"source": name, "observations": stats.observations,
                                "new_mentions": stats.new_mentions, "snapshots": stats.snapshots,
                                "alerts": len(stats.alerts), "partial": result.partial})
        if result.partial:
            log.warning("poll stopped early", extra={"source": name, "note": redact(result.note or "")})
        self.deliver()
        return stats.observations

    def reobserve(self, name: str) -> int:
        """Re-read the engagement of posts still being watched, so velocity can be measured."""
        health = self.health[name]
        now = self.clock()
        if health.next_allowed and now < health.next_allowed:
            return 0
        ids = self.store.watched_posts(name, now - timedelta(seconds=self.config.daemon.reobserve_window))
        if not ids:
            return 0
        try:
            observations = self.sources[name].refresh(ids)
        except SourceError as exc:
            self._failed(name, exc)
            return 0
        stats = self.pipeline.process(observations)
        log.info("reobserve", extra={"source": name, "posts": len(ids), "snapshots": stats.snapshots})
        self.deliver()
        return stats.snapshots

    def deliver(self) -> None:
        sent, failed = self.deliverer.deliver()
        if sent or failed:
            log.info("deliver", extra={"sent": sent, "failed": failed})

    def _failed(self, name: str, exc: SourceError) -> None:
        health = self.health[name]
        health.failures += 1
        health.last_error = redact(str(exc))
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            delay = exc.retry_after
        else:
            base = 30.0 * 2 ** min(health.failures - 1, 10)
            delay = min(MAX_BACKOFF, base) * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not crypto
        if exc.permanent:
            delay = MAX_BACKOFF
        now = self.clock()
        health.next_allowed = now + timedelta(seconds=delay)
        # Report a failing source once an hour, not once per poll.
        if health.last_reported is None or now - health.last_reported >= timedelta(hours=1):
            health.last_reported = now
            log.error("source failed", extra={"source": name, "error": health.last_error,
                                              "failures": health.failures, "retry_in": round(delay, 1),
                                              "permanent": exc.permanent})

    def status(self) -> dict[str, Any]:
        return {name: {"last_success": h.last_success, "last_error": h.last_error, "failures": h.failures,
                       "next_allowed": h.next_allowed} for name, h in self.health.items()}

    def close(self) -> None:
        self.store.close()
