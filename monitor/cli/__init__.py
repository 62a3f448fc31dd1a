"""The ``monitor`` command line (CONTRACT.md): exit 0 success, 2 bad usage/config/input, 1 unexpected."""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import sys
from json.encoder import encode_basestring as _quote  # the quoting of JSONEncoder(ensure_ascii=False)
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor import __version__
from monitor.cli.common import CONFIG_HELP, DATABASE_ONLY, NO_BRAND
from monitor.cli.common import load as _load
from monitor.errors import ConfigError, InputError, MonitorError
from monitor.files import check_output, open_input, private_output, write_error
from monitor.logs import redact, register_secrets, setup_logging

if TYPE_CHECKING:
    from monitor.models import MentionScore

log = logging.getLogger("monitor")

# The commands that live in their own modules, imported when named (or listed by --help): each pulls
# in sqlalchemy, rich or the alerting code, ~0.4 s of imports that `monitor score` does not need.
# command name -> (module, attribute); the incident commands are added by their module's ``register``.
LAZY_COMMANDS = {
    "replay": ("monitor.cli.replay_command", "replay_command"),
    "requeue": ("monitor.cli.requeue", "requeue"),
    "silence": ("monitor.cli.silences", "silence"),
    "silences": ("monitor.cli.silences", "silences"),
    "unsilence": ("monitor.cli.silences", "unsilence"),
}
INCIDENT_COMMANDS = ("incidents", "incident", "ack", "snooze", "feedback")


