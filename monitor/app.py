"""Wiring: from a loaded config to the store, scorer, sources, channels and pipeline.

``Monitor.poll_source`` and ``Monitor.reobserve`` are the jobs the daemon schedules and ``poll-once``
runs once; a failing source is backed off and reported while the others go on.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.config import Config, LoadedConfig
from monitor.errors import ConfigError, RateLimited, SourceError
from monitor.interfaces import Channel, Clock, Source
from monitor.logs import redact
from monitor.metrics import Metrics
from monitor.models import Observation
from monitor.outbox import Deliverer
from monitor.pipeline import BatchStats, Pipeline, Router, Scorer
from monitor.quota import QuotaBook, budgets_for
from monitor.scorelog import ScoreLog
from monitor.sources_config import KEYLESS
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
    last_error_at: datetime | None = None
    backoff: float = 0.0  # seconds of the current back-off (0 when healthy)
    permanent: bool = False  # the last error will not go away by waiting (credentials, a wrong URL)
    quota_wait_until: datetime | None = None  # polls skipped until then to stay inside the budget

    def as_dict(self) -> dict[str, Any]:
        state = "ok" if not self.failures else ("failing" if self.permanent or self.failures >= 3 else "backing off")
        return {"state": state, "last_success": self.last_success, "last_error": self.last_error,
                "last_error_at": self.last_error_at, "failures": self.failures, "backoff_seconds": round(self.backoff, 1),
                "next_allowed": self.next_allowed, "permanent": self.permanent, "quota_wait_until": self.quota_wait_until}


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
    for name in KEYLESS:  # no credentials needed: on whenever their section is present
        sc = getattr(config.sources, name)
        if not sc.enabled:
            reasons[name] = f"not enabled in the config (add a [sources.{name}] section)"
            continue
        try:
            active[name] = load_source_class(name)(clock=clock, **sc.kwargs())
        except ValueError as exc:
            raise ConfigError("config", [(f"sources.{name}", str(exc))]) from None
    return active, reasons


def build_channels(config: Config) -> dict[str, Channel]:
    from alerts import channels_from_config

    web = config.web
    return channels_from_config(config.alerts, pages_url=web.public_url if web.enabled else None)


def build_router(config: Config, store: Store, clock: Clock, channels: Sequence[str] | None = None) -> Router:
    """Routes, silences, snoozes and quiet hours of ``[alerts]`` (alerts/routing.py)."""
    from alerts.routing import Router as AlertRouter

    names = tuple(build_channels(config)) if channels is None else tuple(channels)
    return AlertRouter(config.alerts, names, store)


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
    metrics: Metrics = field(default_factory=Metrics)
    quota: QuotaBook | None = None
    scores: ScoreLog = field(default_factory=ScoreLog)

    @classmethod
    def create(cls, loaded: LoadedConfig, clock: Clock = utc_now, *, scorer: Scorer | None = None,
               channels: dict[str, Channel] | None = None) -> Monitor:
        config = loaded.config
        store = Store(config.storage.url)
        sources, off = build_sources(config, clock, loaded.off)
        chans = build_channels(config) if channels is None else channels
        scores = ScoreLog()
        pipeline = Pipeline(store, config, scorer or build_scorer(), clock, channels=tuple(chans),
                            router=build_router(config, store, clock, tuple(chans)), observer=scores.observe)
        metrics = Metrics()
        metrics.known_sources(list(sources))
        metrics.watch_database(store, clock, config.scoring.window)
        return cls(loaded, store, clock, sources, off, chans, pipeline,
                   Deliverer(store, metrics.instrument(chans), clock),
                   {name: SourceHealth() for name in sources}, metrics, scores=scores)

    @property
    def config(self) -> Config:
        return self.loaded.config

    @property
    def quotas(self) -> QuotaBook:
        if self.quota is None:
            self.quota = QuotaBook(self.store, {n: budgets_for(getattr(self.config.sources, n, None))
                                                for n in self.sources})
        return self.quota

    def _within_budget(self, name: str, now: datetime) -> bool:
        wait = self.quotas.wait(name, now)
        self.health[name].quota_wait_until = now + timedelta(seconds=wait) if wait > 0 else None
        if wait > 0:
            log.debug("poll skipped: budget", extra={"source": name, "wait": round(wait, 1)})
        return wait <= 0

    def _charge(self, name: str, *, poll: bool) -> None:
        used = self.quotas.record(name, self.sources[name], self.clock(), poll=poll)
        log.info("usage", extra={"source": name, "used": used, "budget": self.quotas.summary(name, self.clock())})

    def poll_source(self, name: str) -> int:
        """One poll of one source: fetch, then commit observations and cursor together."""
        health = self.health[name]
        now = self.clock()
        if health.next_allowed and now < health.next_allowed or not self._within_budget(name, now):
            return 0
        source = self.sources[name]
        cursor = self.store.get_cursor(name)
        self.metrics.polls.labels(source=name).inc()
        try:
            result = source.poll(self.config.brand_queries(), cursor)
        except SourceError as exc:
            self._failed(name, exc)
            return 0
        finally:
            self._charge(name, poll=True)
        self.metrics.observations.labels(source=name).inc(len(result.observations))
        with self.metrics.scoring.labels(source=name).time():
            stats = self.process_batch(result.observations, source=name, cursor=result.cursor)
        health.last_success, health.failures, health.next_allowed = self.clock(), 0, None
        health.backoff, health.permanent = 0.0, False
        self.metrics.backoff.labels(source=name).set(0)
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
        if health.next_allowed and now < health.next_allowed or not self._within_budget(name, now):
            return 0
        ids = self.store.watched_posts(name, now - timedelta(seconds=self.config.daemon.reobserve_window))
        if not ids:
            return 0
        try:
            observations = self.sources[name].refresh(ids)
        except SourceError as exc:
            self._failed(name, exc)
            return 0
        finally:
            self._charge(name, poll=False)
        self.metrics.observations.labels(source=name).inc(len(observations))
        with self.metrics.scoring.labels(source=name).time():
            stats = self.process_batch(observations)
        log.info("reobserve", extra={"source": name, "posts": len(ids), "snapshots": stats.snapshots})
        self.deliver()
        return stats.snapshots

    def process_batch(self, observations: Sequence[Observation], **kw: Any) -> BatchStats:
        """One pipeline batch, then the score points it assessed (monitor/scorelog.py) once it committed."""
        try:
            stats = self.pipeline.process(observations, **kw)
        except BaseException:
            self.scores.discard()
            raise
        self.scores.flush(self.store)
        return stats

    def deliver(self) -> None:
        interval = self.config.alerts.repeat_interval
        if interval:
            from alerts.routing import queue_reminders

            queue_reminders(self.store, self.pipeline.route, self.clock, interval)  # type: ignore[arg-type]
        sent, failed = self.deliverer.deliver()
        if sent or failed:
            log.info("deliver", extra={"sent": sent, "failed": failed})

    def _failed(self, name: str, exc: SourceError) -> None:
        health = self.health[name]
        health.failures += 1
        health.last_error = redact(str(exc))
        self.metrics.poll_errors.labels(source=name).inc()
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            delay = exc.retry_after
        else:
            base = 30.0 * 2 ** min(health.failures - 1, 10)
            delay = min(MAX_BACKOFF, base) * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not crypto
        if exc.permanent:
            delay = MAX_BACKOFF
        now = self.clock()
        health.next_allowed = now + timedelta(seconds=delay)
        health.last_error_at, health.backoff, health.permanent = now, delay, exc.permanent
        self.metrics.backoff.labels(source=name).set(delay)
        # Report a failing source once an hour, not once per poll.
        if health.last_reported is None or now - health.last_reported >= timedelta(hours=1):
            health.last_reported = now
            log.error("source failed", extra={"source": name, "error": health.last_error,
                                              "failures": health.failures, "retry_in": round(delay, 1),
                                              "permanent": exc.permanent})

    def status(self) -> dict[str, Any]:
        """Per source: health (last success, last error, back-off) and quota usage; sources off say why."""
        now = self.clock()
        off = {name: {"state": "off", "reason": why} for name, why in self.off.items()}
        return off | {name: {**h.as_dict(), "usage": self.quotas.summary(name, now)} for name, h in self.health.items()}

    def close(self) -> None:
        self.store.close()
