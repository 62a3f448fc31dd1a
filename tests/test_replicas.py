"""Three ``monitor run`` replicas on one PostgreSQL, against local fake X, Reddit and Slack, while a
story unfolds: one is killed in the middle, or all are restarted one at a time. Every post is stored
once, each source is polled about once per interval (not once per replica), and Slack gets one
message per incident and one thread post per escalation.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.cluster_harness import Cluster, Story, fakes, wait_for
from tests.pg import drop_schema, fresh_schema, require_postgres

INTERVAL = 3.0
ROUNDS = 10
PAUSE = 2.0
NAMES = ("r1", "r2", "r3")


@pytest.fixture
def cluster(tmp_path: Path, request: pytest.FixtureRequest):
    require_postgres()
    schema = f"replicas_{request.node.name.split('[')[0][-40:]}".lower()
    url = fresh_schema(schema)
    social, slack = fakes()
    with social, slack:
        social.set_delay("/", 0.05)  # every request takes a little while: a kill lands mid-job
        c = Cluster(tmp_path, url, social, slack, interval=INTERVAL)
        try:
            yield c
        finally:
            c.stop_all()
            for name in c.procs:
                print(f"--- {name}\n{c.log(name)[-4000:]}")
    drop_schema(schema)


def polls(c: Cluster) -> dict[str, int]:
    """Polls the fakes saw: a poll's first search request (no page token, no upper bound)."""
    x = [r for r in c.social.requests_to("/2/tweets/search/recent") if not r.param("next_token") and not r.param("until_id")]
    reddit = [r for r in c.social.requests_to("/r/all/search") if not r.param("after")]
    return {"x": len(x), "reddit": len(reddit)}


def settle(c: Cluster, story: Story) -> None:
    """Wait until every post is stored and every alert delivered, then one more poll period."""
    wait_for(lambda: c.scalar("select count(*) from mentions") >= story.posts, 90, "every post stored")
    wait_for(lambda: c.scalar("select count(*) from outbox where sent_at is null and failed_at is null") == 0,
             90, "the outbox to drain")
    time.sleep(INTERVAL)


def check(c: Cluster, story: Story, seconds: float) -> None:
    assert c.scalar("select count(*) from mentions") == story.posts, "every brand post stored once"
    dup = c.query("select source, post_id, observed_at, count(*) from observations group by 1, 2, 3 having count(*) > 1")
    assert dup == [], "no snapshot stored twice"
    # Each source polled about once per interval while the replicas ran, not once per replica.
    expected = seconds / INTERVAL
    for source, n in polls(c).items():
        assert 0.4 * expected <= n <= 1.3 * expected + 2, f"{source}: {n} polls in {seconds:.0f}s (every {INTERVAL}s)"
    # ...and re-observed at most once per re-observation interval (2 x INTERVAL in the harness).
    lookups = [r for r in c.social.requests_to("/2/tweets") if r.path == "/2/tweets"]
    assert 1 <= len(lookups) <= 1.3 * expected / 2 + 2, f"{len(lookups)} X re-observations in {seconds:.0f}s"
    sent = c.query("select incident_id, event->>'tier' from outbox where sent_at is not null order by id")
    tiers: dict[str, list[str]] = {}
    for incident, tier in sent:
        tiers.setdefault(incident, []).append(tier)
    assert any(len(t) >= 2 and t[-1] == "critical" for t in tiers.values()), f"the story should escalate to critical: {tiers}"
    roots = Counter(m.metadata["event_payload"]["incident"] for m in c.slack.roots())
    assert roots == Counter({i: 1 for i in tiers}), "one top-level Slack message per incident"
    for root in c.slack.roots():
        incident = root.metadata["event_payload"]["incident"]
        replies = [m.metadata["event_payload"]["tier"] for m in c.slack.replies(root.ts)]
        assert replies == tiers[incident][1:], f"one thread post per escalation of {incident}"
    unfinished = c.query("select task_name, status from procrastinate_jobs where status in ('doing', 'failed')")
    assert all(status != "failed" for _, status in unfinished), unfinished


def start_all(c: Cluster) -> None:
    for name in NAMES:
        c.start(name)
    for name in NAMES:
        c.wait_ready(name)


