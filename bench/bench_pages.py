"""The incident pages under load: one incident of 100,000 posts and a month of 50,000 incidents.

    python bench/bench_pages.py                       # builds /tmp/bench_pages.db once, then measures
    python bench/bench_pages.py --code /tmp/old-tree  # the same, served by another copy of monitor/

Builds a SQLite database with the project's schema (monitor/storage/schema.py, through
``Store``'s migrations) by bulk inserts (monitor/storage/bulk.py): the big incident with its posts,
the brand's answers, a snapshot of every post (and later ones for some), its score over time, its
alerts and its repeat complainants' complaints elsewhere; and 50,000 small incidents over 30 days.

Then serves it in a child process (the daemon's ``HealthServer`` with ``Pages``, as ``monitor run``
does; a fresh one for each scenario, warmed up on a small incident and a short list) and measures from
outside: the time of each answer, its size, and the child's peak resident memory above what it held
before (VmHWM, reset through /proc/PID/clear_refs):

- one view of the big incident;
- eight views of it at once (each answer's time and status; the peak of them all), then 24 (``--burst``):
  more than the render cap lets wait, so some are answered 503 with Retry-After;
- the list of the 30 days' incidents (``/incidents?since=30d``), its first page and a deep one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BIG = "inc-b19b19b19b19"
SMALL = "inc-5ma115ma115"
BRAND = "Acme Air"
SOURCES = ("x", "reddit", "bluesky", "mastodon", "news")
WORDS = ("bag", "lost", "flight", "refund", "delayed", "gate", "crew", "seat", "cancelled", "hours", "nobody",
         "answers", "again", "terrible", "service", "airport", "luggage", "weekend", "ticket", "call")


# building -------------------------------------------------------------------------------------------

def _text(rng: random.Random, n: int) -> str:
    return f"{BRAND} " + " ".join(rng.choice(WORDS) for _ in range(22)) + f" #{n}"


def _mention(rng: random.Random, n: int, incident: str | None, at: datetime, author: str, *, by_brand: bool = False,
             complaint: bool = True) -> dict[str, Any]:
    likes = int(rng.paretovariate(1.2)) if not by_brand else 0
    return {"source": SOURCES[n % len(SOURCES)], "post_id": f"p{n}", "brand": BRAND, "kind": "post",
            "url": f"https://example.com/p/{n}", "text": _text(rng, n), "author_id": f"id-{author}",
            "author_handle": author, "followers": rng.randrange(10, 5000), "created_at": at, "first_seen": at,
            "last_observed_at": at, "metrics": {"likes": likes, "reposts": likes // 3, "replies": likes // 5},
            "engagement": likes + likes // 3 + likes // 5, "in_reply_to": None, "conversation_id": None,
            "by_brand": by_brand, "lang": "en", "sentiment": -0.6, "complaint": 0.9 if complaint else 0.2,
            "is_complaint": complaint and not by_brand, "cues": ["refund"] if n % 7 == 0 else [],
            "score": round(rng.random(), 4), "incident_id": incident}


def _state(rng: random.Random, authors: list[str], repeaters: dict[str, int] | None = None) -> dict[str, Any]:
    return {"mentions": len(authors), "complaints": len(authors), "authors": authors[:300], "n_authors": len(authors),
            "author_complaints": repeaters or {a: 1 for a in authors[:20]}, "author_last": {}, "sources": ["x", "reddit"],
            "cues": {"refund": 3}, "engagement": 120, "history": [[1.7e9 + i * 60, i * 5] for i in range(20)],
            "start": 1.7e9, "max_followers": 4000, "max_mention_score": 0.8, "max_complaint": 0.9,
            "first_complaint_at": 1.7e9, "brand_replied_at": None, "articles": 0, "snapshots": 4, "top": [],
            "tier": 2, "post_engagement": {}, "score": 0.6,
            "reasons": ["12 people complained within 3 hours", "refund demanded", "no answer from the brand for 5 h"]}


def build(db: Path, posts: int, incidents: int) -> None:
    """The database described in the module's docstring (an existing file is replaced)."""
    from monitor.storage import schema as s
    from monitor.storage.bulk import insert_rows
    from monitor.storage.store import Store

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    rng = random.Random(7)
    now = datetime.now(UTC).replace(microsecond=0)
    store = Store(f"sqlite:///{db}", durable=False)
    start = now - timedelta(days=7)
    span = (now - timedelta(hours=1) - start).total_seconds()
    repeaters = {f"regular{k}": 2 + k % 3 for k in range(300)}
    with store.begin() as conn:
        rows, snaps = [], []
        for n in range(posts):
            at = start + timedelta(seconds=span * n / posts)
            author = f"regular{(n // 50) % 300}" if n % 50 == 0 else f"user{rng.randrange(posts // 2)}"
            rows.append(_mention(rng, n, BIG, at, author, by_brand=n % 50 == 25))
            snaps.append({"source": rows[-1]["source"], "post_id": f"p{n}", "brand": BRAND, "created_at": at,
                          "observed_at": at, "payload": {"id": f"p{n}", "metrics": rows[-1]["metrics"]}})
            if n % 20 == 0:  # re-read later with more engagement
                for k in (1, 2, 3):
                    metrics = {"likes": rows[-1]["metrics"]["likes"] * (k + 1), "reposts": k, "replies": k}
                    snaps.append({"source": rows[-1]["source"], "post_id": f"p{n}", "brand": BRAND, "created_at": at,
                                  "observed_at": at + timedelta(minutes=10 * k), "payload": {"id": f"p{n}", "metrics": metrics}})
            if len(rows) >= 5000:
                insert_rows(conn, s.mentions, rows)
                insert_rows(conn, s.observations, snaps)
                rows, snaps = [], []
        # The repeat complainants' complaints in other incidents (five each).
        for k, author in enumerate(repeaters):
            for j in range(5):
                rows.append(_mention(rng, posts + k * 5 + j, f"inc-other{k:07d}", start - timedelta(days=j + 1), author))
        insert_rows(conn, s.mentions, rows)
        insert_rows(conn, s.observations, snaps)
        insert_rows(conn, s.incident_scores, [
            {"incident_id": BIG, "at": start + timedelta(minutes=10 * k), "score": 0.3 + 0.6 * k / 1008,
             "tier": 1 + (k > 300) + (k > 700)} for k in range(1008)])
        event = {"incident": BIG, "brand": BRAND, "score": 0.8, "mentions": posts, "authors": posts // 2,
                 "reasons": ["a storm"], "sources": list(SOURCES), "top_posts": [], "at": now.isoformat()}
        insert_rows(conn, s.outbox, [
            {"dedup_key": f"{BIG}:{tier}", "incident_id": BIG, "channel": "slack", "created_at": start + timedelta(days=d),
             "event": {**event, "tier": tier, "previous_tier": prev}, "attempts": 1, "next_attempt_at": None,
             "last_error": None, "sent_at": start + timedelta(days=d), "failed_at": None}
            for d, tier, prev in ((0.5, "watch", "none"), (2, "warning", "watch"), (4, "critical", "warning"))])
        insert_rows(conn, s.incidents, [
            {"id": BIG, "brand": BRAND, "first_seen": start, "last_seen": now - timedelta(hours=1), "tier": 3,
             "alerted_tier": 3, "score": 0.91, "mentions": posts, "authors": posts // 2, "brand_replied_at": start,
             "state": _state(rng, [f"user{k}" for k in range(300)], repeaters)},
            {"id": SMALL, "brand": BRAND, "first_seen": now - timedelta(hours=3), "last_seen": now - timedelta(hours=2),
             "tier": 1, "alerted_tier": 1, "score": 0.4, "mentions": 3, "authors": 3, "brand_replied_at": None,
             "state": _state(rng, ["a", "b", "c"])}])
        batch = []
        for k in range(incidents):
            last = now - timedelta(seconds=rng.uniform(0, 30 * 86400))
            authors = [f"u{k}-{j}" for j in range(12)]
            batch.append({"id": f"inc-{k:012x}", "brand": BRAND if k % 3 else "Other Air",
                          "first_seen": last - timedelta(hours=5), "last_seen": last, "tier": 1 + k % 3,
                          "alerted_tier": 1 + k % 3, "score": round(rng.uniform(0.35, 0.95), 4), "mentions": 12,
                          "authors": 12, "brand_replied_at": None, "state": _state(rng, authors)})
            if len(batch) >= 5000:
                insert_rows(conn, s.incidents, batch)
                batch = []
        insert_rows(conn, s.incidents, batch)
    store.close()


