"""``monitor incidents``, ``monitor incident ID``, ``monitor ack / snooze / feedback`` (CONTRACT.md).

Reading goes through monitor/storage/incident_views.py (the same data as the incident pages); acting stores exactly
what the Slack buttons store (monitor/storage/actions.py), and notes it in the incident's Slack thread when
the alert went to Slack with a bot token, as a button press does. Public text printed to a terminal
is made inert first: no escape sequences, no control or direction-changing characters, no markup.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from monitor.cli.common import DATABASE_ONLY, bounded_duration, login_name, shown_url
from monitor.config.durations import format_timestamp, since_spec
from monitor.config.settings import LoadedConfig
from monitor.errors import InputError
from monitor.models import Tier
from monitor.storage.actions import record_action
from monitor.storage.incident_views import NoSuchIncident, contract_incident, incident_history, list_incidents, resolve
from monitor.storage.store import Store

MAX_SNOOZE = 30 * 86400.0
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
FEEDBACK = {"not-a-complaint": "not_complaint"}


def inert(value: object, one_line: bool = True) -> str:
    """Text from the public, safe to print on a terminal: control characters (ESC, C1, bidi overrides) shown
    as ``?``; newlines folded to spaces when ``one_line``."""
    text = str(value if value is not None else "")
    if one_line:
        text = " ".join(text.split())
    return _UNSAFE.sub("?", text)


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%MZ") if value else "-"


def _console() -> Console:
    return Console(file=sys.stdout, highlight=False, soft_wrap=False, width=max(120, Console().width))


def register(group: click.Group, load: Callable[..., LoadedConfig], config_help: str) -> None:
    """Add the commands to the ``monitor`` group (``load`` reads the config as every command does)."""
    config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False), help=config_help)
    register_reading(group, load, config_option)
    register_acting(group, load, config_option)


Option = Callable[[Callable[..., Any]], Callable[..., Any]]


def register_reading(group: click.Group, load: Callable[..., LoadedConfig], config_option: Option) -> None:
    """``monitor incidents`` and ``monitor incident ID``."""
    format_option = click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None,
                                 help="Output: table (default on a terminal) or json.")

    @group.command("incidents")
    @config_option
    @click.option("--brand", default=None, help="Only this brand's incidents.")
    @click.option("--tier", type=click.Choice(["none", "watch", "warning", "critical"]), default="watch",
                  show_default=True, help="Only incidents at this tier or above ('none': every incident).")
    @click.option("--since", default=None,
                  help="Incidents active since then (timestamp or '7d'); default: the open ones (the scoring window).")
    @format_option
    def incidents_command(config_path: str | None, brand: str | None, tier: str, since: str | None,
                          fmt: str | None) -> None:
        """List stored incidents, open first: tier, score, mentions, authors, sources, first and last seen, acknowledged."""
        show_incidents(*_opened(load, config_path), brand=brand, tier=tier, since=since, fmt=fmt)

    @group.command("incident")
    @click.argument("ident", metavar="ID")
    @config_option
    @format_option
    def incident_command(ident: str, config_path: str | None, fmt: str | None) -> None:
        """One incident's whole history: tiers with reasons, posts with engagement over time, the brand's
        answers, repeat complainants, what was sent where."""
        show_incident(*_opened(load, config_path), ident, fmt=fmt)


def register_acting(group: click.Group, load: Callable[..., LoadedConfig], config_option: Option) -> None:
    """``monitor ack``, ``snooze`` and ``feedback``."""
    by_option = click.option("--by", default=None, help="Who is acting (default: your login name).")

    @group.command("ack")
    @click.argument("ident", metavar="ID")
    @config_option
    @by_option
    def ack_command(ident: str, config_path: str | None, by: str | None) -> None:
        """Acknowledge an incident, as Slack's button does: no more reminders, only escalations."""
        act(*_opened(load, config_path), ident, "acknowledge", by)

    @group.command("snooze")
    @click.argument("ident", metavar="ID")
    @click.option("--for", "duration", required=True, help="How long: '1h', '4h', '24h', '2d' (at most 30 days).")
    @config_option
    @by_option
    def snooze_command(ident: str, duration: str, config_path: str | None, by: str | None) -> None:
        """Snooze an incident, as Slack's menu does: nothing until then, unless it turns critical."""
        seconds = bounded_duration(duration, MAX_SNOOZE, "a snooze")
        act(*_opened(load, config_path), ident, "snooze", by, until=timedelta(seconds=seconds))

    @group.command("feedback")
    @click.argument("ident", metavar="ID")
    @click.argument("label", type=click.Choice(sorted(FEEDBACK)))
    @config_option
    @by_option
    def feedback_command(ident: str, label: str, config_path: str | None, by: str | None) -> None:
        """Label an incident, as Slack's "Not a complaint" button does: alerts stop unless it turns critical,
        and the label is kept as feedback for replay and evaluation."""
        act(*_opened(load, config_path), ident, FEEDBACK[label], by)


def _opened(load: Callable[..., LoadedConfig], config_path: str | None) -> tuple[LoadedConfig, Store]:
    loaded = load(config_path, only=DATABASE_ONLY)  # the database is all these need
    return loaded, Store(loaded.config.storage.url)


