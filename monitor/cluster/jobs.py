"""The replica's jobs on procrastinate: the calls APScheduler makes, deferred once per period across
all replicas, each under a lock so that one runs at a time cluster-wide.

| job | calls | every | lock |
| --- | --- | --- | --- |
| ``poll:<source>`` | ``Monitor.poll_source`` | ``sources.<source>.interval`` | ``poll:<source>`` |
| ``reobserve:<source>`` | ``Monitor.reobserve`` | ``daemon.reobserve_interval`` | ``reobserve:<source>`` |
| ``deliver`` | ``Monitor.deliver`` | 30 s | ``deliver`` |
| ``housekeeping`` | ``scheduler.housekeeping``, then old finished jobs | ``retention.interval`` | ``housekeeping`` |
| ``retry-stalled`` | hands the jobs of a dead replica to the others | half of ``cluster.stalled_after`` | none |

A source's jobs wait in that source's queue (``monitor:<source>``), the others in ``monitor``; a replica
listens to ``monitor`` and to the queues of the sources it has. Replicas need not have the same sources
(a rolling config change enables one on some replicas first): a replica never takes a job for a source
it lacks, which would fail. Older replicas put every job in ``monitor``; one for a source this replica
lacks is passed on (``pass_on``) to the replicas that have it, neither run nor failed.

The lock (procrastinate's ``lock``: one ``doing`` job per lock) is APScheduler's ``max_instances=1``
across replicas; the queueing lock (one ``todo`` job per lock) is its ``coalesce``: a job that runs
late is not followed by a pile of catch-up runs. One brand's incidents still have one writer at a
time through the pipeline's own per-brand lock, whichever job and replica writes.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import procrastinate
from asgiref.sync import async_to_sync
from procrastinate import exceptions as pexc
from procrastinate.job_context import JobContext
from procrastinate.jobs import Job, Status
from prometheus_client import Counter, Gauge

from monitor.cluster.schedule import cron_for
from monitor.config.cluster import ClusterConfig

if TYPE_CHECKING:
    from monitor.daemon.app import Monitor

log = logging.getLogger("monitor.cluster")

QUEUE = "monitor"  # deliver, housekeeping, retry-stalled: jobs any replica can run
DELIVER_INTERVAL = 30.0  # as monitor/daemon/scheduler.py: polls deliver right away; this pass retries
# procrastinate notifies a queue's new jobs on the channel "procrastinate_queue_v1#<queue>", and
# PostgreSQL refuses a channel name longer than 63 bytes.
MAX_QUEUE = 63 - len("procrastinate_queue_v1#")
# A job passed on this long after its tick is dropped: no replica that has its source took it (the source
# is gone from every config), and a later tick does its work. procrastinate's periodic deferrer gives up
# on a tick this late too.
STALE_AFTER = 600.0


def source_queue(source: str) -> str:
    """The queue of a source's poll and re-observation jobs, the same on every replica."""
    name = f"{QUEUE}:{source}"
    if len(name.encode()) <= MAX_QUEUE:
        return name
    digest = hashlib.blake2b(source.encode(), digest_size=4).hexdigest()
    return f"{name.encode()[:MAX_QUEUE - 9].decode(errors='ignore')}-{digest}"


def queues_for(sources: Iterable[str]) -> list[str]:
    """The queues a replica with these sources takes jobs from."""
    return [QUEUE, *sorted(source_queue(name) for name in sources)]


def is_ours(queue: str) -> bool:
    """Whether a queue holds the monitor's jobs (``monitor`` or a source's)."""
    return queue == QUEUE or queue.startswith(f"{QUEUE}:")