# serving (the child) --------------------------------------------------------------------------------

def serve(db: Path) -> None:
    """Serve ``db``'s pages on a free port (printed), until stdin closes."""
    from prometheus_client import CollectorRegistry

    from monitor.config.settings import parse_config
    from monitor.daemon.health import HealthServer
    from monitor.storage.store import Store
    from monitor.web.pages import Pages

    cfg = parse_config("[web]\nenabled = true\n", env={}).config
    store = Store(f"sqlite:///{db}")
    pages = Pages(store, cfg.web, cfg.scoring, lambda: datetime.now(UTC))
    with HealthServer(store, CollectorRegistry(), lambda: True, port=0, pages=pages) as server:
        print(server.port, flush=True)
        sys.stdin.read()


# measuring (the parent) -----------------------------------------------------------------------------

def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


class Peak:
    """The child's peak resident memory above what it holds at the start (VmHWM reset at the start)."""

    def __init__(self, pid: int):
        self.pid = pid

    def __enter__(self) -> Peak:
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        self.base = _kib(self.pid, "VmRSS")
        return self

    def __exit__(self, *exc: object) -> None:
        self.growth_mb = (_kib(self.pid, "VmHWM") - self.base) / 1024


def fetch(url: str) -> tuple[int, int, float, dict[str, str]]:
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=600) as resp:
            body, status, headers = resp.read(), resp.status, dict(resp.headers)
    except urllib.error.HTTPError as exc:
        body, status, headers = exc.read(), exc.code, dict(exc.headers)
    return status, len(body), time.perf_counter() - t0, headers


