"""``monitor check-config``'s summary: what the daemon would really do with a config.

It says the same as the daemon at start-up: a source without its credentials is off and says why,
and every configured alert channel is listed, on or off, with where it sends (each channel's config
says that itself, never showing a secret: a webhook is shown by its host only).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from monitor.config.durations import format_duration
from monitor.config.settings import Config, LoadedConfig
from monitor.config.sources import why_off


def source_state(config: Config, name: str, off: dict[str, str]) -> str:
    """``on, every 5m``, or ``off`` with the reason, as ``monitor run`` decides (monitor/daemon/app.py)."""
    sc = config.sources.section(name)
    why = why_off(name, sc, off, present=name in config.sources.model_fields_set, hint=False)
    return f"off ({why})" if why else f"on, every {format_duration(sc.interval)}"


def nothing_to_poll(config: Config, off: dict[str, str]) -> str | None:
    """The complaint when no source would be on: every source with why it is off; None when one is."""
    states = {name: source_state(config, name, off) for name in config.sources.names()}
    if any(state.startswith("on") for state in states.values()):
        return None
    return "no source is on, so the daemon would watch nothing: " + "; ".join(
        f"{name} {state}" for name, state in states.items())


def channel_states(config: Config) -> list[tuple[str, str]]:
    """Every configured channel with its state, as alerts.channels_from_config builds them."""
    sections = config.alerts
    return [(name, section.summary()) for name in sections.names() if (section := sections.section(name)) is not None]


def web_state(config: Config) -> str:
    """``[web]`` in words: where the incident pages are served, who may read them, the names they answer to."""
    web, daemon = config.web, config.daemon
    if not web.enabled:
        return "off"
    if not daemon.health_port:
        return "off (web.enabled needs daemon.health_port: the pages are served there)"
    access = []
    if web.trust_proxy:
        sender = ", ".join(web.proxy_addresses) or ("any address" if web.proxy_secret else "the loopback")
        secret = f" with {web.proxy_secret_header}" if web.proxy_secret else ""
        access.append(f"through the reverse proxy ({web.proxy_header} from {sender}{secret})")
    if web.access_token:
        access.append("with the access token")
    hosts = ["localhost", "127.0.0.1", "::1", *([urlsplit(web.public_url).hostname or ""] if web.public_url else []),
             *web.allowed_hosts]
    return (f"on {daemon.health_host}:{daemon.health_port}/incidents, {' and '.join(access) or 'no token'}; "
            f"Host: {', '.join(dict.fromkeys(h for h in hosts if h))}; {web.max_renders} page(s) rendered at once")


def summary(loaded: LoadedConfig) -> list[str]:
    cfg = loaded.config
    lines = [f"{loaded.origin}: OK",
             f"  storage: {cfg.storage.url.split('://', 1)[0]}",
             f"  brands: {', '.join(b.name for b in cfg.brands)}"]
    lines += [f"  sources.{name}: {source_state(cfg, name, loaded.off)}" for name in cfg.sources.names()]
    lines += [f"  alerts.{name}: {state}" for name, state in channel_states(cfg)]
    a = cfg.alerts
    noise = [f"minimum tier {a.min_tier}", f"{len(a.routes)} route(s)", f"{len(a.silences)} silence(s)"]
    if a.quiet_hours is not None:
        noise.append(f"quiet hours {a.quiet_hours.start}-{a.quiet_hours.end} ({a.quiet_hours.timezone})")
    if a.repeat_interval:
        noise.append(f"reminders every {format_duration(a.repeat_interval)}")
    lines.append(f"  alerts: {', '.join(noise)}")
    lines.append(f"  web: {web_state(cfg)}")
    lines += [f"  warning: {w}" for w in loaded.warnings]
    return lines
