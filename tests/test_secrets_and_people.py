"""Secrets and people: passwords in URLs, redaction by value, webhook paths, e-mail lines, SMTP logins,
and the database file that holds who pressed which button."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from alerts.email import EmailChannel
from alerts.slack import SlackWebhookChannel
from monitor.alerting.testing import send_test_alert
from monitor.config.settings import parse_config
from monitor.errors import ChannelError
from monitor.logs import redact, register_secrets, setup_logging
from monitor.storage.store import Store
from tests.conftest import FakeClock
from tests.fakes.alerting import T0, event, post
from tests.fakes.slack import FakeSlack
from tests.fakes.smtp import FakeSMTP

ROOT = Path(__file__).resolve().parent.parent
DB_PASSWORD = "hunter2@S3cr3tHalf/x?y#z"


def monitor(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT), **env})


# Passwords in URLs ----------------------------------------------------------------------------------

def test_a_password_substituted_into_a_url_is_percent_encoded() -> None:
    text = ('[storage]\nurl = "postgresql+psycopg://monitor:${PW}@127.0.0.1:5432/monitor"\n'
            '[sources.news]\napi_base_url = "https://${HOST}/news"\n')
    cfg = parse_config(text, env={"PW": DB_PASSWORD, "HOST": "news.example.com"}).config
    url = make_url(cfg.storage.url)
    assert url.password == DB_PASSWORD and url.host == "127.0.0.1" and url.database == "monitor"
    assert cfg.sources.news.api_base_url == "https://news.example.com/news"  # a host is not a password
    whole = parse_config('[storage]\nurl = "${DATABASE_URL}"\n', env={"DATABASE_URL": "sqlite:///a b.db"}).config
    assert whole.storage.url == "sqlite:///a b.db"  # a whole URL from the environment is taken as it is


def test_the_database_password_never_reaches_dns_or_the_error(tmp_path: Path) -> None:
    cfg = tmp_path / "pg.toml"
    cfg.write_text('[storage]\nurl = "postgresql+psycopg://monitor:${PW}@127.0.0.1:1/monitor"\n')
    proc = monitor("export", "--config", str(cfg), "--since", "1d", "-o", "-", env={"PW": DB_PASSWORD}, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "127.0.0.1" in proc.stderr  # the real host was tried: the password did not become the host
    for part in ("hunter2", "S3cr3tHalf"):
        assert part not in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr


def test_any_url_password_is_redacted_even_unregistered() -> None:
    line = "could not connect: postgresql://monitor:NeverRegistered-77@db.internal:5432/monitor (timeout)"
    assert "NeverRegistered-77" not in redact(line) and "db.internal:5432" in redact(line)


# Redaction by value, not by word --------------------------------------------------------------------

def test_redaction_hides_values_not_the_words_secret_and_token() -> None:
    text = ('[[brands]]\nname = "A"\nkeywords = ["a"]\n[sources.reddit]\nclient_id = "rid-7c1d2e"\n'
            'client_secret = "secret"\n[sources.x]\nbearer_token = "token"\n'
            '[alerts.webhook]\nurl = "https://hooks.example.com/in"\nsecret = "Wh00k-s1gning-key"\n')
    loaded = parse_config(text, env={})
    register_secrets(loaded.config.secrets())
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    setup_logging("info", json=True, stream=stream)
    try:
        for w in loaded.warnings:
            logging.getLogger("monitor").warning(w)
        logging.getLogger("monitor").error("webhook refused", extra={"error": "signature Wh00k-s1gning-key bad"})
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    out = stream.getvalue()
    assert "sources.reddit.client_secret: secret written in plain text" in out
    assert "use ${VAR} or client_secret_file" in out and "bearer_token_file" in out
    assert "client_***" not in out and "bearer_***" not in out
    assert "Wh00k-s1gning-key" not in out and "rid-7c1d2e" not in out
    assert "signature *** bad" in out
    assert redact("xrid-7c1d2ex") == "xrid-7c1d2ex"  # part of a longer word: not the value


def test_non_ascii_secrets_are_redacted_in_json_logs() -> None:
    register_secrets(["pässwörd-Ünïcode"])
    line = json.dumps({"event": "login failed", "password": "pässwörd-Ünïcode"})  # ASCII-escaped, as logged
    assert "p\\u00e4ssw" not in redact(line) and "***" in redact(line)


# Slack webhook paths --------------------------------------------------------------------------------

@pytest.mark.parametrize("echo", ["path", "url"])
def test_a_slack_webhook_path_echoed_in_an_error_never_leaks(echo: str) -> None:
    with FakeSlack(webhook_secret="SlAcKhOoKsEcReT-0123456789") as fake:
        echoed = fake.webhook_path if echo == "path" else fake.webhook_url
        fake.fail_next("webhook", 400, error=f"invalid_payload: {'.' * 180} while posting to {echoed} (see docs)")
        with pytest.raises(ChannelError) as info:
            SlackWebhookChannel(fake.webhook_url).send(event(), {})
    assert "SlAcKhOoK" not in str(info.value) and "invalid_payload" in str(info.value)
    cfg = parse_config(f'[alerts.slack]\nwebhook_url = "{fake.webhook_url}"\n', env={}).config
    register_secrets(cfg.secrets())
    assert "SlAcKhOoK" not in redact("error: services/T0/B0/SlAcKhOoKsEcReT-0123456789 gone")


# E-mail: lines and logins ---------------------------------------------------------------------------

def test_cr_lf_in_public_text_cannot_add_lines_to_an_alert_email() -> None:
    evil = post("refund?\r\nX-Injected: text\r\n\r\nFake paragraph", author="mallory\r\nBcc: all@example.com\n\nHi")
    with FakeSMTP() as smtp:
        EmailChannel("127.0.0.1", "monitor@example.com", ["cx@example.com"], port=smtp.port, starttls=False).send(
            event(brand="Acme\r\nReply-To: evil@example.com", posts=[evil], reasons=("one\nFAKE: line",)), {})
    [received] = smtp.received
    assert received.message["Reply-To"] is None and received.message["Bcc"] is None
    body = received.message.get_payload(decode=True).decode()
    lines = body.splitlines()
    for injected in ("X-Injected: text", "Fake paragraph", "Bcc: all@example.com", "Hi", "Reply-To: evil@example.com",
                     "FAKE: line"):
        assert all(line.strip() != injected for line in lines), injected
    assert "@mallory Bcc: all@example.com Hi" in body  # shown, on its own line, inert


def test_a_non_ascii_smtp_password_logs_in() -> None:
    password = "pässwörd-€-ü"
    with FakeSMTP(username="monitor", password=password) as smtp:
        channel = EmailChannel("127.0.0.1", "monitor@example.com", ["cx@example.com"], port=smtp.port,
                               starttls=False, username="monitor", password=password)
        channel.send(event(), {})
        assert smtp.logins == ["monitor"] and len(smtp.received) == 1
        wrong = EmailChannel("127.0.0.1", "monitor@example.com", ["cx@example.com"], port=smtp.port,
                             starttls=False, username="monitor", password="wröng")
        with pytest.raises(ChannelError) as info:
            wrong.send(event(), {})
    assert info.value.permanent and "login refused" in str(info.value) and "wröng" not in str(info.value)


class _Broken:
    """A channel with a bug: what test-alert must survive."""

    name = "broken"

    def send(self, event: object, state: dict[str, object]) -> dict[str, object]:
        raise UnicodeEncodeError("ascii", "ä", 0, 1, "ordinal not in range(128)")


def test_one_channels_bug_does_not_hide_the_others_in_test_alert() -> None:
    with FakeSlack(token="xoxb-test-alert-1") as fake:
        from alerts.slack import SlackChannel

        channels = {"broken": _Broken(), "slack": SlackChannel("xoxb-test-alert-1", "#cx-escalations",
                                                                api_base_url=fake.api_url)}
        results = send_test_alert(channels, FakeClock(T0))  # type: ignore[arg-type]
    assert not results["broken"].ok and "UnicodeEncodeError" in results["broken"].detail
    assert results["slack"].ok and len(fake.roots()) == 1


def test_test_alert_command_reports_every_channel_with_a_non_ascii_smtp_password(tmp_path: Path) -> None:
    with FakeSlack(token="xoxb-test-alert-2") as fake, FakeSMTP(username="monitor", password="gehéim-Päss") as smtp:
        cfg = tmp_path / "alerts.toml"
        cfg.write_text(f"""
