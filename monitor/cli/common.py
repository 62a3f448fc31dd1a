"""What every ``monitor`` command shares: the config as the command line amends it."""

from __future__ import annotations

import getpass
import logging
from typing import TYPE_CHECKING

import click

from monitor.errors import ConfigError, InputError
from monitor.logs import register_secrets

if TYPE_CHECKING:
    from monitor.config.settings import LoadedConfig

log = logging.getLogger("monitor")

CONFIG_HELP = "TOML config file (default: embedded defaults: SQLite in the working dir, console alerts)."


NO_BRAND = "no brand to watch: add a [[brands]] section (name and keywords) or give --brand NAME"


DATABASE_ONLY = frozenset({"storage"})  # the incident commands: the database is all they must reach


def load(path: str | None, brands: tuple[str, ...] = (), *, watch: bool = False,
         only: frozenset[str] | None = None) -> LoadedConfig:
    """The config, plus the ``--brand`` names; ``watch``: a command that watches needs a brand;
    ``only``: the sections whose unset secrets matter (others are left out; see ``parse_config``)."""
    from monitor.config.settings import BrandConfig, LoadedConfig, load_config  # here: ~0.1 s that `score` skips

    if any(not b.strip() for b in brands):
        raise click.BadParameter("a brand name cannot be empty", param_hint="'--brand'")
    loaded = load_config(path, only=only)
    register_secrets(loaded.config.secrets())
    if brands:
        extra = [BrandConfig(name=b.strip(), keywords=[b.strip()]) for b in brands]
        config = loaded.config.model_copy(update={"brands": [*loaded.config.brands, *extra]})
        loaded = LoadedConfig(config, loaded.origin, loaded.warnings, loaded.off)
    if watch and not loaded.config.brands:
        raise ConfigError(loaded.origin, [("brands", NO_BRAND)])
    if watch:  # a daemon that would poll nothing refuses to start rather than run forever doing it
        from monitor.config.summary import nothing_to_poll

        if (idle := nothing_to_poll(loaded.config, loaded.off)) is not None:
            raise ConfigError(loaded.origin, [("sources", idle)])
    log_warnings(loaded.warnings)
    return loaded


_IN_PLAIN_TEXT = ": secret written in plain text in the config"


def log_warnings(warnings: list[str]) -> None:
    """The config's warnings, one line per cause: every secret written in plain text in one line (a
    daemon restarted in a loop should not bury a real warning under one line per secret per start)."""
    plain = [w.split(_IN_PLAIN_TEXT, 1)[0] for w in warnings if _IN_PLAIN_TEXT in w]
    if plain:
        log.warning("secrets written in plain text in the config; use ${VAR} or a *_file key", extra={"keys": plain})
    for w in warnings:
        if _IN_PLAIN_TEXT not in w:
            log.warning(w)


def bounded_duration(duration: str, most: float, what: str) -> float:
    """Seconds of a ``--for`` value, more than nothing and at most ``most`` (``what``: "a snooze"...)."""
    from monitor.config.durations import parse_duration

    try:
        seconds = parse_duration(duration)
    except ValueError as exc:
        raise InputError(f"--for {duration!r}: {exc}") from None
    if not 0 < seconds <= most:
        raise InputError(f"--for {duration!r}: {what} lasts more than nothing and at most {most / 86400:.0f} days")
    return seconds


def login_name() -> str:
    """Who acts, when ``--by`` does not say: the login name."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "someone"


def shown_url(url: str) -> str:
    """A storage URL as a message may show it: the password masked."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for display
        return "the configured database"
