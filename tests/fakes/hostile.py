"""A hostile local API for every source: the first path segment picks how it misbehaves, the rest of
the path is the real API's (``api_base_url = f"{fake.url}/gzip"`` for X, ``.../gzip/api/v1`` for HN).

Modes
    ``gzip``     a gzip bomb: a small answer that expands to ``bomb_mib`` MiB of JSON whitespace
    ``huge``     a plain answer of ``huge_mib`` MiB
    ``trickle``  the headers, then one byte every ``trickle_every`` seconds, until the client leaves
    ``nums``     pages shaped like each API's, holding absurd numbers and dates beside valid posts
    ``ok``       the same pages with nothing wrong in them
Pages are served for X (``/2/tweets...``), Reddit (``/api/v1/access_token``, ``/r/...``,
``/api/info``), Hacker News (``/search...``), Bluesky (``/xrpc/...``) and Mastodon
(``/api/v1/timelines...``, ``/api/v1/statuses``). ``requests`` logs the paths asked for.
"""

from __future__ import annotations

import gzip
import io
import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

TWITTER_EPOCH_MS = 1288834974657
# Absurd counts, each beside a valid one: what broke the monitor before (see tests/test_hostile_answers.py).
ABSURD = [10**30, 1e308, -1, "NaN", 2**31 + 5, True, {"a": 1}, "12"]
EXPECTED = [None, None, 0, None, 2**31 + 5, None, None, 12]  # what the sources make of them
BAD_NUMBERS = sum(1 for v in EXPECTED if v is None)  # per field that carries ABSURD


def snowflake(at: float, seq: int) -> str:
    return str(((int(at * 1000) - TWITTER_EPOCH_MS) << 22) | seq)


