"""``monitor replay``: the command. What it reads is in ``replay_input``, what it shows in
``replay_output``, what it sends with ``--send`` in ``replay_send``."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from monitor.cli.common import DATABASE_ONLY, load
from monitor.errors import InputError
from monitor.files import check_output, open_input, write_error
from monitor.logs import redact

if TYPE_CHECKING:  # imported when a replay runs: `monitor --help` need not load the pipeline
    from rich.console import Console

    from monitor.cli.replay_send import Sender
    from monitor.config.settings import Config
    from monitor.jsonl import ReadStats
    from monitor.replay.run import ReplayResult
    from monitor.storage.store import Store


@click.command("replay")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Config whose brands, thresholds, weights and routes to use (the live database is not touched).")
@click.option("--input", "input_path", metavar="FILE.jsonl", help="Observation JSONL ('-' for stdin).")
@click.option("--since", default=None, help="Replay the stored history from here (timestamp or '7d').")
@click.option("--until", default=None, help="...until here (exclusive).")
@click.option("--brand", default=None, metavar="NAME",
              help="Replay this brand only: its config entry, or the name as its keyword.")
@click.option("--demo", is_flag=True, help="Replay the bundled demo scenario (a fictional brand's bad month).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None,
              help="Output: table (default on a terminal) or json (docs/CONTRACT.md; with the lead times to the markers).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Write a self-contained HTML report.")
@click.option("--marker", "markers", multiple=True, metavar="NAME=TIMESTAMP",
              help="A moment to measure lead time against (e.g. tv=2024-05-02T18:00Z); repeatable.")
@click.option("--send", is_flag=True, help="Really send the alerts (marked as a replay) to the config's channels, "
              "through its routes, silences and quiet hours.")
@click.option("--send-timeout", default="2m", show_default=True, metavar="DURATION",
              help="With --send: how long to keep retrying alerts a channel refused for now; what is still "
                   "unsent then is listed and the exit status is 1.")
@click.option("--store", is_flag=True, help="Keep what the replay found in the configured database (its incidents, "
              "posts and decisions, nothing sent), to try `monitor incidents`, `incident`, `ack` and the pages on it.")
@click.option("--strict", is_flag=True, help="Stop at the first malformed line (exit 2).")
def replay_command(config_path: str | None, input_path: str | None, since: str | None, until: str | None,
                   brand: str | None, demo: bool, fmt: str | None, report_path: str | None, markers: tuple[str, ...],
                   send: bool, send_timeout: str, store: bool, strict: bool) -> None:
    """Re-run scoring and alert decisions over recorded observations, in event-time order, on a simulated clock."""
    from monitor.cli.replay_input import parse_markers
    from monitor.cli.replay_output import stderr_console
    from monitor.jsonl import ReadStats

    timeout = _checked_options(input_path, since, demo, brand, send, send_timeout, store)
    marks = parse_markers(markers)
    if report_path:
        check_output(report_path, "--report")  # before the work, not after it
    # Without --send nothing is sent: a channel or source whose secret is not in this shell is left out.
    loaded = load(config_path, only=None if send else DATABASE_ONLY)
    console = stderr_console()
    stats = ReadStats()
    with contextlib.ExitStack() as stack:
        given = _Input(loaded.config, marks)
        _open_input(given, stack, config_path=config_path, demo=demo, input_path=input_path, since=since,
                    until=until, brand=brand, strict=strict, stats=stats)
        config = given.config
        sender = _sender(config, timeout) if send else None
        progress = stack.enter_context(_progress(console, given.total))
        result, feedback_lines = _run(given, sender, store=store, keep_series=report_path is not None,
                                      progress=progress)
    result.skipped_lines = stats.skipped
    _say_what_happened(result, config, stats, store=store)
    if report_path:
        _write_report(result, given.marks, report_path, config)
    _print_result(result, given.marks, fmt, feedback_lines)
    if sender is not None and sender.undelivered:
        sys.stdout.flush()
        click.echo(f"{len(sender.undelivered)} alert(s) not delivered:", err=True)
        for line in sender.undelivered:
            click.echo(redact(f"  {line}"), err=True)
        sys.exit(1)


def _checked_options(input_path: str | None, since: str | None, demo: bool, brand: str | None, send: bool,
                     send_timeout: str, store: bool) -> float:
    """Refuse what does not go together; returns ``--send-timeout`` in seconds."""
    from monitor.config.durations import parse_duration

    if sum(x is not None and x is not False for x in (input_path, since, demo or None)) != 1:
        raise click.UsageError("give exactly one of --input FILE.jsonl, --since T or --demo")
    if store and (since is not None or send):
        raise click.UsageError("--store keeps a replay of --input or --demo; not with --since (already stored) or --send")
    if brand is not None and not brand.strip():
        raise click.BadParameter("a brand name cannot be empty", param_hint="'--brand'")
    try:
        return parse_duration(send_timeout)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--send-timeout'") from None


@dataclass
class _Input:
    """What a replay reads: its observations, the config and markers they come with, the line count of
    an input file (for the progress bar), and for ``--since`` the live database and its start."""

    config: Config
    marks: list[tuple[str, datetime]]
    observations: Any = None
    total: int | None = None
    live: Store | None = None
    start: datetime | None = None


def _open_input(given: _Input, stack: contextlib.ExitStack, *, config_path: str | None, demo: bool,
                input_path: str | None, since: str | None, until: str | None, brand: str | None, strict: bool,
                stats: ReadStats) -> None:
    """The observations of ``--demo``, ``--input`` or ``--since`` (of ``--brand`` only), kept open on ``stack``."""
    from monitor.cli.replay_input import count_lines, of_brand, only_brand
    from monitor.jsonl import read_observations

    if demo:
        from monitor.replay import demo as demo_module

        given.observations = demo_module.observations()
        given.config = demo_module.config(given.config if config_path else None)
        given.marks = given.marks or demo_module.markers()
    elif input_path is not None:
        stream = stack.enter_context(open_input(input_path))
        given.total = count_lines(input_path)
        given.observations = read_observations(stream, input_path, strict=strict, stats=stats)
    else:
        assert since is not None
        _open_stored(given, stack, since, until, brand)
    if brand is not None:
        given.config = only_brand(given.config, brand.strip())
        given.observations = of_brand(given.observations, brand.strip())


def _open_stored(given: _Input, stack: contextlib.ExitStack, since: str, until: str | None,
                 brand: str | None) -> None:
    """``--since``: the observations stored in the configured database from then (until ``until``)."""
    from monitor.config.durations import since_spec
    from monitor.daemon.app import utc_now
    from monitor.storage.store import Store

    now = utc_now()
    try:
        start, end = since_spec(since, now), (since_spec(until, now) if until else None)
    except ValueError as exc:
        raise InputError(f"--since/--until: {exc}") from None
    live = Store(given.config.storage.url)
    stack.callback(live.close)
    from monitor.jsonl import observation_from_dict

    payloads = live.observation_payloads(start, end, brand.strip() if brand else None)
    given.observations = (observation_from_dict(p) for p in payloads)
    given.live, given.start = live, start


def _sender(config: Config, timeout: float) -> Sender:
    from monitor.cli.replay_send import Sender

    return Sender(config, timeout=timeout)


def _progress(console: Console, total: int | None) -> AbstractContextManager[Callable[[int], None] | None]:
    from monitor.cli.replay_output import progress_bar

    return progress_bar(console, total)


def _run(given: _Input, sender: Sender | None, *, store: bool, keep_series: bool,
         progress: Callable[[int], None] | None) -> tuple[ReplayResult, list[str]]:
    """Replay ``given``; with ``--since``, hold what it alerted on against the feedback people gave.
    Returns the result and the feedback's lines."""
    from monitor.replay.run import run_replay
    from monitor.scoring import MentionScorer

    config, live = given.config, given.live
    replayed: dict[str, set[tuple[str, str]]] = {}
    feedback_lines: list[str] = []

    def finished(scratch: Store) -> None:
        if sender is not None:
            sender.finish(scratch)
        if live is not None:  # the posts of what the replay alerted on, to hold against feedback
            from monitor.replay.feedback import alerted_posts

            replayed.update(alerted_posts(scratch))

    stored = config.storage.url if store else None  # else a scratch database, gone when the replay ends
    result = run_replay(given.observations, config, MentionScorer(), store_url=stored,
                        channels=tuple(sender.channels) if sender else () if store else ("replay",),
                        after_batch=sender.after_batch if sender else None,
                        finished=finished, keep_series=keep_series, progress=progress,
                        score_ahead=MentionScorer if (os.cpu_count() or 1) > 1 else None)
    if live is not None:
        from monitor.replay.feedback import compare

        assert given.start is not None
        feedback = compare(live, given.start, result.alerts, replayed)
        if feedback.judged:
            result.feedback = feedback.summary()
            feedback_lines = feedback.lines()
    return result, feedback_lines


