"""``monitor check-config``'s summary: what the daemon would really do with a config.

It says the same as the daemon at start-up: a source without its credentials is off and says why,
and every configured alert channel is listed, on or off, with where it sends (each channel's config
says that itself, never showing a secret: a webhook is shown by its host only).
"""

from __future__ import annotations

from monitor.config.durations import format_duration
from monitor.config.settings import Config, LoadedConfig


def source_state(config: Config, name: str, off: dict[str, str]) -> str:
    """``on, every 5m``, or ``off`` with the reason, as ``monitor run`` would decide (monitor/daemon/app.py)."""
    sc = config.sources.section(name)
    if not sc.needs and not sc.enabled:  # keyless: on when its section is there
        present = name in config.sources.model_fields_set
        return "off (enabled = false)" if present else f"off (no [sources.{name}] section)"
    if not sc.enabled:
        return "off (enabled = false)"
    if f"sources.{name}" in off:
        return f"off ({off[f'sources.{name}']})"
    if missing := sc.missing():
        return f"off (no credentials: set sources.{name}.{' and '.join(missing)})"
    return f"on, every {format_duration(sc.interval)}"


def channel_states(config: Config) -> list[tuple[str, str]]:
    """Every configured channel with its state, as alerts.channels_from_config builds them."""
    sections = config.alerts
    return [(name, section.summary()) for name in sections.names() if (section := sections.section(name)) is not None]


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
    lines += [f"  warning: {w}" for w in loaded.warnings]
    return lines
