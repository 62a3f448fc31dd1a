"""Which queue a replica's jobs wait in, and what a replica does with a job it cannot run.

A source's jobs wait in the source's own queue, so that only replicas that have the source take them
(tests/test_replicas_differ.py runs two such replicas). A job of an older replica (every job in
``monitor``) for a source this replica lacks is passed on: deferred again for another replica, or left
to the later run already waiting, or dropped when hopelessly late, never failed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.cluster.jobs import MAX_QUEUE, QUEUE, STALE_AFTER, is_ours, pass_on, queues_for, source_queue
from monitor.config.cluster import ClusterConfig

BRAND = '[[brands]]\nname = "Acme Air"\nkeywords = ["acme air"]\n'


def test_a_source_has_a_queue_of_its_own_named_alike_everywhere() -> None:
    assert source_queue("mastodon") == "monitor:mastodon"
    assert queues_for(["x", "mastodon"]) == [QUEUE, "monitor:mastodon", "monitor:x"]
    assert queues_for([]) == [QUEUE], "a replica without sources still delivers and keeps house"
    # PostgreSQL's 63-byte channel names (procrastinate notifies on "procrastinate_queue_v1#<queue>"):
    # a long source name gets a shortened queue name, still its own and the same on every replica.
    first, second = source_queue("a_plugin_source_with_a_rather_long_name_one"), source_queue("a_plugin_source_with_a_rather_long_name_two")
    assert len(first.encode()) <= MAX_QUEUE and len(second.encode()) <= MAX_QUEUE
    assert first != second and first == source_queue("a_plugin_source_with_a_rather_long_name_one")
    assert len(f"procrastinate_queue_v1#{first}") <= 63
    assert all(is_ours(q) for q in (QUEUE, first, "monitor:x")) and not any(is_ours(q) for q in ("default", "monitoring"))


def test_each_sources_jobs_are_deferred_to_its_queue(tmp_path: Path) -> None:
    from prometheus_client import CollectorRegistry

    from monitor.cluster.jobs import Replica, build_app
    from monitor.config.settings import parse_config
    from monitor.daemon.app import Monitor

    toml = BRAND + f"""[storage]\nurl = "sqlite:///{tmp_path / 'm.db'}"\n[sources.hackernews]\n[sources.news]\n"""
    mon = Monitor.create(parse_config(toml, env={}))
    try:
        app = build_app(mon, mon.config.cluster, Replica("r", CollectorRegistry()), "dbname=unused")
    finally:
        mon.close()
    queues = {pid: p.configure_kwargs.get("queue") for (_, pid), p in app.periodic_registry.periodic_tasks.items()}
    assert queues == {"poll:hackernews": "monitor:hackernews", "reobserve:hackernews": "monitor:hackernews",
                      "poll:news": "monitor:news", "reobserve:news": "monitor:news",
                      "deliver": QUEUE, "housekeeping": QUEUE, "retry-stalled": QUEUE}


def test_a_replica_looks_for_due_jobs_at_least_every_five_seconds() -> None:
    assert ClusterConfig(heartbeat=1.0, stalled_after=3.0).fetch_every == 1.0
    assert ClusterConfig(heartbeat=60.0, stalled_after=180.0).fetch_every == 5.0


@pytest.fixture
def job_engine(request: pytest.FixtureRequest) -> Iterator[str]:
    """The job engine's tables in a fresh schema; libpq's connection string to it."""
    from monitor.cluster.engine_schema import ensure_engine_schema
    from monitor.cluster.runner import conninfo
    from monitor.storage.store import Store
    from tests.pg import drop_schema, fresh_schema

    name = f"queues_{request.node.name[-40:]}".lower()
    url = fresh_schema(name)
    store = Store(url, migrate=False)
    try:
        ensure_engine_schema(store)
    finally:
        store.close()
    yield conninfo(url)
    drop_schema(name)


def test_a_job_for_a_source_this_replica_lacks_is_passed_on(job_engine: str) -> None:
    import procrastinate
    from procrastinate.jobs import Status

    async def scenario() -> dict[str, Any]:
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=job_engine))
        async with app.open_async():
            jm = app.job_manager
            worker = await jm.register_worker()

            async def older_replicas_poll(tick: float) -> Any:
                """Deferred as an older replica does (the one queue), then taken by this replica."""
                await app.configure_task("monitor.poll", queue=QUEUE, lock="poll:mastodon", queueing_lock="poll:mastodon",
                                         task_kwargs={"timestamp": int(tick), "source": "mastodon"}).defer_async()
                return await jm.fetch_job(queues=[QUEUE], worker_id=worker)

            async def waiting() -> list[Any]:
                return [j for j in await jm.list_jobs_async(queue=QUEUE) if j.status == "todo"]

            out: dict[str, Any] = {}
            job = await older_replicas_poll(time.time())
            out["kwargs"] = job.task_kwargs
            out["passed_on"] = await pass_on(app, job, delay=30.0)
            out["copy"] = await waiting()
            out["fetchable"] = await jm.fetch_job(queues=[QUEUE], worker_id=worker)  # not before its time
            await jm.finish_job(job, status=Status.SUCCEEDED, delete_job=True)  # as the worker does
            for copy in out["copy"]:
                await jm.cancel_job_by_id_async(copy.id, delete_job=True)

            job = await older_replicas_poll(time.time())
            later = await app.configure_task("monitor.poll", queue="monitor:mastodon", lock="poll:mastodon",
                                             queueing_lock="poll:mastodon",
                                             task_kwargs={"timestamp": int(time.time()) + 3, "source": "mastodon"}).defer_async()
            out["superseded"] = await pass_on(app, job, delay=30.0)
            out["after_superseded"] = [j.id for j in await jm.list_jobs_async() if j.status == "todo"], later
            await jm.finish_job(job, status=Status.SUCCEEDED, delete_job=True)
            await jm.cancel_job_by_id_async(later, delete_job=True)

            job = await older_replicas_poll(time.time() - STALE_AFTER - 60)
            out["dropped"] = await pass_on(app, job, delay=30.0)
            out["after_dropped"] = await waiting()
            await jm.unregister_worker(worker)
            return out

    out = asyncio.run(scenario())
    assert out["passed_on"] == "passed_on"
    [copy] = out["copy"]
    assert (copy.task_name, copy.queue, copy.lock, copy.queueing_lock, copy.task_kwargs) == \
        ("monitor.poll", QUEUE, "poll:mastodon", "poll:mastodon", out["kwargs"]), "the same job, where it was"
    assert 20 < (copy.scheduled_at - datetime.now(UTC)).total_seconds() <= 30, "after the delay"
    assert out["fetchable"] is None
    assert out["superseded"] == "superseded", "the later run already waiting does the work"
    ids, later = out["after_superseded"]
    assert ids == [later]
    assert out["dropped"] == "dropped" and out["after_dropped"] == [], "too late to matter: a later tick does its work"