class Replica:
    """This process among the replicas: its name, the jobs it runs now and what each last did."""

    def __init__(self, name: str, registry: Any):
        self.name = name
        self._lock = threading.Lock()
        self.running: dict[int, tuple[str, Job, float]] = {}
        self.last: dict[str, dict[str, Any]] = {}
        self.worker_alive = False
        self.jobs = Counter("monitor_jobs", "Jobs this replica ran, by job and outcome (ok, error, handed_back, "
                            "passed_on: its source is not this replica's).",
                            ["replica", "job", "outcome"], registry=registry)
        info = Gauge("monitor_replica_info", "This process's replica name and job engine.", ["replica", "engine"],
                     registry=registry)
        info.labels(replica=name, engine="procrastinate").set(1)

    @contextmanager
    def job(self, label: str, job: Job) -> Iterator[None]:
        start = time.monotonic()
        assert job.id is not None
        with self._lock:
            self.running[job.id] = (label, job, start)
        outcome = "error"
        try:
            yield
            outcome = "ok"
        finally:
            seconds = round(time.monotonic() - start, 3)
            with self._lock:
                self.running.pop(job.id, None)
                self.last[label] = {"at": time.time(), "seconds": seconds, "outcome": outcome, "job_id": job.id}
            self.jobs.labels(replica=self.name, job=label, outcome=outcome).inc()
            log.info("job", extra={"job": label, "job_id": job.id, "attempt": job.attempts + 1, "replica": self.name,
                                   "seconds": seconds, "outcome": outcome})

    def running_now(self) -> list[tuple[str, Job]]:
        with self._lock:
            return [(label, job) for label, job, _ in self.running.values()]

    def running_view(self) -> dict[str, dict[str, Any]]:
        """The jobs running now, with their id and for how long (for /readyz)."""
        now = time.monotonic()
        with self._lock:
            return {label: {"job_id": job.id, "seconds": round(now - start, 1)}
                    for label, job, start in sorted(self.running.values(), key=lambda r: r[0])}

    def last_view(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {label: dict(last) for label, last in sorted(self.last.items())}

    def handed_back(self, label: str) -> None:
        self.jobs.labels(replica=self.name, job=label, outcome="handed_back").inc()

    def passed_on(self, label: str) -> None:
        self.jobs.labels(replica=self.name, job=label, outcome="passed_on").inc()


def build_app(mon: Monitor, settings: ClusterConfig, replica: Replica, conninfo: str) -> procrastinate.App:
    """A procrastinate app whose tasks run ``mon``'s jobs, each registered as a periodic task."""
    from monitor.daemon.scheduler import housekeeping

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(
        conninfo=conninfo, min_size=1, max_size=settings.concurrency + 2,
        kwargs={"application_name": f"monitor {replica.name}"[:63]}))

    def tracked(label: Callable[..., str], call: Callable[..., Any]) -> Callable[..., Any]:
        def run(context: JobContext, timestamp: int, **kwargs: Any) -> Any:
            source = kwargs.get("source")
            if source is not None and source not in mon.sources:  # an older replica's job (queue "monitor")
                replica.passed_on(label(**kwargs))
                return async_to_sync(pass_on)(app, context.job, delay=settings.fetch_every)
            with replica.job(label(**kwargs), context.job):
                return call(**kwargs)
        return run

    poll = app.task(name="monitor.poll", queue=QUEUE, pass_context=True)(
        tracked(lambda source: f"poll:{source}", lambda source: mon.poll_source(source)))
    reobserve = app.task(name="monitor.reobserve", queue=QUEUE, pass_context=True)(
        tracked(lambda source: f"reobserve:{source}", lambda source: mon.reobserve(source)))
    deliver = app.task(name="monitor.deliver", queue=QUEUE, pass_context=True)(
        tracked(lambda: "deliver", mon.deliver))

    def clean() -> int:
        removed = housekeeping(mon)
        _delete_finished_jobs(app, mon.config.retention.observations)
        return removed

    keep = app.task(name="monitor.housekeeping", queue=QUEUE, pass_context=True)(tracked(lambda: "housekeeping", clean))

    @app.task(name="monitor.retry_stalled", queue=QUEUE)
    async def retry_stalled(timestamp: int) -> int:
        # Every source's queue, not only this replica's: a dead replica may have run any source's job.
        stalled = [job for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=settings.stalled_after)
                   if is_ours(job.queue)]
        for job in stalled:
            await hand_over(app, job, reason="its replica stopped answering")
        return len(stalled)

    def every(task: Any, label: str, interval: float, *, exclusive: bool = True, queue: str = QUEUE,
              **kwargs: Any) -> None:
        app.periodic(cron=cron_for(interval, label), periodic_id=label, lock=label if exclusive else None,
                     queueing_lock=label, queue=queue, task_kwargs=kwargs)(task)

    cfg = mon.config
    for name in mon.sources:
        every(poll, f"poll:{name}", getattr(cfg.sources, name).interval, queue=source_queue(name), source=name)
        every(reobserve, f"reobserve:{name}", cfg.daemon.reobserve_interval, queue=source_queue(name), source=name)
    every(deliver, "deliver", DELIVER_INTERVAL)
    every(keep, "housekeeping", cfg.retention.interval)
    # No lock: a replica dying while it runs this would hold the lock, and the job that frees a dead
    # replica's locks could never run again. Two runs at once are harmless (a job is retried once).
    every(retry_stalled, "retry-stalled", max(1.0, settings.stalled_after / 2), exclusive=False)
    return app