class MonitorGroup(click.Group):
    """Turns the project's errors into messages and exit codes instead of tracebacks."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS, *INCIDENT_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            if cmd_name in LAZY_COMMANDS:
                module, attribute = LAZY_COMMANDS[cmd_name]
                self.add_command(getattr(importlib.import_module(module), attribute))
            elif cmd_name in INCIDENT_COMMANDS:
                from monitor.cli import incidents as incident_cli

                incident_cli.register(self, _load, CONFIG_HELP)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ConfigError, InputError) as exc:
            click.echo(redact(f"error: {exc}"), err=True)
            sys.exit(2)
        except MonitorError as exc:
            click.echo(redact(f"error: {exc}"), err=True)
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            sys.exit(130)
        except BrokenPipeError:  # the reader went away (`monitor score ... | head`): nothing to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except Exception as exc:  # noqa: BLE001 - last resort: say what happened, log the trace
            log.exception("unexpected failure")
            click.echo(redact(f"unexpected error: {type(exc).__name__}: {exc}"), err=True)
            sys.exit(1)


@click.group(cls=MonitorGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog="Exit codes: 0 success, 2 bad usage, config or input, 1 unexpected. The formats (observation "
                    "JSONL, the JSON of score, replay, incidents and silences) are in docs/CONTRACT.md.")
@click.version_option(__version__, prog_name="monitor")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default=None,
              help="Log level (default: from the config, else info).")
@click.option("--log-json/--log-text", default=None, help="Force JSON or text logs (default: JSON unless a TTY).")
@click.pass_context
def main(ctx: click.Context, log_level: str | None, log_json: bool | None) -> None:
    """Watch social media for complaints about a brand and alert a human before they blow up."""
    setup_logging(log_level or "info", json=log_json)
    ctx.obj = {"log_level": log_level}


def _brand_option(f: Any) -> Any:
    return click.option("--brand", "brands", multiple=True, metavar="NAME",
                        help="Watch this brand (keyword = the name); repeatable; adds to the config's brands.")(f)


@main.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@_brand_option
def run(config_path: str | None, brands: tuple[str, ...]) -> None:
    """The daemon: scheduled polls, scoring and alerts until SIGTERM/SIGINT (graceful stop)."""
    from monitor.alerting.capabilities import start_listeners, stop_listeners
    from monitor.config.cluster import uses_job_engine
    from monitor.daemon.app import Monitor
    from monitor.daemon.scheduler import run_daemon

    loaded = _load(config_path, brands, watch=True)
    logging.getLogger().setLevel(loaded.config.daemon.log_level.upper())
    mon = Monitor.create(loaded)
    listeners = start_listeners(loaded.config.alerts, mon.store, mon.clock)  # Slack's buttons, say
    try:
        if uses_job_engine(loaded.config):  # PostgreSQL: one replica among any number (monitor/cluster/)
            try:
                from monitor.cluster.runner import run_replica
            except ImportError as exc:
                raise MonitorError(f"PostgreSQL needs the job engine ({exc.name} is missing): "
                                   "pip install 'complaint-monitor[postgres]'") from None
            run_replica(mon)
        else:
            run_daemon(mon)
    finally:
        stop_listeners(listeners)
        mon.close()


@main.command("poll-once")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@_brand_option
def poll_once(config_path: str | None, brands: tuple[str, ...]) -> None:
    """One poll of every enabled source, then scoring and alerting, then exit."""
    from monitor.daemon.app import Monitor
    from monitor.daemon.source_health import log_sources_off

    mon = Monitor.create(_load(config_path, brands, watch=True))
    try:
        log_sources_off(log, mon.off)
        total = 0
        for name in mon.sources:
            total += mon.poll_source(name)
        for name in mon.sources:
            mon.reobserve(name)
        mon.deliver()
        failed = [n for n, h in mon.health.items() if h.last_error]
        click.echo(f"polled {len(mon.sources)} source(s): {total} observation(s)"
                   + (f"; failed: {', '.join(failed)}" if failed else ""), err=True)
        if failed and len(failed) == len(mon.sources):
            sys.exit(1)
    finally:
        mon.close()


@main.command("test-alert")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def test_alert(config_path: str | None) -> None:
    """Send one clearly marked test alert through every configured channel."""
    from monitor.alerting.testing import send_test_alert
    from monitor.daemon.app import build_channels, utc_now
    from monitor.sanitize import printable

    loaded = _load(config_path)
    channels = build_channels(loaded.config)
    if not channels:
        raise ConfigError(loaded.origin, [("alerts", "no alert channel is enabled")])
    results = send_test_alert(channels, utc_now)
    for name, check in results.items():
        click.echo(redact(printable(f"{name}: {'ok' if check.ok else 'FAILED'} ({check.detail})")))
    if not all(c.ok for c in results.values()):
        sys.exit(1)


@main.command("check-config")
@click.argument("path", type=click.Path(dir_okay=False))
def check_config(path: str) -> None:
    """Validate a config file: exit 0 with a summary, or exit 2 naming each bad key."""
    from monitor.config.settings import load_config
    from monitor.config.summary import nothing_to_poll, summary

    if not Path(path).exists():
        raise ConfigError(path, [("", "no such file")])
    loaded = load_config(path)
    register_secrets(loaded.config.secrets())
    if not loaded.config.brands:
        raise ConfigError(path, [("brands", NO_BRAND)])
    if (idle := nothing_to_poll(loaded.config, loaded.off)) is not None:
        raise ConfigError(path, [("sources", idle)])
    for line in summary(loaded):
        click.echo(redact(line))


# json.dumps(..., ensure_ascii=False) builds this encoder anew for every call: one, reused.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def score_line(source: str | None, ident: str | None, r: MentionScore) -> str:
    """The line `monitor score` writes for ``r`` (CONTRACT.md), byte for byte what ``_encode`` writes.

    Written out with the encoder's own string quoting and ``repr`` of the floats (which is how it
    writes a finite float), ~2 µs a line less than building and encoding a dict; anything else (no
    source, a number that is not a float in range, as in a hand-made score) goes through ``_encode``.
    ``lang`` and ``cues`` are the scorer's strings."""
    sent, p, s = r.sentiment, r.complaint, r.score
    if (type(source) is str and type(ident) is str and type(sent) is float and type(p) is float
            and type(s) is float and -1.0 <= sent <= 1.0 and 0.0 <= p <= 1.0 and 0.0 <= s <= 1.0
            and type(r.is_complaint) is bool):
        return (f'{{"source": {_quote(source)}, "id": {_quote(ident)}, "lang": {_quote(r.lang)}, '
                f'"sentiment": {sent!r}, "complaint": {p!r}, "is_complaint": {"true" if r.is_complaint else "false"}, '
                f'"cues": [{", ".join(map(_quote, r.cues))}], "score": {s!r}}}\n')
    return _encode({"source": source, "id": ident, "lang": r.lang, "sentiment": sent, "complaint": p,
                    "is_complaint": r.is_complaint, "cues": list(r.cues), "score": s}) + "\n"


