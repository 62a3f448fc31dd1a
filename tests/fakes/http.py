"""The plumbing of the local fake APIs: a threaded HTTP server on 127.0.0.1, a request log, injected
failures. Subclasses answer ``route(method, path, query, headers, body)`` with a ``Reply``."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Reply:
    status: int
    payload: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    content_type: str = "application/json; charset=utf-8"


@dataclass
class _Failure:
    prefix: str
    status: int
    headers: dict[str, str]
    times: int
    body: bytes | None
    skip: int = 0


class FakeServer:
    """Serves from a daemon thread; ``url`` is its base. Use as a context manager."""

    name = "fake"

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._lock = threading.RLock()
        self._failures: list[_Failure] = []
        self._log: list[Request] = []
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=self.name, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fail_next(self, path_prefix: str, status: int, headers: dict[str, str] | None = None, *, times: int = 1,
                  body: bytes | str | None = None, skip: int = 0) -> None:
        """The next ``times`` requests to ``path_prefix`` (after letting ``skip`` through) answer ``status``."""
        raw = body.encode() if isinstance(body, str) else body
        with self._lock:
            self._failures.append(_Failure(path_prefix, status, dict(headers or {}), times, raw, skip))

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._log)

    def requests_to(self, path_prefix: str) -> list[Request]:
        return [r for r in self.requests if r.path.startswith(path_prefix)]

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def route(self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
              body: bytes) -> Reply:
        return Reply(404, {"error": "NotFound"})

    def _handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Reply:
        parts = urlsplit(raw_path)
        query = parse_qs(parts.query, keep_blank_values=True)
        with self._lock:
            self._log.append(Request(method, parts.path, query, headers, body))
            failure = next((f for f in self._failures if f.times > 0 and parts.path.startswith(f.prefix)), None)
            if failure is not None and failure.skip > 0:
                failure.skip -= 1
            elif failure is not None:
                failure.times -= 1
                return Reply(failure.status, {"error": f"HTTP {failure.status}"}, failure.headers, failure.body)
            return self.route(method, parts.path, query, headers, body)


def first(q: dict[str, list[str]], name: str) -> str | None:
    values = q.get(name)
    return values[0] if values else None


def _handler_for(fake: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeAPI/1"

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                reply = fake._handle(self.command, self.path, headers, body)
            except Exception as exc:  # a bug in the fake must show as a 500, not a hung client
                reply = Reply(500, {"error": f"fake: {type(exc).__name__}: {exc}"})
            data = reply.raw if reply.raw is not None else json.dumps(reply.payload).encode()
            try:
                self.send_response(reply.status)
                self.send_header("content-type", reply.content_type)
                self.send_header("content-length", str(len(data)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
