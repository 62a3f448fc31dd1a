"""Adding a source or a channel is its module plus one registry entry: a forum source and a Teams
channel defined in tests/plugins/ are registered here, configured in their own sections, validated
and summarised by check-config, and built and used by the daemon's wiring, with no file under
monitor/ knowing them. And the registries list every plugin the project ships."""

from __future__ import annotations

import ast
import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from alerts import CHANNELS
from monitor.cli import main
from monitor.config.routing import ChannelSettings
from monitor.config.settings import load_config, parse_config
from monitor.config.sources import SourceBase
from monitor.daemon.app import Monitor, build_sources
from monitor.errors import ConfigError
from sources import SOURCES
from tests.conftest import FakeClock
from tests.fakes.http import FakeServer, Reply, first

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "THR-tok3n-8c1f0e7d"
HOOK_KEY = "teAms-h00k-5b2a9"
NOW = FakeClock().now


class FakeForum(FakeServer):
    """The forum's search, answering as Threads' keyword search (graph.threads.net) does, for one bearer token."""

    name = "fake-forum"

    def __init__(self) -> None:
        self.posts: list[dict[str, str]] = []
        super().__init__()

    def route(self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
              body: bytes) -> Reply:
        if headers.get("authorization") != f"Bearer {TOKEN}":
            return Reply(401, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException",
                                         "code": 190}})
        if path != "/v1.0/keyword_search" or first(query, "search_type") != "RECENT":
            return Reply(400, {"error": {"message": "Unsupported request", "code": 100}})
        q = (first(query, "q") or "").casefold()
        return Reply(200, {"data": [p for p in self.posts if q in p["text"].casefold()]})


