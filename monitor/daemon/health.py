"""The daemon's HTTP endpoint for orchestrators and Prometheus (``[daemon] health_port``).

- ``/healthz``: the process is alive and serving (200).
- ``/readyz``: the database answers ``SELECT 1``, the scheduler is running and no source is stuck (a
  poll running past its deadline): 200, else 503; the JSON body says which check failed (and which
  sources are stuck), and how many posts of each source the database refused and the monitor set
  aside while storing the rest (``set_aside``).
- ``/metrics``: Prometheus text format (monitor/daemon/metrics.py).
- ``/incidents``, ``/incidents/ID``: the read-only incident pages (monitor/web/pages.py), when ``[web]`` enables them.

A stdlib ``ThreadingHTTPServer`` in a daemon thread: nothing it does touches the pipeline, and a slow
scrape cannot hold up a poll. Answers never contain config values, URLs or secrets.

A thread per connection, so connections are bounded: each socket operation times out (``timeout``:
a client that connects and says nothing is let go), a connection lasts at most ``deadline`` (a client
that trickles a byte at a time too), and beyond ``max_connections`` open at once a new one is answered
503 and closed at once. A client that goes away mid-answer (broken pipe, reset) is a debug line; any
other failure of a request is one JSON log line, never a traceback printed on stderr.
"""

from __future__ import annotations

import json
import logging
import math
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import text

from monitor.errors import MonitorError
from monitor.storage.store import Store

if TYPE_CHECKING:
    from monitor.config.settings import DaemonConfig
    from monitor.web.pages import Pages

log = logging.getLogger("monitor.health")

REQUEST_TIMEOUT = 10.0  # seconds one read or write of a connection may wait
REQUEST_DEADLINE = 60.0  # seconds a connection may stay open in all
MAX_CONNECTIONS = 64  # connections served at once (a thread each); more are answered 503 and closed
BUSY = (b"HTTP/1.0 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 5\r\nConnection: close\r\n\r\nbusy\n")


def database_ok(store: Store) -> bool:
    try:
        with store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        log.debug("readiness: database check failed", extra={"error": type(exc).__name__})
        return False
    return True


def listen(cfg: DaemonConfig, make: Callable[[], HealthServer]) -> HealthServer | None:
    """Start the endpoint ``make`` builds on ``[daemon] health_port`` (0: none). A port that cannot be
    had is an error when the config asked for it (a service must not run unwatched), else a warning."""
    if not cfg.health_port:
        return None
    try:
        server = make()
    except OSError as exc:
        why = f"daemon.health_port: cannot listen on {cfg.health_host}:{cfg.health_port}: {exc.strerror or exc}"
        if "health_port" in cfg.model_fields_set:
            raise MonitorError(why) from None
        log.warning("no health endpoint (set daemon.health_port to a free port, or 0)", extra={"error": why})
        return None
    return server.start()


def set_aside_counts(store: Store) -> dict[str, int]:
    """Posts set aside (refused by the database while their batch was stored), per source."""
    from sqlalchemy import func, select

    from monitor.storage import schema as s

    try:
        with store.begin() as conn:
            rows = conn.execute(select(s.set_aside.c.source, func.count()).group_by(s.set_aside.c.source)).all()
    except Exception:  # noqa: BLE001 - a count the page can do without
        return {}
    return {str(source): int(n) for source, n in rows}


