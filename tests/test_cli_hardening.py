"""The command line as a new user (and a hostile post) meets it: paths, brands, check-config's summary,
score's exit status, terminal escapes. Real processes, no network."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from alerts.console import ConsoleChannel
from monitor.jsonl import dumps
from monitor.replay import demo
from tests.fakes.alerting import event, post

ROOT = Path(__file__).resolve().parent.parent
CREDENTIALS = ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "X_BEARER_TOKEN")
HOSTILE = "\x1b[2J\x1b[H\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07\x9b31m\r\nFAKE LINE\x07"


def monitor(*args: str, cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in CREDENTIALS}
    return subprocess.run([sys.executable, "-m", "monitor.cli", *args], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd, env={**base, "PYTHONPATH": str(ROOT), "COLUMNS": "200", **(env or {})})


def demo_jsonl(path: Path, **changes: object) -> Path:
    path.write_text("".join(dumps(dataclasses.replace(o, **changes) if changes else o) + "\n"
                            for o in demo.observations()))
    return path


# Output paths ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, named", [
    (("export", "--since", "1d", "-o", "/nonexistent/dir/x.jsonl"), "/nonexistent/dir/x.jsonl"),
    (("export", "--since", "1d", "-o", "{tmp}"), "{tmp}"),
    (("replay", "--demo", "--report", "/nonexistent/r.html"), "/nonexistent/r.html"),
    (("replay", "--demo", "--report", "{tmp}"), "{tmp}"),
])
def test_unwritable_outputs_exit_2_naming_the_path(tmp_path: Path, args: tuple[str, ...], named: str) -> None:
    proc = monitor(*(a.format(tmp=tmp_path) for a in args), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert named.format(tmp=tmp_path) in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""  # checked before the work: no replay output


# Watching nothing -----------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [("run", "--brand", ""), ("run", "--brand", "  "), ("poll-once", "--brand", ""),
                                  ("run",), ("poll-once",)])
def test_watching_nothing_is_an_error(tmp_path: Path, args: tuple[str, ...]) -> None:
    proc = monitor(*args, cwd=tmp_path, timeout=60)  # a daemon watching nothing used to run for ever
    assert proc.returncode == 2, proc.stderr
    assert "--brand" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "monitor.db").exists()  # refused before anything was opened


def test_check_config_without_brands_is_an_error(tmp_path: Path) -> None:
    cfg = tmp_path / "nobrands.toml"
    cfg.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "m.db"}"\n')
    proc = monitor("check-config", str(cfg), cwd=tmp_path)
    assert proc.returncode == 2 and f"{cfg}: brands: no brand to watch" in proc.stderr


def test_replay_says_why_it_finds_nothing_and_brand_names_what_to_replay(tmp_path: Path) -> None:
    data = demo_jsonl(tmp_path / "demo.jsonl")
    nothing = monitor("replay", "--input", str(data), "--format", "json", cwd=tmp_path)
    assert nothing.returncode == 0, nothing.stderr
    assert json.loads(nothing.stdout)["stats"]["mentions"] == 0
    assert "no brand is configured" in nothing.stderr and "--brand NAME" in nothing.stderr
    named = monitor("replay", "--input", str(data), "--brand", "Northwind Parcel", "--format", "json", cwd=tmp_path)
    assert named.returncode == 0, named.stderr
    doc = json.loads(named.stdout)
    assert doc["stats"]["mentions"] > 100 and {a["brand"] for a in doc["alerts"]} == {"Northwind Parcel"}
    assert "no brand" not in named.stderr
    other = monitor("replay", "--input", str(data), "--brand", "Acme Air", "--format", "json", cwd=tmp_path)
    assert json.loads(other.stdout)["stats"]["mentions"] == 0 and "none matched the keywords of Acme Air" in other.stderr


# check-config: a truthful summary -------------------------------------------------------------------

def test_check_config_summary_says_what_the_daemon_would_do(tmp_path: Path) -> None:
    cfg = tmp_path / "full.toml"
    cfg.write_text("""
