"""The health and metrics endpoint in-process: a real HTTP server on 127.0.0.1, a real poll of the fake
X API, real SQLite."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from monitor.config.settings import parse_config
from monitor.daemon.app import Monitor
from monitor.daemon.health import HealthServer
from monitor.errors import ChannelError
from monitor.models import AlertEvent
from tests.conftest import FakeClock
from tests.fakes.alerting import climb, queue
from tests.fakes.social import FakeSocial

TOKEN = "xtoken-0987654321-secret"


class Accepting:
    name = "good"

    def send(self, event: AlertEvent, state: dict[str, Any]) -> dict[str, Any]:
        return {"ts": "1"}


class Refusing:
    name = "bad"

    def send(self, event: AlertEvent, state: dict[str, Any]) -> dict[str, Any]:
        raise ChannelError("server error", retry_after=0)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def fake():
    with FakeSocial(x_bearer_token=TOKEN) as f:
        f.seed_demo()
        yield f


def make_monitor(db: Path, url: str, scorer, clock: FakeClock) -> Monitor:
    loaded = parse_config(f"""
[storage]
url = "sqlite:///{db}"
[[brands]]
name = "Acme Air"
keywords = ["acme air"]
[sources.reddit]
enabled = false
[sources.x]
bearer_token = "${{X_BEARER_TOKEN}}"
api_base_url = "{url}"
[alerts]
min_tier = "watch"
""", env={"X_BEARER_TOKEN": TOKEN})
    return Monitor.create(loaded, clock, scorer=scorer, channels={"good": Accepting(), "bad": Refusing()})


def test_metrics_after_polls_failures_and_deliveries(tmp_path: Path, fake: FakeSocial, scorer, clock: FakeClock) -> None:
    mon = make_monitor(tmp_path / "m.db", fake.url, scorer, clock)
    running = [True]
    with HealthServer(mon.store, mon.metrics.registry, lambda: running[0], port=0) as server:
        base = f"http://127.0.0.1:{server.port}"
        assert mon.poll_source("x") > 0
        fake.fail_next("/2/", 401)
        clock.advance(hours=1)
        assert mon.poll_source("x") == 0
        queue(mon.store, *climb("inc-9"), channels=("good", "bad"))
        mon.deliver()

        status, body = get(f"{base}/metrics")
        assert status == 200
        samples = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
                   for line in body.splitlines() if line and not line.startswith("#")}
        assert samples['monitor_polls_total{source="x"}'] == 2
        assert samples['monitor_poll_errors_total{source="x"}'] == 1
        assert samples['monitor_observations_total{source="x"}'] > 0
        assert samples['monitor_source_backoff_seconds{source="x"}'] > 0
        assert samples['monitor_scoring_seconds_count{source="x"}'] == 1
        assert samples['monitor_alerts_sent_total{channel="good"}'] == 3
        assert samples['monitor_alerts_failed_total{channel="bad"}'] == 1  # the rest wait behind it, in order
        assert samples['monitor_alerts_sent_total{channel="bad"}'] == 0
        assert samples["monitor_outbox_depth"] == 3
        assert samples["monitor_database_up"] == 1
        assert {f'monitor_incidents{{tier="{t}"}}' for t in ("none", "watch", "warning", "critical")} <= set(samples)
        assert TOKEN not in body and fake.url not in body

        # A recovered source goes back to no backoff.
        clock.advance(hours=2)
        assert mon.poll_source("x") >= 0
        _, body = get(f"{base}/metrics")
        assert 'monitor_source_backoff_seconds{source="x"} 0.0' in body

        assert get(f"{base}/healthz")[0] == 200
        status, body = get(f"{base}/readyz")
        assert status == 200 and json.loads(body)["checks"] == {"database": "ok", "scheduler": "ok"}
        running[0] = False
        status, body = get(f"{base}/readyz")
        assert status == 503 and json.loads(body)["checks"]["scheduler"] == "failing"
        assert get(f"{base}/nope")[0] == 404
    mon.close()


def test_readyz_503_when_the_database_is_gone(tmp_path: Path, fake: FakeSocial, scorer, clock: FakeClock) -> None:
    (tmp_path / "db").mkdir()
    mon = make_monitor(tmp_path / "db" / "m.db", fake.url, scorer, clock)
    with HealthServer(mon.store, mon.metrics.registry, lambda: True, port=0) as server:
        base = f"http://127.0.0.1:{server.port}"
        assert get(f"{base}/readyz")[0] == 200
        shutil.rmtree(tmp_path / "db")
        mon.store.engine.dispose()  # drop pooled connections to the deleted file
        status, body = get(f"{base}/readyz")
        assert status == 503
        assert json.loads(body) == {"status": "not ready", "checks": {"database": "failing", "scheduler": "ok"}}
        assert get(f"{base}/healthz")[0] == 200  # alive, just not ready
        status, body = get(f"{base}/metrics")
        assert status == 200 and "monitor_database_up 0.0" in body
    mon.close()


def test_daemon_serves_health_while_running(tmp_path: Path, scorer, clock: FakeClock) -> None:
    from monitor.daemon.scheduler import build_scheduler, start_health

    loaded = parse_config(f'[storage]\nurl = "sqlite:///{tmp_path / "m.db"}"\n[daemon]\nhealth_port = 0\n', env={})
    mon = Monitor.create(loaded, clock, scorer=scorer)
    assert start_health(mon, build_scheduler(mon)) is None  # 0 = off
    mon.close()

    from monitor.errors import MonitorError

    with HealthServer(mon.store, mon.metrics.registry, lambda: True, port=0) as busy:
        loaded = parse_config(f'[storage]\nurl = "sqlite:///{tmp_path / "m.db"}"\n[daemon]\nhealth_port = {busy.port}\n',
                              env={})
        mon = Monitor.create(loaded, clock, scorer=scorer)
        with pytest.raises(MonitorError, match="daemon.health_port"):
            start_health(mon, build_scheduler(mon))
        mon.close()
        # The default port busy (a laptop): the daemon runs on, without the endpoint, and says so.
        from monitor.config.settings import DaemonConfig

        mon = Monitor.create(parse_config(f'[storage]\nurl = "sqlite:///{tmp_path / "m.db"}"\n', env={}), clock,
                             scorer=scorer)
        default_port = DaemonConfig.model_construct(_fields_set=set(), health_port=busy.port)  # as if 8080 were busy
        mon.loaded.config = mon.config.model_copy(update={"daemon": default_port})
        assert start_health(mon, build_scheduler(mon)) is None
        mon.close()


def test_config_keys_of_the_service(tmp_path: Path) -> None:
    from monitor.errors import ConfigError

    secret = tmp_path / "db_password"
    secret.write_text("p@ss/w:rd\n")
    secret.chmod(0o600)
    loaded = parse_config(f'[storage]\nurl = "postgresql+psycopg://monitor@db:5432/monitor"\npassword_file = "{secret}"\n'
                          '[daemon]\nhealth_host = "0.0.0.0"\nhealth_port = 9100\n'
                          '[retention]\nobservations = "14d"\nincidents = "0"\n', env={})
    cfg = loaded.config
    assert cfg.storage.url == "postgresql+psycopg://monitor:p%40ss%2Fw%3Ard@db:5432/monitor"
    assert "p@ss/w:rd" in cfg.secrets() and loaded.warnings == []
    assert (cfg.daemon.health_host, cfg.daemon.health_port) == ("0.0.0.0", 9100)
    assert (cfg.retention.observations, cfg.retention.incidents, cfg.retention.interval) == (14 * 86400, 0, 86400)
    with pytest.raises(ConfigError) as bad:
        parse_config('[daemon]\nhealth_port = 70000\n[retention]\nobservations = "soon"\nkeep = 1\n', env={})
    text = str(bad.value)
    assert "daemon.health_port" in text and "retention.observations" in text and "retention.keep" in text
