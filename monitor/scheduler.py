"""The daemon: APScheduler's BlockingScheduler, one job per source, a re-observation job, delivery,
housekeeping (retention), and the health/metrics endpoint (monitor/health.py) while it runs.

One scheduler per service (APScheduler cannot share a job store between processes); jobs never overlap
(``max_instances=1``), missed runs coalesce, and SIGTERM/SIGINT stop it after the running job.
"""

from __future__ import annotations

import logging
import signal
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from monitor.app import Monitor
from monitor.errors import MonitorError

if TYPE_CHECKING:
    from monitor.health import HealthServer

log = logging.getLogger("monitor.daemon")


def build_scheduler(mon: Monitor) -> BlockingScheduler:
    cfg = mon.config
    sched = BlockingScheduler(timezone=UTC, executors={"default": ThreadPoolExecutor(4)})
    once: dict[str, Any] = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 60}
    intervals = {name: getattr(cfg.sources, name).interval for name in mon.sources}
    for name in mon.sources:
        sched.add_job(mon.poll_source, "interval", args=[name], id=f"poll:{name}", name=f"poll {name}",
                      seconds=intervals[name], jitter=cfg.daemon.jitter, next_run_time=mon.clock(), **once)
        sched.add_job(mon.reobserve, "interval", args=[name], id=f"reobserve:{name}", name=f"reobserve {name}",
                      seconds=cfg.daemon.reobserve_interval, jitter=cfg.daemon.jitter, **once)
    sched.add_job(mon.deliver, "interval", id="deliver", name="deliver alerts", seconds=30, **once)
    sched.add_job(housekeeping, "interval", args=[mon], id="housekeeping", name="housekeeping (retention)",
                  seconds=cfg.retention.interval, next_run_time=mon.clock() + timedelta(minutes=1),
                  **{**once, "misfire_grace_time": 3600})
    return sched


def housekeeping(mon: Monitor) -> int:
    """Prune what retention says is too old; returns how many rows went."""
    from monitor.retention import prune

    def count(table: str, n: int) -> None:
        mon.metrics.retention_deleted.labels(table=table).inc(n)

    return prune(mon.store, mon.config.retention, mon.clock, on_delete=count).total


def start_health(mon: Monitor, sched: BaseScheduler) -> HealthServer | None:
    """The /healthz, /readyz, /metrics endpoint of ``[daemon] health_port`` (0: none)."""
    from monitor.health import HealthServer

    cfg = mon.config.daemon
    if not cfg.health_port:
        if mon.config.web.enabled:
            log.warning("no incident pages: web.enabled needs daemon.health_port (the pages are served there)")
        return None
    try:
        server = HealthServer(mon.store, mon.metrics.registry, lambda: bool(sched.running),
                              host=cfg.health_host, port=cfg.health_port, pages=_pages(mon))
    except OSError as exc:
        why = f"daemon.health_port: cannot listen on {cfg.health_host}:{cfg.health_port}: {exc.strerror or exc}"
        if "health_port" in cfg.model_fields_set:  # asked for: a service must not run unwatched
            raise MonitorError(why) from None
        log.warning("no health endpoint (set daemon.health_port to a free port, or 0)", extra={"error": why})
        return None
    return server.start()


def _pages(mon: Monitor) -> Any:
    """The read-only incident pages of ``[web]``, served on the same endpoint, or None when off."""
    if not mon.config.web.enabled:
        return None
    from monitor.pages import Pages

    return Pages(mon.store, mon.config.web, mon.config.scoring, mon.clock)


def run_daemon(mon: Monitor) -> None:
    sched = build_scheduler(mon)
    health = start_health(mon, sched)

    def stop(signum: int, _frame: Any) -> None:
        log.info("stopping", extra={"signal": signal.Signals(signum).name})
        # shutdown(wait=True) lets the running job finish; its transaction commits or rolls back whole.
        sched.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for name, why in sorted(mon.off.items()):
        log.warning("source off", extra={"source": name, "reason": why})
    if not mon.config.brands:
        log.warning("no brands configured: nothing to watch (give --brand NAME or a config with [[brands]])")
    log.info("started", extra={"sources": sorted(mon.sources), "channels": sorted(mon.channels),
                               "brands": [b.name for b in mon.config.brands], "storage": _safe_url(mon.store.url)})
    try:
        sched.start()
    finally:
        if health is not None:
            health.close()
    log.info("stopped")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for display
        return "<storage url>"
