"""What a replica tells its orchestrator and Prometheus, on top of what every daemon does
(monitor/daemon/health.py, monitor/daemon/metrics.py).

``/readyz`` adds the replica's name, the jobs it runs now, the last outcome of each job it ran, and
how many replicas the database currently sees alive. ``/metrics`` adds ``monitor_replica_info``,
``monitor_jobs_total{replica,job,outcome}`` (jobs.py), and from the database, the same on every
replica: ``monitor_cluster_replicas`` (workers with a fresh heartbeat) and ``monitor_cluster_jobs``
by status.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text

from monitor.cluster.jobs import QUEUE, Replica
from monitor.daemon.health import HealthServer, listen
from monitor.storage.store import Store

if TYPE_CHECKING:
    from monitor.daemon.app import Monitor

log = logging.getLogger("monitor.health")

STATUSES = ("todo", "doing", "failed", "aborted")


def cluster_view(store: Store, stalled_after: float) -> dict[str, Any]:
    """Replicas alive (heartbeat within ``stalled_after``) and the monitor's jobs by status."""
    with store.engine.connect() as conn:
        alive = conn.execute(text("SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat > "
                                  "now() - make_interval(secs => :s)"), {"s": stalled_after}).scalar_one()
        # The monitor's queues: its own and one per source (monitor/cluster/jobs.py source_queue).
        rows = conn.execute(text("SELECT status::text, count(*) FROM procrastinate_jobs WHERE queue_name = :q "
                                 "OR queue_name LIKE :sources GROUP BY status"), {"q": QUEUE, "sources": f"{QUEUE}:%"}).all()
    jobs = {status: 0 for status in STATUSES} | {str(status): int(n) for status, n in rows}
    return {"replicas": int(alive), "jobs": jobs}


class ReplicaHealthServer(HealthServer):
    def __init__(self, store: Store, registry: Any, replica: Replica, stalled_after: float, **kw: Any):
        super().__init__(store, registry, lambda: replica.worker_alive, **kw)
        self.replica, self.stalled_after = replica, stalled_after

    def readiness(self) -> tuple[int, dict[str, Any]]:
        status, body = super().readiness()
        body["replica"] = self.replica.name
        body["engine"] = "procrastinate"
        body["running"] = self.replica.running_view()
        body["last_jobs"] = {label: {**last, "at": datetime.fromtimestamp(last["at"], UTC).isoformat()}
                             for label, last in self.replica.last_view().items()}
        try:
            body["cluster"] = cluster_view(self.store, self.stalled_after)
        except Exception as exc:  # noqa: BLE001 - the database check above already says it failed
            log.debug("readiness: cluster view unavailable", extra={"error": type(exc).__name__})
        return status, body


class ClusterCollector(Collector):
    def __init__(self, store: Store, stalled_after: float):
        self.store, self.stalled_after = store, stalled_after

    def describe(self) -> list[Metric]:
        return []  # collected only at scrape time

    def collect(self) -> Iterator[Metric]:
        try:
            view = cluster_view(self.store, self.stalled_after)
        except Exception as exc:  # noqa: BLE001 - monitor_database_up already says so
            log.debug("metrics: cluster view unavailable", extra={"error": type(exc).__name__})
            return
        replicas = GaugeMetricFamily("monitor_cluster_replicas", "Replicas whose heartbeat the database saw lately.")
        replicas.add_metric([], view["replicas"])
        yield replicas
        jobs = GaugeMetricFamily("monitor_cluster_jobs", "The replicas' jobs in the database, by status.",
                                 labels=["status"])
        for status, n in view["jobs"].items():
            jobs.add_metric([status], n)
        yield jobs


def start_health(mon: Monitor, replica: Replica) -> HealthServer | None:
    """The daemon's endpoint (``[daemon] health_port``) with the replica's view; 0 means none."""
    stalled_after = mon.config.cluster.stalled_after
    mon.metrics.registry.register(ClusterCollector(mon.store, stalled_after))
    cfg = mon.config.daemon
    return listen(cfg, lambda: ReplicaHealthServer(mon.store, mon.metrics.registry, replica, stalled_after,
                                                   host=cfg.health_host, port=cfg.health_port))