class HostileAPI:
    """Serves from a daemon thread on 127.0.0.1; ``url`` is its base. Use as a context manager."""

    def __init__(self, *, bomb_mib: int = 200, huge_mib: int = 64, trickle_every: float = 0.2):
        self.bomb_mib, self.huge_mib, self.trickle_every = bomb_mib, huge_mib, trickle_every
        self.now = time.time()
        self.requests: list[str] = []
        self._bomb: bytes | None = None
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = _QuietServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HostileAPI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def bomb(self) -> bytes:
        with self._lock:
            if self._bomb is None:
                buf = io.BytesIO()
                with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as g:
                    g.write(b'{"data": [], "hits": [], "posts": [], "kind": "Listing", "pad": "')
                    chunk = b" " * (1 << 20)
                    for _ in range(self.bomb_mib):
                        g.write(chunk)
                    g.write(b'"}')
                self._bomb = buf.getvalue()
            return self._bomb

    # -- pages ----------------------------------------------------------------------------------

    def page(self, mode: str, path: str) -> Any:
        absurd = mode == "nums"
        values = ABSURD if absurd else [3] * len(ABSURD)
        iso = datetime.fromtimestamp(self.now - 60, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if path.startswith("/2/tweets"):
            tweets = [{"id": snowflake(self.now - 60 - i, i), "text": f"Acme Air refund lawyer {mode} {i}",
                       "created_at": iso, "author_id": str(i), "public_metrics": {"like_count": v, "retweet_count": 1}}
                      for i, v in enumerate(values)]
            users = [{"id": str(i), "username": f"u{i}", "public_metrics": {"followers_count": v}}
                     for i, v in enumerate(values)]
            if absurd:
                tweets += [
                    {"id": snowflake(self.now - 120, 90), "text": "Acme Air refund, no created_at", "author_id": "7"},
                    {"id": snowflake(self.now - 130, 91), "text": "Acme Air refund, author not in includes",
                     "created_at": iso, "author_id": "404"},
                    {"id": snowflake(self.now - 140, 92), "text": "Acme Air refund, year 9999",
                     "created_at": "9999-12-31T23:59:59.000Z", "author_id": "7"},
                    {"id": "not-an-id", "text": "Acme Air refund", "created_at": iso},  # unusable: dropped
                ]
            return {"data": tweets, "includes": {"users": users}, "meta": {"result_count": len(tweets)}}
        if path.startswith("/api/v1/access_token"):
            return {"access_token": "tok-hostile", "token_type": "bearer", "expires_in": 3600, "scope": "*"}
        if path.startswith(("/r/", "/api/info")):
            children = [{"kind": "t3", "data": {"id": f"n{i}", "name": f"t3_n{i}", "created_utc": self.now - 60 - i,
                                                "title": f"Acme Air refund lawyer {mode} {i}", "selftext": "",
                                                "score": v, "num_comments": 1, "author": f"a{i}",
                                                "permalink": f"/r/travel/comments/n{i}/"}}
                        for i, v in enumerate(values)]
            if absurd:
                children += [{"kind": "t3", "data": {"id": "t1e308", "name": "t3_t1e308", "created_utc": 1e308,
                                                     "title": "Acme Air refund from year 1e308"}}, None]
            return {"kind": "Listing", "data": {"children": children, "after": None}}
        if path.startswith("/search"):
            hits = [{"objectID": str(700 + i), "created_at_i": int(self.now) - 60 - i, "author": "a", "_tags": ["story"],
                     "title": f"Acme Air refund lawyer {mode} {i}", "points": v, "num_comments": 1}
                    for i, v in enumerate(values)]
            if absurd:
                hits += [{"objectID": "799", "created_at_i": 1e308, "title": "Acme Air refund", "_tags": ["story"]}]
            return {"hits": hits, "page": 0, "nbPages": 1}
        if path.startswith("/xrpc/"):
            posts = [{"uri": f"at://did:plc:h{i}/app.bsky.feed.post/{i}", "indexedAt": iso,
                      "record": {"text": f"acme air refund lawyer {mode} {i}", "createdAt": iso},
                      "author": {"did": f"did:plc:h{i}", "handle": f"h{i}.bsky.social", "followersCount": v},
                      "likeCount": v, "repostCount": 0, "replyCount": 0, "quoteCount": 0}
                     for i, v in enumerate(values)]
            return {"posts": posts}
        if path.startswith(("/api/v1/timelines", "/api/v1/statuses")):
            return [{"id": str(110000000000000000 + i), "created_at": iso, "url": f"https://m.example/@a/{i}",
                     "content": f"<p>Acme Air refund lawyer {mode} {i} #acmeair</p>",
                     "account": {"acct": f"a{i}@m.example", "followers_count": v},
                     "favourites_count": v, "reblogs_count": 0, "replies_count": 0}
                    for i, v in enumerate(values)]
        return None


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hang up on purpose here (over the size limit, past the deadline)


def _handler(api: HostileAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.do_GET()

        def do_GET(self) -> None:  # noqa: N802
            path = urlsplit(self.path).path
            with api._lock:
                api.requests.append(path)
            _, mode, rest = (path.split("/", 2) + [""])[:3]
            rest = "/" + rest
            try:
                if mode == "gzip":
                    self._send(api.bomb(), {"Content-Encoding": "gzip"})
                elif mode == "huge":
                    self._huge()
                elif mode == "trickle":
                    self._trickle()
                elif (page := api.page(mode, rest)) is not None:
                    self._send(json.dumps(page).encode())
                else:
                    self._send(b'{"error": "not found"}', status=404)
            except OSError:
                pass  # the client went away: that is the point of most modes

        def _send(self, body: bytes, headers: dict[str, str] | None = None, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _huge(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")  # no Content-Length to refuse up front
            self.end_headers()
            chunk = b" " * (1 << 20)
            frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
            for _ in range(api.huge_mib):
                self.wfile.write(frame)
            self.wfile.write(b"2\r\n{}\r\n0\r\n\r\n")

        def _trickle(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.flush()
            for _ in range(100000):
                if api._closing.wait(api.trickle_every):
                    return
                self.wfile.write(b" ")
                self.wfile.flush()

    return Handler
