"""check-config: one invalid case, one test; every message names the dotted key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from monitor.config.settings import load_config, parse_config
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
BRAND = '[[brands]]\nname = "Acme Air"\nkeywords = ["acme air"]\n'


def problems(text: str, env: dict[str, str] | None = None) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "test.toml", env=env or {})
    return info.value.problems


def test_example_config_is_valid() -> None:
    loaded = load_config(ROOT / "config.example.toml", env={})
    assert [b.name for b in loaded.config.brands] == ["Acme Air"]
    assert loaded.config.sources.reddit.interval == 120
    assert loaded.config.sources.x.interval == 300


def test_brand_without_keywords() -> None:
    assert problems('[[brands]]\nname = "A"\nkeywords = []\n')[0][0] == "brands[0].keywords"


def test_brand_missing_keywords_key() -> None:
    assert problems('[[brands]]\nname = "A"\n')[0] == ("brands[0].keywords", "Field required")


def test_unknown_source() -> None:
    key, msg = problems(BRAND + "[sources.myspace]\nenabled = true\n")[0]
    assert key == "sources.myspace" and "unknown source" in msg


def test_interval_not_a_duration() -> None:
    key, msg = problems(BRAND + '[sources.x]\ninterval = "often"\n')[0]
    assert key == "sources.x.interval" and "not a duration" in msg


def test_secret_variable_unset() -> None:
    key, msg = problems(BRAND + '[sources.x]\nbearer_token = "${X_TOKEN_FOR_TEST}"\n')[0]
    assert key == "sources.x.bearer_token" and "X_TOKEN_FOR_TEST" in msg


def test_secret_variable_unset_in_disabled_section_is_fine() -> None:
    loaded = parse_config(BRAND + '[sources.x]\nenabled = false\nbearer_token = "${X_TOKEN_FOR_TEST}"\n', env={})
    assert loaded.config.sources.x.enabled is False


def test_unknown_key_typo() -> None:
    key, msg = problems(BRAND + '[storage]\nurll = "sqlite://"\n')[0]
    assert key == "storage.urll" and "unknown key" in msg


def test_invalid_toml_names_the_file() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("[[brands]\n", "bad.toml", env={})
    assert "bad.toml" in str(info.value) and "TOML" in str(info.value)


def test_env_substitution_and_secret_file(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("file-token-123\n")
    os.chmod(secret, 0o600)
    text = (
        BRAND
        + '[sources.x]\nbearer_token_file = "token"\n[sources.reddit]\nclient_id = "${RID}"\nclient_secret = "${RSEC}"\n'
    )
    cfg_path = tmp_path / "c.toml"
    cfg_path.write_text(text)
    loaded = load_config(cfg_path, env={"RID": "id-abc", "RSEC": "sec-def"})
    assert loaded.config.sources.x.bearer_token.get_secret_value() == "file-token-123"
    assert loaded.config.sources.reddit.client_id.get_secret_value() == "id-abc"
    assert "file-token-123" not in repr(loaded.config)  # secrets are typed: they never print
    assert set(loaded.config.secrets()) == {"file-token-123", "id-abc", "sec-def"}
    assert loaded.warnings == []


def test_world_readable_secret_file_and_plain_secret_warn(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("tok")
    os.chmod(secret, 0o644)
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        BRAND + '[sources.x]\nbearer_token_file = "token"\n[sources.reddit]\nclient_secret = "plain"\nclient_id="x1"\n'
    )
    warnings = load_config(cfg, env={}).warnings
    assert any("readable by every user" in w for w in warnings)
    assert any("sources.reddit.client_secret" in w and "plain text" in w for w in warnings)


def test_embedded_defaults_switch_off_sources_without_credentials() -> None:
    loaded = load_config(None, env={})
    assert loaded.config.storage.url == "sqlite:///monitor.db"
    assert set(loaded.off) == {"sources.reddit", "sources.x", "sources.trustpilot"}
    assert "X_BEARER_TOKEN" in loaded.off["sources.x"]


@pytest.mark.parametrize("key", ["sources.x.interval", "sources.news.max_age", "sources.x.timeout",
                                 "sources.x.budget.per", "scoring.window", "scoring.repeat_gap",
                                 "scoring.unanswered_after", "daemon.reobserve_interval", "daemon.reobserve_window",
                                 "daemon.jitter", "retention.interval", "retention.observations",
                                 "alerts.slack.timeout", "alerts.webhook.timeout", "alerts.email.timeout",
                                 "alerts.repeat_interval"])
@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "0", "1e308", '"1e308"', '"99999999999999999999999d"'])
def test_durations_must_be_finite_and_in_a_sane_range(key: str, value: str) -> None:
    """inf, nan and 1e308 used to crash the daemon (timedelta overflow, a scheduler spinning on 0)."""
    zero_is_fine = key in ("daemon.jitter", "retention.observations", "alerts.repeat_interval")
    if value == "0" and zero_is_fine:
        return
    section, _, name = key.rpartition(".")
    needs = {"alerts.slack": 'bot_token = "${T}"\nchannel = "C0123ABCD"\n',
             "alerts.webhook": 'url = "https://hooks.example.com/x"\n',
             "alerts.email": 'host = "smtp.example.com"\nsender = "m@example.com"\nto = ["cx@example.com"]\n',
             "sources.x.budget": "reads = 100\n"}.get(section, "")
    found = problems(f"{BRAND}[{section}]\n{needs}{name} = {value}\n", env={"T": "xoxb-1"})
    assert [k for k, _ in found] == [key], found


def test_zero_jitter_and_zero_retention_mean_off() -> None:
    cfg = parse_config(BRAND + '[daemon]\njitter = 0\n[retention]\nobservations = "0"\n', env={}).config
    assert cfg.daemon.jitter == 0 and cfg.retention.observations == 0


@pytest.mark.parametrize("weight", ["nan", "inf", "-1", "1e308"])
def test_weights_are_finite(weight: str) -> None:
    assert problems(f"{BRAND}[scoring]\nweight_cues = {weight}\n")[0][0] == "scoring.weight_cues"


@pytest.mark.parametrize("thresholds, key", [("warning = 0.8\ncritical = 0.7", "scoring.critical"),
                                             ("watch = 0.6\nwarning = 0.55", "scoring.warning"),
                                             ("warning = 0.75", "scoring.critical")])
def test_tier_thresholds_must_be_in_order(thresholds: str, key: str) -> None:
    [(found, msg)] = problems(f"{BRAND}[scoring]\n{thresholds}\n")
    assert found == key and "watch < warning < critical" in msg


def test_slack_without_a_channel_is_an_error() -> None:
    [(key, msg)] = problems(BRAND + '[alerts.slack]\nbot_token = "${T}"\n', env={"T": "xoxb-1"})
    assert key == "alerts.slack.channel" and "missing" in msg
    # An incoming webhook posts where it was made for: no channel needed.
    parse_config(BRAND + '[alerts.slack]\nwebhook_url = "${H}"\n', env={"H": "https://hooks.slack.com/x"})