def _find(store: Store, ident: str) -> str:
    try:
        return resolve(store, ident)
    except NoSuchIncident as exc:
        raise InputError(f"incident: {exc} ({shown_url(store.url)})") from None


def show_incidents(loaded: LoadedConfig, store: Store, *, brand: str | None, tier: str, since: str | None,
                   fmt: str | None) -> None:
    """``monitor incidents``: the list, as JSON or a table; closes ``store``."""
    from monitor.daemon.app import utc_now

    now = utc_now()
    try:
        start = since_spec(since, now) if since else None
    except ValueError as exc:
        raise InputError(f"--since: {exc}") from None
    try:
        rows = list_incidents(store, now, loaded.config.scoring.window, since=start, brand=brand,
                              min_tier=Tier.parse(tier))
    finally:
        store.close()
    if (fmt or ("table" if sys.stdout.isatty() else "json")) == "json":
        sys.stdout.write(json.dumps({"incidents": [contract_incident(r) for r in rows]}, ensure_ascii=False,
                                    indent=2) + "\n")
        return
    _console().print(incidents_table(rows))


def incidents_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title=f"Incidents ({len(rows)})", show_lines=False)
    for col in ("incident", "brand", "tier", "score", "mentions", "authors", "sources", "first seen", "last seen",
                "status"):
        # ids and times whole (copied into `monitor incident ID`); public text may wrap
        table.add_column(col, overflow="fold", no_wrap=col not in ("brand", "sources", "status"))
    for r in rows:
        status = ", ".join(x for x in ("open" if r["open"] else "closed",
                                       "acknowledged" if r["acknowledged"] else "",
                                       f"snoozed until {_when(r['snoozed_until'])}" if r["snoozed_until"] else "",
                                       "not a complaint" if r["not_complaint"] else "") if x)
        table.add_row(*(Text(inert(v)) for v in (
            r["incident"], r["brand"], r["tier"], f"{r['score']:.2f}", r["mentions"], r["authors"],
            ", ".join(r["sources"]), _when(r["first_seen"]), _when(r["last_seen"]), status)))
    return table


def show_incident(loaded: LoadedConfig, store: Store, ident: str, *, fmt: str | None) -> None:
    """``monitor incident ID``: its whole history, as JSON or in words; closes ``store``."""
    from monitor.daemon.app import utc_now

    try:
        history = incident_history(store, _find(store, ident), utc_now(), loaded.config.scoring.window)
    finally:
        store.close()
    if (fmt or ("table" if sys.stdout.isatty() else "json")) == "json":
        sys.stdout.write(json.dumps(jsonable(history), ensure_ascii=False, indent=2) + "\n")
    else:
        print_history(history, _console())


def act(loaded: LoadedConfig, store: Store, ident: str, action: str, by: str | None, *,
        until: timedelta | None = None) -> None:
    """Store what someone did with an incident, say it, and note it where its alerts went; closes ``store``."""
    from monitor.daemon.app import utc_now

    who = (by or login_name()).strip()[:100] or "someone"
    try:
        incident = _find(store, ident)
        status = store.incident_status(incident)
        if (action == "acknowledge" and status.acknowledged) or (action == "not_complaint" and status.not_complaint):
            # Said once is enough: a second press neither records nor notes anything new.
            click.echo(f"{incident}: already {'acknowledged' if action == 'acknowledge' else 'marked not a complaint'}")
            return
        now = utc_now()
        end = now + until if until is not None else None
        record_action(store, incident, action, now, until=end, user=who, detail={"via": "cli", "user_name": who})
        note = NOTES[action](who, end)
        if action != "acknowledge" and incident_tier(store, incident) >= Tier.critical:
            note = CRITICAL_NOTES[action](who, end)  # its alerts do not stop: say so, not "unless critical"
        click.echo(f"{incident}: {note}")
        for warning in note_in_channels(loaded, store, incident, note):
            click.echo(f"warning: {warning}", err=True)
    finally:
        store.close()


NOTES: dict[str, Callable[[str, datetime | None], str]] = {
    "acknowledge": lambda who, _: f"{who} acknowledged this incident: from now on only escalations are posted.",
    "snooze": lambda who, until: f"{who} snoozed this incident until {format_timestamp(until) if until else '?'}; "
                                 "it alerts again earlier only if it turns critical.",
    "not_complaint": lambda who, _: f"{who} marked this as not a complaint: kept as feedback; alerts stop unless "
                                    "it turns critical.",
}


CRITICAL_NOTES: dict[str, Callable[[str, datetime | None], str]] = {
    "snooze": lambda who, until: f"{who} snoozed this incident until {format_timestamp(until) if until else '?'}; "
                                 "it is critical, so its alerts still go out.",
    "not_complaint": lambda who, _: f"{who} marked this as not a complaint: kept as feedback; it is critical, so "
                                    "its alerts still go out.",
}


def incident_tier(store: Store, incident: str) -> Tier:
    from sqlalchemy import select

    from monitor.storage import schema as s

    with store.begin() as conn:
        tier = conn.execute(select(s.incidents.c.tier).where(s.incidents.c.id == incident)).scalar()
    return Tier(int(tier or 0))


