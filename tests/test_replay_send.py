"""`monitor replay --send`: the daemon's routes, silences, quiet hours and retries; stdout stays the format.

The demo alerts twice for one incident: warning at 2024-04-18T03:00Z, critical at 2024-05-09T18:00Z.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.slack import FakeSlack

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "xoxb-replay-send-5555"


def replay_send(tmp: Path, fake: FakeSlack, extra: str = "", *args: str,
                console: bool = False) -> subprocess.CompletedProcess[str]:
    cfg = tmp / "send.toml"
    cfg.write_text(f"""
[alerts.console]
enabled = {str(console).lower()}
[alerts.slack]
bot_token = "${{SLACK_TOKEN_FOR_TEST}}"
channel = "#cx-escalations"
api_base_url = "{fake.api_url}"
{extra}
""")
    env = {**os.environ, "SLACK_TOKEN_FOR_TEST": TOKEN}
    return subprocess.run([sys.executable, "-m", "monitor.cli", "replay", "--demo", "--send", "--format", "json",
                           "--config", str(cfg), *args], capture_output=True, text=True, cwd=tmp, env=env,
                          timeout=300)


def posted(fake: FakeSlack) -> list[str]:
    return [m.text for m in fake.messages]


@pytest.fixture
def fake():
    with FakeSlack(token=TOKEN) as f:
        yield f


def test_send_delivers_both_alerts_as_a_replay(tmp_path: Path, fake: FakeSlack) -> None:
    proc = replay_send(tmp_path, fake)
    assert proc.returncode == 0, proc.stderr
    [root] = fake.roots()
    assert "[REPLAY]" in root.text and "CRITICAL" in root.text  # updated in place to the latest tier
    assert len(fake.replies(root.ts)) == 1
    assert [a["tier"] for a in json.loads(proc.stdout)["alerts"]] == ["warning", "critical"]


def test_send_honours_a_silence(tmp_path: Path, fake: FakeSlack) -> None:
    proc = replay_send(tmp_path, fake, '[[alerts.silences]]\nbrand = "Northwind Parcel"\ncritical = true\ncomment = "known story"\n')
    assert proc.returncode == 0, proc.stderr
    assert fake.calls("chat.postMessage") == [] and fake.calls("chat.update") == []
    # The decisions are still the replay's output: muting is about sending, not deciding.
    assert [a["tier"] for a in json.loads(proc.stdout)["alerts"]] == ["warning", "critical"]


def test_send_honours_quiet_hours_by_the_alerts_own_time(tmp_path: Path, fake: FakeSlack) -> None:
    proc = replay_send(tmp_path, fake, '[alerts.quiet_hours]\nstart = "22:00"\nend = "07:00"\ntimezone = "UTC"\n')
    assert proc.returncode == 0, proc.stderr
    [root] = fake.roots()  # the warning came at 03:00 UTC: held; the critical one goes out
    assert "CRITICAL" in root.text and "WARNING" not in root.text and fake.replies(root.ts) == []


def test_send_follows_routes_and_keeps_stdout_for_json(tmp_path: Path, fake: FakeSlack) -> None:
    route = '[[alerts.routes]]\nbrands = ["Northwind Parcel"]\nchannels = ["console"]\n'
    proc = replay_send(tmp_path, fake, route, console=True)
    assert proc.returncode == 0, proc.stderr
    assert fake.calls("chat.postMessage") == []  # routed to the console only
    assert json.loads(proc.stdout)["alerts"]  # nothing but the JSON on stdout...
    assert "[REPLAY] WARNING" in proc.stderr and "[REPLAY] CRITICAL" in proc.stderr  # ...the console is on stderr


def test_send_retries_a_429_before_exiting(tmp_path: Path, fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", 429, headers={"Retry-After": "1"})
    proc = replay_send(tmp_path, fake)
    assert proc.returncode == 0, proc.stderr
    [root] = fake.roots()
    assert len(fake.replies(root.ts)) == 1
    assert len(fake.calls("chat.postMessage")) == 3  # one refused, then the root and the escalation


def test_send_reports_what_it_could_not_deliver_in_time(tmp_path: Path, fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", 429, headers={"Retry-After": "3600"}, times=10)
    proc = replay_send(tmp_path, fake, "", "--send-timeout", "2s")
    assert proc.returncode == 1
    assert "2 alert(s) not delivered" in proc.stderr and "slack: incident" in proc.stderr
    assert "Traceback" not in proc.stderr and TOKEN not in proc.stderr
    assert json.loads(proc.stdout)["alerts"]  # the replay's own output is still complete
