"""Replicas whose configs differ, as during a rolling config change: one has a source (Mastodon, on the
local fake) and a brand the other has not. Every job of that source runs on the replica that has it,
none fails on the other and none is lost; an older replica's job (every job in the one queue
``monitor``) is passed on to a replica that can run it, neither run nor failed where it cannot.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from monitor.cluster.engine_schema import ensure_engine_schema
from monitor.cluster.jobs import QUEUE, source_queue
from monitor.storage.store import Store
from tests.cluster_harness import Cluster, Story, fakes, wait_for
from tests.fakes.keyless import FakeKeyless
from tests.pg import drop_schema, fresh_schema, require_postgres

INTERVAL = 3.0
ROUNDS = 8
PAUSE = 2.0

# Every job the replicas defer, as it was deferred (successful jobs are deleted as they end).
AUDIT = """
CREATE TABLE job_audit (id bigint PRIMARY KEY, queue_name text NOT NULL, task_name text NOT NULL, args jsonb NOT NULL);
CREATE FUNCTION job_audit_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO job_audit VALUES (NEW.id, NEW.queue_name, NEW.task_name, NEW.args);
    RETURN NEW;
END $$;
CREATE TRIGGER job_audit AFTER INSERT ON procrastinate_jobs FOR EACH ROW EXECUTE FUNCTION job_audit_insert();
"""


def mastodon(keyless: FakeKeyless) -> str:
    return f'[sources.mastodon]\napi_base_url = "{keyless.url}"\ninterval = "{INTERVAL}s"\n'


BETA = '[[brands]]\nname = "Beta Bank"\nkeywords = ["beta bank", "betabank"]\n'


@pytest.fixture
def schema(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh schema with the job engine's tables and the audit of every job deferred; its URL."""
    require_postgres()
    name = f"replicas_differ_{request.node.name[-30:]}".lower()
    url = fresh_schema(name)
    store = Store(url)
    try:
        ensure_engine_schema(store)
        with store.engine.begin() as conn:
            cursor: Any = conn.connection.cursor()  # the driver's: one script of several statements
            cursor.execute(AUDIT)
            cursor.close()
    finally:
        store.close()
    yield url
    drop_schema(name)


def job_lines(c: Cluster, name: str) -> list[dict[str, Any]]:
    """The replica's "job" log lines (one per job it ran) and "job passed on" lines."""
    lines = []
    for line in c.log(name).splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("event") in ("job", "job passed on"):
            lines.append(record)
    return lines


def ran(c: Cluster, name: str, job: str) -> dict[int, str]:
    """The jobs named ``job`` the replica ran: job id -> outcome."""
    return {int(r["job_id"]): r["outcome"] for r in job_lines(c, name) if r["event"] == "job" and r["job"] == job}


def audited(c: Cluster, source: str) -> list[Any]:
    return c.query(f"select id, queue_name, task_name from job_audit where args->>'source' = '{source}' order by id")


def no_failures(c: Cluster) -> None:
    failed = c.query("select id, task_name, args from procrastinate_jobs where status in ('failed', 'aborted', 'cancelled')")
    assert failed == [], f"jobs that failed: {failed}"
    for name in c.procs:
        assert "KeyError" not in c.log(name) and "Traceback" not in c.log(name), c.log(name)[-3000:]


