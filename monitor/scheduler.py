"""The daemon: APScheduler's BlockingScheduler, one job per source, a re-observation job, delivery.

One scheduler per service (APScheduler cannot share a job store between processes); jobs never overlap
(``max_instances=1``), missed runs coalesce, and SIGTERM/SIGINT stop it after the running job.
"""

from __future__ import annotations

import logging
import signal
from datetime import UTC
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from monitor.app import Monitor

log = logging.getLogger("monitor.daemon")


def build_scheduler(mon: Monitor) -> BlockingScheduler:
    cfg = mon.config
    sched = BlockingScheduler(timezone=UTC, executors={"default": ThreadPoolExecutor(4)})
    once: dict[str, Any] = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 60}
    intervals = {"reddit": cfg.sources.reddit.interval, "x": cfg.sources.x.interval}
    for name in mon.sources:
        sched.add_job(mon.poll_source, "interval", args=[name], id=f"poll:{name}", name=f"poll {name}",
                      seconds=intervals[name], jitter=cfg.daemon.jitter, next_run_time=mon.clock(), **once)
        sched.add_job(mon.reobserve, "interval", args=[name], id=f"reobserve:{name}", name=f"reobserve {name}",
                      seconds=cfg.daemon.reobserve_interval, jitter=cfg.daemon.jitter, **once)
    sched.add_job(mon.deliver, "interval", id="deliver", name="deliver alerts", seconds=30, **once)
    return sched


def run_daemon(mon: Monitor) -> None:
    sched = build_scheduler(mon)

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
    sched.start()
    log.info("stopped")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for display
        return "<storage url>"
