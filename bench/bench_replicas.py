"""Capacity of replicas: the poll-and-score path for many brands, with 1, 2 and 4 ``monitor run``
replicas on one PostgreSQL, against local fake X and Reddit APIs.

    MONITOR_TEST_POSTGRES_URL=postgresql+psycopg://... python bench/bench_replicas.py \\
        [--brands 1000] [--replicas 1,2,4] [--seconds 90] [--interval 15] [--rate 40]

A feeder adds ``--rate`` posts a second (half on X, half on Reddit), each naming one of the brands at
random, some of them complaints. Each replica count gets a fresh schema (dropped afterwards) and runs
for ``--seconds`` after every replica is ready and the first polls are done. Reported per count:

- jobs per minute the replicas ran (and how many were polls), from their ``/metrics``;
- observations stored per second, and per second of scoring time (``monitor_scoring_seconds``);
- how long one poll of every brand takes per source (the replicas' job log lines);
- ingest lag: from a post's creation to its row in the database (p50, p95, of the posts stored), and
  the backlog at the end (posts fed, not yet stored);
- PostgreSQL connections (the most seen at once, sampled every second) and replica CPU seconds.

The fake APIs index posts by brand so that they answer in constant time: the bench measures the
monitor, not the stand-in. Everything runs on loopback and stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from bisect import bisect_left, bisect_right
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.cluster_harness import SECRETS, Cluster, wait_for  # noqa: E402
from tests.fakes.slack import FakeSlack  # noqa: E402
from tests.fakes.social import FakeSocial, _first, _int, _Reply  # noqa: E402
from tests.pg import drop_schema, fresh_schema  # noqa: E402

KEYWORD = re.compile(r"brandk\d{4}")
COMPLAINTS = ["{kw} lost my bag and nobody answers the phone", "{kw} charged me twice, still waiting for a refund",
              "third call to {kw} support today, they hung up on me", "{kw} cancelled my order with no explanation",
              "my {kw} delivery is two weeks late, I contacted the news"]
ORDINARY = ["just tried {kw} for the first time, pretty good", "anyone know if {kw} is open on sundays?",
            "{kw} new logo looks nice", "shoutout to the {kw} team, quick help today"]


class IndexedSocial(FakeSocial):
    """FakeSocial whose searches look posts up by brand keyword instead of scanning them all."""

    def __init__(self, **kw: Any):
        super().__init__(**kw)
        self._tweet_ids: dict[str, list[int]] = {}
        self._posts: dict[str, list[str]] = {}

    def add(self, kw: str, text: str, *, on_x: bool, author: str) -> None:
        if on_x:
            ident = self.add_tweet(text, username=author, followers=random.randint(10, 5000))
            with self._lock:
                self._tweet_ids.setdefault(kw, []).append(int(ident))
        else:
            name = self.add_reddit_post(text[:80], text, author=author, subreddit="all_the_things")
            with self._lock:
                self._posts.setdefault(kw, []).append(name)

    def _x(self, method: str, path: str, q: dict[str, list[str]], headers: dict[str, str]) -> _Reply:
        if path != "/2/tweets/search/recent" or headers.get("authorization", "") != f"Bearer {self.x_bearer_token}":
            return super()._x(method, path, q, headers)
        found = KEYWORD.search(_first(q, "query") or "")
        since, until = _int(_first(q, "since_id"), -1), _int(_first(q, "until_id"), -1)
        token = _first(q, "next_token")
        below = int(token[1:], 16) if token else None
        with self._lock:
            ids = self._tweet_ids.get(found.group(0), []) if found else []
            lo = bisect_right(ids, since) if since >= 0 else 0
            hi = min(x for x in (bisect_left(ids, until) if until >= 0 else len(ids),
                                 bisect_left(ids, below) if below is not None else len(ids)))
            chosen = ids[lo:hi][::-1]
            limit = max(10, min(_int(_first(q, "max_results"), 10), 100))
            page = [self._tweets[str(i)] for i in chosen[:limit]]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta |= {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
        if len(chosen) > limit:
            meta["next_token"] = "n" + format(int(page[-1]["id"]), "x")
        return _Reply(200, self._tweet_payload(page, q) | {"meta": meta})

    def _reddit(self, method: str, path: str, q: dict[str, list[str]], headers: dict[str, str]) -> _Reply:
        auth = headers.get("authorization", "")
        if not path.endswith("/search") or not auth.lower().startswith("bearer ") or auth[7:] not in self._tokens:
            return super()._reddit(method, path, q, headers)
        found = KEYWORD.search(_first(q, "q") or "")
        with self._lock:
            names = (self._posts.get(found.group(0), []) if found else [])[::-1]
            after = _first(q, "after")
            if after in names:
                names = names[names.index(after) + 1:]
            limit = max(1, min(_int(_first(q, "limit"), 25), 100))
            page = [(n, self._things[n]) for n in names[:limit]]
        return self._listing(page, page[-1][0] if page and len(names) > limit else None)


def feed(social: IndexedSocial, brands: int, rate: float, stop: threading.Event, fed: list[int]) -> None:
    n = 0
    began = time.monotonic()
    while not stop.is_set():
        kw = f"brandk{random.randrange(brands):04d}"
        text = random.choice(COMPLAINTS if random.random() < 0.4 else ORDINARY).format(kw=kw)
        social.add(kw, f"{text} ({n})", on_x=n % 2 == 0, author=f"user{random.randrange(50_000)}")
        n += 1
        fed[0] = n
        time.sleep(max(0.0, began + n / rate - time.monotonic()))


def counters(c: Cluster, names: list[str]) -> dict[str, float]:
    """Jobs (all, polls) and scoring seconds, summed over the replicas' /metrics."""
    total = {"jobs": 0.0, "polls": 0.0, "scoring_seconds": 0.0}
    for name in names:
        for line in c.metrics(name).splitlines():
            if line.startswith("monitor_jobs_total{") and 'outcome="ok"' in line:
                value = float(line.rsplit(" ", 1)[1])
                total["jobs"] += value
                total["polls"] += value if 'job="poll:' in line else 0.0
            elif line.startswith("monitor_scoring_seconds_sum"):
                total["scoring_seconds"] += float(line.rsplit(" ", 1)[1])
    return total


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100.0


