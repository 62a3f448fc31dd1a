"""The incident pages and their server, hardened ("Hardening, second round"): reads bounded by what a page
shows, a paginated list, a cap on renders and on connections, quiet broken pipes, the Host check, a proxy
header believed only from the proxy, throttled wrong tokens and bounded query strings. Real HTTP on
127.0.0.1 where the network matters; SQLite databases built by bulk inserts; the dialect-specific SQL
also on PostgreSQL."""

from __future__ import annotations

import base64
import http.client
import logging
import random
import socket
import sqlite3
import struct
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from prometheus_client import CollectorRegistry
from sqlalchemy import create_engine

from monitor.cli import main
from monitor.config.settings import parse_config
from monitor.daemon.health import HealthServer
from monitor.errors import ConfigError
from monitor.storage import schema as s
from monitor.storage.bulk import insert_rows
from monitor.storage.incident_views import incident_history, list_incidents
from monitor.storage.store import Store
from monitor.web import pages as pages_module
from monitor.web.access import LoginThrottle, host_name
from monitor.web.pages import Pages

NOW = datetime.now(UTC).replace(microsecond=0)
BRAND = "Acme Air"
TOKEN = "pages-token-8c1d7e2f9a"  # 22 characters


# A database built by bulk inserts ---------------------------------------------------------------------

def _post(n: int, incident: str | None, at: datetime, author: str, rng: random.Random, *, by_brand: bool = False,
          source: str | None = None) -> dict[str, Any]:
    likes = rng.randrange(0, 500)
    return {"source": source or ("x", "reddit", "bluesky")[n % 3], "post_id": f"{incident}-p{n}", "brand": BRAND,
            "kind": "post", "url": f"https://example.com/{n}", "text": f"Acme Air lost my bag again {n}",
            "author_id": f"id-{author}", "author_handle": author, "followers": 10, "created_at": at, "first_seen": at,
            "last_observed_at": at, "metrics": {"likes": likes}, "engagement": likes, "in_reply_to": None,
            "conversation_id": None, "by_brand": by_brand, "lang": "en", "sentiment": -0.5, "complaint": 0.9,
            "is_complaint": not by_brand, "cues": [], "score": round(rng.random(), 4), "incident_id": incident}


def _incident(ident: str, posts: int, *, last_seen: datetime = NOW, tier: int = 2, score: float = 0.6,
              repeaters: dict[str, int] | None = None) -> dict[str, Any]:
    return {"id": ident, "brand": BRAND, "first_seen": last_seen - timedelta(hours=30), "last_seen": last_seen,
            "tier": tier, "alerted_tier": tier, "score": score, "mentions": posts, "authors": posts,
            "brand_replied_at": None, "state": {"sources": ["x"], "author_complaints": repeaters or {},
                                                "reasons": ["a reason"]}}


def add_incident(store: Store, ident: str, posts: int, *, answers: int = 0, repeaters: int = 0, seed: int = 1) -> None:
    """An incident of ``posts`` posts over 30 hours and ``answers`` of the brand's; ``repeaters`` people who
    complained twice here and three times in other incidents."""
    rng = random.Random(seed)
    who = {f"{ident}-r{k}": 2 for k in range(repeaters)}
    rows = [_post(n, ident, NOW - timedelta(hours=30) + timedelta(seconds=30 * 3600 * n / posts),
                  f"{ident}-r{n % repeaters}" if repeaters and n % 10 == 0 else f"{ident}-u{n}", rng)
            for n in range(posts)]
    rows += [_post(posts + n, ident, NOW - timedelta(hours=20 - n / 100), "acmeair", rng, by_brand=True)
             for n in range(answers)]
    rows += [_post(10 * posts + 3 * k + n, f"{ident}-elsewhere{n}", NOW - timedelta(days=10 + n), author, rng)
             for k, author in enumerate(who) for n in range(3)]
    snaps = [{"source": r["source"], "post_id": r["post_id"], "brand": BRAND, "created_at": r["created_at"],
              "observed_at": r["created_at"], "payload": {"metrics": r["metrics"]}} for r in rows]
    with store.begin() as conn:
        for k in range(0, len(rows), 5000):
            insert_rows(conn, s.mentions, rows[k:k + 5000])
            insert_rows(conn, s.observations, snaps[k:k + 5000])
        insert_rows(conn, s.incidents, [_incident(ident, posts, repeaters=who)])


