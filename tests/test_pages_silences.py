"""The incident list shows the silences in force or to come: the stored ones (``monitor silence``) and
the config's, escaped, of the brand the list is filtered by; ended ones are not shown."""

from __future__ import annotations

import http.client
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.config.settings import parse_config
from monitor.storage.store import Store
from monitor.web.pages import Pages

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
CONFIG = """
[web]
enabled = true

[[alerts.silences]]
brand = "Acme Air"
keyword = "lounge wifi"
comment = "known outage, fix shipping"
"""


def page(store: Store, query: str = "") -> str:
    cfg = parse_config(CONFIG, env={}).config
    request = http.client.HTTPMessage()
    request["Host"] = "127.0.0.1:8080"
    answer = Pages(store, cfg.web, cfg.scoring, lambda: NOW, cfg.alerts.silences).handle(
        "/incidents", query, request, client="127.0.0.1")
    assert answer.status == 200
    return answer.body.decode()


def test_the_list_shows_stored_and_config_silences_escaped(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        store.add_silence({"author": "loud_bot"}, starts=NOW - timedelta(hours=1), ends=NOW + timedelta(hours=3),
                          created_by="dana", comment="<script>alert(1)</script> spam run")
        store.add_silence({"brand": "Northwind", "critical": True}, starts=NOW + timedelta(hours=2),
                          ends=NOW + timedelta(hours=5), created_by="lee", comment="maintenance window")
        store.add_silence({"brand": "Acme Air"}, starts=NOW - timedelta(days=2), ends=NOW - timedelta(days=1),
                          created_by="old", comment="long over")
        html = page(store)
        assert html.count('class="silence-row"') == 3, "two stored in force or to come, one from the config"
        assert "author loud_bot" in html and "active" in html and "dana" in html
        assert "brand Northwind" in html and "to come" in html and "maintenance window" in html
        assert "brand Acme Air, keyword lounge wifi" in html and "until taken out of the config" in html
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; spam run" in html
        assert "long over" not in html, "an ended silence mutes nothing"

        acme = page(store, "brand=acme+air")
        assert acme.count('class="silence-row"') == 2, "the config's Acme silence and the brandless one"
        assert "Northwind" not in acme
    finally:
        store.close()


def test_no_silence_says_every_alert_is_sent(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        cfg = parse_config("[web]\nenabled = true\n", env={}).config
        request = http.client.HTTPMessage()
        request["Host"] = "127.0.0.1:8080"
        html = Pages(store, cfg.web, cfg.scoring, lambda: NOW).handle("/incidents", "", request).body.decode()
        assert "No silence in force: every alert is sent." in html
    finally:
        store.close()
