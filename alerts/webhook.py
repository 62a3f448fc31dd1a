"""A generic JSON webhook: one POST per alert, signed so that the receiver can check it came from us.

Body: ``{"type": "complaint_alert", "alert": {...}}`` with the alert as in ``monitor replay --format
json`` plus ``previous_tier``, ``top_posts``, ``test`` and ``replay``. Headers::

    X-Monitor-Timestamp: 1709294400
    X-Monitor-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>." + body)>

The receiver recomputes the signature over the raw body (``verify_signature``) and rejects old
timestamps, which stops both forgery and replay of a captured request. 2xx is success; 429 waits
``Retry-After``; 408, 5xx and network errors are retried; any other status is permanent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from pydantic import field_validator

from monitor.config.durations import Timeout
from monitor.config.routing import ChannelSettings
from monitor.config.secrets import Secret, reveal
from monitor.errors import ChannelError
from monitor.events import event_to_dict
from monitor.interfaces import Clock
from monitor.models import AlertEvent
from monitor.retry import retry_after

TIMESTAMP_HEADER = "X-Monitor-Timestamp"
SIGNATURE_HEADER = "X-Monitor-Signature"
TOLERANCE = 300.0


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify_signature(secret: str, timestamp: str | None, body: bytes, signature: str | None, *,
                     now: float | None = None, tolerance: float = TOLERANCE) -> bool:
    """True when ``signature`` is ours for this body and ``timestamp`` is within ``tolerance`` seconds."""
    if not timestamp or not signature:
        return False
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature)


def payload(event: AlertEvent) -> bytes:
    return json.dumps({"type": "complaint_alert", "alert": event_to_dict(event)}, ensure_ascii=False,
                      separators=(",", ":"), sort_keys=True).encode()


class WebhookAlertConfig(ChannelSettings):
    """``[alerts.webhook]``: a JSON POST per alert, signed with HMAC-SHA256 over ``timestamp.body`` when
    ``secret`` is set."""

    url: str
    secret: Secret = None
    timeout: Timeout = 10.0

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        if v and not v.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return v

    def off_reason(self) -> str | None:
        return super().off_reason() or (None if self.url else "url is empty")

    def describe(self) -> str:
        # The host only: a webhook's path or query may hold its key.
        return f", {origin(self.url)}" + (", signed" if self.secret else ", unsigned (no secret)")


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}" + (f":{parts.port}" if parts.port else "")


class WebhookChannel:
    name = "webhook"
    config_model = WebhookAlertConfig

    @classmethod
    def from_config(cls, config: WebhookAlertConfig, *, pages_url: str | None = None) -> WebhookChannel:
        return cls(config.url, secret=reveal(config.secret), timeout=config.timeout)

    def __init__(self, url: str, *, secret: str | None = None, timeout: float = 10.0, clock: Clock | None = None,
                 session: requests.Session | None = None):
        self.url, self.secret, self.timeout, self.clock = url, secret, timeout, clock
        self.session = session or requests.Session()
        self._where = origin(url)  # no path or query: they may hold a token

    def send(self, event: AlertEvent, state: dict[str, Any]) -> dict[str, Any]:
        body = payload(event)
        now = self.clock().timestamp() if self.clock else time.time()
        headers = {"Content-Type": "application/json", "User-Agent": "complaint-monitor",
                   TIMESTAMP_HEADER: str(int(now))}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(self.secret, headers[TIMESTAMP_HEADER], body)
        try:
            resp = self.session.post(self.url, data=body, headers=headers, timeout=self.timeout,
                                     allow_redirects=False)
        except requests.Timeout:
            raise ChannelError(f"webhook {self._where}: timed out after {self.timeout:g}s") from None
        except requests.RequestException as exc:
            raise ChannelError(f"webhook {self._where}: network error ({type(exc).__name__})") from None
        raise_for_response(resp, self._where)
        return {"posted": int(state.get("posted", 0)) + 1}


def raise_for_response(resp: requests.Response, where: str) -> None:
    status = resp.status_code
    if 200 <= status < 300:
        return
    msg = f"webhook {where}: HTTP {status}"
    if status == 429:
        raise ChannelError(msg, retry_after=retry_after(resp.headers, names=("retry-after",), default=30.0))
    if status >= 500 or status == 408:
        raise ChannelError(msg)
    raise ChannelError(msg + " (not retried: check alerts.webhook.url and the receiver)", permanent=True)
