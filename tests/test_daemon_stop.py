"""Stopping the daemon: a signal is handled at once whichever thread the kernel gives it to, a second
signal in quick succession is harmless, and running jobs delay the stop by a bounded time only."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from monitor.config.settings import parse_config
from monitor.daemon.app import Monitor, utc_now
from monitor.daemon.scheduler import run_daemon
from tests.fakes.hostile import HostileAPI

ROOT = Path(__file__).resolve().parent.parent


def quiet_monitor(tmp_path: Path, scorer) -> Monitor:
    loaded = parse_config(f'[storage]\nurl = "sqlite:///{tmp_path / "m.db"}"\n[daemon]\nhealth_port = 0\n', env={})
    return Monitor.create(loaded, utc_now, scorer=scorer, channels={})


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_handed_to_another_thread_stops_the_daemon_at_once(tmp_path: Path, scorer, signum: int) -> None:
    mon = quiet_monitor(tmp_path, scorer)  # no source: the scheduler sleeps ~30 s until its first job

    def signal_this_thread() -> None:
        time.sleep(0.5)
        signal.pthread_kill(threading.get_ident(), signum)  # the kernel's choice, made explicit

    sender = threading.Thread(target=signal_this_thread, daemon=True)
    exits: list[int] = []
    started = time.monotonic()
    sender.start()
    run_daemon(mon, force_exit=exits.append)
    took = time.monotonic() - started
    mon.close()
    assert exits == [] and took < 3, took  # before: the signal waited for the scheduler's next wake-up
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers put back


def start(config: Path, tmp_path: Path) -> tuple[subprocess.Popen[str], list[dict]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDDIT_", "X_"))}
    proc = subprocess.Popen([sys.executable, "-m", "monitor.cli", "--log-json", "run", "--config", str(config)],
                            cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    lines: list[dict] = []
    until = time.monotonic() + 60
    while time.monotonic() < until:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(json.loads(line))
        if lines[-1]["event"] == "started":
            return proc, lines
    proc.kill()
    raise AssertionError(f"the daemon did not start: {lines}")


def finish(proc: subprocess.Popen[str], lines: list[dict], timeout: float) -> tuple[int, float, str]:
    started = time.monotonic()
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, time.monotonic() - started, err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_two_signals_in_quick_succession_stop_cleanly(tmp_path: Path, signum: int) -> None:
    config = tmp_path / "m.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "m.db"}"\n[daemon]\nhealth_port = 0\n'
                      '[[brands]]\nname = "Acme Air"\nkeywords = ["acme air"]\n'
                      '[sources.hackernews]\napi_base_url = "http://127.0.0.1:9"\n')  # a daemon watches something
    for _ in range(2):
        proc, lines = start(config, tmp_path)
        proc.send_signal(signum)
        proc.send_signal(signum)  # what `timeout -s INT` and an impatient hand do
        code, _, err = finish(proc, lines, 15)
        assert code == 0 and "Traceback" not in err and "SchedulerNotRunningError" not in err, err
        events = [json.loads(line)["event"] for line in err.splitlines() if line.startswith("{")]
        assert events.count("stopping") == 1 and events[-1] == "stopped", events


def test_running_jobs_hold_the_stop_for_a_bounded_time(tmp_path: Path) -> None:
    with HostileAPI(trickle_every=0.1) as api:
        config = tmp_path / "m.toml"
        config.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "m.db"}"\n'
                          '[daemon]\nhealth_port = 0\nshutdown_timeout = "2s"\n'
                          '[[brands]]\nname = "Acme Air"\nkeywords = ["acme air"]\n'
                          f'[sources.hackernews]\napi_base_url = "{api.url}/trickle"\ntimeout = "5s"\n'
                          'request_deadline = "10m"\npoll_deadline = "10m"\n')
        proc, lines = start(config, tmp_path)
        until = time.monotonic() + 30
        while not api.requests and time.monotonic() < until:  # the poll is reading its trickle
            time.sleep(0.05)
        assert api.requests
        proc.send_signal(signal.SIGTERM)
        code, took, err = finish(proc, lines, 20)
        assert code == 1 and took < 6, (code, took, err)
        assert "stopped without waiting for running jobs" in err and "poll:hackernews" in err and "Traceback" not in err