def add_incidents(store: Store, n: int) -> None:
    """``n`` small incidents seen over the last 20 days, without posts."""
    rng = random.Random(3)
    with store.begin() as conn:
        insert_rows(conn, s.incidents, [_incident(f"inc-{k:06d}", 3, last_seen=NOW - timedelta(hours=k * 4),
                                                  tier=1 + k % 3, score=round(rng.uniform(0.4, 0.9), 4))
                                        for k in range(n)])


class CountingCursor(sqlite3.Cursor):
    """Counts the rows the database hands to SQLAlchemy: what a request really reads."""

    fetched = 0

    def fetchone(self) -> Any:
        row = super().fetchone()
        CountingCursor.fetched += row is not None
        return row

    def fetchmany(self, size: int | None = None) -> list[Any]:
        rows = super().fetchmany(size) if size is not None else super().fetchmany()
        CountingCursor.fetched += len(rows)
        return rows

    def fetchall(self) -> list[Any]:
        rows = super().fetchall()
        CountingCursor.fetched += len(rows)
        return rows


class CountingConnection(sqlite3.Connection):
    def cursor(self, factory: Any = CountingCursor) -> Any:
        return super().cursor(factory)


def counting(store: Store) -> Store:
    """``store`` reading through a connection that counts the rows fetched."""
    store.engine = create_engine(store.url, connect_args={"factory": CountingConnection})
    return store


