"""``monitor run`` as one replica among several on one PostgreSQL: a procrastinate worker running
the monitor's jobs (monitor/cluster/jobs.py), the health endpoint, and a graceful stop.

Stopping: the first SIGTERM/SIGINT stops taking jobs and gives the running ones
``cluster.shutdown_grace`` to finish. A job still running then (or at a second signal) is handed back,
put in line for another replica, and the process exits at once: Python cannot stop a thread, and the
job's open transaction is rolled back when the connection goes, so nothing half-done stays. A replica
killed outright (SIGKILL, a lost host) stops its heartbeat; after ``cluster.stalled_after`` another
replica's ``retry-stalled`` job hands its jobs over the same way.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from monitor.cluster.engine_schema import ensure_engine_schema
from monitor.cluster.jobs import Replica, build_app, hand_over, queues_for
from monitor.cluster.observe import start_health
from monitor.config.cluster import is_postgresql
from monitor.daemon.source_health import log_sources_off
from monitor.errors import ConfigError, MonitorError

if TYPE_CHECKING:
    import procrastinate

    from monitor.daemon.app import Monitor

log = logging.getLogger("monitor.daemon")


def conninfo(url: str) -> str:
    """libpq's connection string for a SQLAlchemy PostgreSQL URL (query options such as
    ``options=-csearch_path=...`` carried over)."""
    from psycopg.conninfo import make_conninfo
    from sqlalchemy.engine import make_url

    u = make_url(url)
    params: dict[str, Any] = {"host": u.host, "port": u.port, "dbname": u.database, "user": u.username,
                              "password": u.password}
    for key, value in u.query.items():
        params[key] = value if isinstance(value, str) else value[-1]
    return make_conninfo(**{k: str(v) for k, v in params.items() if v is not None})


def run_replica(mon: Monitor) -> None:
    settings = mon.config.cluster
    if not is_postgresql(mon.store.url):
        raise ConfigError(mon.loaded.origin, [("cluster.engine", "procrastinate needs a PostgreSQL storage.url "
                                                                 "(use engine = \"auto\" or \"apscheduler\" on SQLite)")])
    replica = Replica(settings.replica_name(), mon.metrics.registry)
    # procrastinate logs two lines per job; the "job" line of jobs.py says the same once, with the replica.
    logging.getLogger("procrastinate").setLevel(max(logging.WARNING, logging.getLogger().level))
    ensure_engine_schema(mon.store)
    app = build_app(mon, settings, replica, conninfo(mon.store.url))
    health = start_health(mon, replica)
    log_sources_off(log, mon.off)
    if not mon.config.brands:
        log.warning("no brands configured: nothing to watch (give --brand NAME or a config with [[brands]])")
    log.info("started", extra={"sources": sorted(mon.sources), "channels": sorted(mon.channels),
                               "brands": [b.name for b in mon.config.brands], "engine": "procrastinate",
                               "replica": replica.name, "queues": queues_for(mon.sources)})

    def leave(handed_back: list[str]) -> None:
        # The handed-back jobs' threads still run and would hold the interpreter open (and asyncio.run
        # would wait for them): close what matters and leave now.
        if health is not None:
            health.close()
        log.info("stopped", extra={"replica": replica.name, "handed_back": handed_back})
        logging.shutdown()
        os._exit(0)

    try:
        asyncio.run(_serve(app, mon, replica, leave))
    finally:
        if health is not None:
            health.close()
    log.info("stopped", extra={"replica": replica.name})


async def _serve(app: procrastinate.App, mon: Monitor, replica: Replica, leave: Callable[[list[str]], None]) -> None:
    """Run the worker until a signal, then stop it gracefully or hand its jobs back and ``leave``."""
    settings = mon.config.cluster
    loop = asyncio.get_running_loop()
    stop, hurry = asyncio.Event(), asyncio.Event()

    def on_signal(signum: int) -> None:
        if not stop.is_set():
            log.info("stopping", extra={"signal": signal.Signals(signum).name, "replica": replica.name,
                                        "running": [label for label, _ in replica.running_now()]})
            stop.set()
        else:
            log.warning("second signal: handing the running jobs back now", extra={"replica": replica.name})
            hurry.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig)
    async with app.open_async():
        # Only the queues of the sources this replica has: another's job would fail here (KeyError).
        worker = asyncio.create_task(app.run_worker_async(
            queues=queues_for(mon.sources), name=replica.name, concurrency=settings.concurrency,
            delete_jobs="successful", install_signal_handlers=False, update_heartbeat_interval=settings.heartbeat,
            stalled_worker_timeout=settings.stalled_after, listen_notify=True,
            fetch_job_polling_interval=settings.fetch_every))
        replica.worker_alive = True
        try:
            await _first(worker, stop.wait())
            if worker.done():  # ended by itself: the database went away, say
                exc = worker.exception()
                raise MonitorError(f"the job worker stopped: {exc or 'no reason given'}")
            worker.cancel()  # procrastinate's graceful stop: no new job; the running ones go on
            await _first(worker, hurry.wait(), timeout=settings.shutdown_grace)
            if not worker.done():
                handed = []
                for label, job in replica.running_now():
                    try:
                        await hand_over(app, job, reason="its replica is stopping")
                    except Exception as exc:  # noqa: BLE001 - the database is gone: our heartbeat stops with
                        # us, and another replica's retry-stalled hands the job over instead
                        log.warning("job not handed back", extra={"job": label, "error": type(exc).__name__})
                    replica.handed_back(label)
                    handed.append(label)
                leave(handed)
        finally:
            replica.worker_alive = False


async def _first(task: asyncio.Task[Any], event: Coroutine[Any, Any, Any], timeout: float | None = None) -> None:
    """Wait for ``task`` to end, ``event`` to happen or ``timeout``, whichever comes first; ``task``
    goes on."""
    waiter = asyncio.ensure_future(event)
    try:
        await asyncio.wait({task, waiter}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
