"""Processes killed at random points and stopped while sending: nothing lost, nothing repeated."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.fakes.slack import FakeSlack
from tests.fakes.social import FakeSocial

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {"REDDIT_CLIENT_ID": "rid-crash-1", "REDDIT_CLIENT_SECRET": "rsecret-crash-1", "X_BEARER_TOKEN": "xtok-crash-1",
           "SLACK_BOT_TOKEN": "xoxb-crash-test"}


def config(tmp: Path, social: str, slack: str) -> Path:
    cfg = tmp / "m.toml"
    cfg.write_text(f"""
[storage]
url = "sqlite:///{tmp / 'm.db'}"
[[brands]]
name = "Acme Air"
keywords = ["acme air", "acmeair"]
handles = {{ x = "acmeair" }}
exclude = ["acme air fryer"]
[sources.reddit]
client_id = "${{REDDIT_CLIENT_ID}}"
client_secret = "${{REDDIT_CLIENT_SECRET}}"
api_base_url = "{social}"
[sources.x]
bearer_token = "${{X_BEARER_TOKEN}}"
api_base_url = "{social}"
[alerts]
min_tier = "watch"
[alerts.console]
enabled = false
[alerts.slack]
bot_token = "${{SLACK_BOT_TOKEN}}"
channel = "#cx-escalations"
api_base_url = "{slack}"
[scoring]
min_mentions_first_alert = 1
watch = 0.2
[daemon]
health_port = 0
""")
    return cfg


def start(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, **SECRETS, "PRAW_ALLOW_ENDPOINT_OVERRIDE": "1"}
    return subprocess.Popen([sys.executable, "-m", "monitor.cli", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def rows(tmp: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(tmp / "m.db") as conn:
        return conn.execute(sql).fetchall()


def fakes():
    social = FakeSocial(reddit_credentials=(SECRETS["REDDIT_CLIENT_ID"], SECRETS["REDDIT_CLIENT_SECRET"]),
                        x_bearer_token=SECRETS["X_BEARER_TOKEN"])
    return social, FakeSlack(token=SECRETS["SLACK_BOT_TOKEN"])


def test_sigkill_at_random_points_repeatedly(tmp_path: Path) -> None:
    rng = random.Random(2024)
    social, slack = fakes()
    with social, slack:
        social.seed_demo()
        cfg = config(tmp_path, social.url, slack.api_url)
        for _ in range(5):
            social.set_delay("/", rng.uniform(0.0, 0.4))  # every request slowed: kills land mid-poll
            slack.delay = rng.uniform(0.0, 0.5)
            proc = start("poll-once", "--config", str(cfg))
            time.sleep(rng.uniform(0.5, 4.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        social.set_delay("/", 0.0)
        slack.delay = 0.0
        final = start("poll-once", "--config", str(cfg))
        out, err = final.communicate(timeout=120)
        assert final.returncode == 0, err
    assert rows(tmp_path, "select source, post_id, count(*) from mentions group by 1, 2 having count(*) > 1") == []
    assert rows(tmp_path, "select source, post_id, observed_at, count(*) from observations group by 1, 2, 3 "
                          "having count(*) > 1") == []
    mentions = {r[0] for r in rows(tmp_path, "select post_id from mentions")}
    assert len(mentions) == 5  # every brand post of the seed: 3 on Reddit, 2 on X (fryer posts excluded)
    pending = rows(tmp_path, "select count(*) from outbox where sent_at is null and failed_at is null")[0][0]
    assert pending == 0
    sent = rows(tmp_path, "select incident_id, count(*) from outbox where sent_at is not null group by 1")
    roots = [m for m in slack.roots()]
    assert len(roots) == len(sent), "one Slack message per incident, whatever the kills"


def test_sigterm_while_sending_stops_cleanly_and_loses_nothing(tmp_path: Path) -> None:
    social, slack = fakes()
    with social, slack:
        social.seed_demo()
        cfg = config(tmp_path, social.url, slack.api_url)
        slack.delay = 3.0
        proc = start("run", "--config", str(cfg))
        assert slack.received.wait(timeout=60), proc.stderr.read() if proc.poll() is not None else "no Slack call"
        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=15)
        assert code == 0 and time.monotonic() - began < 10
        slack.delay = 0.0
        again = start("poll-once", "--config", str(cfg))
        _, err = again.communicate(timeout=120)
        assert again.returncode == 0, err
    pending = rows(tmp_path, "select count(*) from outbox where sent_at is null and failed_at is null")[0][0]
    assert pending == 0
    incidents = {r[0] for r in rows(tmp_path, "select incident_id from outbox")}
    assert incidents and len(slack.roots()) == len(incidents)