def rows_read(fn: Any) -> int:
    CountingCursor.fetched = 0
    fn()
    return CountingCursor.fetched


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Iterator[Store]:
    """A small incident (300 posts), a big one (12,000) with 600 answers and 120 repeat complainants, and
    240 more incidents."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('pages-hardening') / 'm.db'}")
    add_incident(store, "inc-small", 300, answers=5, repeaters=120, seed=1)
    add_incident(store, "inc-big", 12_000, answers=600, repeaters=120, seed=2)
    add_incidents(store, 240)
    yield store
    store.close()


def pages_for(store: Store, config: str = "[web]\nenabled = true\n") -> Pages:
    cfg = parse_config(config, env={}).config
    return Pages(store, cfg.web, cfg.scoring, lambda: NOW)


def serve(pages: Pages | None, store: Store, **kw: Any) -> HealthServer:
    return HealthServer(store, CollectorRegistry(), lambda: True, port=0, pages=pages, **kw)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            return resp.status, resp.read().decode(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


def headers(**values: str) -> http.client.HTTPMessage:
    """Request headers as the server hands them to the pages (case-insensitive)."""
    msg = http.client.HTTPMessage()
    for name, value in {"Host": "localhost:8080", **values}.items():
        msg[name.replace("_", "-")] = value
    return msg


# 1. Only what the page shows is read ----------------------------------------------------------------------

def test_an_incident_page_reads_the_same_rows_whatever_the_incident_size(big: Store) -> None:
    store = counting(Store(big.url, migrate=False))
    small = rows_read(lambda: incident_history(store, "inc-small", NOW, 3 * 86400))
    large = rows_read(lambda: incident_history(store, "inc-big", NOW, 3 * 86400))
    # Posts shown (200), answers shown (200), their snapshots, hours × sources, the 50 most repeated
    # complainants' latest complaints: the same bound for 300 posts as for 12,000.
    assert large < 2_500, f"{large} rows read for one incident page"
    assert large <= small + 700, (small, large)
    h = incident_history(store, "inc-big", NOW, 3 * 86400)
    assert len(h["posts"]) == 200 and h["more_posts"] == 12_000 - 200
    assert len(h["answers"]) == 200 and h["more_answers"] == 400
    assert sum(sum(per.values()) for per in h["hourly"].values()) == 12_000, "the chart still counts every post"
    assert len(h["repeaters"]) == 50 and h["more_repeaters"] == 70
    answered = next(e for e in h["timeline"] if e["kind"] == "answer")
    assert "600 post(s)" in answered["text"]
    store.engine.dispose()


def test_a_page_of_the_list_reads_that_page(big: Store) -> None:
    store = counting(Store(big.url, migrate=False))
    with serve(pages_for(store), store) as server:
        read = rows_read(lambda: get(f"http://127.0.0.1:{server.port}/incidents?since=60d"))
    assert read <= 120, f"{read} rows read for a page of 50 (of 242)"
    everything = list_incidents(store, NOW, 3 * 86400, since=NOW - timedelta(days=60))
    paged = [r["incident"] for k in range(0, len(everything), 50)
             for r in list_incidents(store, NOW, 3 * 86400, since=NOW - timedelta(days=60), limit=50, offset=k)]
    assert paged == [r["incident"] for r in everything] and len(paged) == 242
    assert [r["open"] for r in everything] == sorted((r["open"] for r in everything), reverse=True), "open first"
    store.engine.dispose()


def test_the_list_is_paginated_with_links(big: Store) -> None:
    with serve(pages_for(big), big) as server:
        base = f"http://127.0.0.1:{server.port}/incidents"
        status, html, _ = get(f"{base}?since=60d&tier=watch")
        assert status == 200 and html.count('class="incident-row"') == 50
        assert "Incidents 1–50 of 242" in html and "page 1 of 5" in html
        assert 'href="?since=60d&amp;page=2" rel="next"' in html and 'rel="prev"' not in html
        status, html, _ = get(f"{base}?since=60d&tier=watch&page=5")
        assert status == 200 and html.count('class="incident-row"') == 42 and 'rel="next"' not in html
        assert 'href="?since=60d&amp;page=4" rel="prev"' in html
        status, html, _ = get(f"{base}?since=60d&per_page=200&page=2")
        assert status == 200 and html.count('class="incident-row"') == 42 and "page 2 of 2" in html
        status, html, _ = get(f"{base}?since=60d&page=9")
        assert status == 200 and "No incident on this page" in html and 'href="?since=60d&amp;page=5" rel="prev"' in html


def test_renders_beyond_the_cap_are_answered_503_at_once(big: Store, monkeypatch) -> None:
    monkeypatch.setattr(pages_module, "RENDER_WAIT", 0.2)
    pages = pages_for(big, "[web]\nenabled = true\nmax_renders = 2\n")
    release = threading.Event()
    rendering = threading.Semaphore(0)
    real = pages._handle

    def slow(path: str, query: str) -> Any:
        rendering.release()
        release.wait(10)
        return real(path, query)

    monkeypatch.setattr(pages, "_handle", slow)
    results: list[int] = []
    with serve(pages, big) as server:
        url = f"http://127.0.0.1:{server.port}/incidents/inc-small"
        held = [threading.Thread(target=lambda: results.append(get(url)[0])) for _ in range(2)]
        for t in held:
            t.start()
        assert rendering.acquire(timeout=5) and rendering.acquire(timeout=5)
        t0 = time.monotonic()
        status, _, answer_headers = get(url)
        assert status == 503 and answer_headers["Retry-After"] == "2"
        assert time.monotonic() - t0 < 2, "refused quickly, not queued behind the renders"
        assert get(f"http://127.0.0.1:{server.port}/healthz")[0] == 200, "the probes are not behind the cap"
        release.set()
        for t in held:
            t.join(10)
        assert results == [200, 200]
        assert get(url)[0] == 200, "slots are given back"


def test_bounded_history_on_each_database(db_url: str) -> None:
    """The grouped, ranked and windowed SQL (incident_queries.py) gives what the whole history would, on SQLite
    and on PostgreSQL."""
    store = Store(db_url)
    try:
        add_incident(store, "inc-x", 400, answers=30, repeaters=12, seed=5)
        add_incident(store, "inc-y", 50, seed=6)
        h = incident_history(store, "inc-x", NOW, 3 * 86400, max_posts=40, max_repeaters=5)
        with store.begin() as conn:
            every = [r for r in conn.execute(s.mentions.select().where(s.mentions.c.incident_id == "inc-x"))
                     if not r.by_brand]
        top = sorted(every, key=lambda r: (-r.score, -r.engagement, r.created_at, r.source, r.post_id))[:40]
        assert [p["id"] for p in h["posts"]] == [r.post_id for r in sorted(top, key=lambda r: (r.created_at, r.source,
                                                                                                r.post_id))]
        assert h["more_posts"] == 360 and len(h["answers"]) == 30 and h["more_answers"] == 0
        hours: dict[str, dict[str, int]] = {}
        for r in every:
            per = hours.setdefault(r.created_at.strftime("%Y-%m-%dT%H:00Z"), {})
            per[r.source] = per.get(r.source, 0) + 1
        assert h["hourly"] == dict(sorted(hours.items()))
        assert len(h["repeaters"]) == 5 and h["more_repeaters"] == 7
        for rep in h["repeaters"]:
            assert rep["episodes"] == 2 and rep["elsewhere"] == 3 and len(rep["earlier"]) == 3
            assert [p["at"] for p in rep["earlier"]] == sorted(p["at"] for p in rep["earlier"])
            assert all(p["incident"] != "inc-x" and p["author"] == rep["author"] for p in rep["earlier"])
        rows = list_incidents(store, NOW, 3 * 86400, limit=1, offset=1)
        assert len(rows) == 1 and rows[0]["incident"] in ("inc-x", "inc-y")
    finally:
        store.close()


# 2. Connections bounded, errors logged ----------------------------------------------------------------------

def test_a_connection_that_says_nothing_is_let_go(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    with serve(None, store, timeout=0.3) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as idle:
            t0 = time.monotonic()
            assert idle.recv(100) == b"" and time.monotonic() - t0 < 3
    store.close()


def test_a_trickling_connection_is_ended_at_the_deadline(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    with serve(None, store, timeout=5, deadline=1.0) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as slow:
            t0 = time.monotonic()
            slow.sendall(b"GET /healthz HTTP/1.1\r\n")
            ended = False
            while time.monotonic() - t0 < 4 and not ended:
                try:
                    slow.sendall(b"X-A: b\r\n")  # a header line every 0.2 s: never idle, never done
                    time.sleep(0.2)
                except OSError:
                    ended = True
            if not ended:
                slow.settimeout(1)
                ended = slow.recv(100) == b""
            assert ended and time.monotonic() - t0 < 4
    store.close()


def test_connections_beyond_the_cap_are_refused_and_threads_stay_bounded(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    threads_before = threading.active_count()
    with serve(None, store, timeout=1.5, max_connections=4) as server:
        idle = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(30)]
        try:
            time.sleep(0.3)
            assert threading.active_count() <= threads_before + 1 + 4, "one thread per served connection, at most 4"
            extra = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            extra.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
            assert extra.recv(200).startswith(b"HTTP/1.0 503")
            extra.close()
        finally:
            for sock in idle:
                sock.close()
        time.sleep(2)  # the served ones time out; the refused ones were closed at once
        assert get(f"http://127.0.0.1:{server.port}/healthz")[0] == 200
        assert threading.active_count() <= threads_before + 2
    store.close()


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset, as a client that vanishes does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_clients_that_go_away_leave_no_traceback(tmp_path: Path, capfd, caplog) -> None:
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    caplog.set_level(logging.DEBUG, logger="monitor.health")
    with serve(pages_for(store), store) as server:
        for k in range(40):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.sendall(b"GET /metrics HTTP/1.0\r\n\r\n" if k % 2 else b"GET /incidents HTTP/1.0\r\nHost: localhost\r\n\r\n")
            _reset(sock)
        # The stdlib's handle_error printed a traceback to stderr for each; here they are log lines.
        for exc in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset"), RuntimeError("bug")):
            try:
                raise exc
            except Exception:
                server._server.handle_error(None, ("203.0.113.7", 5555))
        time.sleep(0.3)
        assert get(f"http://127.0.0.1:{server.port}/healthz")[0] == 200
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err, err[-2000:]
    quiet = [r for r in caplog.records if r.getMessage() == "health connection ended by the client"]
    assert quiet and all(r.levelno == logging.DEBUG for r in quiet)
    [failed] = [r for r in caplog.records if r.getMessage() == "health request failed"]
    assert failed.levelno == logging.ERROR and failed.error == "RuntimeError" and failed.client == "203.0.113.7"
    store.close()


# 3. The Host check ----------------------------------------------------------------------------------------

def get_as(port: int, path: str, host: str | None) -> tuple[int, str]:
    """GET with exactly this Host header (none when None), as a rebinding page's request carries its own."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("GET", path, skip_host=True)
    if host is not None:
        conn.putheader("Host", host)
    conn.endheaders()
    resp = conn.getresponse()
    try:
        return resp.status, resp.read().decode()
    finally:
        conn.close()


