"""The read-only incident pages beside /healthz: a real HTTP server on 127.0.0.1 over a history the daemon
stored, hostile public text in every field, access control, and the pages in headless Chromium."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from alerts.blocks import root_blocks
from alerts.slack import SlackChannel
from monitor.config.settings import parse_config
from monitor.daemon.app import build_channels
from monitor.daemon.health import HealthServer
from monitor.errors import ConfigError
from monitor.models import AlertEvent, Tier
from monitor.storage.incident_views import list_incidents
from monitor.storage.store import Store
from monitor.web.pages import Pages
from tests.fakes.alerting import event
from tests.fakes.history import ending_at, store_history
from tests.fakes.slack import FakeSlack
from tests.test_report import (
    CHROMIUM,
    EVIL,
    EVIL_AUTHOR,
    EVIL_BRAND,
    JS_URL,
    _chromium,
    _Collect,
    _no_chromium,
    hostile_observations,
)

TOKEN = "web-token-5f1e9a-secret"


class Recording:
    name = "console"

    def send(self, ev: AlertEvent, state: dict[str, Any]) -> dict[str, Any]:
        return {"n": int(state.get("n", 0)) + 1}


@pytest.fixture(scope="module")
def stored(tmp_path_factory, scorer):
    """One customer's escalating complaint and others piling on, every field laced with markup."""
    db = tmp_path_factory.mktemp("pages") / "m.db"
    loaded = parse_config(f'[storage]\nurl = "sqlite:///{db}"\n[[brands]]\nname = "{EVIL_BRAND}"\nkeywords = ["acme"]\n'
                          '[alerts]\nmin_tier = "watch"\n', env={})
    obs = ending_at(hostile_observations(), datetime.now(UTC) - timedelta(hours=1))
    mon, _ = store_history(loaded, obs, scorer, channels={"console": Recording()})
    rows = list_incidents(mon.store, datetime.now(UTC), loaded.config.scoring.window)
    assert rows, "the crafted complaint must make an incident at watch or above"
    yield mon.store, loaded.config, rows[0]["incident"]
    mon.close()


