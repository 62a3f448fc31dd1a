"""``monitor check-config``'s summary: what the daemon would really do with a config.

It says the same as the daemon at start-up: a source without its credentials is off and says why,
and every configured alert channel is listed, on or off, with where it sends (never a secret: a
webhook is shown by its host only).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from monitor.config import Config, LoadedConfig
from monitor.durations import format_duration
from monitor.sources_config import KEYLESS, SOURCE_NAMES


def source_state(config: Config, name: str, off: dict[str, str]) -> str:
    """``on, every 5m``, or ``off`` with the reason, as ``monitor run`` would decide (monitor/app.py)."""
    sc = getattr(config.sources, name)
    if name in KEYLESS and not sc.enabled:
        present = name in config.sources.model_fields_set
        return "off (enabled = false)" if present else f"off (no [sources.{name}] section)"
    if not sc.enabled:
        return "off (enabled = false)"
    needs = {"reddit": ("client_id", "client_secret"), "x": ("bearer_token",)}.get(name, ())
    missing = [k for k in needs if not getattr(sc, k)]
    if f"sources.{name}" in off:
        return f"off ({off[f'sources.{name}']})"
    if missing:
        return f"off (no credentials: set sources.{name}.{' and '.join(missing)})"
    return f"on, every {format_duration(sc.interval)}"


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}" + (f":{parts.port}" if parts.port else "")


def channel_states(config: Config) -> list[tuple[str, str]]:
    """Every configured channel with its state, as alerts.channels_from_config builds them."""
    a = config.alerts
    out = [("console", "on" if a.console.enabled else "off (enabled = false)")]
    if a.slack is not None:
        s = a.slack
        if not s.enabled:
            state = "off (enabled = false)"
        elif s.bot_token:
            state = f"on, channel {s.channel}" + (", with buttons" if s.app_token and s.buttons else ", no buttons")
        elif s.webhook_url:
            state = "on, incoming webhook (no updates, threads or buttons)"
        else:
            state = "off (no bot_token or webhook_url)"
        out.append(("slack", state))
    if a.webhook is not None:
        w = a.webhook
        state = ("off (enabled = false)" if not w.enabled else "off (url is empty)" if not w.url
                 else f"on, {_host(w.url)}" + (", signed" if w.secret else ", unsigned (no secret)"))
        out.append(("webhook", state))
    if a.email is not None:
        e = a.email
        state = ("off (enabled = false)" if not e.enabled
                 else f"on, via {e.host}:{e.port} to {len(e.to)} recipient(s)")
        out.append(("email", state))
    return out


def summary(loaded: LoadedConfig) -> list[str]:
    cfg = loaded.config
    lines = [f"{loaded.origin}: OK",
             f"  storage: {cfg.storage.url.split('://', 1)[0]}",
             f"  brands: {', '.join(b.name for b in cfg.brands)}"]
    lines += [f"  sources.{name}: {source_state(cfg, name, loaded.off)}" for name in SOURCE_NAMES]
    lines += [f"  alerts.{name}: {state}" for name, state in channel_states(cfg)]
    a = cfg.alerts
    noise = [f"minimum tier {a.min_tier}", f"{len(a.routes)} route(s)", f"{len(a.silences)} silence(s)"]
    if a.quiet_hours is not None:
        noise.append(f"quiet hours {a.quiet_hours.start}-{a.quiet_hours.end} ({a.quiet_hours.timezone})")
    if a.repeat_interval:
        noise.append(f"reminders every {format_duration(a.repeat_interval)}")
    lines.append(f"  alerts: {', '.join(noise)}")
    lines += [f"  warning: {w}" for w in loaded.warnings]
    return lines
