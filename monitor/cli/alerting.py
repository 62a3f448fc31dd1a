"""``monitor silence`` and ``monitor requeue``: the stored silences and the failed alerts (CONTRACT.md).

A silence given here is kept in the database (the ``silences`` table) and mutes, from its start to its
end, every alert whose incident all its matchers match (monitor/alerting/chain.py), in the daemon and in
``replay --send`` alike; ``[[alerts.silences]]`` in the config does the same for silences kept there.
"""

from __future__ import annotations

from datetime import timedelta

import click

from monitor.cli.common import CONFIG_HELP, bounded_duration, load, login_name
from monitor.config.durations import format_timestamp, parse_timestamp
from monitor.errors import InputError
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
@click.option("--by", default=None, help="Who silences (default: the login name).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def silence(brand: str | None, author: str | None, keyword: str | None, duration: str, start: str | None,
            comment: str, by: str | None, config_path: str | None) -> None:
    """Mute the alerts of incidents all the given matchers (brand, author, keyword) match, for a while."""
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
    loaded = load(config_path)
    store = Store(loaded.config.storage.url)
    try:
        ends = starts + timedelta(seconds=seconds)
        ident = add_silence(store, starts=starts, ends=ends, brand=brand, author=author, keyword=keyword,
                            created_by=by or login_name(), comment=comment)
    finally:
        store.close()
    click.echo(printable(f"silence {ident}: until {format_timestamp(ends)}"))


@click.command("requeue")
@click.option("--channel", default=None, help="Only this channel's alerts.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def requeue(channel: str | None, config_path: str | None) -> None:
    """Put the alerts a channel refused for good (a bad token, say) back in line, once the config is fixed."""
    from monitor.alerting.outbox import requeue_failed

    loaded = load(config_path)
    store = Store(loaded.config.storage.url)
    try:
        n = requeue_failed(store, channel)
    finally:
        store.close()
    click.echo(f"{n} alert(s) queued again; the daemon (or poll-once) sends them")
