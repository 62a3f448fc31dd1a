"""Wiring: from a loaded config to the store, scorer, sources, channels and pipeline.

``Monitor.poll_source`` and ``Monitor.reobserve`` are the jobs the daemon schedules and ``poll-once``
runs once; a failing source is backed off and reported while the others go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor import deadline
from monitor.alerting.outbox import Deliverer
from monitor.config.settings import Config, LoadedConfig
from monitor.config.sources import why_off
from monitor.daemon.metrics import Metrics
from monitor.daemon.quota import QuotaBook, budgets_for
from monitor.daemon.source_health import BatchError, SourceHealth
from monitor.errors import ConfigError, SourceError
from monitor.interfaces import Channel, Clock, Source
from monitor.logs import redact
from monitor.models import Observation, event_order
from monitor.pipeline.core import BatchStats, Pipeline, Scorer
from monitor.pipeline.factory import build_pipeline
from monitor.storage.scorelog import ScoreLog
from monitor.storage.store import Store

USAGE_LOG_EVERY = timedelta(hours=1)
log = logging.getLogger("monitor")

STUCK_GRACE = 60.0  # seconds past a poll's deadline before its source counts as stuck
DEFAULT_POLL_DEADLINE = 300.0


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_sources(config: Config, clock: Clock, off: dict[str, str]) -> tuple[dict[str, Source], dict[str, str]]:
    """Enabled sources, each built by its registered class from its section; the others with the
    reason they are off (``off``: sections whose secrets are unset in the environment)."""
    from sources import load_source_class

    active: dict[str, Source] = {}
    reasons: dict[str, str] = {}
    for name in config.sources.names():
        section = config.sources.section(name)
        why = why_off(name, section, off, present=name in config.sources.model_fields_set)
        if why is not None:
            reasons[name] = why
            continue
        try:
            active[name] = load_source_class(name).from_config(section, clock=clock)
        except ValueError as exc:  # what the section's keys allow but the source refuses (a base URL)
            raise ConfigError("config", [(f"sources.{name}", str(exc))]) from None
    return active, reasons


def build_channels(config: Config) -> dict[str, Channel]:
    from alerts import channels_from_config

    web = config.web
    return channels_from_config(config.alerts, pages_url=web.public_url if web.enabled else None)


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
    running: dict[str, datetime] = field(default_factory=dict)  # "poll:x" -> when the running one started
    scores: ScoreLog = field(default_factory=ScoreLog)
    usage_logged: dict[str, datetime] = field(default_factory=dict)  # when each source's usage was last logged at info

    @classmethod
    def create(cls, loaded: LoadedConfig, clock: Clock = utc_now, *, scorer: Scorer | None = None,
               channels: dict[str, Channel] | None = None) -> Monitor:
        config = loaded.config
        store = Store(config.storage.url)
        sources, off = build_sources(config, clock, loaded.off)
        chans = build_channels(config) if channels is None else channels
        scores = ScoreLog()
        pipeline = build_pipeline(store, config, scorer or build_scorer(), clock, channels=tuple(chans),
                                  observer=scores.observe)
        # A batch stored in parts (a post the database refused set aside): each part's points as it commits.
        def flush_scores() -> None:
            scores.flush(store)

        pipeline.committed, pipeline.rolled_back = flush_scores, scores.discard
        metrics = Metrics()
        metrics.known_sources(list(sources))
        metrics.watch_database(store, clock, config.scoring.window,
                               config.alerts.silences)
        mon = cls(loaded, store, clock, sources, off, chans, pipeline,
                  Deliverer(store, metrics.instrument(chans), clock),
                  {name: SourceHealth() for name in sources}, metrics, scores=scores)
        metrics.watch_stuck(list(sources), mon.stuck)
        return mon

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
        now = self.clock()
        used = self.quotas.record(name, self.sources[name], now, poll=poll)
        # Every poll's usage at debug; at info once an hour per source (it was half of all log lines).
        last = self.usage_logged.get(name)
        level = logging.INFO if last is None or now - last >= USAGE_LOG_EVERY else logging.DEBUG
        if level == logging.INFO:
            self.usage_logged[name] = now
        log.log(level, "usage", extra={"source": name, "used": used, "budget": self.quotas.summary(name, now)})

    def poll_source(self, name: str) -> int:
        """One poll of one source: fetch, then commit observations and cursor together.

        Whatever fails (the API, its data, the database) backs the source's polls off and is reported
        (``_failed``); nothing escapes to the scheduler."""
        polled = self._attempt(name, "poll", self._poll)
        if polled is not None:
            self.deliver()
        return polled or 0

    def reobserve(self, name: str) -> int:
        """Re-read the engagement of posts still being watched, so velocity can be measured. Backs off
        apart from the polls (``SourceHealth.reobserve``)."""
        snapshots = self._attempt(name, "reobserve", self._reobserve)
        if snapshots is not None:
            self.deliver()
        return snapshots or 0

    def _attempt(self, name: str, job: str, work: Callable[[str], int | None]) -> int | None:
        """``work(name)`` unless backed off: its result, or ``None`` if it failed or had nothing to do."""
        attempts = self.health[name].of(job)
        if not attempts.due(self.clock()):
            return None
        key = f"{job}:{name}"
        self.running[key] = self.clock()
        try:
            done = work(name)
        except Exception as exc:  # noqa: BLE001 - every failure goes through the source's failure path
            self._failed(name, job, exc)
            return None
        finally:
            self.running.pop(key, None)
            self._count_drops(name, job)
        if done is not None:
            self._succeeded(name, job)
        return done

    def _poll(self, name: str) -> int | None:
        if not self._within_budget(name, self.clock()):
            return None
        cursor = self.store.get_cursor(name)
        self.metrics.polls.labels(source=name).inc()
        try:
            with deadline.scope(self._poll_deadline(name), f"sources.{name}.poll_deadline"):
                result = self.sources[name].poll(self.config.brand_queries(), cursor)
        finally:
            self._charge(name, poll=True)
        self.metrics.observations.labels(source=name).inc(len(result.observations))
        try:
            with self.metrics.scoring.labels(source=name).time():
                stats = self.process_batch(result.observations, source=name, cursor=result.cursor)
        except Exception as exc:
            raise BatchError(f"{name}: storing the batch failed (rolled back, cursor kept)") from exc
        log.info("poll", extra={"source": name, "observations": stats.observations,
                                "new_mentions": stats.new_mentions, "snapshots": stats.snapshots,
                                "alerts": len(stats.alerts), "partial": result.partial})
        if result.partial or result.note:
            log.warning("poll stopped early" if result.partial else "poll note",
                        extra={"source": name, "note": redact(result.note or "")})
        return stats.observations

    def _reobserve(self, name: str) -> int | None:
        now = self.clock()
        if not self._within_budget(name, now):
            return None
        ids = self.store.watched_posts(name, now - timedelta(seconds=self.config.daemon.reobserve_window))
        if not ids:
            return None
        try:
            with deadline.scope(self._poll_deadline(name), f"sources.{name}.poll_deadline"):
                observations = self.sources[name].refresh(ids)
        finally:
            self._charge(name, poll=False)
        self.metrics.observations.labels(source=name).inc(len(observations))
        try:
            with self.metrics.scoring.labels(source=name).time():
                stats = self.process_batch(observations)
        except Exception as exc:
            raise BatchError(f"{name}: storing the re-read batch failed (rolled back)") from exc
        log.info("reobserve", extra={"source": name, "posts": len(ids), "snapshots": stats.snapshots})
        return stats.snapshots

    def _poll_deadline(self, name: str) -> float:
        section = getattr(self.config.sources, name, None)
        return float(getattr(section, "poll_deadline", DEFAULT_POLL_DEADLINE))

    def process_batch(self, observations: Sequence[Observation], **kw: Any) -> BatchStats:
        """One pipeline batch, then the score points it assessed (monitor/storage/scorelog.py) once it committed.
        A poll's page comes newest first: its posts are judged in the order they were written, as a
        replay of them is (``event_order``), so a wave read in one poll builds up as it happened."""
        try:
            stats = self.pipeline.process(sorted(observations, key=event_order), **kw)
        except BaseException:
            self.scores.discard()
            raise
        self.scores.flush(self.store)
        for source, _, _ in stats.set_aside:
            self.metrics.dropped.labels(source=source, what="set_aside").inc()
        return stats

    def deliver(self) -> None:
        """The alert chain's last stages (monitor/alerting/chain.py): reminders, then the channels."""
        interval = self.config.alerts.repeat_interval
        if interval:
            from monitor.alerting.chain import queue_reminders

            queue_reminders(self.store, self.pipeline.route, self.clock, interval)  # type: ignore[arg-type]
        sent, failed = self.deliverer.deliver()
        if sent or failed:
            log.info("deliver", extra={"sent": sent, "failed": failed})

    def _failed(self, name: str, job: str, exc: Exception) -> None:
        attempts = self.health[name].of(job)
        now = self.clock()
        delay = attempts.failed(exc, now)
        self.metrics.poll_errors.labels(source=name).inc()
        (self.metrics.backoff if job == "poll" else self.metrics.reobserve_backoff).labels(source=name).set(delay)
        if attempts.report_due(now):
            # A source's own errors say all in one line; anything else (a bug, the database) gets its
            # traceback once, when its failure streak starts, never once per attempt.
            trace = exc if attempts.failures == 1 and not isinstance(exc, SourceError) else None
            log.error("source failed", exc_info=trace,
                      extra={"source": name, "job": job, "error": attempts.last_error, "failures": attempts.failures,
                             "retry_in": round(delay, 1), "permanent": attempts.permanent})

    def _succeeded(self, name: str, job: str) -> None:
        ended = self.health[name].of(job).succeeded(self.clock())
        (self.metrics.backoff if job == "poll" else self.metrics.reobserve_backoff).labels(source=name).set(0)
        if ended is not None:
            log.info("source recovered", extra={"source": name, "job": job, "failures": ended[0],
                                                "failing_for": round(ended[1], 1)})

    def _count_drops(self, name: str, job: str) -> None:
        """What the source's answers held that it could not use: metrics, and a warning."""
        drops = getattr(self.sources.get(name), "drops", None)
        taken: dict[str, int] = drops.take() if drops is not None else {}
        for what, n in taken.items():
            self.metrics.dropped.labels(source=name, what=what).inc(n)
        if taken:
            log.warning("unusable data left out", extra={"source": name, "job": job,
                                                         "posts": taken.get("post", 0), "numbers": taken.get("number", 0)})

    def stuck(self) -> list[str]:
        """Sources with a poll or re-read running past its deadline (and a minute's grace): a hang that
        the deadlines did not end. ``/readyz`` and ``monitor_source_stuck`` report them."""
        now = self.clock()
        late = {key.split(":", 1)[1] for key, since in list(self.running.items())
                if (now - since).total_seconds() > self._poll_deadline(key.split(":", 1)[1]) + STUCK_GRACE}
        return sorted(late)

    def status(self) -> dict[str, Any]:
        """Per source: health (last success, last error, back-off) and quota usage; sources off say why."""
        now = self.clock()
        stuck = self.stuck()
        off = {name: {"state": "off", "reason": why} for name, why in self.off.items()}
        return off | {name: {**h.as_dict(), "usage": self.quotas.summary(name, now), "stuck": name in stuck}
                      for name, h in self.health.items()}

    def close(self) -> None:
        self.store.close()