def test_a_source_and_a_brand_only_one_replica_has(tmp_path: Path, schema: str) -> None:
    social, slack = fakes()
    with social, slack, FakeKeyless() as keyless:
        c = Cluster(tmp_path, schema, social, slack, interval=INTERVAL)
        try:
            c.start("r1", extra=mastodon(keyless) + BETA)  # the rolling change has reached r1, not yet r2
            c.start("r2")
            c.wait_ready("r1")
            c.wait_ready("r2")
            began = time.monotonic()
            story = Story(social)
            for r in range(ROUNDS):
                story.step()
                keyless.add_status(f"<p>Acme Air lost my bag, day {r} <a href='https://m.example/tags/acmeair'>#acmeair</a></p>",
                                   tags=("acmeair",), acct=f"traveller{r}")
                social.add_tweet(f"Beta Bank froze my account again, day {r}, nobody answers", username=f"saver{r}")
                time.sleep(PAUSE)
            stored = "select count(*) from mentions where source = 'mastodon'"
            wait_for(lambda: c.scalar(stored) == ROUNDS, 60, "every Mastodon post stored")
            beta = "select count(*) from mentions where brand = 'Beta Bank'"
            wait_for(lambda: c.scalar(beta) == ROUNDS, 60, "every Beta Bank post stored (only r1 searches it)")
            wait_for(lambda: c.scalar("select count(*) from mentions") >= story.posts + 2 * ROUNDS, 60, "every post stored")
            # Which replica takes a shared job is a race: on a loaded machine r1 may win every one for a
            # while (this failed once in twenty runs when r2 was asserted to have run both by now).
            wait_for(lambda: bool(ran(c, "r2", "poll:x") and ran(c, "r2", "poll:reddit")), 60,
                     "r2 ran its part of the sources both replicas have")
            seconds = time.monotonic() - began
            for name in ("r1", "r2"):
                assert c.terminate(name) == 0, c.log(name)[-3000:]
        finally:
            c.stop_all()
            for name in c.procs:
                print(f"--- {name}\n{c.log(name)[-4000:]}")

        no_failures(c)
        assert c.scalar("select count(*) from mentions") == story.posts + 2 * ROUNDS, "every post stored once"
        # Every Mastodon job went to Mastodon's queue, and each one ran on r1 (or still waits for its time).
        jobs = audited(c, "mastodon")
        assert jobs and {queue for _, queue, _ in jobs} == {source_queue("mastodon")}, jobs
        done = ran(c, "r1", "poll:mastodon") | ran(c, "r1", "reobserve:mastodon")
        waiting = {row[0] for row in c.query("select id from procrastinate_jobs where args->>'source' = 'mastodon'")}
        lost = [job for job, _, _ in jobs if job not in done and job not in waiting]
        assert lost == [], f"Mastodon jobs neither run on r1 nor waiting: {lost}"
        assert set(done.values()) == {"ok"}, done
        assert all(line["job"].split(":")[-1] != "mastodon" for line in job_lines(c, "r2")), "r2 took no Mastodon job"
        # ...and each poll job really polled: one read of the hashtag's timeline per poll, about one per interval.
        polls = ran(c, "r1", "poll:mastodon")
        assert len(keyless.requests_to("/api/v1/timelines/tag/acmeair")) == len(polls)
        assert 0.5 * seconds / INTERVAL <= len(polls) <= 1.3 * seconds / INTERVAL + 2, f"{len(polls)} polls in {seconds:.0f}s"
        # The sources both have are shared: r2 ran its part. Housekeeping, which cleans every source's queue, ran.
        assert ran(c, "r2", "poll:x") and ran(c, "r2", "poll:reddit")
        assert "ok" in {*ran(c, "r1", "housekeeping").values(), *ran(c, "r2", "housekeeping").values()}


def test_an_older_replicas_job_for_a_source_a_replica_lacks_is_passed_on(tmp_path: Path, schema: str) -> None:
    import procrastinate

    from monitor.cluster.runner import conninfo

    social, slack = fakes()
    with social, slack, FakeKeyless() as keyless:
        keyless.add_status("<p>Acme Air cancelled my flight <a href='https://m.example/tags/acmeair'>#acmeair</a></p>",
                           tags=("acmeair",))
        c = Cluster(tmp_path, schema, social, slack, interval=INTERVAL)
        try:
            c.start("r2")  # without Mastodon
            c.wait_ready("r2")
            # What an older replica with Mastodon defers: every job in the one queue, the same locks.
            older = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=conninfo(schema)))
            now = int(time.time())
            with older.open():
                for kind, tick in (("poll", now), ("reobserve", now - 3600)):  # the re-observation is an hour late
                    older.configure_task(f"monitor.{kind}", queue=QUEUE, lock=f"{kind}:mastodon",
                                         queueing_lock=f"{kind}:mastodon",
                                         task_kwargs={"timestamp": tick, "source": "mastodon"}).defer()

            def passed_on(outcome: str) -> list[dict[str, Any]]:
                return [r for r in job_lines(c, "r2") if r["event"] == "job passed on" and r["outcome"] == outcome]

            wait_for(lambda: len(passed_on("passed_on")) >= 3, 30, "r2 to pass the poll on, again and again")
            assert [r["job"] for r in passed_on("passed_on")] == ["poll:mastodon"] * len(passed_on("passed_on"))
            assert [r["job"] for r in passed_on("dropped")] == ["reobserve:mastodon"], "an hour late: dropped"
            waiting = "select status from procrastinate_jobs where args->>'source' = 'mastodon'"
            wait_for(lambda: c.query(waiting) == [("todo",)], 10, "the poll, and only it, waiting for another replica")
            assert keyless.requests_to("/api/v1/timelines/tag/acmeair") == []

            c.start("r1", extra=mastodon(keyless))  # a replica that has Mastodon takes it
            c.wait_ready("r1")
            wait_for(lambda: c.scalar("select count(*) from mentions where source = 'mastodon'") == 1, 60,
                     "r1 to poll Mastodon")

            def legacy_ran() -> bool:
                legacy = {job for job, queue, task in audited(c, "mastodon") if queue == QUEUE and task == "monitor.poll"}
                # r1 runs the older replica's poll; or r2, passing it on once more, found r1's own next
                # poll waiting already (queueing lock), which does its work.
                return bool(legacy & set(ran(c, "r1", "poll:mastodon"))) or bool(passed_on("superseded"))

            wait_for(legacy_ran, 30, "r1 to run the older replica's poll")
            assert set(ran(c, "r1", "poll:mastodon").values()) == {"ok"}
        finally:
            c.stop_all()
            for name in c.procs:
                print(f"--- {name}\n{c.log(name)[-4000:]}")
        no_failures(c)
        assert not any(r["event"] == "job" and r["job"].endswith(":mastodon") for r in job_lines(c, "r2"))
