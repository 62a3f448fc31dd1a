"""`monitor silence` and `monitor requeue`: what they store is what the router and the deliverer act on."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select, update

from monitor.alerting.chain import Router
from monitor.cli import main
from monitor.config.settings import load_config
from monitor.models import Tier
from monitor.storage import schema as s
from monitor.storage.store import Store
from tests.fakes.alerting import T0, event, queue


def config(tmp_path: Path) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "monitor.db"}"\n', encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_silence_from_the_command_line_mutes_the_brand_for_its_time(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    code, out, err = run("silence", "--brand", "acme air", "--for", "2h", "--start", T0.isoformat(),
                         "--comment", "PR campaign", "--by", "ops", "--config", str(cfg))
    assert code == 0, err
    assert "until 2024-03-01T14:00:00Z" in out
    store = Store(load_config(cfg).config.storage.url)
    router = Router(load_config(cfg).config.alerts, ("slack",), store)
    assert router(event(at=T0 + timedelta(hours=1))) == []
    assert router(event(at=T0 + timedelta(hours=1), brand="Other")) == ["slack"]
    assert router(event(at=T0 + timedelta(hours=2))) == ["slack"]  # over
    with store.begin() as conn:
        row = conn.execute(select(s.silences)).one()
    assert row.created_by == "ops" and row.comment == "PR campaign"
    store.close()


def test_a_silence_needs_a_matcher_and_a_sane_length(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    assert run("silence", "--for", "2h", "--config", str(cfg))[0] == 2
    code, _, err = run("silence", "--brand", "x", "--for", "200d", "--config", str(cfg))
    assert code == 2 and "90 days" in err
    code, _, err = run("silence", "--brand", "x", "--for", "soon", "--config", str(cfg))
    assert code == 2 and "--for" in err


def test_requeue_puts_failed_alerts_back(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    store = Store(load_config(cfg).config.storage.url)
    queue(store, event("inc-1"), event("inc-2"), channels=("slack", "console"))
    with store.begin() as conn:
        conn.execute(update(s.outbox).values(failed_at=T0, last_error="invalid_auth"))
    code, out, err = run("requeue", "--channel", "slack", "--config", str(cfg))
    assert code == 0, err
    assert out.startswith("2 alert(s) queued again")
    with store.begin() as conn:
        rows = conn.execute(select(s.outbox.c.channel, s.outbox.c.failed_at)).all()
    assert sorted((c, f is None) for c, f in rows) == [("console", False), ("console", False), ("slack", True), ("slack", True)]
    store.close()


def test_silences_are_listed_and_lifted_and_never_hide_a_critical_story_unless_told(tmp_path: Path) -> None:
    """Issue 26: `silence --keyword a --for 90d` matched every post (substring) and an incident reached
    critical with no alert, and nobody could see or lift the silence."""
    import json

    from monitor.daemon.metrics import DatabaseCollector
    from tests.fakes.alerting import post

    cfg = config(tmp_path)
    code, _, err = run("silence", "--keyword", "a", "--for", "90d", "--config", str(cfg))
    assert code == 2 and "--keyword" in err and "3 characters" in err
    code, out, _ = run("silence", "--brand", "acme air", "--for", "2h", "--start", T0.isoformat(), "--config", str(cfg))
    assert code == 0 and "critical alerts still go out" in out
    code, out, _ = run("silence", "--keyword", "giveaway", "--for", "1d", "--start", T0.isoformat(), "--critical",
                       "--comment", "contest spam", "--config", str(cfg))
    assert code == 0
    store = Store(load_config(cfg).config.storage.url)
    router = Router(load_config(cfg).config.alerts, ("slack",), store)
    at = T0 + timedelta(hours=1)
    assert router(event(at=at)) == []  # the brand's warning is muted ...
    assert router(event(at=at, tier=Tier.critical)) == ["slack"]  # ... its critical story is not
    giveaway = [post("Acme Air giveaway!", id="1")]
    assert router(event(at=at, tier=Tier.critical, brand="Other", posts=giveaway)) == []  # said so: --critical

    code, out, _ = run("silences", "--all", "--format", "json", "--config", str(cfg))
    listed = json.loads(out)["silences"]
    assert [(x["id"], x["brand"], x["keyword"], x["critical"]) for x in listed] == \
        [(1, "acme air", None, False), (2, None, "giveaway", True)]
    assert listed[1]["comment"] == "contest spam" and listed[0]["kept"] == "database"
    collector = DatabaseCollector(store, lambda: at, 86400.0)
    gauge = next(m for m in collector.collect() if m.name == "monitor_silences_active")
    assert {s.labels["kept"]: s.value for s in gauge.samples} == {"database": 2, "config": 0}

    code, out, _ = run("unsilence", "2", "--config", str(cfg))
    assert code == 0 and "silence 2 ended" in out
    assert router(event(at=T0 + timedelta(days=2), tier=Tier.critical, brand="Other", posts=giveaway)) == ["slack"]
    code, _, err = run("unsilence", "99", "--config", str(cfg))
    assert code == 2 and "no silence 99" in err and "monitor.db" in err
    store.close()


def test_a_silence_for_a_brand_nobody_watches_warns(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    cfg.write_text(cfg.read_text() + '[[brands]]\nname = "Acme Air"\nkeywords = ["acme air"]\n')
    code, _, err = run("silence", "--brand", "Acme Aor", "--for", "1h", "--config", str(cfg))
    assert code == 0 and "no brand 'Acme Aor'" in err and "Acme Air" in err
    code, _, err = run("silence", "--brand", "acme air", "--for", "1h", "--config", str(cfg))
    assert code == 0 and "warning" not in err