def test_three_replicas_one_killed_mid_story(cluster: Cluster) -> None:
    c = cluster
    story = Story(c.social)
    began = time.monotonic()
    start_all(c)
    victim = ""
    for r in range(ROUNDS):
        story.step()
        if r == ROUNDS // 2:
            victim = kill_mid_job(c)
        time.sleep(PAUSE)
    settle(c, story)
    check(c, story, time.monotonic() - began)
    survivors = [n for n in NAMES if n != victim]
    assert any("job handed over" in c.log(n) for n in survivors), "the dead replica's job went to another"
    assert any('"job": "housekeeping", "job_id"' in c.log(n) for n in NAMES), "housekeeping ran too"
    # The survivors say which replica did what: their names, the jobs each ran, the replicas alive.
    for name in survivors:
        body = c.ready(name)
        assert body and body["replica"] == name and body["cluster"]["replicas"] == 2, body
        assert re.search(rf'monitor_jobs_total{{job="[a-z:-]+",outcome="ok",replica="{name}"}}', c.metrics(name))


def kill_mid_job(c: Cluster) -> str:
    """SIGKILL a replica while it runs a job (the fakes slowed down so that one is caught running)."""
    c.social.set_delay("/", 1.0)
    try:
        victim = wait_for(lambda: next((n for n in NAMES if (c.ready(n) or {}).get("running")), None), 30,
                          "a replica running a job", every=0.05)
        c.kill(victim)
    finally:
        c.social.set_delay("/", 0.05)
    return str(victim)


def test_rolling_restart_loses_and_duplicates_nothing(cluster: Cluster) -> None:
    c = cluster
    story = Story(c.social)
    began = time.monotonic()
    start_all(c)
    for name in NAMES:  # one replica at a time: stop it (SIGTERM), start it again, wait until it is ready
        story.step()
        time.sleep(PAUSE)
        stopping = time.monotonic()
        assert c.terminate(name) == 0, c.log(name)[-3000:]
        assert time.monotonic() - stopping < 15, "a replica stops within its grace"
        story.step()
        c.start(name)
        c.wait_ready(name)
    while story.round < ROUNDS:
        story.step()
        time.sleep(PAUSE)
    settle(c, story)
    check(c, story, time.monotonic() - began)
    assert wait_for(lambda: (c.ready("r1") or {}).get("cluster", {}).get("replicas") == 3, 30, "three replicas alive")


def test_a_job_outlasting_the_grace_is_handed_back_on_sigterm(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    require_postgres()
    schema = "replicas_hand_back"
    url = fresh_schema(schema)
    social, slack = fakes()
    with social, slack:
        c = Cluster(tmp_path, url, social, slack, interval=INTERVAL, grace=1.0)
        try:
            for name in ("r1", "r2"):
                c.start(name)
            for name in ("r1", "r2"):
                c.wait_ready(name)
            social.add_tweet("Acme Air lost my bag, third call and nobody answers", username="bagless")
            social.set_delay("/2/tweets/search", 8.0)  # X answers slowly: the poll outlasts a 1 s grace
            def slow_poll() -> str | None:  # a poll that began after the slow-down: running for a while
                return next((n for n in ("r1", "r2")
                             if (c.ready(n) or {}).get("running", {}).get("poll:x", {}).get("seconds", 0) >= 1), None)

            holder = wait_for(slow_poll, 30, "a replica polling X slowly", every=0.1)
            other = "r2" if holder == "r1" else "r1"
            stopping = time.monotonic()
            assert c.terminate(holder) == 0
            assert time.monotonic() - stopping < 6, "stopped after its grace, not after the slow request"
            assert re.search(r'"handed_back": \["poll:x"\]', c.log(holder)), c.log(holder)[-2000:]
            handed = re.search(r'"event": "job handed over".*"outcome": "(\w+)"', c.log(holder))
            assert handed and handed.group(1) in ("retried", "superseded")
            social.set_delay("/2/tweets/search", 0.0)
            wait_for(lambda: c.scalar("select count(*) from mentions") == 1, 60, "the other replica to store the post")
            # Its job's line is logged once the job is done, a moment after the post is committed.
            wait_for(lambda: '"job": "poll:x"' in c.log(other), 30, "the other replica to log its X poll")
        finally:
            c.stop_all()
            print(c.log("r1")[-3000:], c.log("r2")[-3000:])
    drop_schema(schema)