@pytest.mark.parametrize("host, answered", [
    ("localhost:{port}", True), ("127.0.0.1:{port}", True), ("[::1]:{port}", True), ("LOCALHOST.", True),
    ("monitor.example.com", True), ("monitor.example.com:443", True),
    ("evil.example:{port}", False), ("127.0.0.1.evil.example", False), ("localhost:{port}@evil", False),
    (None, False), ("localhost, evil.example", False)])
def test_pages_answer_only_to_their_names(big: Store, host: str | None, answered: bool) -> None:
    with serve(pages_for(big, '[web]\nenabled = true\npublic_url = "https://monitor.example.com/ops"\n'), big) as server:
        status, body = get_as(server.port, "/incidents", host.format(port=server.port) if host else None)
        assert (status == 200) == answered, (status, body[:300])
        if not answered:
            assert status == 400 and "inc-small" not in body
        assert get_as(server.port, "/healthz", "evil.example")[0] == 200, "orchestrators' probes answer to any name"


def test_allowed_hosts_add_names(big: Store) -> None:
    config = '[web]\nenabled = true\nallowed_hosts = ["monitor.internal", "fd00::5", "10.0.0.7"]\n'
    with serve(pages_for(big, config), big) as server:
        for host in ("monitor.internal:8080", "[fd00::5]:8080", "10.0.0.7"):
            assert get_as(server.port, "/incidents", host)[0] == 200, host
        assert get_as(server.port, "/incidents", "monitor.example.com")[0] == 400


