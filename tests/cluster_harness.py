"""Replicas as real ``monitor run`` processes on one PostgreSQL schema, against the local fakes.

``Cluster`` writes one config per replica (its own health port and name, and what a replica may have
besides the others: a source, a brand), starts, kills and stops them, and reads the shared database;
``Story`` makes a complaint story unfold on the fake X and Reddit over a few seconds. Used by
tests/test_replicas.py, tests/test_replicas_differ.py and bench/bench_replicas.py.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from tests.fakes.slack import FakeSlack
from tests.fakes.social import FakeSocial

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {"REDDIT_CLIENT_ID": "rid-replicas-1", "REDDIT_CLIENT_SECRET": "rsecret-replicas-1",
           "X_BEARER_TOKEN": "xtok-replicas-1", "SLACK_BOT_TOKEN": "xoxb-replicas-test"}


def fakes() -> tuple[FakeSocial, FakeSlack]:
    social = FakeSocial(reddit_credentials=(SECRETS["REDDIT_CLIENT_ID"], SECRETS["REDDIT_CLIENT_SECRET"]),
                        x_bearer_token=SECRETS["X_BEARER_TOKEN"])
    return social, FakeSlack(token=SECRETS["SLACK_BOT_TOKEN"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(condition: Callable[[], Any], timeout: float, what: str, every: float = 0.25) -> Any:
    """Poll ``condition`` until it is truthy (returned) or ``timeout`` seconds pass (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


class Cluster:
    def __init__(self, workdir: Path, url: str, social: FakeSocial, slack: FakeSlack, *, brands: str | None = None,
                 interval: float = 3.0, extra: str = "", grace: float = 5.0):
        self.workdir, self.url, self.interval = workdir, url, interval
        self.social, self.slack = social, slack
        self.brands = brands or '[[brands]]\nname = "Acme Air"\nkeywords = ["acme air", "acmeair"]\n'
        self.extra, self.grace = extra, grace
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.ports: dict[str, int] = {}
        self.extras: dict[str, str] = {}  # config sections one replica has besides the others'
        self.engine = create_engine(url)

    def config(self, name: str) -> Path:
        port = self.ports.setdefault(name, free_port())
        path = self.workdir / f"{name}.toml"
        path.write_text(f"""
[storage]
url = "{self.url}"
{self.brands}
[sources.reddit]
client_id = "${{REDDIT_CLIENT_ID}}"
client_secret = "${{REDDIT_CLIENT_SECRET}}"
api_base_url = "{self.social.url}"
interval = "{self.interval}s"
include_comments = false
[sources.x]
bearer_token = "${{X_BEARER_TOKEN}}"
api_base_url = "{self.social.url}"
interval = "{self.interval}s"
[alerts]
min_tier = "watch"
[alerts.console]
enabled = false
[alerts.slack]
bot_token = "${{SLACK_BOT_TOKEN}}"
channel = "#cx-escalations"
api_base_url = "{self.slack.api_url}"
[daemon]
health_port = {port}
reobserve_interval = "{2 * self.interval}s"
jitter = "0s"
[retention]
interval = "{2 * self.interval}s"
[cluster]
replica = "{name}"
heartbeat = "1s"
stalled_after = "3s"
shutdown_grace = "{self.grace}s"
{self.extra}
{self.extras.get(name, "")}
""")
        return path

    def start(self, name: str, extra: str | None = None) -> subprocess.Popen[bytes]:
        """Start replica ``name``; ``extra``: TOML tables for its config alone (kept for its restarts)."""
        if extra is not None:
            self.extras[name] = extra
        env = {**os.environ, **SECRETS, "PRAW_ALLOW_ENDPOINT_OVERRIDE": "1"}
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - the process keeps it
        proc = subprocess.Popen([sys.executable, "-m", "monitor.cli", "--log-json", "run", "--config",
                                 str(self.config(name))], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.procs[name] = proc
        return proc

    def ready(self, name: str) -> dict[str, Any] | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.ports[name]}/readyz", timeout=2) as r:
                return dict(json.loads(r.read()))
        except OSError:
            return None

    def wait_ready(self, name: str, timeout: float = 90) -> dict[str, Any]:
        def check() -> dict[str, Any] | None:
            if self.procs[name].poll() is not None:
                raise AssertionError(f"replica {name} exited with {self.procs[name].returncode}:\n{self.log(name)[-3000:]}")
            return self.ready(name)

        return dict(wait_for(check, timeout, f"replica {name} to be ready"))

    def metrics(self, name: str) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.ports[name]}/metrics", timeout=5) as r:
            return r.read().decode()

    def kill(self, name: str) -> None:
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait(timeout=10)

    def terminate(self, name: str, timeout: float = 30) -> int:
        self.procs[name].send_signal(signal.SIGTERM)
        return self.procs[name].wait(timeout=timeout)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        self.engine.dispose()

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")

    def query(self, sql: str) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql)).all())

    def scalar(self, sql: str) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql)).scalar()


class Story:
    """An incident that grows on X and Reddit round by round, beside a smaller one and ordinary posts.

    Round r adds two new complaints about a stranded flight (escalation words from round 3 on), lets
    the engagement of the earlier ones climb, and every other round adds a lost-bag complaint and a
    post that is not a complaint at all. Returns the brand posts it added (all must be stored).
    """

    # The flight's booking reference ties the posts on X and on Reddit into one story told on both
    # platforms: with the crowd joining in, that is what makes it critical.
    STRANDED = ["Acme Air flight 2231 (ref 2231907) has been stuck at the gate for {h} hours, no food, no information. Passenger {i}",
                "Still stuck on Acme Air 2231 (ref 2231907), {h} hours now, crew says nothing and support hangs up. #{i}"]
    ESCALATED = ["Acme Air 2231 (ref 2231907): {h} hours on the tarmac, I contacted the news and my lawyer. Passenger {i}",
                 "Acme Air flight 2231 (ref 2231907) stranded {h} hours, children crying, I have written to the CEO and the DOT. #{i}"]

    def __init__(self, social: FakeSocial):
        self.social = social
        self.tweets: list[str] = []
        self.posts = 0
        self.round = 0

    def step(self) -> None:
        r, s = self.round, self.social
        texts = self.ESCALATED if r >= 3 else self.STRANDED
        for k in range(2):
            i = 2 * r + k
            if k == 0:
                self.tweets.append(s.add_tweet(texts[k].format(h=2 + r, i=i), username=f"passenger{i}",
                                               followers=200 + 50 * i))
            else:
                s.add_reddit_post(f"Acme Air 2231 stranded passenger {i}", texts[k].format(h=2 + r, i=i),
                                  author=f"stranded{i}", subreddit="travel")
            self.posts += 1
        for n, ident in enumerate(self.tweets):
            s.set_metrics(ident, likes=(r - n // 2 + 1) ** 2 * 40, retweets=(r - n // 2) * 15)
        if r % 2 == 0:
            s.add_reddit_post("Acme Air lost my bag", f"Acme Air lost my bag on flight 88, third call and nobody answers ({r})",
                              author=f"bagless{r}", subreddit="travel")
            s.add_tweet(f"Lovely crew on my Acme Air flight to Lisbon today, thank you! ({r})", username=f"happy{r}")
            self.posts += 2
        self.round += 1
