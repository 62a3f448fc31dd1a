"""A local stand-in for the Slack Web API and incoming webhooks, on 127.0.0.1, for tests and demos.

Point the channel at it with ``api_base_url = fake.url + "/api/"`` (``WebClient(base_url=...)``)::

    with FakeSlack(token="xoxb-test") as fake:
        fake.fail_next("chat.postMessage", 429, headers={"Retry-After": "2"})
        ...
        assert len(fake.calls("chat.postMessage")) == 1

Methods answered like Slack does (``{"ok": ...}`` with Slack's error names): ``auth.test``,
``chat.postMessage``, ``chat.update``, ``conversations.history``, ``conversations.replies``,
``conversations.list``.
Channels are known by name (``#cx-escalations``) and by ID. ``POST /services/T0/B0/<secret>`` is an
incoming webhook (answers ``ok`` as text, or ``no_service`` / ``invalid_token``).

Controls: ``delay`` (answer late, after accepting), ``received`` (an Event set at the first call),
``fail_next(method, status, headers, error, times)``, ``outage(status)`` / ``recover()``
(every request fails until recovered), ``calls(method)`` (the request log: JSON bodies as Slack got
them), ``messages`` (what the channel would show: roots and their threads).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    body: bytes


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[Any]
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    edits: int = 0


@dataclass
class _Failure:
    method: str | None
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    times: int = 1


class FakeSlack:
    def __init__(self, token: str = "xoxb-test-token", channels: dict[str, str] | None = None,
                 webhook_secret: str = "hooksecret"):
        self.token = token
        self.channels = channels or {"#cx-escalations": "C0CXESC01"}
        self.webhook_path = f"/services/T0/B0/{webhook_secret}"
        self.calls_log: list[Call] = []
        self.messages: list[Message] = []
        self._failures: list[_Failure] = []
        self._outage: int | None = None
        self._lock = threading.Lock()
        self._n = 0
        self._epoch = int(time.time())
        self.delay = 0.0  # seconds to wait before answering (after Slack has accepted the call)
        self.received = threading.Event()  # set at the first API call
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.api_url = self.url + "/api/"
        self.webhook_url = self.url + self.webhook_path
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self) -> FakeSlack:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # controls ------------------------------------------------------------------------------------

    def fail_next(self, method: str | None, status: int = 500, *, headers: dict[str, str] | None = None,
                  error: str | None = None, times: int = 1) -> None:
        self._failures.append(_Failure(method, status, headers or {}, error, times))

    def outage(self, status: int = 500) -> None:
        self._outage = status

    def recover(self) -> None:
        self._outage = None

    def calls(self, method: str | None = None) -> list[Call]:
        return [c for c in self.calls_log if method is None or c.method == method]

    def roots(self) -> list[Message]:
        return [m for m in self.messages if m.thread_ts is None]

    def replies(self, ts: str) -> list[Message]:
        return [m for m in self.messages if m.thread_ts == ts]

    # the API -------------------------------------------------------------------------------------

    def _channel(self, name: str) -> str | None:
        if name in self.channels.values():
            return name
        return self.channels.get(name) or self.channels.get("#" + name.lstrip("#"))

    def _answer(self, method: str, p: dict[str, Any], auth: str) -> tuple[int, dict[str, str], Any]:
        for f in self._failures:
            if f.method in (None, method):
                f.times -= 1
                if f.times <= 0:
                    self._failures.remove(f)
                if f.error is not None:
                    return f.status, f.headers, {"ok": False, "error": f.error}
                body = {"ok": False, "error": "ratelimited"} if f.status == 429 else "<html>Internal error</html>"
                return f.status, f.headers, body
        if self._outage is not None:
            return self._outage, {}, "<html>Service unavailable</html>"
        if auth != f"Bearer {self.token}":
            return 200, {}, {"ok": False, "error": "not_authed" if not auth else "invalid_auth"}
        if method == "auth.test":
            return 200, {}, {"ok": True, "url": self.url + "/", "team": "Test Team", "user": "monitor",
                             "team_id": "T0TEST", "user_id": "U0BOT", "bot_id": "B0BOT"}
        if method == "conversations.list":
            return 200, {}, {"ok": True, "channels": [{"id": i, "name": n.lstrip("#"), "is_channel": True}
                                                      for n, i in self.channels.items()],
                             "response_metadata": {"next_cursor": ""}}
        if method not in ("chat.postMessage", "chat.update", "conversations.history", "conversations.replies"):
            return 200, {}, {"ok": False, "error": "unknown_method"}
        channel = self._channel(str(p.get("channel", "")))
        if channel is None:
            return 200, {}, {"ok": False, "error": "channel_not_found"}
        meta = p.get("metadata")
        meta = json.loads(meta) if isinstance(meta, str) else meta
        blocks = p.get("blocks") or []
        blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
        if method == "chat.postMessage":
            self._n += 1
            ts = f"{self._epoch + self._n}.{self._n:06d}"  # like Slack: the server's own time
            thread = p.get("thread_ts")
            if thread and not any(m.ts == thread and m.channel == channel for m in self.messages):
                return 200, {}, {"ok": False, "error": "thread_not_found"}
            msg = Message(channel, ts, str(p.get("text", "")), blocks, thread, meta)
            self.messages.append(msg)
            return 200, {}, {"ok": True, "channel": channel, "ts": ts, "message": {"text": msg.text, "ts": ts}}
        if method == "chat.update":
            for m in self.messages:
                if m.channel == channel and m.ts == p.get("ts"):
                    m.text, m.blocks, m.metadata, m.edits = str(p.get("text", "")), blocks, meta or m.metadata, m.edits + 1
                    return 200, {}, {"ok": True, "channel": channel, "ts": m.ts, "text": m.text}
            return 200, {}, {"ok": False, "error": "message_not_found"}
        with_meta = str(p.get("include_all_metadata", "")).lower() in ("1", "true")
        if method == "conversations.history":
            oldest = float(p.get("oldest") or 0)
            found = [m for m in self.messages if m.channel == channel and m.thread_ts is None and float(m.ts) > oldest]
        else:
            found = [m for m in self.messages if m.channel == channel and p.get("ts") in (m.ts, m.thread_ts)]
            found.sort(key=lambda m: float(m.ts))
            found.reverse()
        return 200, {}, {"ok": True, "has_more": False, "messages": [
            {"type": "message", "ts": m.ts, "text": m.text, **({"thread_ts": m.thread_ts} if m.thread_ts else {}),
             **({"metadata": m.metadata} if with_meta and m.metadata else {})} for m in reversed(found)]}

    def _webhook(self, path: str) -> tuple[int, dict[str, str], Any]:
        for f in self._failures:
            if f.method in (None, "webhook"):
                f.times -= 1
                if f.times <= 0:
                    self._failures.remove(f)
                return f.status, f.headers, f.error or "internal_error"
        if self._outage is not None:
            return self._outage, {}, "service_unavailable"
        if not path.startswith("/services/T0/B0/"):
            return 404, {}, "no_service"
        if path != self.webhook_path:
            return 403, {}, "invalid_token"
        return 200, {}, "ok"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                params: dict[str, Any] = dict(parse_qsl(parts.query))
                if body:
                    if "json" in (self.headers.get("Content-Type") or ""):
                        params.update(json.loads(body))
                    else:
                        params.update(parse_qsl(body.decode()))
                method = parts.path.rsplit("/", 1)[-1] if parts.path.startswith("/api/") else "webhook"
                with fake._lock:
                    fake.calls_log.append(Call(method, params, dict(self.headers.items()), body))
                    if method == "webhook":
                        status, headers, answer = fake._webhook(parts.path)
                    else:
                        status, headers, answer = fake._answer(method, params, self.headers.get("Authorization", ""))
                fake.received.set()
                if fake.delay:
                    time.sleep(fake.delay)
                raw = json.dumps(answer).encode() if isinstance(answer, dict) else str(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if isinstance(answer, dict) else "text/html")
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = _serve

        return Handler