[alerts.console]
enabled = false
[alerts.slack]
bot_token = "${{SLACK_T}}"
channel = "#cx-escalations"
api_base_url = "{fake.api_url}"
[alerts.email]
host = "127.0.0.1"
port = {smtp.port}
starttls = false
username = "monitor"
password = "${{SMTP_PW}}"
sender = "monitor@example.com"
to = ["cx@example.com"]
""")
        env = {"SLACK_T": "xoxb-test-alert-2", "SMTP_PW": "gehéim-Päss"}
        ok = monitor("test-alert", "--config", str(cfg), env=env, cwd=tmp_path)
        assert ok.returncode == 0, ok.stderr
        assert "slack: ok" in ok.stdout and "email: ok" in ok.stdout and len(smtp.received) == 1
        bad = monitor("test-alert", "--config", str(cfg), env={**env, "SMTP_PW": "fälsch-Päss"}, cwd=tmp_path)
    assert bad.returncode == 1 and "slack: ok" in bad.stdout and "email: FAILED" in bad.stdout
    assert "Traceback" not in bad.stderr and "fälsch" not in bad.stdout + bad.stderr


# The database file ----------------------------------------------------------------------------------

def test_the_sqlite_database_is_created_readable_by_its_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        store = Store(f"sqlite:///{tmp_path / 'm.db'}")
        assert store.count("incident_actions") == 0
        files = [p for p in tmp_path.iterdir() if p.name.startswith("m.db")]
        assert {p.name for p in files} >= {"m.db"}
        for p in files:
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p.name
        store.close()
    finally:
        os.umask(old)


def test_the_default_database_of_a_first_run_is_private(tmp_path: Path) -> None:
    proc = monitor("export", "--since", "1d", "-o", "-", env={}, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE((tmp_path / "monitor.db").stat().st_mode) == 0o600


def test_a_start_warns_once_per_cause(caplog) -> None:
    """Issue 27: every secret in plain text in one warning; a source the config switches off on purpose
    is info, one left off for want of credentials a warning."""
    from monitor.cli.common import log_warnings
    from monitor.daemon.source_health import log_sources_off

    loaded = parse_config("""
[sources.reddit]
client_id = "client-id-1"
client_secret = "client-secret-1"
[sources.x]
bearer_token = "bearer-1"
[sources.news]
enabled = false
""", env={})
    caplog.set_level(logging.INFO, logger="monitor")
    log_warnings(loaded.warnings)
    log_sources_off(logging.getLogger("monitor"), {"news": "enabled = false",
                                                   "hackernews": "no [sources.hackernews] section",
                                                   "bluesky": "no credentials: set BSKY_PASSWORD"})
    plain = [r for r in caplog.records if "plain text" in r.getMessage()]
    assert len(plain) == 1 and plain[0].levelno == logging.WARNING
    assert {"sources.reddit.client_secret", "sources.x.bearer_token"} <= set(plain[0].keys)
    off = {r.source: r.levelno for r in caplog.records if r.getMessage() == "source off"}
    assert off == {"news": logging.INFO, "hackernews": logging.INFO, "bluesky": logging.WARNING}
