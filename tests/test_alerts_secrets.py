"""No secret (bot token, app token, webhook URL or secret, SMTP password) in any log line or error."""

from __future__ import annotations

import io
import json
import logging

import pytest
from sqlalchemy import select

from alerts import channels_from_config
from alerts.buttons import ButtonListener
from monitor.alerting.outbox import Deliverer
from monitor.alerting.testing import send_test_alert
from monitor.config.settings import parse_config
from monitor.errors import ChannelError
from monitor.logs import register_secrets, setup_logging
from monitor.storage import schema as s
from monitor.storage.store import Store
from tests.conftest import FakeClock
from tests.fakes.alerting import T0, event, queue
from tests.fakes.slack import FakeSlack
from tests.fakes.smtp import FakeSMTP

BOT = "xoxb-1234-5678-SeCrEtBoTtOkEn"
WRONG_BOT = "xoxb-1234-5678-WrOnGbOtToKeN"
APP = "xapp-1-A0APP-SeCrEtApPtOkEn"
HOOK_SECRET = "WhSeCrEtHmAcKeY"
SMTP_PASSWORD = "SmTpPaSsWoRd-42"
SLACK_HOOK = "SlAcKhOoKsEcReT"
SECRETS = (BOT, WRONG_BOT, APP, HOOK_SECRET, SMTP_PASSWORD, SLACK_HOOK, "querysecret")


def _config(fake: FakeSlack, smtp_port: int, token: str, hook: str) -> str:
    return f"""
[alerts.console]
enabled = false
[alerts.slack]
bot_token = "{token}"
app_token = "{APP}"
channel = "#cx-escalations"
api_base_url = "{fake.api_url}"
[alerts.webhook]
url = "{hook}"
secret = "{HOOK_SECRET}"
timeout = "2s"
[alerts.email]
host = "127.0.0.1"
port = {smtp_port}
starttls = false
username = "monitor"
password = "{SMTP_PASSWORD}"
sender = "monitor@example.com"
to = ["cx@example.com"]
timeout = "3s"
"""


@pytest.mark.parametrize("case", ["wrong-credentials", "rate-limited", "outage"])
def test_no_secret_in_logs_or_errors(tmp_path, caplog, case):
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    setup_logging("debug", json=True, stream=stream)  # the daemon's own rendering, redaction included
    root.addHandler(caplog.handler)
    try:
        with FakeSlack(token=BOT, webhook_secret=SLACK_HOOK) as fake, \
                FakeSMTP(username="monitor", password=SMTP_PASSWORD + ("" if case != "wrong-credentials" else "x")) \
                as smtp:
            token = WRONG_BOT if case == "wrong-credentials" else BOT
            hook = f"{fake.url}/hook?token=querysecret"  # the fake answers 404 here: a permanent failure
            if case == "rate-limited":
                fake.fail_next(None, 429, headers={"Retry-After": "3"}, times=50)
            if case == "outage":
                fake.outage(503)
            cfg = parse_config(_config(fake, smtp.port, token, hook), env={}).config
            register_secrets(cfg.secrets())
            channels = channels_from_config(cfg.alerts)
            assert set(channels) == {"slack", "webhook", "email"}
            store = Store("sqlite:///" + str(tmp_path / "m.db"))
            queue(store, event(), channels=channels)
            errors: list[str] = []
            deliverer = Deliverer(store, channels, FakeClock(T0))
            deliverer.deliver()
            deliverer.deliver()
            for result in send_test_alert(channels, FakeClock(T0)).values():
                errors.append(result.detail)
            for name, ch in channels.items():
                try:
                    ch.send(event(), {"_uncertain": True})
                except ChannelError as exc:
                    errors.append(str(exc))
                    errors.append(repr(exc))
            listener = ButtonListener(store, FakeClock(T0), token, APP, api_base_url=fake.api_url)
            listener.stop()
            with store.begin() as conn:
                errors += [r[0] or "" for r in conn.execute(select(s.outbox.c.last_error))]
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    assert any(errors), "the failure modes produced no error at all"
    records = [json.dumps({k: str(v) for k, v in r.__dict__.items()}) for r in caplog.records]
    haystack = "\n".join([*errors, *records, stream.getvalue()])
    for secret in SECRETS:
        assert secret not in haystack, f"a secret leaked ({secret[:6]}…)"
