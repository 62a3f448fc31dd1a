"""``monitor replay --report``: a self-contained HTML post-mortem of a replay.

One page, no script, no network: inline CSS and inline SVG (monitor/web/charts.py), rendered by the same
templates as the daemon's incident pages (monitor/web/render.py: Jinja2, everything from the outside world
escaped, links only for http(s) URLs, a Content-Security-Policy that forbids scripts). The same replay
gives the same bytes: no generation time is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from monitor.config.settings import ScoringConfig
from monitor.events import event_to_dict
from monitor.files import private_output
from monitor.models import Tier
from monitor.replay.run import ReplayResult, lead_times
from monitor.storage.incident_views import alert_entry
from monitor.web.charts import slug, source_colors
from monitor.web.render import incident_charts, render, safe_url, when

__all__ = ["chosen_incidents", "render_report", "safe_url", "write_report"]
MAX_INCIDENTS = 30


def chosen_incidents(result: ReplayResult) -> list[str]:
    """Incidents that alerted or reached watch, the most important first."""
    top: dict[str, tuple[int, float, datetime | None]] = {}
    for a in result.alerts:
        tier, score, first = top.get(a.incident, (0, 0.0, None))
        top[a.incident] = (max(tier, int(a.tier)), max(score, a.score), first or a.at)
    for inc, ser in result.series.items():
        if ser.peak >= Tier.watch or inc in top:
            tier, score, first = top.get(inc, (0, 0.0, None))
            best = max((s for _, s, _ in ser.points), default=0.0)
            top[inc] = (max(tier, ser.peak), max(score, best), first or (ser.points[0][0] if ser.points else None))
    return sorted(top, key=lambda i: (-top[i][0], -top[i][1], when(top[i][2]), i))


def _incident(inc: str, result: ReplayResult, markers: Sequence[tuple[str, datetime]], thresholds: dict[int, float],
              colors: dict[str, str], leads: list[dict[str, Any]]) -> dict[str, Any]:
    """The view of one incident that the shared template (templates/_incident.html) renders."""
    alerts = [a for a in result.alerts if a.incident == inc]
    ser = result.series.get(inc)
    points = ser.points if ser else []
    times = [p[0] for p in points] + [a.at for a in alerts]
    best = max([s for _, s, _ in points] + [a.score for a in alerts], default=0.0)
    posts = result.posts.get(inc, [])
    return {
        "id": inc, "slug": slug(inc), "brand": ser.brand if ser else (alerts[0].brand if alerts else ""),
        "tier": max([ser.peak if ser else 0] + [int(a.tier) for a in alerts]),
        "meta": (f"scored from {when(min(times))} to {when(max(times))} · {len(alerts)} alert(s) · "
                 f"peak score {best:.2f}") if times else "",
        "leads": [r for r in leads if r["incident"] == inc],
        "charts": incident_charts(inc, points, [(a.at, a.score, int(a.tier)) for a in alerts],
                                  result.hourly.get(inc, {}), thresholds, colors, markers),
        "timeline_title": "", "timeline": [alert_entry(event_to_dict(a), a.at) for a in alerts],
        "posts": posts, "posts_open": not alerts, "posts_title": f"Top {len(posts)} posts of the incident",
        "answers": result.answers.get(inc, []), "repeaters": [],
    }


def render_report(result: ReplayResult, markers: Sequence[tuple[str, datetime]], *,
                  scoring: ScoringConfig | None = None, title: str = "Replay post-mortem") -> str:
    """The report as one HTML string; identical for identical input."""
    scoring = scoring or ScoringConfig()
    thresholds = {1: scoring.watch, 2: scoring.warning, 3: scoring.critical}
    markers = sorted(markers, key=lambda m: (m[1], m[0]))
    chosen = chosen_incidents(result)
    shown = chosen[:MAX_INCIDENTS]
    leads: list[dict[str, Any]] = lead_times(result.alerts, list(markers))
    colors = source_colors([s for h in result.hourly.values() for per in h.values() for s in per])
    by_tier = {f"{t.name} alerts": sum(1 for a in result.alerts if a.tier == t)
               for t in (Tier.watch, Tier.warning, Tier.critical)}
    stats = [("observations", result.observations), ("mentions", result.mentions), ("incidents", result.incidents),
             ("alerts", len(result.alerts)), *by_tier.items(), ("incidents charted", len(shown))]
    if result.skipped_lines:
        stats.append(("malformed lines skipped", result.skipped_lines))
    if result.late:
        stats.append(("replayed late", result.late))
    alerts = [{**event_to_dict(a), "at": a.at, "anchor": slug(a.incident) if a.incident in shown else ""}
              for a in result.alerts]
    return render("report.html", title=title, thresholds=thresholds, stats=stats, markers=markers,
                  not_shown=len(chosen) - len(shown), alerts=alerts, leads=leads,
                  incidents=[_incident(inc, result, markers, thresholds, colors, leads) for inc in shown])


def write_report(result: ReplayResult, markers: list[tuple[str, datetime]], path: str, *,
                 scoring: ScoringConfig | None = None) -> None:
    """Write the report to ``path`` (UTF-8). ``scoring`` gives the tier thresholds drawn; the defaults otherwise."""
    html = render_report(result, markers, scoring=scoring)
    with private_output(str(path)) as f:  # it holds the posts' authors and texts: its owner's only
        f.write(html)
