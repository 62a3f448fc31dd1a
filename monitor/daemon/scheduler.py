"""The daemon: APScheduler's BackgroundScheduler, one job per source, a re-observation job, delivery,
housekeeping (retention), and the health/metrics endpoint (monitor/daemon/health.py) while it runs.

One scheduler per service (APScheduler cannot share a job store between processes); jobs never overlap
(``max_instances=1``), missed runs coalesce. SIGTERM/SIGINT stop it: running jobs get
``daemon.shutdown_timeout`` to finish; past it the process exits anyway, which loses nothing (every
batch is one transaction, rolled back whole).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from monitor.daemon.app import Monitor
from monitor.daemon.signals import StopSignals
from monitor.daemon.source_health import log_sources_off

if TYPE_CHECKING:
    from monitor.daemon.health import HealthServer

log = logging.getLogger("monitor.daemon")


def build_scheduler(mon: Monitor) -> BackgroundScheduler:
    cfg = mon.config
    sched = BackgroundScheduler(timezone=UTC, executors={"default": ThreadPoolExecutor(4)}, daemon=True)
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
    from monitor.storage.retention import prune

    def count(table: str, n: int) -> None:
        mon.metrics.retention_deleted.labels(table=table).inc(n)

    return prune(mon.store, mon.config.retention, mon.clock, on_delete=count).total


def start_health(mon: Monitor, sched: BaseScheduler) -> HealthServer | None:
    """The /healthz, /readyz, /metrics endpoint of ``[daemon] health_port`` (0: none)."""
    from monitor.daemon.health import HealthServer, listen

    cfg = mon.config.daemon
    if not cfg.health_port and mon.config.web.enabled:
        log.warning("no incident pages: web.enabled needs daemon.health_port (the pages are served there)")
    return listen(cfg, lambda: HealthServer(mon.store, mon.metrics.registry, lambda: bool(sched.running),
                                            host=cfg.health_host, port=cfg.health_port, stuck=mon.stuck,
                                            pages=_pages(mon)))


def _pages(mon: Monitor) -> Any:
    """The read-only incident pages of ``[web]``, served on the same endpoint, or None when off."""
    if not mon.config.web.enabled:
        return None
    from monitor.web.pages import Pages

    return Pages(mon.store, mon.config.web, mon.config.scoring, mon.clock, mon.config.alerts.silences)


def run_daemon(mon: Monitor, *, force_exit: Callable[[int], Any] = os._exit) -> None:
    """Run until SIGTERM or SIGINT; then stop within ``daemon.shutdown_timeout``.

    The scheduler runs in its own thread and the main thread waits for a signal (monitor/daemon/signals.py),
    so a signal is handled at once whichever thread the kernel hands it to, and a second signal finds
    nothing half-stopped. If running jobs outlast the grace period, the process ends through
    ``force_exit`` (``os._exit``: the job threads cannot be joined)."""
    sched = build_scheduler(mon)
    with StopSignals() as signals:
        health = start_health(mon, sched)
        try:
            sched.start()
            log_sources_off(log, mon.off)
            if not mon.config.brands:
                log.warning("no brands configured: nothing to watch (give --brand NAME or a config with [[brands]])")
            log.info("started", extra={"sources": sorted(mon.sources), "channels": sorted(mon.channels),
                                       "brands": [b.name for b in mon.config.brands],
                                       "storage": _safe_url(mon.store.url)})
            signals.wait(1)
            log.info("stopping", extra={"signal": signals.name(0)})
            mon.deliverer.stopping.set()  # no new send starts; the one under way finishes
            finished = _stop(sched, signals, mon.config.daemon.shutdown_timeout)
        except BaseException:
            with contextlib.suppress(SchedulerNotRunningError):
                sched.shutdown(wait=False)
            raise
        finally:
            if health is not None:
                health.close()
    if not finished:
        log.error("stopped without waiting for running jobs (their transactions roll back)",
                  extra={"running": sorted(mon.running)})
        for handler in logging.getLogger().handlers:
            handler.flush()  # the log must be out before the hard exit
        force_exit(1)
        return
    log.info("stopped")


def _stop(sched: BaseScheduler, signals: StopSignals, grace: float) -> bool:
    """Stop scheduling and wait for running jobs, at most ``grace`` seconds; whether they all finished.
    Further signals are noted, not acted on: the stop under way ends within ``grace`` anyway."""
    closer = threading.Thread(target=sched.shutdown, kwargs={"wait": True}, name="scheduler-shutdown", daemon=True)
    closer.start()
    until = time.monotonic() + grace
    seen = len(signals.received)
    while closer.is_alive():
        left = until - time.monotonic()
        if left <= 0:
            log.warning("running jobs outlasted daemon.shutdown_timeout", extra={"seconds": grace})
            return False
        if signals.wait(seen + 1, timeout=min(left, 0.1)):
            seen = len(signals.received)
            log.info("already stopping", extra={"signal": signals.name(seen - 1), "within_seconds": round(left, 1)})
    return True


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for display
        return "<storage url>"
