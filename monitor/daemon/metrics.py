"""Prometheus metrics of one Monitor, in a registry of its own (so two monitors in one process, or two
tests, never collide).

Counters and the backoff gauges are set where things happen (``Monitor.poll_source``, ``_failed``, the
delivery of each alert); outbox depth and incidents by tier are read from the database when scraped,
so they agree with the database whichever replica wrote it. Labels are source, channel and tier names
only: never a URL, a token or a user's text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from monitor.interfaces import Channel, Clock
from monitor.models import AlertEvent, Silence, Tier
from monitor.storage import schema as s
from monitor.storage.store import Store

log = logging.getLogger("monitor.metrics")

SCORING_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.polls = Counter("monitor_polls", "Polls of a source attempted (not counting backed-off turns).",
                             ["source"], registry=r)
        self.poll_errors = Counter("monitor_poll_errors", "Polls and re-observations of a source that failed.",
                                   ["source"], registry=r)
        self.backoff = Gauge("monitor_source_backoff_seconds",
                             "Delay before the next poll of a failing source (0 when healthy).", ["source"], registry=r)
        self.reobserve_backoff = Gauge("monitor_reobserve_backoff_seconds",
                                       "Delay before the next re-read of engagement from a failing source (0 when healthy).",
                                       ["source"], registry=r)
        self.dropped = Counter("monitor_source_dropped", "What a source's answers held that could not be used: posts "
                               "left out (what=post), numbers made unknown (what=number), posts the database "
                               "refused, set aside while the rest was stored (what=set_aside).", ["source", "what"], registry=r)
        self.stuck = Gauge("monitor_source_stuck", "1 while a poll or re-read of the source runs past its deadline.",
                           ["source"], registry=r)
        self.observations = Counter("monitor_observations", "Observations (post snapshots) received from a source.",
                                    ["source"], registry=r)
        self.alerts_sent = Counter("monitor_alerts_sent", "Alerts a channel accepted.", ["channel"], registry=r)
        self.alerts_failed = Counter("monitor_alerts_failed", "Alert sends that failed (each attempt).",
                                     ["channel"], registry=r)
        self.scoring = Histogram("monitor_scoring_seconds",
                                 "Time to run one batch through the pipeline (match, store, score, incidents).",
                                 ["source"], buckets=SCORING_BUCKETS, registry=r)
        self.retention_deleted = Counter("monitor_retention_deleted_rows", "Rows removed by retention.",
                                         ["table"], registry=r)

    def known_sources(self, names: list[str]) -> None:
        """Export zeros for every source from the start, so a dashboard sees them before the first poll."""
        for name in names:
            self.polls.labels(source=name)
            self.poll_errors.labels(source=name)
            self.observations.labels(source=name)
            self.backoff.labels(source=name).set(0)
            self.reobserve_backoff.labels(source=name).set(0)
            for what in ("post", "number"):
                self.dropped.labels(source=name, what=what)

    def watch_stuck(self, names: list[str], stuck: Callable[[], list[str]]) -> None:
        """``monitor_source_stuck`` read at scrape time from ``stuck()`` (the sources running late)."""
        def reader(name: str) -> Callable[[], float]:
            return lambda: float(name in stuck())

        for name in names:
            self.stuck.labels(source=name).set_function(reader(name))

    def known_channels(self, names: list[str]) -> None:
        for name in names:
            self.alerts_sent.labels(channel=name)
            self.alerts_failed.labels(channel=name)

    def watch_database(self, store: Store, clock: Clock, incident_window: float,
                       config_silences: Sequence[Silence] = ()) -> None:
        self.registry.register(DatabaseCollector(store, clock, incident_window, config_silences))

    def instrument(self, channels: dict[str, Channel]) -> dict[str, Channel]:
        """The same channels, counting each send's outcome."""
        self.known_channels(list(channels))
        return {name: CountingChannel(ch, name, self) for name, ch in channels.items()}


class CountingChannel:
    """Wraps a channel: counts accepted and failed sends; everything else is the channel's own."""

    def __init__(self, inner: Channel, label: str, metrics: Metrics):
        self._inner, self._label, self._metrics = inner, label, metrics
        self.name = inner.name

    def send(self, event: AlertEvent, state: dict[str, Any]) -> dict[str, Any]:
        try:
            result = self._inner.send(event, state)
        except BaseException:
            self._metrics.alerts_failed.labels(channel=self._label).inc()
            raise
        self._metrics.alerts_sent.labels(channel=self._label).inc()
        return result

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._inner, attr)


class DatabaseCollector(Collector):
    """Gauges read from the database at scrape time; a database that does not answer exports ``monitor_database_up 0``."""

    def __init__(self, store: Store, clock: Clock, incident_window: float, config_silences: Sequence[Silence] = ()):
        self.store, self.clock, self.window = store, clock, incident_window
        self.config_silences = tuple(config_silences)

    def describe(self) -> list[Metric]:
        return []  # unchecked: collected only at scrape time, never at registration

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("monitor_database_up", "1 when the database answered the last scrape.")
        now = self.clock()
        try:
            depth, tiers, muting = self._read(now)
        except Exception as exc:  # noqa: BLE001 - a scrape must not fail because the database does
            log.debug("metrics: database unavailable", extra={"error": type(exc).__name__})
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        outbox = GaugeMetricFamily("monitor_outbox_depth", "Alerts written to the outbox and not yet sent or failed.")
        outbox.add_metric([], depth)
        yield outbox
        inc = GaugeMetricFamily("monitor_incidents", "Open incidents (seen within the scoring window) by tier.",
                                labels=["tier"])
        for tier in Tier:
            inc.add_metric([tier.name], tiers.get(int(tier), 0))
        yield inc
        sil = GaugeMetricFamily("monitor_silences_active", "Silences muting alerts now (monitor silences lists them), "
                                "by where they are kept.", labels=["kept"])
        sil.add_metric(["database"], muting)
        sil.add_metric(["config"], sum(x.active(now) for x in self.config_silences))
        yield sil

    def _read(self, now: datetime) -> tuple[int, dict[int, int], int]:
        o, i, m = s.outbox, s.incidents, s.silences
        since = now - timedelta(seconds=self.window)
        with self.store.engine.connect() as conn:
            depth = conn.execute(select(func.count()).select_from(o)
                                 .where(o.c.sent_at.is_(None), o.c.failed_at.is_(None))).scalar_one()
            rows = conn.execute(select(i.c.tier, func.count()).where(i.c.last_seen >= since).group_by(i.c.tier)).all()
            muting = conn.execute(select(func.count()).select_from(m)
                                  .where(m.c.starts_at <= now, m.c.ends_at > now)).scalar_one()
        return int(depth), {int(t): int(n) for t, n in rows}, int(muting)

