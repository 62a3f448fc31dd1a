"""Feedback-aware replay: ``monitor replay --since`` holds its decisions against what the team said."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from monitor.cli import main
from monitor.config.settings import load_config
from monitor.incidents.state import incident_id
from monitor.replay import demo
from monitor.storage.actions import record_action
from tests.fakes.history import ending_at, store_history

STORY = incident_id(demo.BRAND, "x", "story0")


def replay_since(config, *extra: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["replay", "--since", "60d", "--config", str(config), *extra])
    return result.exit_code, result.stdout, result.stderr


def test_a_stored_not_a_complaint_on_an_alert_is_counted_as_noise_in_the_replay(tmp_path, scorer) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(f"""
[storage]
url = "sqlite:///{tmp_path / 'monitor.db'}"
[[brands]]
name = "{demo.BRAND}"
keywords = ["northwind parcel"]
handles = {{ x = "northwindparcel", reddit = "northwindparcel" }}
[alerts.console]
enabled = false
""", encoding="utf-8")
    loaded = load_config(config)
    month = ending_at(demo.observations(), datetime.now(UTC) - timedelta(hours=1))
    mon, clock = store_history(loaded, month, scorer, channels={})
    # The team marked the story "not a complaint" (noise, for this test's sake).
    record_action(mon.store, STORY, "not_complaint", clock(), user="U0ALICE")
    mon.close()

    code, out, err = replay_since(config, "--format", "json")
    assert code == 0, err
    feedback = json.loads(out)["feedback"]
    assert feedback["noise"] == {"total": 1, "alerted_live": 1, "alerted_in_replay": 1, "quiet_in_replay": 0}
    assert feedback["acknowledged"]["total"] == 0
    assert feedback["incidents"] == [{"incident": STORY, "brand": demo.BRAND, "label": "not_complaint",
                                      "live": "critical", "replay": "critical"}]

    # A replay that would not have alerted on it (here: another brand only) counts the noise as quiet.
    code, out, err = replay_since(config, "--format", "json", "--brand", "Someone Else")
    assert code == 0, err
    assert json.loads(out)["feedback"]["noise"]["quiet_in_replay"] == 1

    code, out, err = replay_since(config, "--format", "table")
    assert code == 0, err
    assert "marked not a complaint: 1; alerted live 1, in this replay 1" in out