def note_in_channels(loaded: LoadedConfig, store: Store, incident: str, note: str) -> list[str]:
    """Note ``note`` under the incident's message in each channel that sent one, as a button press
    does (monitor/alerting/capabilities.py); returns the warnings of those that could not."""
    from sqlalchemy import select

    from monitor.alerting.capabilities import note_everywhere
    from monitor.daemon.app import build_channels
    from monitor.storage import schema as s

    c = s.channel_state
    with store.begin() as conn:
        states = {r.channel: dict(r.state or {}) for r in conn.execute(select(c.c.channel, c.c.state)
                                                                       .where(c.c.incident_id == incident))}
    # A message to note under: its link (a state stored before links were kept has its Slack ts).
    states = {name: st for name, st in states.items() if st.get("link") or st.get("ts")}
    if not states:
        return []
    return note_everywhere(build_channels(loaded.config), states, f"(from the command line) {note}")


def print_history(h: dict[str, Any], console: Console) -> None:
    """``monitor incident ID`` on a terminal."""
    inc = h["incident"]

    def line(indent: int, text: str, style: str = "") -> None:
        console.print(Text(" " * indent + inert(text), style=style))

    status = [x for x in ("open" if inc["open"] else "closed", "acknowledged" if inc["acknowledged"] else "",
                          f"snoozed until {_when(inc['snoozed_until'])}" if inc["snoozed_until"] else "",
                          "marked not a complaint" if inc["not_complaint"] else "") if x]
    line(0, f"{inc['incident']} · {inc['brand']} · {inc['tier'].upper()} · score {inc['score']:.2f} · "
            f"{', '.join(status)}", "bold")
    answered = (f"the brand answered {_when(inc['brand_replied_at'])}" if inc["brand_replied_at"]
                else "no answer from the brand")
    line(0, f"{inc['mentions']} mentions by {inc['authors']} authors on {', '.join(inc['sources']) or '-'} · "
            f"first seen {_when(inc['first_seen'])} · last seen {_when(inc['last_seen'])} · {answered}")
    if h["reasons"]:
        line(0, "Why (latest)", "bold")
        for r in h["reasons"]:
            line(2, f"• {r}")
    line(0, "Timeline", "bold")
    for e in h["timeline"]:
        line(2, f"{_when(e['at'])}  {timeline_line(e)}")
        for r in e.get("reasons") or ():
            line(6, f"• {r}")
        for d in e.get("sent") or ():
            line(6, f"→ {sent_line(d)}")
    for title, posts in (("Posts", h["posts"]), ("The brand's answers", h["answers"])):
        line(0, f"{title} ({len(posts)})", "bold")
        for p in posts:
            cues = f" · cues: {', '.join(p['cues'])}" if p["cues"] else ""
            link = f" · {p['url']}" if p["url"] else ""
            line(2, f"{_when(p['at'])}  {p['source']} · @{p['author'] or 'unknown'} · engagement {p['engagement']}"
                    f"{cues}{link}")
            line(6, p["text"][:400])
            if len(p["snapshots"]) > 1:
                line(6, "engagement over time: " + " → ".join(f"{v} ({_when(at)})" for at, v in p["snapshots"]))
    if h["more_posts"]:
        line(2, f"… and {h['more_posts']} more posts (those shown weigh most: score, then engagement)")
    if h["repeaters"]:
        line(0, "Repeat complainants", "bold")
        for rep in h["repeaters"]:
            line(2, f"@{rep['author']}: {rep['episodes']} complaint episode(s) here, "
                    f"{rep['elsewhere']} complaint(s) in other incidents")
            for p in rep["earlier"]:
                line(6, f"{_when(p['at'])} {p['source']} ({p['incident'] or 'no incident'}): {p['text'][:200]}")


def timeline_line(e: dict[str, Any]) -> str:
    """One timeline entry in words (the terminal and the pages say the same)."""
    kind = e["kind"]
    if kind in ("alert", "reminder"):
        head = (f"{e['tier']} (from {e['previous_tier']})" if kind == "alert" else f"reminder: still {e['tier']}")
        return f"{head} · score {float(e['score'] or 0):.2f} · {e['mentions']} mentions by {e['authors']} authors"
    if kind == "action":
        what = {"acknowledge": "acknowledged", "not_complaint": "marked not a complaint",
                "snooze": f"snoozed until {_when(e['until'])}"}.get(e["action"], e["action"])
        return f"{what} by {e['by']} (via {e['via']})"
    if kind == "answer":
        return f"{e['text']}: first by @{e['author'] or 'unknown'} on {e['source']}"
    return str(e.get("text") or kind)


def sent_line(d: dict[str, Any]) -> str:
    status = {"sent": f"sent {_when(d['sent_at'])}", "failed": f"failed {_when(d['failed_at'])}",
              "retrying": f"retrying after {d['attempts']} attempt(s)", "waiting": "waiting to be sent"}[d["status"]]
    return f"{d['channel']}: {status}" + (f" ({d['error']})" if d.get("error") else "")