async def hand_over(app: procrastinate.App, job: Job, *, reason: str) -> str:
    """Put a running job back in line for another replica; returns what became of it.

    ``retried``: back to ``todo``. ``superseded``: a later run of the same job is already waiting
    (queueing lock), so this one ends as aborted and that one does the work. ``gone``: it had ended.
    """
    label = _label(job)
    try:
        await app.job_manager.retry_job(job)
        outcome = "retried"
    except pexc.UniqueViolation:
        outcome = "superseded"
        try:
            await app.job_manager.finish_job(job, status=Status.ABORTED, delete_job=False)
        except pexc.ConnectorException:
            outcome = "gone"
    except pexc.ConnectorException:  # not in 'doing' any more: it finished meanwhile
        outcome = "gone"
    log.warning("job handed over", extra={"job": label, "job_id": job.id, "reason": reason, "outcome": outcome})
    return outcome


async def pass_on(app: procrastinate.App, job: Job, *, delay: float) -> str:
    """Defer a copy of a running job this replica cannot run (its source is not in this replica's
    config), for a replica that can; the job itself then ends as done. Returns what became of it.

    ``passed_on``: the copy waits in the job's queue, ``delay`` seconds out so that this replica does not
    take it straight back; any replica listening there may take it then, an older one too. ``superseded``:
    a later run of the same job already waits (queueing lock) and does the work. ``dropped``: its tick is
    ``STALE_AFTER`` old, no replica that has its source took it.

    A copy rather than procrastinate's retry (a retry strategy): a retry that meets the later run
    already waiting fails inside the worker and leaves the job ``doing``, its lock held for good.
    """
    label = _label(job)
    tick = job.task_kwargs.get("timestamp")
    if isinstance(tick, int | float) and time.time() - tick > STALE_AFTER:
        outcome = "dropped"
    else:
        try:
            await app.configure_task(job.task_name, queue=job.queue, lock=job.lock, queueing_lock=job.queueing_lock,
                                     priority=job.priority, task_kwargs=dict(job.task_kwargs),
                                     schedule_in={"seconds": delay}).defer_async()
            outcome = "passed_on"
        except pexc.AlreadyEnqueued:
            outcome = "superseded"
    level = logging.WARNING if outcome == "dropped" else logging.INFO
    log.log(level, "job passed on", extra={"job": label, "job_id": job.id, "queue": job.queue, "outcome": outcome,
                                           "reason": "its source is not in this replica's config"})
    return outcome


def _label(job: Job) -> str:
    kind = job.task_name.removeprefix("monitor.").replace("_", "-")
    source = job.task_kwargs.get("source")
    return f"{kind}:{source}" if source else kind


def _delete_finished_jobs(app: procrastinate.App, older_than: float) -> None:
    """Failed and aborted jobs are kept for inspection as long as observations are (successful ones
    are deleted as they end)."""
    hours = max(1, int(older_than // 3600)) if older_than > 0 else 24 * 30

    async def delete() -> None:
        # Every source's queue, also of sources this replica lacks (or no replica has any more).
        for queue in await app.job_manager.list_queues_async():
            if is_ours(queue["name"]):
                await app.job_manager.delete_old_jobs(nb_hours=hours, queue=queue["name"], include_failed=True,
                                                      include_cancelled=True, include_aborted=True)

    async_to_sync(delete)()