def at_once(url: str, n: int) -> list[tuple[int, int, float, dict[str, str]]]:
    results: list[Any] = [None] * n
    gate = threading.Barrier(n)

    def one(k: int) -> None:
        gate.wait()
        results[k] = fetch(url)

    threads = [threading.Thread(target=one, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _views(views: list[tuple[int, int, float, dict[str, str]]], wall: float, growth_mb: float) -> dict[str, Any]:
    return {"wall": wall, "growth_mb": growth_mb, "statuses": [v[0] for v in views],
            "seconds": sorted(round(v[2], 2) for v in views),
            "busy_seconds": max((v[2] for v in views if v[0] == 503), default=None),
            "retry_after": sorted({v[3].get("Retry-After", "") for v in views} - {""})}


class Server:
    """The child serving the pages, warmed up (imports, templates, the database's first pages)."""

    def __init__(self, db: Path, code: str | None):
        env = dict(os.environ)
        if code:
            env["BENCH_PAGES_CODE"] = code
        self.child = subprocess.Popen([sys.executable, __file__, "--serve", str(db)], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True, env=env)
        assert self.child.stdout is not None
        self.base = f"http://127.0.0.1:{int(self.child.stdout.readline())}"
        for path in ("/healthz", f"/incidents/{SMALL}", "/incidents?per_page=5"):
            fetch(self.base + path)
        self.rss_mb = _kib(self.child.pid, "VmRSS") / 1024

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.child.stdin:
            self.child.stdin.close()
        self.child.wait(timeout=30)


def measure(db: Path, code: str | None, burst: int) -> dict[str, Any]:
    """Each scenario in a fresh server, so that none inherits the memory another left mapped."""
    out: dict[str, Any] = {}
    with Server(db, code) as server, Peak(server.child.pid) as peak:
        status, size, secs, _ = fetch(f"{server.base}/incidents/{BIG}")
    out["rss_start_mb"] = server.rss_mb
    out["one"] = {"status": status, "seconds": secs, "html_mb": size / 1e6, "growth_mb": peak.growth_mb}
    for name, n in (("eight", 8), ("burst", burst)):
        with Server(db, code) as server, Peak(server.child.pid) as peak:
            t0 = time.perf_counter()
            views = at_once(f"{server.base}/incidents/{BIG}", n)
            wall = time.perf_counter() - t0
        out[name] = _views(views, wall, peak.growth_mb)
    for name, query in (("list", "?since=30d"), ("deep", "?since=30d&page=500")):
        with Server(db, code) as server, Peak(server.child.pid) as peak:
            status, size, secs, _ = fetch(f"{server.base}/incidents{query}")
        out[name] = {"status": status, "seconds": secs, "html_mb": size / 1e6, "growth_mb": peak.growth_mb}
    return out


def report(r: dict[str, Any], posts: int, incidents: int) -> None:
    one = r["one"]
    print(f"server resident after warming up: {r['rss_start_mb']:.0f} MB (each scenario in a fresh one)")
    print(f"one view, {posts:,} posts:      {one['status']} in {one['seconds']:.2f} s, {one['html_mb']:.2f} MB of HTML, "
          f"peak +{one['growth_mb']:.0f} MB")
    for name, label in (("eight", "eight views at once:"), ("burst", f"{len(r['burst']['statuses'])} views at once:")):
        x = r[name]
        statuses = ", ".join(f"{n}×{s}" for s in sorted(set(x["statuses"])) if (n := x["statuses"].count(s)))
        busy = f"; 503 within {x['busy_seconds']:.2f} s, Retry-After {x['retry_after']}" if x["busy_seconds"] else ""
        print(f"{label:<27}{statuses}; each {x['seconds']} s; all in {x['wall']:.2f} s, peak +{x['growth_mb']:.0f} MB{busy}")
    for name, label in (("list", f"list since=30d, {incidents:,}:"), ("deep", "its page 500:")):
        x = r[name]
        print(f"{label:<27}{x['status']} in {x['seconds']:.2f} s, {x['html_mb']:.2f} MB of HTML, peak +{x['growth_mb']:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", type=Path, default=Path("/tmp/bench_pages.db"))
    ap.add_argument("--posts", type=int, default=100_000, help="posts of the big incident")
    ap.add_argument("--incidents", type=int, default=50_000, help="incidents over the 30 days")
    ap.add_argument("--rebuild", action="store_true", help="build the database even if it is there")
    ap.add_argument("--code", help="serve with the monitor/ package of this directory (a before/after comparison)")
    ap.add_argument("--burst", type=int, default=24, help="views asked at once in the last scenario")
    ap.add_argument("--json", action="store_true", help="print the measurements as JSON")
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0
    meta = args.db.with_suffix(".json")
    wanted = {"posts": args.posts, "incidents": args.incidents}
    if args.rebuild or not args.db.exists() or not meta.exists() or json.loads(meta.read_text()) != wanted:
        t0 = time.perf_counter()
        build(args.db, args.posts, args.incidents)
        meta.write_text(json.dumps(wanted))
        print(f"built {args.db} in {time.perf_counter() - t0:.0f} s ({args.db.stat().st_size / 1e6:.0f} MB)")
    result = measure(args.db, args.code, args.burst)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        report(result, args.posts, args.incidents)
    return 0


if __name__ == "__main__":
    if os.environ.get("BENCH_PAGES_CODE"):  # the server child of --code: that copy of monitor/ first
        sys.path.insert(0, os.environ["BENCH_PAGES_CODE"])
    sys.exit(main())