[[brands]]
name = "Acme Air"
keywords = ["acme air"]
[sources.reddit]
subreddits = ["flights"]
[sources.hackernews]
[sources.bluesky]
enabled = false
[alerts.slack]
bot_token = "${SLACK_T}"
app_token = "${SLACK_A}"
channel = "C0123ABCD"
[alerts.webhook]
url = "https://hooks.example.com/complaints/${HOOK_KEY}"
secret = "${HOOK_SECRET}"
[alerts.email]
host = "smtp.example.com"
sender = "monitor@example.com"
to = ["cx@example.com", "oncall@example.com"]
[[alerts.routes]]
min_tier = "critical"
channels = ["email"]
continue = true
[alerts.quiet_hours]
start = "22:00"
end = "07:00"
timezone = "Europe/Warsaw"
""")
    env = {"SLACK_T": "xoxb-111-SuMmArY", "SLACK_A": "xapp-1-A0APP-222", "HOOK_KEY": "k3y-In-PaTh-999",
           "HOOK_SECRET": "hmac-SuMmArY-333"}
    proc = monitor("check-config", str(cfg), cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "sources.reddit: off (no credentials: set sources.reddit.client_id and client_secret)" in out
    assert "sources.x: off (no credentials: set sources.x.bearer_token)" in out
    assert "sources.hackernews: on, every 5m" in out
    assert "sources.bluesky: off (enabled = false)" in out and "sources.news: off (no [sources.news] section)" in out
    assert "alerts.console: on" in out and "alerts.slack: on, channel C0123ABCD, with buttons" in out
    assert "alerts.webhook: on, https://hooks.example.com, signed" in out
    assert "alerts.email: on, via smtp.example.com:587 to 2 recipient(s)" in out
    assert "1 route(s)" in out and "quiet hours 22:00-07:00 (Europe/Warsaw)" in out
    assert " enabled" not in out
    for secret in env.values():
        assert secret not in out + proc.stderr


@pytest.mark.parametrize("bad, key", [
    ('[alerts.slack]\nbot_token = "${SLACK_T}"\n', "alerts.slack.channel"),
    ("[scoring]\nwarning = 0.8\ncritical = 0.7\n", "scoring.critical"),
    ("[sources.hackernews]\ninterval = inf\n", "sources.hackernews.interval"),
    ("[daemon]\njitter = nan\n", "daemon.jitter"),
    ("[scoring]\nwindow = 0\n", "scoring.window"),
    ("[sources.hackernews]\ntimeout = 1e308\n", "sources.hackernews.timeout"),
])
def test_check_config_refuses_what_would_crash_the_daemon(tmp_path: Path, bad: str, key: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[[brands]]\nname = "Acme Air"\nkeywords = ["acme air"]\n' + bad)
    proc = monitor("check-config", str(cfg), cwd=tmp_path, env={"SLACK_T": "xoxb-1"})
    assert proc.returncode == 2 and f"{cfg}: {key}: " in proc.stderr and "Traceback" not in proc.stderr


# score ----------------------------------------------------------------------------------------------

def test_score_exits_2_when_every_line_is_bad(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{broken\n{"source": "x"}\nnot json at all\n')
    proc = monitor("score", "--input", str(bad), cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert f"{bad}: no valid observation: all 3 line(s) are malformed" in proc.stderr
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert monitor("score", "--input", str(empty), cwd=tmp_path).returncode == 0  # nothing to score is not an error


# Terminal escapes -----------------------------------------------------------------------------------

def test_replay_table_prints_no_escape_sequence_from_public_text(tmp_path: Path) -> None:
    observations = []
    for o in demo.observations():
        author = o.author
        if author.handle == "dana_k":  # the complainant, named in the incident's reasons
            author = dataclasses.replace(author, handle="dana" + HOSTILE + "_k")
        observations.append(dataclasses.replace(o, author=author, brand="Northwind" + HOSTILE + " Parcel",
                                                source=o.source + HOSTILE.lower()))
    data = tmp_path / "hostile.jsonl"
    data.write_text("".join(dumps(o) + "\n" for o in observations))
    proc = monitor("replay", "--input", str(data), "--format", "table", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Northwind" in proc.stdout and "FAKE LINE" in proc.stdout  # shown, but inert
    for control in ("\x1b", "\x07", "\x9b", "\r"):
        assert control not in proc.stdout, repr(control)
    assert all("FAKE LINE" not in line.strip()[:9] for line in proc.stdout.splitlines())  # never a line of its own


def test_console_channel_prints_no_escape_sequence_from_public_text() -> None:
    out = io.StringIO()
    hostile = post("refund please" + HOSTILE, author="eve" + HOSTILE, url="https://x.com/1" + HOSTILE)
    ConsoleChannel(out).send(event(brand="Acme" + HOSTILE, posts=[hostile], reasons=("why" + HOSTILE,)), {})
    printed = out.getvalue()
    assert "Acme" in printed and "refund please" in printed
    for control in ("\x1b", "\x07", "\x9b", "\r"):
        assert control not in printed, repr(control)
    assert not any(line.startswith("FAKE LINE") for line in printed.splitlines())


# Durations a user types ------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["incidents"], ["export", "-o", "out.jsonl"], ["replay"]])
def test_a_look_back_of_ten_thousand_years_is_refused_not_a_crash(tmp_path: Path, command: list[str]) -> None:
    """Issue 26: `--since 99999999999d` exited 1 with an OverflowError."""
    config = tmp_path / "m.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "m.db"}"\n')
    proc = monitor(*command, "--since", "99999999999d", "--config", str(config), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "too far back" in proc.stderr and "Traceback" not in proc.stderr


def test_outputs_are_private_and_a_shared_database_is_made_private(tmp_path: Path) -> None:
    """Issue 26: `export -o` and `replay --report` wrote 0644 files of the handles the 0600 database
    holds, and an existing 0644 database was left so without a word."""
    import stat

    db = tmp_path / "m.db"
    config = tmp_path / "m.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{db}"\n')
    assert monitor("incidents", "--config", str(config), cwd=tmp_path).returncode == 0
    db.chmod(0o644)
    (tmp_path / "old.jsonl").write_text("")
    (tmp_path / "old.jsonl").chmod(0o644)
    proc = monitor("--log-json", "export", "--since", "30d", "-o", "old.jsonl", "--config", str(config), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "made private (0600)" in proc.stderr
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "old.jsonl").stat().st_mode) == 0o600
    proc = monitor("replay", "--demo", "--report", "r.html", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE((tmp_path / "r.html").stat().st_mode) == 0o600


def test_a_daemon_that_would_poll_nothing_refuses_to_start(tmp_path: Path) -> None:
    """Issue 25: the shipped container config had every source off; check-config said OK and the daemon
    ran forever watching nothing."""
    config = tmp_path / "m.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "m.db"}"\n[[brands]]\nname = "Acme Air"\n'
                      'keywords = ["acme air"]\n[sources.x]\nenabled = false\nbearer_token = "t"\n')
    for args in (["check-config", str(config)], ["run", "--config", str(config)], ["poll-once", "--config", str(config)]):
        proc = monitor(*args, cwd=tmp_path, timeout=60)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "sources: no source is on" in proc.stderr and "x off (enabled = false)" in proc.stderr
        assert "news off (no [sources.news] section)" in proc.stderr


def test_the_shipped_container_config_watches_the_keyless_sources(tmp_path: Path) -> None:
    proc = monitor("check-config", str(ROOT / "deploy" / "monitor.toml"), cwd=tmp_path, env={"POSTGRES_PASSWORD": "p"})
    assert proc.returncode == 0, proc.stderr
    assert "sources.news: on" in proc.stdout and "sources.mastodon: on" in proc.stdout
