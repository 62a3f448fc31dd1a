"""``monitor silence``, ``silences`` and ``unsilence``: the stored silences (CONTRACT.md).

A silence given here is kept in the database (the ``silences`` table) and mutes, from its start to its
end, every alert whose incident all its matchers match (monitor/alerting/chain.py), in the daemon and in
``replay --send`` alike; ``[[alerts.silences]]`` in the config does the same for silences kept there.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from typing import Any

import click

from monitor.cli.common import CONFIG_HELP, DATABASE_ONLY, bounded_duration, load, login_name, shown_url
from monitor.config.durations import format_timestamp, parse_timestamp
from monitor.errors import InputError
from monitor.models import MIN_KEYWORD, Silence
from monitor.sanitize import printable
from monitor.storage.store import Store

MAX_SILENCE = 90 * 86400.0


@click.command("silence")
@click.option("--brand", default=None, help="Mute this brand's alerts.")
@click.option("--author", default=None, help="...of incidents whose key posts are all this author's.")
@click.option("--keyword", default=None, help="...of incidents whose key posts all contain this word.")
@click.option("--for", "duration", required=True, help="How long: '2h', '1d' (at most 90 days).")
@click.option("--start", default=None, help="From when (timestamp; default: now).")
@click.option("--comment", default="", help="Why (shown in the log when an alert is muted).")
@click.option("--critical", is_flag=True, help="Mute critical alerts too (by default a silence never hides a critical story).")
@click.option("--by", default=None, help="Who silences (default: the login name; self-declared, not checked).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def silence(brand: str | None, author: str | None, keyword: str | None, duration: str, start: str | None,
            comment: str, critical: bool, by: str | None, config_path: str | None) -> None:
    """Mute the alerts of incidents all the given matchers (brand, author, keyword) match, for a while.
    A keyword matches whole words (at least 3 characters); critical alerts go out unless --critical."""
    from monitor.alerting.chain import add_silence
    from monitor.daemon.app import utc_now

    seconds = bounded_duration(duration, MAX_SILENCE, "a silence")
    try:
        starts = parse_timestamp(start) if start else utc_now()
    except ValueError as exc:
        raise InputError(f"--start {start!r}: {exc}") from None
    brand, author, keyword = ((v.strip() or None) if v else None for v in (brand, author, keyword))
    if not (brand or author or keyword):
        raise click.UsageError("give at least one of --brand, --author, --keyword")
    if keyword is not None and len(keyword) < MIN_KEYWORD:
        raise click.BadParameter(f"at least {MIN_KEYWORD} characters (a keyword matches whole words)",
                                 param_hint="'--keyword'")
    loaded = load(config_path, only=DATABASE_ONLY)
    known = {b.name.casefold() for b in loaded.config.brands}
    if brand and known and brand.casefold() not in known:  # a typo would silence nothing, silently
        click.echo(printable(f"warning: no brand {brand!r} in {loaded.origin} (brands: "
                             f"{', '.join(b.name for b in loaded.config.brands)}); the silence is kept anyway"), err=True)
    store = Store(loaded.config.storage.url)
    try:
        ends = starts + timedelta(seconds=seconds)
        ident = add_silence(store, starts=starts, ends=ends, brand=brand, author=author, keyword=keyword,
                            created_by=by or login_name(), comment=comment, critical=critical)
    finally:
        store.close()
    click.echo(printable(f"silence {ident}: until {format_timestamp(ends)}"
                         f"{'' if critical else ' (critical alerts still go out)'}"))


@click.command("silences")
@click.option("--all", "everything", is_flag=True, help="Ended silences too.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None,
              help="Default: a table on a terminal, JSON otherwise.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def silences(everything: bool, fmt: str | None, config_path: str | None) -> None:
    """The silences: the stored ones (``monitor silence``) active or to come, and the config's."""
    from monitor.daemon.app import utc_now

    loaded = load(config_path, only=DATABASE_ONLY)
    store = Store(loaded.config.storage.url)
    now = utc_now()
    try:
        stored = store.silences(now, ended=everything)
    finally:
        store.close()
    config: list[Silence] = list(loaded.config.alerts.silences)
    rows = [silence_row(x, now, "database") for x in stored] + [silence_row(x, now, "config") for x in config]
    if (fmt or ("table" if sys.stdout.isatty() else "json")) == "json":
        click.echo(json.dumps({"silences": rows}, ensure_ascii=False))
        return
    if not rows:
        click.echo("no silences")
        return
    for r in rows:
        what = ", ".join(f"{k} {r[k]!r}" for k in ("brand", "author", "keyword") if r[k])
        ident = r["id"] if r["id"] is not None else "config"
        click.echo(printable(f"{ident}\t{r['state']}\t{what}\t{r['starts'] or '-'} -> {r['ends'] or 'forever'}"
                             f"{'  (critical too)' if r['critical'] else ''}\t{r['by'] or ''}\t{r['comment']}"))


def silence_row(x: Silence, now: datetime, kept: str) -> dict[str, Any]:
    return {"id": x.ident, "kept": kept, "state": x.state(now), "brand": x.brand, "author": x.author, "keyword": x.keyword,
            "starts": format_timestamp(x.starts) if x.starts else None,
            "ends": format_timestamp(x.ends) if x.ends else None, "critical": x.critical, "by": x.created_by,
            "comment": x.comment}


@click.command("unsilence")
@click.argument("ident", type=int)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def unsilence(ident: int, config_path: str | None) -> None:
    """End a stored silence now (it stays listed under ``silences --all``). A silence in the config
    ends when it is taken out of the config."""
    from monitor.daemon.app import utc_now

    loaded = load(config_path, only=DATABASE_ONLY)
    store = Store(loaded.config.storage.url)
    try:
        ended = store.end_silence(ident, utc_now())
    finally:
        store.close()
    if ended is None:
        raise InputError(f"no silence {ident} in {shown_url(loaded.config.storage.url)} (monitor silences lists them)")
    click.echo(f"silence {ident} ended")
