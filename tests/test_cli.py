"""The command line end to end, against local fake Reddit and X APIs: real processes, real SQLite."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fakes.social import FakeSocial

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {"REDDIT_CLIENT_ID": "rid-123456", "REDDIT_CLIENT_SECRET": "rsecret-abcdef",
           "X_BEARER_TOKEN": "xtoken-0987654321"}


def write_config(tmp: Path, url: str) -> Path:
    cfg = tmp / "monitor.toml"
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
api_base_url = "{url}"
subreddits = ["all"]
[sources.x]
bearer_token = "${{X_BEARER_TOKEN}}"
api_base_url = "{url}"
[alerts]
min_tier = "watch"
""")
    return cfg


def monitor(*args: str, env: dict[str, str] | None = None, timeout: float = 120,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **SECRETS, "PRAW_ALLOW_ENDPOINT_OVERRIDE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "monitor.cli", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, cwd=cwd or ROOT)


def db_rows(tmp: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(tmp / "m.db") as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def fake():
    with FakeSocial(reddit_credentials=(SECRETS["REDDIT_CLIENT_ID"], SECRETS["REDDIT_CLIENT_SECRET"]),
                    x_bearer_token=SECRETS["X_BEARER_TOKEN"]) as f:
        f.seed_demo()
        yield f


def test_poll_once_stores_dedups_snapshots_and_exports(tmp_path: Path, fake: FakeSocial) -> None:
    cfg = write_config(tmp_path, fake.url)
    first = monitor("poll-once", "--config", str(cfg))
    assert first.returncode == 0, first.stderr
    mentions = db_rows(tmp_path, "select source, post_id from mentions order by 1, 2")
    sources = {m[0] for m in mentions}
    assert sources == {"reddit", "x"}
    assert not any("fryer" in t[0].lower() for t in db_rows(tmp_path, "select text from mentions"))
    snapshots = db_rows(tmp_path, "select count(*) from observations")[0][0]

    # The same answers again: no duplicate mention, no new snapshot.
    fake.clear_log()
    again = monitor("poll-once", "--config", str(cfg))
    assert again.returncode == 0, again.stderr
    assert db_rows(tmp_path, "select source, post_id from mentions order by 1, 2") == mentions
    assert db_rows(tmp_path, "select count(*) from observations")[0][0] == snapshots
    assert fake.requests_to("/2/tweets/search/recent")[0].param("since_id")  # the cursor was used

    # Higher metrics later: a new snapshot of the same post.
    tweet = next(pid for src, pid in mentions if src == "x")
    fake.set_metrics(tweet, likes=5000, retweets=900)
    later = monitor("poll-once", "--config", str(cfg))
    assert later.returncode == 0, later.stderr
    assert db_rows(tmp_path, "select count(*) from observations")[0][0] > snapshots
    assert db_rows(tmp_path, f"select count(*) from observations where post_id = '{tweet}'")[0][0] == 2
    assert db_rows(tmp_path, "select source, post_id from mentions order by 1, 2") == mentions

    out = tmp_path / "export.jsonl"
    exported = monitor("export", "--config", str(cfg), "--since", "2000-01-01T00:00:00Z", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == db_rows(tmp_path, "select count(*) from observations")[0][0]
    for line in lines:
        assert {"source", "id", "text", "created_at", "observed_at", "metrics", "author", "brand"} <= set(line)
        assert line["brand"] == "Acme Air"
    assert [x["observed_at"] for x in lines] == sorted(x["observed_at"] for x in lines)
    # The export replays and scores as contract JSONL.
    scored = monitor("score", "--input", str(out))
    assert scored.returncode == 0 and len(scored.stdout.splitlines()) == len(lines)
    # No secret anywhere in what the user saw.
    for proc in (first, again, later, exported):
        for secret in SECRETS.values():
            assert secret not in proc.stdout + proc.stderr


def test_rate_limited_source_does_not_stop_the_other(tmp_path: Path, fake: FakeSocial) -> None:
    cfg = write_config(tmp_path, fake.url)
    fake.fail_next("/2/tweets/search/recent", 429, {"x-rate-limit-reset": str(int(time.time()) + 900)}, times=5)
    proc = monitor("poll-once", "--config", str(cfg))
    assert proc.returncode == 0, proc.stderr
    assert "failed: x" in proc.stderr
    assert {r[0] for r in db_rows(tmp_path, "select distinct source from mentions")} == {"reddit"}
    assert "Traceback" not in proc.stderr


def test_sigkill_mid_poll_neither_loses_nor_duplicates(tmp_path: Path, fake: FakeSocial) -> None:
    cfg = write_config(tmp_path, fake.url)
    fake.set_delay("/2/tweets", 60)  # Reddit is polled and committed, then X hangs mid-poll
    env = {**os.environ, **SECRETS, "PRAW_ALLOW_ENDPOINT_OVERRIDE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "monitor.cli", "poll-once", "--config", str(cfg)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not fake.requests_to("/2/tweets/search/recent") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake.requests_to("/2/tweets/search/recent"), "the poll never reached X"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    reddit_before = db_rows(tmp_path, "select post_id from mentions where source = 'reddit' order by 1")
    assert reddit_before and not db_rows(tmp_path, "select 1 from mentions where source = 'x'")

    fake.set_delay("/2/tweets", 0)
    again = monitor("poll-once", "--config", str(cfg))
    assert again.returncode == 0, again.stderr
    dup = db_rows(tmp_path, "select source, post_id, count(*) from observations group by 1, 2 having count(*) > 1")
    assert dup == []
    assert db_rows(tmp_path, "select post_id from mentions where source = 'reddit' order by 1") == reddit_before
    assert len(db_rows(tmp_path, "select 1 from mentions where source = 'x'")) == 2  # both brand-matched tweets


def test_run_without_credentials_starts_says_why_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    proc = subprocess.Popen([sys.executable, "-m", "monitor.cli", "--log-json", "run", "--brand", "Acme Air"],
                            cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines: list[dict] = []
    deadline = time.monotonic() + 60
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(json.loads(line))
        if lines[-1]["event"] == "started":
            break
    off = {entry["source"]: entry["reason"] for entry in lines if entry["event"] == "source off"}
    from sources import SOURCES, load_source_class

    assert set(off) == {n for n in SOURCES if load_source_class(n).config_model.needs} | {"appstore"}
    assert "REDDIT_CLIENT_ID" in off["reddit"] and "X_BEARER_TOKEN" in off["x"]
    assert off["appstore"] == "no apps configured"  # keyless, but it reads only the apps listed
    levels = {entry["source"]: entry["level"] for entry in lines if entry["event"] == "source off"}
    assert levels["appstore"] == "info" and levels["x"] == "warning"  # off on purpose is no warning
    time.sleep(1.0)
    assert proc.poll() is None, "the daemon must keep running"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
    assert (tmp_path / "monitor.db").exists()


def test_score_reports_bad_lines_by_number_without_traceback(tmp_path: Path) -> None:
    data = tmp_path / "in.jsonl"
    good = {"source": "x", "id": "1", "text": "Still waiting for my refund, third call, nobody answers",
            "created_at": "2024-01-01T00:00:00Z"}
    data.write_text(json.dumps(good) + "\n{broken\n" + json.dumps({**good, "id": "2"}) + "\n")
    proc = monitor("score", "--input", str(data))
    assert proc.returncode == 0
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["id"] for o in out] == ["1", "2"]
    assert set(out[0]) == {"source", "id", "lang", "sentiment", "complaint", "is_complaint", "cues", "score"}
    assert "in.jsonl:2:" in proc.stderr and "Traceback" not in proc.stderr
    strict = monitor("score", "--strict", "--input", str(data))
    assert strict.returncode == 2 and "in.jsonl:2:" in strict.stderr and "Traceback" not in strict.stderr
    missing = monitor("score", "--input", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2 and "nope.jsonl" in missing.stderr


def test_score_sets_aside_a_line_whose_id_is_no_unicode(tmp_path: Path) -> None:
    """A lone surrogate in an id (valid JSON, no UTF-8) once stopped the whole run at the first write."""
    data = tmp_path / "in.jsonl"
    good = '{"source": "x", "id": "%s", "text": "%s", "created_at": "2024-01-01T00:00:00Z"}'
    data.write_text("\n".join([good % ("1\\ud800", "late again"), good % ("2", "awful \\ud800 service")]) + "\n")
    proc = monitor("score", "--input", str(data))
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["id"] for line in proc.stdout.splitlines()] == ["2"]
    assert "in.jsonl:1: 'id' holds a lone surrogate" in proc.stderr and "Traceback" not in proc.stderr


def test_score_one_text() -> None:
    proc = monitor("score", "Charged twice and still no refund. I have contacted my lawyer.")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["is_complaint"] and "legal" in out["cues"] and -1 <= out["sentiment"] <= 1


def test_check_config_exit_codes(tmp_path: Path) -> None:
    ok = monitor("check-config", str(ROOT / "config.example.toml"), env={k: "" for k in ()})
    assert ok.returncode == 0 and "OK" in ok.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text('[[brands]]\nname = "A"\nkeywords = []\n[sources.x]\nintervall = "5m"\n')
    proc = monitor("check-config", str(bad))
    assert proc.returncode == 2
    assert "brands[0].keywords" in proc.stderr and "sources.x.intervall" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert monitor("check-config", str(tmp_path / "missing.toml")).returncode == 2
    assert monitor("nonsense-command").returncode == 2


@given(st.one_of(st.none(), st.text()), st.one_of(st.none(), st.text()), st.text(max_size=5),
       st.one_of(st.floats(), st.integers(-2, 2), st.booleans()), st.one_of(st.floats(), st.integers(-2, 2)),
       st.one_of(st.booleans(), st.integers(0, 1)), st.lists(st.text(max_size=6), max_size=3),
       st.one_of(st.floats(), st.integers(-2, 2)))
def test_score_lines_are_what_the_json_encoder_writes(source: str | None, ident: str | None, lang: str, sent: float,
                                                      p: float, is_complaint: bool, cues: list[str], s: float) -> None:
    """`monitor score` writes its lines by hand: byte for byte the encoder's, NaN, odd types and quotes included."""
    from monitor.cli import score_line
    from monitor.models import MentionScore

    r = MentionScore(lang=lang, sentiment=sent, complaint=p, is_complaint=is_complaint, cues=tuple(cues), score=s)
    expected = json.dumps({"source": source, "id": ident, "lang": lang, "sentiment": sent, "complaint": p,
                           "is_complaint": is_complaint, "cues": cues, "score": s}, ensure_ascii=False) + "\n"
    assert score_line(source, ident, r) == expected