def test_host_names_are_parsed_strictly() -> None:
    assert host_name("Example.COM:80") == "example.com" and host_name("[::1]") == "::1"
    assert host_name("localhost.") == "localhost"
    for bad in ("", "a b", "a:b:c", "[::1", "x:99999999", "user@host", "host/path"):
        assert host_name(bad) is None, bad


# 4. The proxy header, short secrets, wrong tokens ------------------------------------------------------------

def test_the_proxy_header_is_believed_only_from_the_proxy(big: Store) -> None:
    pages = pages_for(big, '[web]\nenabled = true\ntrust_proxy = true\nproxy_addresses = ["10.0.0.5", "10.1.0.0/24"]\n')
    user = headers(X_Forwarded_User="anyone")
    assert pages.handle("/incidents", "", user, client="203.0.113.9").status == 403, "forged by a client"
    assert pages.handle("/incidents", "", user, client="127.0.0.1").status == 403, "not listed"
    assert pages.handle("/incidents", "", user, client="10.0.0.5").status == 200
    assert pages.handle("/incidents", "", user, client="10.1.0.77").status == 200
    assert pages.handle("/incidents", "", user, client="::ffff:10.0.0.5").status == 200
    assert pages.handle("/incidents", "", headers(), client="10.0.0.5").status == 403, "the proxy names the user"

    loopback = pages_for(big, "[web]\nenabled = true\ntrust_proxy = true\n")  # default: a proxy on this machine
    assert loopback.handle("/incidents", "", user, client="127.0.0.1").status == 200
    assert loopback.handle("/incidents", "", user, client="192.168.1.20").status == 403

    secret = "proxy-secret-5b7e31c0aa"
    shared = pages_for(big, f'[web]\nenabled = true\ntrust_proxy = true\nproxy_secret = "{secret}"\n')
    assert shared.handle("/incidents", "", headers(X_Forwarded_User="a", X_Proxy_Secret=secret),
                         client="192.168.1.20").status == 200
    assert shared.handle("/incidents", "", headers(X_Forwarded_User="a", X_Proxy_Secret="guess"),
                         client="192.168.1.20").status == 403
    assert shared.handle("/incidents", "", user, client="127.0.0.1").status == 403


@pytest.mark.parametrize("web, key", [
    ("trust_proxy = true", "web.proxy_addresses"),
    ('access_token = "short-token"', "web.access_token"),
    ('trust_proxy = true\nproxy_secret = "shortsecret"', "web.proxy_secret"),
    ('proxy_addresses = ["10.0.0.300"]', "web.proxy_addresses"),
    ('allowed_hosts = ["*.example.com"]', "web.allowed_hosts")])
def test_check_config_refuses_an_exposed_pages_setup(tmp_path: Path, web: str, key: str) -> None:
    text = (f'[[brands]]\nname = "A"\nkeywords = ["a"]\n[sources.hackernews]\n[web]\nenabled = true\n{web}\n'
            '[daemon]\nhealth_host = "0.0.0.0"\n')
    (tmp_path / "m.toml").write_text(text)
    result = CliRunner().invoke(main, ["check-config", str(tmp_path / "m.toml")])
    assert result.exit_code == 2 and f"{key}:" in result.stderr, result.stderr
    assert "short-token" not in result.stderr and "shortsecret" not in result.stderr
    with pytest.raises(ConfigError) as err:
        parse_config(text, env={})
    assert key in [k for k, _ in err.value.problems]