def _say_what_happened(result: ReplayResult, config: Config, stats: ReadStats, *, store: bool) -> None:
    """On stderr: the lines skipped, why nothing was found, where ``--store`` kept the incidents."""
    from monitor.cli.replay_output import why_nothing

    if stats.skipped:
        click.echo(f"{stats.skipped} malformed line(s) skipped of {stats.lines}", err=True)
    note = why_nothing(result, config)
    if note:
        click.echo(note, err=True)
    if store:
        from monitor.cli.common import shown_url

        since_day = min((a.first_seen for a in result.alerts), default=None)
        listing = f"monitor incidents --since {since_day:%Y-%m-%d}" if since_day else "monitor incidents --since 30d"
        click.echo(f"kept in {shown_url(config.storage.url)}: {result.incidents} incident(s); "
                   f"`{listing}` lists them", err=True)


def _write_report(result: ReplayResult, marks: list[tuple[str, datetime]], report_path: str, config: Config) -> None:
    from monitor.replay.report import write_report

    try:
        write_report(result, marks, report_path, scoring=config.scoring)
    except OSError as exc:
        raise write_error(report_path, "--report", exc) from None
    click.echo(f"report written to {report_path}", err=True)


def _print_result(result: ReplayResult, marks: list[tuple[str, datetime]], fmt: str | None,
                  feedback_lines: list[str]) -> None:
    """The alerts on stdout: JSON (docs/CONTRACT.md) or the table, with the feedback's lines."""
    from monitor.cli.replay_output import print_table

    fmt = fmt or ("table" if sys.stdout.isatty() else "json")
    if fmt == "json":
        sys.stdout.write(result.to_json(marks))
    else:
        print_table(result, marks, sys.stdout)
        for line in feedback_lines:
            click.echo(line)
