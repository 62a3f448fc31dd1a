"""``monitor replay``: the command (its presentation is in ``monitor.cli.replay``)."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

import click

from monitor.cli.common import DATABASE_ONLY, load
from monitor.errors import InputError
from monitor.files import check_output, open_input, write_error
from monitor.logs import redact


@click.command()
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
def replay(config_path: str | None, input_path: str | None, since: str | None, until: str | None,
           brand: str | None, demo: bool, fmt: str | None, report_path: str | None, markers: tuple[str, ...],
           send: bool, send_timeout: str, store: bool, strict: bool) -> None:
    """Re-run scoring and alert decisions over recorded observations, in event-time order, on a simulated clock."""
    from monitor.cli.replay import (
        Sender,
        count_lines,
        of_brand,
        only_brand,
        parse_markers,
        print_table,
        progress_bar,
        stderr_console,
        why_nothing,
    )
    from monitor.config.durations import parse_duration, since_spec
    from monitor.daemon.app import utc_now
    from monitor.jsonl import ReadStats, read_observations
    from monitor.replay.run import replay as run_replay
    from monitor.storage.store import Store

    if sum(x is not None and x is not False for x in (input_path, since, demo or None)) != 1:
        raise click.UsageError("give exactly one of --input FILE.jsonl, --since T or --demo")
    if store and (since is not None or send):
        raise click.UsageError("--store keeps a replay of --input or --demo; not with --since (already stored) or --send")
    if brand is not None and not brand.strip():
        raise click.BadParameter("a brand name cannot be empty", param_hint="'--brand'")
    try:
        timeout = parse_duration(send_timeout)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--send-timeout'") from None
    marks = parse_markers(markers)
    if report_path:
        check_output(report_path, "--report")  # before the work, not after it
    # Without --send nothing is sent: a channel or source whose secret is not in this shell is left out.
    loaded = load(config_path, only=None if send else DATABASE_ONLY)
    config = loaded.config
    console = stderr_console()
    stats = ReadStats()
    total: int | None = None
    with contextlib.ExitStack() as stack:
        if demo:
            from monitor.replay import demo as demo_module

            observations: Any = demo_module.observations()
            config = demo_module.config(config if config_path else None)
            marks = marks or demo_module.markers()
        elif input_path is not None:
            stream = stack.enter_context(open_input(input_path))
            total = count_lines(input_path)
            observations = read_observations(stream, input_path, strict=strict, stats=stats)
        else:
            assert since is not None
            now = utc_now()
            try:
                start, end = since_spec(since, now), (since_spec(until, now) if until else None)
            except ValueError as exc:
                raise InputError(f"--since/--until: {exc}") from None
            live = Store(config.storage.url)
            stack.callback(live.close)
            from monitor.jsonl import observation_from_dict

            payloads = live.observation_payloads(start, end, brand.strip() if brand else None)
            observations = (observation_from_dict(p) for p in payloads)
        if brand is not None:
            config = only_brand(config, brand.strip())
            observations = of_brand(observations, brand.strip())
        sender = Sender(config, timeout=timeout) if send else None
        progress = stack.enter_context(progress_bar(console, total))
        from monitor.scoring import MentionScorer

        replayed: dict[str, set[tuple[str, str]]] = {}
        feedback_lines: list[str] = []

        def finished(scratch: Store) -> None:
            if sender is not None:
                sender.finish(scratch)
            if since is not None:  # the posts of what the replay alerted on, to hold against feedback
                from monitor.replay.feedback import alerted_posts

                replayed.update(alerted_posts(scratch))

        stored = config.storage.url if store else None  # else a scratch database, gone when the replay ends
        result = run_replay(observations, config, MentionScorer(), store_url=stored,
                            channels=tuple(sender.channels) if sender else () if store else ("replay",),
                            after_batch=sender.after_batch if sender else None,
                            finished=finished, keep_series=report_path is not None, progress=progress,
                            score_ahead=MentionScorer if (os.cpu_count() or 1) > 1 else None)
        if since is not None:
            from monitor.replay.feedback import compare

            feedback = compare(live, start, result.alerts, replayed)
            if feedback.judged:
                result.feedback = feedback.summary()
                feedback_lines = feedback.lines()
    result.skipped_lines = stats.skipped
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
    if report_path:
        from monitor.replay.report import write_report

        try:
            write_report(result, marks, report_path, scoring=config.scoring)
        except OSError as exc:
            raise write_error(report_path, "--report", exc) from None
        click.echo(f"report written to {report_path}", err=True)
    fmt = fmt or ("table" if sys.stdout.isatty() else "json")
    if fmt == "json":
        sys.stdout.write(result.to_json(marks))
    else:
        print_table(result, marks, sys.stdout)
        for line in feedback_lines:
            click.echo(line)
    if sender is not None and sender.undelivered:
        sys.stdout.flush()
        click.echo(f"{len(sender.undelivered)} alert(s) not delivered:", err=True)
        for line in sender.undelivered:
            click.echo(redact(f"  {line}"), err=True)
        sys.exit(1)
