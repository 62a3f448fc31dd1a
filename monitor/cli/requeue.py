"""``monitor requeue``: the alerts a channel refused for good, back in line (CONTRACT.md)."""

from __future__ import annotations

import click

from monitor.cli.common import CONFIG_HELP, DATABASE_ONLY, load
from monitor.storage.store import Store


@click.command("requeue")
@click.option("--channel", default=None, help="Only this channel's alerts.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def requeue(channel: str | None, config_path: str | None) -> None:
    """Put the alerts a channel refused for good (a bad token, say) back in line, once the config is fixed."""
    from monitor.alerting.outbox import requeue_failed

    loaded = load(config_path, only=DATABASE_ONLY)
    store = Store(loaded.config.storage.url)
    try:
        n = requeue_failed(store, channel)
    finally:
        store.close()
    click.echo(f"{n} alert(s) queued again; the daemon (or poll-once) sends them")
