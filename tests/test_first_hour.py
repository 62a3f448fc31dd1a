"""A user's first hour (issue 25), as real processes: the demo kept in the database as incidents to
try the incident commands on, commands that need only the database, actions said once, config
mistakes of intent caught, and the replay's post-mortem answer in its JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.config.settings import ConfigError, parse_config

ROOT = Path(__file__).resolve().parent.parent
SECRETS = ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "X_BEARER_TOKEN", "SLACK_BOT_TOKEN", "MONITOR_WEB_TOKEN")


def monitor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    return subprocess.run([sys.executable, "-m", "monitor.cli", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd, env={**env, "PYTHONPATH": str(ROOT)})


LIVE = """
[storage]
url = "sqlite:///{db}"
[[brands]]
name = "Northwind Parcel"
keywords = ["northwind parcel"]
[sources.x]
bearer_token = "${{X_BEARER_TOKEN}}"
[sources.reddit]
client_id = "${{REDDIT_CLIENT_ID}}"
client_secret = "${{REDDIT_CLIENT_SECRET}}"
[alerts.slack]
bot_token = "${{SLACK_BOT_TOKEN}}"
channel = "#cx"
"""


def test_the_demo_kept_as_incidents_and_handled_with_no_secret_at_all(tmp_path: Path) -> None:
    """No credentials: the demo kept in the database, listed, read and acknowledged (once), with the
    daemon's own config whose X, Reddit and Slack secrets are not in this shell."""
    config = tmp_path / "live.toml"
    config.write_text(LIVE.format(db=tmp_path / "monitor.db"))
    kept = monitor("replay", "--demo", "--store", "--config", str(config), "--format", "json", cwd=tmp_path)
    assert kept.returncode == 0, kept.stderr
    assert "kept in sqlite:///" in kept.stderr and "monitor incidents --since 2024-04-04" in kept.stderr

    listed = monitor("incidents", "--since", "2024-04-04", "--config", str(config), "--format", "json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    [story] = [i for i in json.loads(listed.stdout)["incidents"] if i["tier"] == "critical"]
    short = story["incident"].removeprefix("inc-")[:6]
    shown = monitor("incident", short, "--config", str(config), "--format", "json", cwd=tmp_path)
    assert shown.returncode == 0 and json.loads(shown.stdout)["incident"]["incident"] == story["incident"]

    from sqlalchemy import create_engine, insert

    from monitor.storage import schema as s

    engine = create_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    with engine.begin() as conn:  # the daemon posted this story to Slack
        conn.execute(insert(s.channel_state).values(incident_id=story["incident"], channel="slack",
                                                    state={"channel": "C0CX", "ts": "1712345678.000100"}))
    engine.dispose()
    ack = monitor("ack", short, "--by", "dana", "--config", str(config), cwd=tmp_path)
    assert ack.returncode == 0 and "dana acknowledged this incident" in ack.stdout, ack.stderr
    assert "not noted under the incident's slack message" in ack.stderr  # no Slack token here: said, not failed
    again = monitor("ack", short, "--by", "dana", "--config", str(config), cwd=tmp_path)
    assert again.returncode == 0 and "already acknowledged" in again.stdout
    snooze = monitor("snooze", short, "--for", "4h", "--config", str(config), cwd=tmp_path)
    assert "it is critical, so its alerts still go out" in snooze.stdout  # not "unless it turns critical"
    history = json.loads(monitor("incident", short, "--config", str(config), "--format", "json", cwd=tmp_path).stdout)
    assert [e["action"] for e in history["timeline"] if e["kind"] == "action"] == ["acknowledge", "snooze"]

    # ... and the incident page shows it, acknowledged (the pages as the daemon serves them).
    import http.client
    from datetime import UTC, datetime

    from monitor.storage.store import Store
    from monitor.web.pages import Pages

    web = parse_config("[web]\nenabled = true\n", env={}).config
    store = Store(f"sqlite:///{tmp_path / 'monitor.db'}")
    request = http.client.HTTPMessage()
    request["Host"] = "127.0.0.1:8080"
    page = Pages(store, web.web, web.scoring, lambda: datetime.now(UTC)).handle(f"/incidents/{story['incident']}", "",
                                                                                 request, client="127.0.0.1")
    pages = Pages(store, web.web, web.scoring, lambda: datetime.now(UTC))
    short = pages.handle(f"/incidents/{story['incident'][4:10]}", "", request, client="127.0.0.1")  # as the CLI takes it
    store.close()
    assert page.status == 200 and b"acknowledged" in page.body and b"Northwind Parcel" in page.body
    assert short.status == 302 and short.headers["Location"] == story["incident"]

    missing = monitor("ack", "ffffff", "--config", str(config), cwd=tmp_path)
    assert missing.returncode == 2 and f"sqlite:///{tmp_path / 'monitor.db'}" in missing.stderr
    # The daemon itself still needs what it uses.
    run = monitor("poll-once", "--config", str(config), cwd=tmp_path)
    assert run.returncode == 2 and "X_BEARER_TOKEN" in run.stderr


def test_replay_json_carries_the_lead_times(tmp_path: Path) -> None:
    done = monitor("replay", "--demo", "--format", "json", cwd=tmp_path)
    doc = json.loads(done.stdout)
    assert [(r["tier"], r["lead_hours"]) for r in doc["lead_times"]] == [("warning", 519.0), ("critical", 0.0)]
    assert doc["lead_times"][0]["marker"] == "local TV story" and doc["lead_times"][0]["at"] == "2024-04-18T03:00:00Z"


def test_the_table_is_one_alert_a_paragraph_within_the_terminal(tmp_path: Path) -> None:
    env_cols = {"COLUMNS": "100"}
    done = subprocess.run([sys.executable, "-m", "monitor.cli", "replay", "--demo", "--format", "table"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env_cols})
    lines = done.stdout.splitlines()
    assert lines[0].startswith("2024-04-18T03:00:00Z  warning   Northwind Parcel  inc-3b3eabb08d8d")
    assert all(len(line) <= 100 for line in lines), max(lines, key=len)
    assert any("one customer's complaint escalating" in line for line in lines[1:3])


@pytest.mark.parametrize("bad, key, says", [
    ('[sources.hackernews]\ninterval = 15\n', "sources.hackernews.interval", "has no unit"),
    ('[scoring]\nwindow = "3"\n', "scoring.window", "has no unit"),
    ('[sources.news]\ninterval = "5s"\n', "sources.news.interval", "at least 15m"),
])
def test_config_mistakes_of_intent_are_named(bad: str, key: str, says: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config('[[brands]]\nname = "A"\nkeywords = ["a"]\n' + bad, env={})
    assert f"{key}: " in str(exc.value) and says in str(exc.value)


def test_zero_still_switches_off_and_code_may_give_seconds() -> None:
    from monitor.config.settings import ScoringConfig

    cfg = parse_config('[[brands]]\nname = "A"\nkeywords = ["a"]\n[daemon]\njitter = 0\n', env={}).config
    assert cfg.daemon.jitter == 0
    assert ScoringConfig(window=3600).window == 3600.0


def test_usage_is_logged_at_info_once_an_hour_per_source(tmp_path: Path, scorer, caplog) -> None:
    """A 25-minute run logged 152 `usage` lines of 314: now each poll's usage is at debug, and once an
    hour per source at info."""
    import logging

    from monitor.daemon.app import Monitor
    from tests.conftest import FakeClock
    from tests.fakes.keyless import FakeKeyless

    clock = FakeClock()
    with FakeKeyless() as fake:
        loaded = parse_config(f'[storage]\nurl = "sqlite:///{tmp_path / "m.db"}"\n[[brands]]\nname = "Acme Air"\n'
                              f'keywords = ["acme air"]\n[sources.hackernews]\napi_base_url = "{fake.url}/api/v1"\n')
        mon = Monitor.create(loaded, clock, scorer=scorer, channels={})
        caplog.set_level(logging.DEBUG, logger="monitor")
        for _ in range(12):  # an hour of five-minute polls
            mon.poll_source("hackernews")
            clock.advance(minutes=5)
        mon.poll_source("hackernews")
        mon.close()
    usage = [r.levelno for r in caplog.records if r.getMessage() == "usage"]
    assert len(usage) == 13 and usage.count(logging.INFO) == 2
