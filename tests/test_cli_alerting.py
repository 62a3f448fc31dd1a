"""`monitor silence` and `monitor requeue`: what they store is what the router and the deliverer act on."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select, update

from monitor.alerting.chain import Router
from monitor.cli import main
from monitor.config.settings import load_config
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