def poll_durations(c: Cluster, names: list[str], since: float) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for name in names:
        for line in c.log(name).splitlines():
            if '"event": "job"' not in line or '"job": "poll:' not in line:
                continue
            rec = json.loads(line)
            if time.mktime(time.strptime(rec["timestamp"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone >= since:
                out.setdefault(rec["job"], []).append(rec["seconds"])
    return out


def run(replicas: int, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    schema = f"bench_replicas_{replicas}"
    url = fresh_schema(schema)
    brands = "".join(f'[[brands]]\nname = "Brand {i:04d}"\nkeywords = ["brandk{i:04d}"]\n' for i in range(args.brands))
    social = IndexedSocial(reddit_credentials=(SECRETS["REDDIT_CLIENT_ID"], SECRETS["REDDIT_CLIENT_SECRET"]),
                           x_bearer_token=SECRETS["X_BEARER_TOKEN"])
    slack = FakeSlack(token=SECRETS["SLACK_BOT_TOKEN"])
    stop = threading.Event()
    fed = [0]
    names = [f"b{replicas}-{i + 1}" for i in range(replicas)]
    c = Cluster(workdir, url, social, slack, brands=brands, interval=args.interval)
    try:
        with slack:
            feeder = threading.Thread(target=feed, args=(social, args.brands, args.rate, stop, fed), daemon=True)
            feeder.start()
            for name in names:
                c.start(name)
            for name in names:
                c.wait_ready(name, timeout=180)
            # Warm up: every source polled once (the first poll of each brand reads one page only).
            wait_for(lambda: counters(c, names)["polls"] >= 2, 300, "the first polls")
            before, obs0, fed0 = counters(c, names), c.scalar("select count(*) from observations"), fed[0]
            cpu0 = {n: cpu_seconds(c.procs[n].pid) for n in names}
            t0, wall0 = time.monotonic(), time.time()
            conns = []
            while time.monotonic() - t0 < args.seconds:
                conns.append(c.scalar("select count(*) from pg_stat_activity where datname = current_database() "
                                      "and pid <> pg_backend_pid()"))
                time.sleep(1.0)
            elapsed = time.monotonic() - t0
            after, obs1, fed1 = counters(c, names), c.scalar("select count(*) from observations"), fed[0]
            backlog = fed1 - c.scalar("select count(*) from mentions")
            cpu = sum(cpu_seconds(c.procs[n].pid) - cpu0[n] for n in names)
            lags = [float(r[0]) for r in c.query(
                "select extract(epoch from first_seen - created_at) from mentions "
                f"where created_at >= to_timestamp({wall0}) at time zone 'UTC' "
                f"and created_at < to_timestamp({time.time() - 2 * args.interval}) at time zone 'UTC'")]
            durations = poll_durations(c, names, wall0)
    finally:
        stop.set()
        c.stop_all()
        social.close()
        drop_schema(schema)
    observations = obs1 - obs0
    scoring = after["scoring_seconds"] - before["scoring_seconds"]
    q = statistics.quantiles(lags, n=20) if len(lags) >= 20 else [float("nan")] * 19
    return {
        "replicas": replicas, "brands": args.brands, "seconds": round(elapsed, 1),
        "posts_fed_per_second": round((fed1 - fed0) / elapsed, 1), "backlog_at_end": backlog,
        "jobs_per_minute": round((after["jobs"] - before["jobs"]) * 60 / elapsed, 1),
        "polls_per_minute": round((after["polls"] - before["polls"]) * 60 / elapsed, 1),
        "observations_per_second": round(observations / elapsed, 1),
        "observations_per_scoring_second": round(observations / scoring, 1) if scoring else None,
        "poll_seconds": {k: round(statistics.mean(v), 2) for k, v in sorted(durations.items())},
        "ingest_lag_p50": round(q[9], 1), "ingest_lag_p95": round(q[18], 1),
        "pg_connections_max": max(conns), "replica_cpu_seconds": round(cpu, 1),
        "load_average_1m": round(os.getloadavg()[0], 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--brands", type=int, default=1000)
    ap.add_argument("--replicas", default="1,2,4")
    ap.add_argument("--seconds", type=float, default=90)
    ap.add_argument("--interval", type=float, default=15, help="poll interval of X and Reddit, seconds")
    ap.add_argument("--rate", type=float, default=40, help="posts a second added to the fakes")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args(argv)
    random.seed(16)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.replicas.split(",")):
            result = run(n, args, Path(tmp))
            print(json.dumps(result), flush=True)
            results.append(result)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