class FakeTeams(FakeServer):
    """A Teams incoming webhook: 200 and the text "1" for a card posted to the right path."""

    name = "fake-teams"

    def route(self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
              body: bytes) -> Reply:
        if method != "POST" or path != f"/webhookb2/{HOOK_KEY}":
            return Reply(404, raw=b"Webhook not found", payload=None, content_type="text/plain")
        return Reply(200, raw=b"1", content_type="text/plain")

    def cards(self) -> list[dict]:
        return [json.loads(r.body) for r in self.requests if r.method == "POST"]


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The two plugins registered as a deployment would: one entry in each registry."""
    monkeypatch.setitem(SOURCES, "forum", "tests.plugins.forum:ForumSource")
    monkeypatch.setitem(CHANNELS, "teams", "tests.plugins.teams:TeamsChannel")


def toml(tmp_path: Path, forum: FakeForum, teams: FakeTeams, extra: str = "") -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(f"""
[storage]
url = "sqlite:///{tmp_path / 'monitor.db'}"
[[brands]]
name = "Acme Air"
keywords = ["acme air"]
[sources.forum]
access_token = "${{FORUM_TOKEN}}"
api_base_url = "{forum.url}"
interval = "3m"
[alerts]
min_tier = "watch"
[alerts.console]
enabled = false
[alerts.teams]
webhook_url = "{teams.url}/webhookb2/${{TEAMS_KEY}}"
[[alerts.routes]]
channels = ["teams"]
[scoring]
min_mentions_first_alert = 1
watch = 0.2
{extra}""")
    return path


ENV = {"FORUM_TOKEN": TOKEN, "TEAMS_KEY": HOOK_KEY}


def test_check_config_validates_and_summarises_the_new_sections(registered: None, tmp_path: Path) -> None:
    with FakeForum() as forum, FakeTeams() as teams:
        result = CliRunner().invoke(main, ["check-config", str(toml(tmp_path, forum, teams))], env=ENV)
    assert result.exit_code == 0, result.output
    assert "sources.forum: on, every 3m" in result.output
    assert "sources.reddit: off (no credentials: set sources.reddit.client_id and client_secret)" in result.output
    assert "alerts.teams: on, incoming webhook" in result.output and "1 route(s)" in result.output
    assert TOKEN not in result.output and HOOK_KEY not in result.output


@pytest.mark.parametrize("extra, env, key, message", [
    ("[sources.forum.budget]\nrequest = 5\n", ENV, "sources.forum.budget.request", "unknown key"),
    ("", {"TEAMS_KEY": HOOK_KEY}, "sources.forum.access_token", "environment variable FORUM_TOKEN is not set"),
    ("", {"FORUM_TOKEN": TOKEN}, "alerts.teams.webhook_url", "environment variable TEAMS_KEY is not set"),
    ('[[alerts.routes]]\nchannels = ["telex"]\n', ENV, "alerts.routes[1].channels",
     "unknown channel 'telex' (known: console, slack, webhook, email, teams)"),
])
def test_the_new_sections_are_checked_like_the_others(registered: None, tmp_path: Path, extra: str,
                                                      env: dict[str, str], key: str, message: str) -> None:
    with FakeForum() as forum, FakeTeams() as teams:
        path = toml(tmp_path, forum, teams, extra)
    with pytest.raises(ConfigError) as info:
        load_config(path, env=env)
    assert any(k == key and message in m for k, m in info.value.problems), info.value.problems
    unset: dict[str, str | None] = {k: None for k in ENV}  # None: not in the environment
    result = CliRunner().invoke(main, ["check-config", str(path)], env={**unset, **env})
    assert result.exit_code == 2 and key in result.output


def test_unregistered_sections_are_unknown(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"sources.forum: unknown source \(known: reddit, x, news"):
        parse_config("[sources.forum]\n", env={})
    with pytest.raises(ConfigError, match="alerts.teams: unknown key"):
        parse_config("[alerts.teams]\n", env={})


def test_secrets_of_a_new_plugin_follow_their_type(registered: None, tmp_path: Path) -> None:
    (tmp_path / "forum_token").write_text(TOKEN + "\n")
    os.chmod(tmp_path / "forum_token", 0o600)
    loaded = load_config(_write(tmp_path, '[sources.forum]\naccess_token_file = "forum_token"\n'
                                          '[alerts.teams]\nwebhook_url = "https://teams.example/webhookb2/PlainKey-123"\n'),
                         env={})
    assert loaded.config.sources.forum.access_token.get_secret_value() == TOKEN
    assert TOKEN not in repr(loaded.config)
    assert {TOKEN, "webhookb2/PlainKey-123", "PlainKey-123"} <= set(loaded.config.secrets())
    assert any(w.startswith("alerts.teams.webhook_url: secret written in plain text") for w in loaded.warnings)


def test_the_embedded_defaults_take_a_new_source_from_the_environment(registered: None) -> None:
    loaded = load_config(None, env={})
    active, off = build_sources(loaded.config, FakeClock(), loaded.off)
    assert "forum" not in active
    assert off["forum"] == "no credentials: set FORUM_ACCESS_TOKEN (the forum's API needs an access token; see README)"
    loaded = load_config(None, env={"FORUM_ACCESS_TOKEN": TOKEN})
    active, off = build_sources(loaded.config, FakeClock(), loaded.off)
    assert "forum" in active and "forum" not in off


def test_the_daemon_polls_the_new_source_and_alerts_through_the_new_channel(registered: None,
                                                                            tmp_path: Path) -> None:
    clock = FakeClock()
    with FakeForum() as forum, FakeTeams() as teams:
        forum.posts = [{"id": f"1790{i}", "text": text, "username": f"flyer{i}",
                          "timestamp": (NOW - timedelta(minutes=10 * i)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
                          "permalink": f"https://forum.example/@flyer{i}/post/C{i}"}
                         for i, text in enumerate([
                             "Acme Air lost my bag and nobody answers, third call today. I contacted the news.",
                             "Acme Air still has not refunded me, my lawyer is writing to the CEO",
                             "acme air cancelled again and support hung up on me, reporting them to the regulator"])]
        loaded = load_config(toml(tmp_path, forum, teams), env=ENV)
        mon = Monitor.create(loaded, clock)
        try:
            assert set(mon.sources) == {"forum"} and set(mon.channels) == {"teams"}
            assert mon.poll_source("forum") == 3
            cards = teams.cards()
        finally:
            mon.close()
    assert cards and all("Acme Air" in c["title"] for c in cards)
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in forum.requests)


def test_a_channel_with_buttons_notes_and_links_needs_nothing_under_monitor(registered: None, tmp_path: Path) -> None:
    """Issue 22: the core knows a channel's extras only through the registry: its listener is started
    with the daemon, an action from the command line is noted under the incident's card, and the
    incident's page links to the card."""
    import http.client

    from monitor.alerting.capabilities import start_listeners, stop_listeners
    from monitor.storage.store import Store
    from monitor.web.pages import Pages
    from tests.plugins.teams import ButtonListener

    clock = FakeClock()
    with FakeForum() as forum, FakeTeams() as teams:
        forum.posts = [{"id": f"1790{i}", "text": text, "username": f"flyer{i}",
                          "timestamp": (NOW - timedelta(minutes=10 * i)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
                          "permalink": f"https://forum.example/@flyer{i}/post/C{i}"}
                         for i, text in enumerate(["Acme Air lost my bag and nobody answers. I contacted the news.",
                                                   "Acme Air still has not refunded me, my lawyer is writing to the CEO"])]
        path = toml(tmp_path, forum, teams, "[web]\nenabled = true\n")
        path.write_text(path.read_text().replace("[alerts.teams]\n", "[alerts.teams]\nbuttons = true\n"))
        loaded = load_config(path, env=ENV)
        mon = Monitor.create(loaded, clock)
        try:
            listeners = start_listeners(loaded.config.alerts, mon.store, mon.clock)
            assert [type(x) for x in listeners] == [ButtonListener] and listeners[0].running
            mon.poll_source("forum")
            stop_listeners(listeners)
            assert not listeners[0].running
            with mon.store.begin() as conn:
                incident = conn.execute(__import__("sqlalchemy").text(
                    "SELECT incident_id FROM channel_state WHERE channel = 'teams'")).scalar()
        finally:
            mon.close()
        assert incident
        result = CliRunner().invoke(main, ["ack", incident, "--by", "sam", "--config", str(path)], env=ENV)
        assert result.exit_code == 0, result.output
        notes = [c for c in teams.cards() if c["summary"] == "note"]
        assert len(notes) == 1 and "sam acknowledged this incident" in notes[0]["text"]
        store = Store(loaded.config.storage.url)
        request = http.client.HTTPMessage()
        request["Host"] = "127.0.0.1"
        page = Pages(store, loaded.config.web, loaded.config.scoring, lambda: NOW).handle(
            f"/incidents/{incident}", "", request, client="127.0.0.1")
        store.close()
    assert page.status == 200 and f'href="https://teams.example/cards/{incident}"'.encode() in page.body


def test_test_alert_reaches_the_new_channel(registered: None, tmp_path: Path) -> None:
    with FakeForum() as forum, FakeTeams() as teams:
        result = CliRunner().invoke(main, ["test-alert", "--config", str(toml(tmp_path, forum, teams))], env=ENV)
        cards = teams.cards()
    assert result.exit_code == 0, result.output
    assert "teams: ok" in result.output and [c["title"][:7] for c in cards] == ["[TEST] "]


def test_every_plugin_module_is_registered_and_owns_its_config() -> None:
    """grep finds every plugin: each class in sources/ and alerts/ with a config_model is in a registry."""
    found: dict[str, set[str]] = {"sources": set(), "alerts": set()}
    for package in found:
        for module in sorted((ROOT / package).glob("*.py")):
            for node in ast.parse(module.read_text()).body:
                assigned = [t.id for s in getattr(node, "body", []) if isinstance(s, ast.Assign)
                            for t in s.targets if isinstance(t, ast.Name)]
                if isinstance(node, ast.ClassDef) and "config_model" in assigned:
                    found[package].add(f"{package}.{module.stem}:{node.name}")
    assert found["sources"] == set(SOURCES.values())
    assert found["alerts"] == set(CHANNELS.values())
    from alerts import load_channel_class
    from sources import load_source_class

    for name in SOURCES:
        cls = load_source_class(name)
        assert issubclass(cls.config_model, SourceBase) and callable(cls.from_config)
    for name in CHANNELS:
        cls = load_channel_class(name)
        assert issubclass(cls.config_model, ChannelSettings) and callable(cls.from_config)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text)
    return path
