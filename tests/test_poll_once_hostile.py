"""``monitor poll-once`` against a hostile local API, as a real process: gzip bombs, a huge answer, a
trickle and absurd numbers. It stays under 400 MB, ends within its timeouts, stores the valid posts of
the absurd page, and a source polled beside them is unaffected."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.fakes.hostile import HostileAPI
from tests.fakes.keyless import FakeKeyless

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], cwd: Path, timeout: float) -> tuple[int, str, float, float]:
    """(exit status, stderr, seconds, peak resident MB) of one real process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDDIT_", "X_"))}
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "monitor.cli", "--log-json", *args], cwd=cwd,
                            env={**env, "PYTHONPATH": str(ROOT), "PRAW_ALLOW_ENDPOINT_OVERRIDE": "1"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    # The child's own peak, read from its memory's high-water mark while it runs: wait4's ru_maxrss
    # would also count the pytest process it was spawned from (Linux carries the old memory's peak
    # across exec), which grows with the tests that ran before.
    peak_kb = 0
    while True:
        peak_kb = max(peak_kb, _high_water_kb(proc.pid))
        pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - started > timeout:
            proc.kill()
            raise AssertionError(f"poll-once still running after {timeout}s")
        time.sleep(0.02)
    took = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join(10)
    return proc.returncode, err[0] if err else "", took, peak_kb / 1024


def _high_water_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0  # gone, or a zombie (no memory left to read)


def test_poll_once_against_a_hostile_api(db_url: str, tmp_path: Path) -> None:
    with HostileAPI(bomb_mib=300, huge_mib=100, trickle_every=0.2) as api, FakeKeyless() as fine:
        status = fine.add_status("<p>Acme Air lost my bag #acmeair</p>", tags=("acmeair",))
        config = tmp_path / "m.toml"
        config.write_text(f"""
[storage]
url = "{db_url}"
[daemon]
health_port = 0
[[brands]]
name = "Acme Air"
keywords = ["acme air"]
[sources.x]
bearer_token = "hostile-token"
api_base_url = "{api.url}/gzip"
[sources.reddit]
client_id = "hostile-id"
client_secret = "hostile-secret"
api_base_url = "{api.url}/nums"
include_comments = false
[sources.news]
api_base_url = "{api.url}/gzip"
[sources.bluesky]
api_base_url = "{api.url}/huge"
[sources.hackernews]
api_base_url = "{api.url}/trickle"
timeout = "2s"
request_deadline = "3s"
[sources.mastodon]
api_base_url = "{fine.url}"
""")
        code, err, took, peak = run(["poll-once", "--config", str(config)], tmp_path, timeout=120)
    assert code == 0, err  # two sources worked
    assert took < 60 and peak < 400, (took, peak)
    print(f"poll-once: {took:.1f} s, peak {peak:.0f} MB")
    failed = err.rsplit("failed: ", 1)[1].split()
    assert sorted(f.strip(",") for f in failed) == ["bluesky", "hackernews", "news", "x"] and "Traceback" not in err, err
    assert "max_response_size" in err and "request_deadline" in err and "unusable data left out" in err
    engine = create_engine(db_url)
    with engine.connect() as conn:
        reddit = dict(conn.execute(text("SELECT post_id, followers FROM mentions WHERE source = 'reddit'")).all())
        scores = [conn.execute(text("SELECT metrics FROM mentions WHERE source = 'reddit' AND post_id = :p"),
                               {"p": f"t3_n{i}"}).scalar() for i in range(8)]
        mastodon = conn.execute(text("SELECT post_id FROM mentions WHERE source = 'mastodon'")).scalars().all()
    engine.dispose()
    assert set(reddit) == {f"t3_n{i}" for i in range(8)}  # every valid post of the absurd page
    assert [m["score"] if isinstance(m, dict) else __import__("json").loads(m)["score"] for m in scores] == \
        [None, None, 0, None, 2**31 + 5, None, None, 12]
    assert mastodon == [f"{fine.url.split('://')[1]}/{status}"]