def test_check_config_accepts_and_describes_a_safe_exposure(tmp_path: Path) -> None:
    text = ('[[brands]]\nname = "A"\nkeywords = ["a"]\n[sources.hackernews]\n[web]\nenabled = true\n'
            f'access_token = "{TOKEN}"\ntrust_proxy = true\nproxy_addresses = ["10.0.0.5"]\n'
            'public_url = "https://cx-pages.example.com"\n[daemon]\nhealth_host = "0.0.0.0"\n')
    (tmp_path / "m.toml").write_text(text)
    result = CliRunner().invoke(main, ["check-config", str(tmp_path / "m.toml")])
    assert result.exit_code == 0, result.stderr
    [line] = [x for x in result.stdout.splitlines() if x.startswith("  web:")]
    # (A host name without "monitor" in it: CI's database password is "monitor", and secrets are redacted.)
    assert "X-Forwarded-User from 10.0.0.5" in line and "access token" in line and "cx-pages.example.com" in line
    assert TOKEN not in result.stdout
    # On the loopback a short token is the user's business: nothing else reaches it.
    parse_config('[web]\nenabled = true\naccess_token = "abc"\ntrust_proxy = true\n', env={})


def test_wrong_tokens_are_throttled_per_address_and_logged_without_the_token(big: Store, caplog) -> None:
    caplog.set_level(logging.INFO, logger="monitor.pages")
    pages = pages_for(big, f'[web]\nenabled = true\naccess_token = "{TOKEN}"\n')
    clock = [1000.0]
    pages.throttle = LoginThrottle(clock=lambda: clock[0])
    wrong = headers(Authorization="Bearer not-the-token-at-all")
    right = headers(Authorization="Basic " + base64.b64encode(f"me:{TOKEN}".encode()).decode())
    assert pages.handle("/incidents", "", headers(), client="198.51.100.1").status == 401, "no credentials: asked"
    for _ in range(LoginThrottle.LIMIT):
        assert pages.handle("/incidents", "", wrong, client="198.51.100.1").status == 401
    throttled = pages.handle("/incidents", "", right, client="198.51.100.1")
    assert throttled.status == 429 and 1 <= int(throttled.headers["Retry-After"]) <= 60, "even the right one, for now"
    assert pages.handle("/incidents", "", right, client="198.51.100.2").status == 200, "another address is not held"
    clock[0] += 61
    assert pages.handle("/incidents", "", right, client="198.51.100.1").status == 200
    logged = [r for r in caplog.records if r.getMessage() == "incident pages: wrong access token"]
    assert len(logged) == LoginThrottle.LIMIT and logged[-1].client == "198.51.100.1" and logged[-1].failures == 5
    assert "not-the-token-at-all" not in caplog.text and TOKEN not in caplog.text


def test_the_throttle_forgets_the_quietest_addresses_first() -> None:
    throttle = LoginThrottle(limit=2, window=60, max_clients=3, clock=lambda: 0.0)
    for client in ("a", "b", "c", "a", "d"):
        throttle.failed(client)
    assert throttle.wait("a") > 0 and "b" not in throttle._failures and len(throttle._failures) == 3


# 5. Query strings are bounded --------------------------------------------------------------------------------

@pytest.mark.parametrize("query, says", [
    ("since=99999999999d", "too far back"),
    ("since=0001-01-01T00:00:00%2B01:00", "out of range"),
    ("since=9999-12-31T23:59:59-14:00", "out of range"),
    ("since=0001-01-01", "too far back"),
    ("since=" + "9" * 5000, "at most 200 characters"),
    ("since=yesterday", "neither an ISO 8601 timestamp nor a duration"),
    ("page=0", "page"), ("page=-1", "page"), ("page=99999999999", "page"), ("page=%EF%BC%91", "page"),
    ("per_page=100000", "per_page"), ("per_page=1e3", "per_page"),
    ("&".join(f"f{k}=1" for k in range(50)), "at most 20 fields"),
    ("tier=urgent", "urgent")])
def test_bad_query_strings_are_answered_400_with_a_message(served: HealthServer, caplog, query: str, says: str) -> None:
    status, body, _ = get(f"http://127.0.0.1:{served.port}/incidents?{query}")
    assert status == 400 and says in body, body[-500:]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "no traceback, no error logged"


@pytest.fixture(scope="module")
def served(big: Store) -> Iterator[HealthServer]:
    with serve(pages_for(big), big) as server:
        yield server