class BoundedHTTPServer(ThreadingHTTPServer):
    """A ``ThreadingHTTPServer`` whose connections are bounded in number and in time, and whose errors
    go to the log (see the module's docstring)."""

    daemon_threads = True
    block_on_close = False  # close() ends the connections (server_close) instead of waiting for them
    request_queue_size = 128  # a burst waits to be accepted (and refused at once) instead of SYNs being dropped

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], *,
                 max_connections: int = MAX_CONNECTIONS, deadline: float = REQUEST_DEADLINE):
        self.max_connections, self.deadline = max_connections, deadline
        self._open: dict[socket.socket, float] = {}  # connection -> when it was accepted (monotonic)
        self._lock = threading.Lock()
        self._refused, self._refused_logged = 0, -math.inf
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            full = len(self._open) >= self.max_connections
            if not full:
                self._open[request] = time.monotonic()
        if full:
            self._refuse(request, client_address)
            return
        try:
            super().process_request(request, client_address)
        except RuntimeError:  # no thread to be had: as if full
            self.shutdown_request(request)
            self._note_refused(client_address)

    def _refuse(self, request: socket.socket, client_address: Any) -> None:
        """A quick 503 for a well-behaved client (best effort, never waiting), then close."""
        try:
            request.setblocking(False)
            request.send(BUSY)
        except OSError:
            pass
        self.shutdown_request(request)
        self._note_refused(client_address)

    def _note_refused(self, client_address: Any) -> None:
        """One warning a minute, with how many were refused since the last one."""
        with self._lock:
            self._refused += 1
            now = time.monotonic()
            if now - self._refused_logged < 60:
                return
            refused, self._refused, self._refused_logged = self._refused, 0, now
        log.warning("health endpoint full: connection refused", extra={
            "max_connections": self.max_connections, "refused": refused, "client": _client(client_address)})

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._open.pop(request, None)
        super().shutdown_request(request)

    def service_actions(self) -> None:
        """Run by ``serve_forever`` twice a second: ends connections open past the deadline (their
        thread's read or write then fails at once, and the thread ends)."""
        now = time.monotonic()
        with self._lock:
            late = [sock for sock, at in self._open.items() if now - at > self.deadline]
            for sock in late:
                self._open[sock] = math.inf  # shut once
        for sock in late:
            _shut(sock)
        if late:
            log.debug("health connections over their deadline closed", extra={"connections": len(late)})

    def server_close(self) -> None:
        super().server_close()
        with self._lock:
            open_now = list(self._open)
        for sock in open_now:
            _shut(sock)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """The stdlib prints a traceback on stderr; here, a client gone is a debug line and anything
        else one JSON log line (with its traceback in it)."""
        exc = sys.exc_info()[1]
        extra = {"client": _client(client_address), "error": type(exc).__name__}
        if isinstance(exc, ConnectionError | TimeoutError):  # broken pipe, reset, aborted; a timeout
            log.debug("health connection ended by the client", extra=extra)
        else:
            log.error("health request failed", extra=extra, exc_info=True)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by its thread


def _client(client_address: Any) -> str:
    return str(client_address[0]) if isinstance(client_address, tuple) and client_address else ""


class HealthServer:
    """Serves /healthz, /readyz and /metrics until ``close()``."""

    def __init__(self, store: Store, registry: CollectorRegistry, scheduler_running: Callable[[], bool],
                 host: str = "127.0.0.1", port: int = 8080, stuck: Callable[[], list[str]] | None = None,
                 pages: Pages | None = None, *, timeout: float = REQUEST_TIMEOUT,
                 deadline: float = REQUEST_DEADLINE, max_connections: int = MAX_CONNECTIONS):
        self.store, self.registry, self.scheduler_running = store, registry, scheduler_running
        self.stuck = stuck
        self.pages = pages  # the read-only incident pages ([web]), when enabled
        self.timeout = timeout
        self._server = BoundedHTTPServer((host, port), _handler(self), max_connections=max_connections,
                                         deadline=deadline)
        self._thread = threading.Thread(target=self._server.serve_forever, name="health-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    def start(self) -> HealthServer:
        self._thread.start()
        log.info("health endpoint listening", extra={"host": self.host, "port": self.port,
                                                      "paths": ["/healthz", "/readyz", "/metrics"]})
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> HealthServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def readiness(self) -> tuple[int, dict[str, Any]]:
        checks = {"database": database_ok(self.store), "scheduler": bool(self.scheduler_running())}
        stuck = self.stuck() if self.stuck is not None else []
        if self.stuck is not None:
            checks["sources"] = not stuck
        ready = all(checks.values())
        body: dict[str, Any] = {"status": "ready" if ready else "not ready",
                                "checks": {k: "ok" if v else "failing" for k, v in checks.items()}}
        if stuck:
            body["stuck"] = stuck  # source names only
        if checks["database"]:
            aside = set_aside_counts(self.store)
            if aside:
                body["set_aside"] = aside  # posts the database refused, per source: the source goes on
        return (200 if ready else 503), body


def _handler(server: HealthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "complaint-monitor"
        sys_version = ""
        timeout = server.timeout  # each read and write of the socket (StreamRequestHandler sets it)

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            path, _, query = self.path.partition("?")
            if path == "/healthz":
                self._send(200, "application/json", b'{"status": "alive"}')
            elif path == "/readyz":
                status, body = server.readiness()
                self._send(status, "application/json", json.dumps(body).encode())
            elif path == "/metrics":
                self._send(200, CONTENT_TYPE_LATEST, generate_latest(server.registry))
            elif server.pages is not None and server.pages.handles(path):
                page = server.pages.handle(path, query, self.headers, client=str(self.client_address[0]))
                self._send(page.status, page.content_type, page.body, page.headers)
            else:
                self._send(404, "application/json", b'{"error": "not found: try /healthz, /readyz or /metrics"}')

        def do_HEAD(self) -> None:  # noqa: N802
            self.do_GET()

        def _send(self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("health request", extra={"request": self.requestline, "status": args[1] if len(args) > 1 else None})

        def log_error(self, format: str, *args: Any) -> None:
            # A request line too long, a timeout: the client's doing, answered already when it could be.
            log.debug("health request refused", extra={"client": _client(self.client_address),
                                                       "error": (format % args)[:200]})

    return Handler
