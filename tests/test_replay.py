"""`monitor replay`: the demo's timeline, input errors, stored history, alternate configs, determinism."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from monitor.jsonl import dumps
from monitor.models import Tier
from monitor.pipeline.core import PipelineOptions
from monitor.pipeline.factory import build_pipeline
from monitor.replay import demo
from monitor.replay.run import in_event_order, run_replay
from monitor.scoring import MentionScorer
from monitor.storage import schema as s
from monitor.storage.store import Store

ROOT = Path(__file__).resolve().parent.parent


def monitor(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          input=stdin, timeout=300, env={**os.environ, "COLUMNS": "200"})


def test_demo_alerts_a_day_before_the_news_and_is_critical_within_the_hour(scorer) -> None:
    result = run_replay(demo.observations(), demo.config(), scorer)
    (marker_name, tv), = demo.markers()
    assert result.alerts, "the demo must alert"
    first = result.alerts[0]
    assert first.at <= tv - timedelta(days=1)
    critical = [a for a in result.alerts if a.tier == Tier.critical]
    assert critical and tv <= critical[0].at <= tv + timedelta(hours=1)
    story = {a.incident for a in result.alerts}
    assert len(story) == 1, "nothing in the background traffic alerts above watch"


def test_demo_json_is_byte_identical_and_matches_the_contract() -> None:
    a = monitor("replay", "--demo", "--format", "json")
    b = monitor("replay", "--demo", "--format", "json")
    assert a.returncode == 0, a.stderr
    assert a.stdout == b.stdout
    doc = json.loads(a.stdout)
    assert set(doc) == {"alerts", "stats", "lead_times"}  # the demo has its marker
    assert set(doc["stats"]) == {"observations", "mentions", "incidents", "skipped_lines"}
    for alert in doc["alerts"]:
        assert set(alert) == {"incident", "brand", "tier", "at", "score", "mentions", "authors", "sources", "reasons",
                              "first_seen"}
    ats = [x["at"] for x in doc["alerts"]]
    assert ats == sorted(ats)


def test_table_shows_lead_time_against_a_marker() -> None:
    proc = monitor("replay", "--demo", "--format", "table", "--marker", "tv=2024-05-09T18:00:00Z")
    assert proc.returncode == 0, proc.stderr
    assert "before marker 'tv'" in proc.stdout and "warning" in proc.stdout


def test_batch_boundaries_do_not_change_the_decisions(scorer) -> None:
    # The demo spans weeks: day baselines are read while earlier days' counts are still unwritten.
    obs = list(demo.observations())
    whole = run_replay(obs, demo.config(), scorer, batch_size=10_000)
    for size in (37, 500):
        assert run_replay(obs, demo.config(), scorer, batch_size=size).to_json() == whole.to_json()


def test_scoring_ahead_in_a_worker_process_decides_alike(scorer) -> None:
    obs = list(demo.observations())
    inline = run_replay(obs, demo.config(), scorer, batch_size=300)
    ahead = run_replay(obs, demo.config(), scorer, batch_size=300, score_ahead=MentionScorer)
    assert ahead.to_json() == inline.to_json()
    assert ahead.scored_ahead > 0.5 * ahead.mentions and inline.scored_ahead == 0
    # A worker that cannot score (here: no scorer at all) costs speed, never a decision.
    broken = run_replay(obs, demo.config(), scorer, batch_size=300, score_ahead=int)
    assert broken.to_json() == inline.to_json() and broken.scored_ahead == 0


def test_signatures_worked_out_ahead_decide_alike(scorer) -> None:
    """Posts that name their brand (recorded observations do) are signed by the worker too."""
    brand = demo.config().brand_queries()[0].name
    obs = [dataclasses.replace(o, brand=brand) for o in demo.observations()]
    inline = run_replay(obs, demo.config(), scorer, batch_size=300)
    ahead = run_replay(obs, demo.config(), scorer, batch_size=300, score_ahead=MentionScorer)
    assert ahead.to_json() == inline.to_json()
    assert ahead.signed_ahead > 0.5 * ahead.mentions and inline.signed_ahead == 0


def test_write_back_stores_what_writing_through_stores(tmp_path: Path, scorer) -> None:
    """A replay holds rows back in memory; what it stores in the end is what the daemon would."""
    obs = list(demo.observations())
    tables = {}
    for mode in ("through", "back"):
        store = Store(f"sqlite:///{tmp_path / mode}.db")
        now = [obs[0].observed_at]
        pipe = build_pipeline(store, demo.config(), scorer, lambda: now[-1], channels=("console",),
                              options=PipelineOptions(replay=True, single_writer=True, write_back=mode == "back",
                                                      cache_limits=(60, 5)))  # small, so rows leave the cache
        for i in range(0, len(obs), 97):
            now.append(obs[min(i + 96, len(obs) - 1)].observed_at)
            pipe.process(obs[i:i + 97])
        pipe.finish()
        with store.begin() as conn:
            tables[mode] = {
                name: sorted(tuple((k, v) for k, v in r._mapping.items() if k != "id") for r in conn.execute(select(t)))
                for name, t in (("mentions", s.mentions), ("incidents", s.incidents), ("keys", s.incident_keys),
                                ("outbox", s.outbox))}
        store.close()
    for name in tables["through"]:
        assert tables["back"][name] == tables["through"][name], name
    assert len(tables["back"]["incidents"]) > 5 and len(tables["back"]["mentions"]) > 60


def test_input_errors_are_reported_by_line(tmp_path: Path) -> None:
    good = [dumps(o) for o in list(demo.observations())[:50]]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join([*good[:10], "{oops", *good[10:], '{"source": "x"}']) + "\n")
    proc = monitor("replay", "--input", str(path), "--format", "json")
    assert proc.returncode == 0
    assert "in.jsonl:11:" in proc.stderr and "in.jsonl:52:" in proc.stderr
    assert json.loads(proc.stdout)["stats"]["skipped_lines"] == 2
    strict = monitor("replay", "--input", str(path), "--strict", "--format", "json")
    assert strict.returncode == 2 and "in.jsonl:11:" in strict.stderr and "Traceback" not in strict.stderr
    assert monitor("replay", "--input", str(path), "--demo").returncode == 2  # one input only
    assert monitor("replay", "--demo", "--marker", "tv").returncode == 2


def test_stdin_input_and_alternate_config_change_the_decisions(tmp_path: Path) -> None:
    data = "\n".join(dumps(o) for o in demo.observations()) + "\n"
    brand = '[[brands]]\nname = "Northwind Parcel"\nkeywords = ["northwind parcel"]\nhandles = { x = "northwindparcel" }\n'
    usual = tmp_path / "usual.toml"
    usual.write_text(brand)
    strict = tmp_path / "strict.toml"
    strict.write_text(brand + '[alerts]\nmin_tier = "critical"\n[scoring]\nwarning = 0.7\ncritical = 0.95\n')
    base = monitor("replay", "--input", "-", "--format", "json", "--config", str(usual), stdin=data)
    other = monitor("replay", "--input", "-", "--format", "json", "--config", str(strict), stdin=data)
    assert base.returncode == 0 and other.returncode == 0, base.stderr + other.stderr
    assert [a["tier"] for a in json.loads(base.stdout)["alerts"]] == ["warning", "critical"]
    assert [a["tier"] for a in json.loads(other.stdout)["alerts"]] == ["critical"]


def test_since_until_replays_the_stored_history(tmp_path: Path, scorer) -> None:
    from monitor.config.settings import parse_config
    from monitor.pipeline.factory import build_pipeline
    from monitor.storage.store import Store

    db = tmp_path / "live.db"
    cfg = tmp_path / "live.toml"
    cfg.write_text(f'[storage]\nurl = "sqlite:///{db}"\n[[brands]]\nname = "Northwind Parcel"\n'
                   'keywords = ["northwind parcel"]\nhandles = { x = "northwindparcel" }\n')
    config = parse_config(cfg.read_text(), env={}).config
    store = Store(config.storage.url)
    observations = list(demo.observations())
    now = [observations[0].observed_at]
    pipe = build_pipeline(store, config, scorer, lambda: now[-1], channels=("console",))
    for i in range(0, len(observations), 300):
        now.append(observations[min(i + 299, len(observations) - 1)].observed_at)
        pipe.process(observations[i:i + 300])
    stored = store.count("observations")
    store.close()
    before = db.stat().st_size
    proc = monitor("replay", "--config", str(cfg), "--since", "2024-04-01T00:00:00Z", "--until", "2024-05-20T00:00:00Z",
                   "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["stats"]["observations"] == stored
    assert [a["tier"] for a in doc["alerts"]] == ["warning", "critical"]
    part = json.loads(monitor("replay", "--config", str(cfg), "--since", "2024-04-01T00:00:00Z", "--until",
                              "2024-04-10T00:00:00Z", "--format", "json").stdout)
    assert 0 < part["stats"]["observations"] < stored
    assert db.stat().st_size == before  # the live database is not touched


def test_reorder_buffer_sorts_and_counts_the_hopelessly_late() -> None:
    obs = list(demo.observations())[:200]
    shuffled = list(reversed(obs))
    late = [0]
    assert [o.observed_at for o in in_event_order(shuffled, window=1000, late=late)] == sorted(o.observed_at for o in obs)
    assert late == [0]
    out = list(in_event_order(shuffled, window=5, late=late))
    assert len(out) == 200 and late[0] > 0
