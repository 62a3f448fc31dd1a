"""Zero-config first run: the keyless sources are on by default, Reddit and X stay off without
credentials, and ``monitor run --brand`` works with no credentials at all (against local fakes)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitor.config.settings import load_config, parse_config
from monitor.config.sources import off_on_purpose
from monitor.daemon.app import build_sources
from monitor.errors import ConfigError
from sources import SOURCES, load_source_class
from tests.conftest import FakeClock
from tests.fakes.keyless import FakeKeyless

ROOT = Path(__file__).resolve().parent.parent
KEYLESS = {"news", "hackernews", "bluesky", "mastodon"}
# Every source that needs credentials is off without them (Reddit, X, YouTube, ...).
CREDENTIALED = {n for n in SOURCES if load_source_class(n).config_model.needs}


def test_no_config_means_keyless_sources_on_and_credentialed_ones_off() -> None:
    loaded = load_config(None, env={})
    active, off = build_sources(loaded.config, FakeClock(), loaded.off)
    assert set(active) == KEYLESS
    # App Store needs no key but reads only the apps listed: off on purpose until one is.
    assert set(off) == CREDENTIALED | {"appstore"} and {"reddit", "x", "trustpilot"} <= CREDENTIALED
    assert "REDDIT_CLIENT_ID" in off["reddit"] and "X_BEARER_TOKEN" in off["x"]
    assert "THREADS_ACCESS_TOKEN" in off["threads"] and "FACEBOOK_PAGE_TOKEN" in off["facebook"]
    assert "INSTAGRAM_ACCESS_TOKEN" in off["instagram"] and "TRUSTPILOT_API_KEY" in off["trustpilot"]
    assert off["appstore"] == "no apps configured" and off_on_purpose(off["appstore"])
    assert not off_on_purpose(off["trustpilot"])
    intervals = {name: getattr(loaded.config.sources, name).interval for name in active}
    assert all(300 <= v <= 900 for v in intervals.values())


def test_a_config_file_lists_the_keyless_sources_it_wants() -> None:
    loaded = parse_config('[sources.hackernews]\n[sources.news]\nenabled = false\n')
    active, off = build_sources(loaded.config, FakeClock(), loaded.off)
    assert set(active) == {"hackernews"}
    assert off["bluesky"] == "no [sources.bluesky] section" and off["news"] == "enabled = false"  # said as it is


def test_config_errors_name_the_key() -> None:
    with pytest.raises(ConfigError, match=r"sources.myspace: unknown source \(known: " + ", ".join(SOURCES) + r"\)"):
        parse_config("[sources.myspace]\n")
    with pytest.raises(ConfigError, match="sources.mastodon.instances"):
        parse_config('[sources.mastodon]\ninstances = ["mastodon.social"]\n')
    with pytest.raises(ConfigError, match="sources.news.search_path"):
        parse_config('[sources.news]\nsearch_path = "/rss"\n')
    loaded = parse_config('[sources.bluesky]\napi_base_url = "ftp://nope"\n')
    with pytest.raises(ConfigError, match="sources.bluesky"):
        build_sources(loaded.config, FakeClock(), loaded.off)


def test_secrets_of_new_sources_are_secrets(tmp_path: Path) -> None:
    loaded = parse_config('[sources.bluesky]\nhandle = "me.bsky.social"\napp_password = "${BSKY_PW}"\n'
                          '[sources.mastodon]\naccess_token = "${MASTO}"\n', env={"BSKY_PW": "pw-123456", "MASTO": "tok-654321"})
    assert {"pw-123456", "tok-654321"} <= set(loaded.config.secrets())


def test_run_brand_without_credentials(tmp_path: Path) -> None:
    with FakeKeyless() as fake:
        fake.seed_demo("Acme Air")
        cfg = tmp_path / "minimal.toml"
        cfg.write_text(f"""
[sources.news]
api_base_url = "{fake.url}"
[sources.hackernews]
api_base_url = "{fake.url}/api/v1"
[sources.bluesky]
api_base_url = "{fake.url}"
[sources.mastodon]
api_base_url = "{fake.url}"
""")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("REDDIT_", "X_"))}
        env["PYTHONPATH"] = str(ROOT)
        proc = subprocess.Popen([sys.executable, "-m", "monitor.cli", "--log-json", "run", "--brand", "Acme Air",
                                 "--config", str(cfg)], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 90
            found: set[str] = set()
            while time.monotonic() < deadline and found != KEYLESS and proc.poll() is None:
                time.sleep(0.5)
                if (tmp_path / "monitor.db").exists():
                    try:
                        with sqlite3.connect(tmp_path / "monitor.db") as conn:
                            found = {r[0] for r in conn.execute("select distinct source from mentions")}
                    except sqlite3.OperationalError:
                        pass  # schema not there yet
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
        assert found == KEYLESS, err[-3000:]
        assert proc.returncode == 0, err[-3000:]
        assert '"source": "reddit"' in err and "source off" in err  # says why Reddit and X are off
        assert not [r for r in fake.requests if r.path.startswith(("/api/v1/access_token", "/2/"))]
