"""The JSON webhook and email channels against real local servers, and ``send_test_alert``."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from alerts.email import EmailChannel
from alerts.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookChannel, sign, verify_signature
from monitor.alerting.testing import send_test_alert
from monitor.errors import ChannelError
from monitor.models import Tier
from tests.conftest import FakeClock
from tests.fakes.alerting import T0, event, post
from tests.fakes.slack import FakeSlack
from tests.fakes.smtp import FakeSMTP, can_make_certificates

SECRET = "whsec-0123456789abcdef"


class Receiver:
    """An HTTP endpoint that checks our signature as a user's receiver would."""

    def __init__(self, secret: str = SECRET, now: float | None = None):
        self.got: list[dict[str, Any]] = []
        self.status: list[tuple[int, dict[str, str]]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.status:
                    code, headers = receiver.status.pop(0)
                elif not verify_signature(secret, self.headers.get(TIMESTAMP_HEADER), body,
                                          self.headers.get(SIGNATURE_HEADER), now=now):
                    code, headers = 401, {}
                else:
                    receiver.got.append(json.loads(body))
                    code, headers = 204, {}
                self.send_response(code)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook?token=querysecret"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver(now=T0.timestamp())
    yield r
    r.close()


def test_webhook_posts_signed_json_the_receiver_verifies(receiver):
    ch = WebhookChannel(receiver.url, secret=SECRET, clock=FakeClock(T0))
    state = ch.send(event(posts=[post("<!channel> & co")]), {})
    state = ch.send(event(tier=Tier.critical, previous=Tier.warning), state)
    assert state == {"posted": 2}
    first = receiver.got[0]
    assert first["type"] == "complaint_alert" and first["alert"]["tier"] == "warning"
    assert first["alert"]["top_posts"][0]["text"] == "<!channel> & co"  # JSON carries the raw text


def test_webhook_with_the_wrong_secret_is_refused_permanently(receiver):
    ch = WebhookChannel(receiver.url, secret="not-the-secret", clock=FakeClock(T0))
    with pytest.raises(ChannelError) as info:
        ch.send(event(), {})
    assert info.value.permanent and "401" in str(info.value)
    assert "querysecret" not in str(info.value) and "not-the-secret" not in str(info.value)


@pytest.mark.parametrize("status,headers,permanent,retry_after", [
    (429, {"Retry-After": "12"}, False, 12.0), (500, {}, False, None), (502, {}, False, None),
    (408, {}, False, None), (404, {}, True, None), (400, {}, True, None)])
def test_webhook_failure_modes(receiver, status, headers, permanent, retry_after):
    receiver.status.append((status, headers))
    with pytest.raises(ChannelError) as info:
        WebhookChannel(receiver.url, secret=SECRET, clock=FakeClock(T0)).send(event(), {})
    assert info.value.permanent is permanent and info.value.retry_after == retry_after


def test_webhook_unreachable_is_retryable():
    with pytest.raises(ChannelError) as info:
        WebhookChannel("http://127.0.0.1:9/hook", secret=SECRET, timeout=2).send(event(), {})
    assert not info.value.permanent


def test_verify_signature_rejects_tampering_and_old_timestamps():
    body, ts = b'{"a":1}', str(int(T0.timestamp()))
    sig = sign(SECRET, ts, body)
    assert verify_signature(SECRET, ts, body, sig, now=T0.timestamp() + 10)
    assert not verify_signature(SECRET, ts, body + b" ", sig, now=T0.timestamp())
    assert not verify_signature("other", ts, body, sig, now=T0.timestamp())
    assert not verify_signature(SECRET, ts, body, sig, now=T0.timestamp() + 301)
    assert not verify_signature(SECRET, None, body, sig)
    assert not verify_signature(SECRET, "soon", body, sig)


def test_email_is_delivered_and_threads_an_incident():
    with FakeSMTP(username="monitor", password="smtp-pass-123") as smtp:
        ch = EmailChannel("127.0.0.1", "monitor@example.com", ["cx@example.com", "lead@example.com"],
                          port=smtp.port, starttls=False, username="monitor", password="smtp-pass-123", timeout=5)
        state = ch.send(event(posts=[post("<b>bold</b> <!channel>")]), {})
        ch.send(event(tier=Tier.critical, previous=Tier.warning), state)
    first, second = smtp.received
    assert first.recipients == ["cx@example.com", "lead@example.com"] and smtp.logins == ["monitor", "monitor"]
    assert "WARNING" in first.message["Subject"] and "escalated to CRITICAL" in second.message["Subject"]
    assert second.message["In-Reply-To"] == first.message["Message-ID"] == state["message_id"]
    assert "<b>bold</b> <!channel>" in first.message.get_payload(decode=True).decode()


@pytest.mark.skipif(not can_make_certificates(), reason="needs openssl to make a test certificate")
def test_email_over_starttls():
    with FakeSMTP(tls=True) as smtp:
        ch = EmailChannel("127.0.0.1", "monitor@example.com", ["cx@example.com"], port=smtp.port, starttls=True,
                          timeout=5, tls_context=smtp.client_context())
        ch.send(event(), {})
        assert smtp.received[0].tls
        untrusted = EmailChannel("127.0.0.1", "monitor@example.com", ["cx@example.com"], port=smtp.port, timeout=5)
        with pytest.raises(ChannelError) as info:
            untrusted.send(event(), {})
        assert info.value.permanent and "certificate" in str(info.value)


def test_email_failure_modes():
    with FakeSMTP(username="monitor", password="right-password") as smtp:
        def send(**kw: Any) -> ChannelError:
            args: dict[str, Any] = dict(port=smtp.port, starttls=False, username="monitor", timeout=5)
            args.update(kw)
            with pytest.raises(ChannelError) as info:
                EmailChannel("127.0.0.1", "monitor@example.com", ["cx@example.com"], **args).send(event(), {})
            return info.value

        wrong = send(password="wrong-password-x")
        assert wrong.permanent and "login refused" in str(wrong) and "wrong-password-x" not in str(wrong)
        no_tls = send(starttls=True, password="right-password")
        assert no_tls.permanent and "STARTTLS" in str(no_tls)
    with FakeSMTP(reject_recipients=True) as smtp:
        refused = EmailChannel("127.0.0.1", "m@example.com", ["nobody@example.com"], port=smtp.port,
                               starttls=False, timeout=5)
        with pytest.raises(ChannelError) as info:
            refused.send(event(), {})
        assert info.value.permanent and "nobody@example.com" in str(info.value)
    with pytest.raises(ChannelError) as info:
        EmailChannel("127.0.0.1", "m@example.com", ["a@example.com"], port=9, starttls=False, timeout=2).send(
            event(), {})
    assert not info.value.permanent


def test_send_test_alert_reports_per_channel(receiver):
    from alerts.slack import SlackChannel

    with FakeSlack(token="xoxb-test-alert") as fake:
        channels = {
            "slack": SlackChannel("xoxb-test-alert", "#cx-escalations", api_base_url=fake.api_url),
            "webhook": WebhookChannel(receiver.url, secret=SECRET, clock=FakeClock(T0)),
            "broken": SlackChannel("xoxb-test-alert", "#nowhere", api_base_url=fake.api_url),
        }
        results = send_test_alert(channels, FakeClock(T0))
        assert results["slack"].ok and results["webhook"].ok
        assert not results["broken"].ok and "permanent" in results["broken"].detail
        root = fake.roots()[0]
        assert root.text.startswith("[TEST]") and "&lt;!channel&gt;" in root.text + json.dumps(root.blocks)
    assert receiver.got[0]["alert"]["test"] is True