@main.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@click.option("--input", "input_path", metavar="FILE.jsonl", help="Observation JSONL to score ('-' for stdin).")
@click.option("--strict", is_flag=True, help="Stop at the first malformed line (exit 2).")
@click.argument("text", required=False)
def score(config_path: str | None, input_path: str | None, strict: bool, text: str | None) -> None:
    """Score observations (JSONL) or one TEXT: one JSON object per input on stdout."""
    from monitor.jsonl import ReadStats, checked, engagement, read_lines
    from monitor.scoring import MentionScorer
    from monitor.scoring.rating import rated

    if config_path:
        _load(config_path)
    if (input_path is None) == (text is None):
        raise click.UsageError("give either --input FILE.jsonl or one TEXT")
    scorer = MentionScorer()
    out = sys.stdout

    def emit(source: str | None, ident: str | None, t: str, lang: str | None, followers: int | None,
             engagement: int, rating: int | None = None) -> None:
        r = rated(scorer.score(t, lang=lang, followers=followers, engagement=engagement, rating=rating), rating,
                  followers=followers, engagement=engagement)
        out.write(score_line(source, ident, r))

    if text is not None:
        emit(None, None, text, None, None, 0)
        return
    assert input_path is not None
    stats = ReadStats()
    with open_input(input_path) as stream:
        # ``checked`` validates a line exactly as ``read_observations`` does (the same message for a
        # bad line) without building the Observation, Author and Metrics records (~4 µs a line).
        for c in read_lines(stream, input_path, checked, strict=strict, stats=stats):
            emit(c.source, c.id, c.text, c.lang, c.followers, engagement(c.counts), c.rating)
    if stats.skipped:
        click.echo(f"{stats.skipped} malformed line(s) skipped of {stats.lines}", err=True)
    if stats.lines and stats.skipped == stats.lines:
        raise InputError(f"{input_path}: no valid observation: all {stats.lines} line(s) are malformed")


@main.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@click.option("--since", required=True, help="Start: ISO 8601 timestamp or a duration ago ('24h').")
@click.option("--until", default=None, help="End (exclusive): ISO 8601 timestamp or a duration ago.")
@click.option("--brand", default=None, help="Only this brand's observations.")
@click.option("-o", "--output", required=True, help="Output file ('-' for stdout).")
def export(config_path: str | None, since: str, until: str | None, brand: str | None, output: str) -> None:
    """Write stored observations as observation JSONL, in event-time order."""
    from monitor.config.durations import since_spec
    from monitor.daemon.app import utc_now
    from monitor.storage.store import Store

    if output != "-":
        check_output(output, "-o")
    loaded = _load(config_path, only=DATABASE_ONLY)
    now = utc_now()
    try:
        start = since_spec(since, now)
        end = since_spec(until, now) if until else None
    except ValueError as exc:
        raise InputError(f"--since/--until: {exc}") from None
    store = Store(loaded.config.storage.url)
    count = 0
    try:
        with contextlib.ExitStack() as stack:
            f = sys.stdout if output == "-" else stack.enter_context(private_output(output))
            for payload in store.observation_payloads(start, end, brand):
                f.write(json.dumps(payload, ensure_ascii=False, separators=(", ", ": ")) + "\n")
                count += 1
    except OSError as exc:
        if output == "-":  # a closed pipe: the group says nothing
            raise
        raise write_error(output, "-o", exc) from None
    finally:
        store.close()
    click.echo(f"exported {count} observation(s)", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