def serve(store: Store, config_text: str = "[web]\nenabled = true\n") -> HealthServer:
    cfg = parse_config(config_text, env={}).config
    pages = Pages(store, cfg.web, cfg.scoring, lambda: datetime.now(UTC))
    return HealthServer(store, CollectorRegistry(), lambda: True, port=0, pages=pages)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            return resp.status, resp.read().decode(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


def assert_inert(html: str) -> None:
    parser = _Collect()
    parser.feed(html)
    assert not {t for t, _ in parser.tags} & {"script", "img", "iframe", "object", "embed", "form", "base", "link"}
    for tag, attrs in parser.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            if name == "href":
                assert value and not value.lower().startswith(("javascript:", "data:", "//")), value
                assert value.startswith(("https://", "http://")) or "://" not in value, value
                if value.startswith("http"):
                    assert ("rel", "noopener noreferrer nofollow") in attrs


def test_list_and_incident_pages_show_the_history_with_public_text_inert(stored) -> None:
    store, _, incident = stored
    with serve(store) as server:
        base = f"http://127.0.0.1:{server.port}"
        status, html, headers = get(f"{base}/incidents")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert "script-src" not in headers["Content-Security-Policy"] and "default-src 'none'" in headers["Content-Security-Policy"]
        assert f'href="incidents/{incident}"' in html and 'class="incident-row"' in html
        assert "Acme &lt;script&gt;alert(3)&lt;/script&gt;" in html and EVIL_BRAND not in html
        assert_inert(html)

        pages = []
        for row in list_incidents(store, datetime.now(UTC), 3 * 86400):
            status, page, _ = get(f"{base}/incidents/{row['incident']}")
            assert status == 200
            assert_inert(page)
            for raw in [*EVIL, EVIL_AUTHOR, EVIL_BRAND]:
                assert raw not in page
            pages.append(page)
        assert len(pages) >= 2
        everything = "".join(pages)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in everything and "&lt;!channel&gt;" in everything
        assert JS_URL in everything, "an unsafe URL is shown as text, never as a link"
        page = pages[0]
        assert 'class="chart score-chart"' in page and 'class="chart hourly-chart"' in page
        assert "Timeline: each tier with its reasons" in page and 'class="alert"' in page and 'class="post"' in page
        assert "→ console: <span class=\"status\">sent</span>" in page
        assert 'href="../incidents"' in page

        assert get(f"{base}/incidents/inc-doesnotexist")[0] == 404
        assert get(f"{base}/incidents/{incident}/more")[0] == 404
        assert get(f"{base}/incidents?tier=urgent")[0] == 400
        assert get(f"{base}/incidents/?since=30d")[0] == 200
        assert get(f"{base}/healthz")[0] == 200


def test_pages_need_the_token_when_one_is_set(stored) -> None:
    store, _, incident = stored
    with serve(store, f'[web]\nenabled = true\naccess_token = "{TOKEN}"\n') as server:
        url = f"http://127.0.0.1:{server.port}/incidents/{incident}"
        status, body, headers = get(url)
        assert status == 401 and headers["WWW-Authenticate"].startswith("Basic") and incident not in body
        assert get(url, {"Authorization": "Bearer wrong"})[0] == 401
        assert get(url, {"Authorization": "Basic !!!"})[0] == 401
        assert get(url, {"Authorization": f"Bearer {TOKEN}"})[0] == 200
        basic = base64.b64encode(f"anyone:{TOKEN}".encode()).decode()
        assert get(url, {"Authorization": f"Basic {basic}"})[0] == 200
        assert get(f"http://127.0.0.1:{server.port}/healthz")[0] == 200, "the orchestrator's probe needs no token"


def test_behind_a_proxy_pages_need_its_user_header(stored) -> None:
    store, _, _ = stored
    with serve(store, "[web]\nenabled = true\ntrust_proxy = true\n") as server:
        url = f"http://127.0.0.1:{server.port}/incidents"
        assert get(url)[0] == 403
        assert get(url, {"X-Forwarded-User": "alice@example.com"})[0] == 200


def test_pages_are_off_unless_configured(stored) -> None:
    store, _, _ = stored
    with HealthServer(store, CollectorRegistry(), lambda: True, port=0) as server:
        status, body, _ = get(f"http://127.0.0.1:{server.port}/incidents")
        assert status == 404 and json.loads(body)["error"].startswith("not found")


def test_config_refuses_pages_open_to_all_beyond_loopback() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config('[web]\nenabled = true\n[daemon]\nhealth_host = "0.0.0.0"\n', env={})
    assert "web.enabled" in str(err.value) and "web.access_token" in str(err.value)
    # A trusted proxy needs its addresses there, and a token its length (tests/test_pages_hardening.py).
    parse_config('[web]\nenabled = true\ntrust_proxy = true\nproxy_addresses = ["10.0.0.5"]\n'
                 '[daemon]\nhealth_host = "0.0.0.0"\n', env={})
    parse_config('[web]\nenabled = true\naccess_token = "${T}"\n[daemon]\nhealth_host = "0.0.0.0"\n', env={"T": "x" * 16})
    with pytest.raises(ConfigError) as err:
        parse_config('[web]\npublic_url = "javascript:alert(1)"\n', env={})
    assert "web.public_url" in str(err.value)


def test_slack_message_links_to_the_page_when_a_public_url_is_set() -> None:
    ev = event("inc-abc", Tier.warning)
    page = "https://monitor.example/incidents/inc-abc"
    context = root_blocks(ev, page=page)[-2]["elements"][0]["text"]
    assert f"<{page}|whole history>" in context
    assert "whole history" not in json.dumps(root_blocks(ev))
    assert "whole history" not in json.dumps(root_blocks(event("inc-abc", Tier.warning, test=True), page=page))
    with FakeSlack(token="xoxb-1-2-links") as fake:
        ch = SlackChannel("xoxb-1-2-links", "#cx-escalations", api_base_url=fake.api_url, timeout=5,
                          pages_url="https://monitor.example/ops/")
        ch.send(ev, {})
        [root] = fake.roots()
        assert "<https://monitor.example/ops/incidents/inc-abc|whole history>" in json.dumps(root.blocks)
    on = parse_config('[web]\nenabled = true\npublic_url = "https://monitor.example"\n'
                      '[alerts.slack]\nbot_token = "xoxb-1"\nchannel = "C0123ABCD"\n', env={}).config
    assert build_channels(on)["slack"].pages_url == "https://monitor.example"  # type: ignore[attr-defined]
    off = on.model_copy(update={"web": on.web.model_copy(update={"enabled": False})})
    assert build_channels(off)["slack"].pages_url is None  # type: ignore[attr-defined]


def test_pages_in_headless_chromium(stored, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        _no_chromium()
    store, _, incident = stored
    with serve(store) as server:
        base = f"http://127.0.0.1:{server.port}"
        listing = _chromium("--dump-dom", f"{base}/incidents", profile=tmp_path / "p1")
        assert listing.returncode == 0, listing.stderr[-2000:]
        assert "<title>Incidents</title>" in listing.stdout and f">{incident}</a>" in listing.stdout
        assert 'class="incident-row"' in listing.stdout

        url = f"{base}/incidents/{incident}"
        dom = _chromium("--dump-dom", url, profile=tmp_path / "p2")
        assert dom.returncode == 0, dom.stderr[-2000:]
        text = dom.stdout
        # The browser's own serialisation: injected markup would be an element or an attribute here.
        assert_inert(text)
        escaped = [e.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for e in [*EVIL, EVIL_AUTHOR]]
        assert any(e in text for e in escaped), "the hostile text is there, as text"
        assert f"<h1>Acme &lt;script&gt;alert(3)&lt;/script&gt; · {incident}</h1>" in text
        assert "Timeline: each tier with its reasons" in text and 'class="alert"' in text
        assert text.count('class="post"') >= 5 and 'class="chart score-chart"' in text and "<polyline" in text
        shot = tmp_path / "incident.png"
        proc = _chromium(f"--screenshot={shot}", "--window-size=1200,2000", url, profile=tmp_path / "p3")
        assert shot.exists() and shot.stat().st_size > 10_000, proc.stderr[-2000:]
