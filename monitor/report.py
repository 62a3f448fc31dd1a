"""``monitor replay --report``: a self-contained HTML post-mortem of a replay.

One page, no script, no network: inline CSS and inline SVG (monitor/charts.py). Everything that comes from
the outside world (post text, authors, URLs, brands, reasons, marker names) is escaped with ``esc``; links
are written only for http(s) URLs, and a Content-Security-Policy forbids scripts should anything slip.
The same replay gives the same bytes: no generation time is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.charts import (
    TIER_COLORS,
    TIER_NAMES,
    TimeAxis,
    esc,
    hour_start,
    hourly_chart,
    score_chart,
    slug,
    source_colors,
)
from monitor.config import ScoringConfig
from monitor.models import AlertEvent, Tier
from monitor.replay import ReplayResult
from monitor.replay_cli import lead_times

MAX_INCIDENTS = 30
MAX_TEXT = 700
ZOOM = (timedelta(hours=54), timedelta(hours=18))  # before and after the busiest hour, when the incident spans days
ZOOM_MIN = 5  # mentions in the busiest hour to be worth a zoom
_SAFE_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f]+", re.IGNORECASE)
_REL = "noopener noreferrer nofollow"

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212529;margin:0;background:#f8f9fa}
main{max-width:1040px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:0 0 6px}h3{font-size:15px;margin:18px 0 6px}
.sub,.muted{color:#6c757d}section,article{background:#fff;border:1px solid #dee2e6;border-radius:8px;padding:16px 20px;
margin:16px 0}
.stats{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}.stat{border:1px solid #e9ecef;border-radius:6px;padding:6px 12px}
.stat b{display:block;font-size:20px}table{border-collapse:collapse;width:100%;font-size:13px}td.at{white-space:nowrap}
th,td{text-align:left;vertical-align:top;border-bottom:1px solid #e9ecef;padding:4px 6px}th{background:#f1f3f5}
.tier{display:inline-block;border-radius:4px;padding:0 6px;color:#fff;font-weight:600;font-size:12px}
.chart{width:100%;height:auto;display:block;margin:8px 0}.chart text{font-size:11px;fill:#495057}
.chart .axis{stroke:#adb5bd}.chart .grid{stroke:#f1f3f5}.chart .threshold{stroke-dasharray:4 3}
.chart .band-label{font-size:11px;font-weight:600}.chart .score-line{fill:none;stroke:#364fc7;stroke-width:1.6}
.chart .marker-line{stroke:#212529;stroke-width:1.4;stroke-dasharray:6 4}
.chart .marker-label{font-size:12px;font-weight:600;fill:#212529;paint-order:stroke;stroke:#fff;stroke-width:3}
.chart .alert-ring{fill:#fff;fill-opacity:.3;stroke-width:2.5}.chart .alert-line{stroke-width:1;stroke-dasharray:2 2}
.chart .alert-label{font-weight:700;font-size:12px;paint-order:stroke;stroke:#fff;stroke-width:3}
.chart .legend-label{font-size:11px}
ul.reasons{margin:4px 0 8px 18px;padding:0}.post{border-left:3px solid #ced4da;margin:8px 0;padding:4px 10px}
.post .meta{font-size:12px;color:#495057}.post .text{white-space:pre-wrap;overflow-wrap:anywhere;margin:4px 0}
.cue{display:inline-block;background:#e7f5ff;color:#1864ab;border-radius:3px;padding:0 5px;margin-right:3px}
.url{overflow-wrap:anywhere;color:#868e96}details summary{cursor:pointer;font-weight:600;margin-top:12px}
"""


def safe_url(url: object) -> str | None:
    """The URL if it may be a link (http or https, nothing a browser would strip or re-read); else None."""
    return url if isinstance(url, str) and _SAFE_URL.fullmatch(url) else None


def _when(at: object) -> str:
    if isinstance(at, datetime):
        return at.strftime("%Y-%m-%d %H:%MZ")
    return str(at or "").replace("T", " ").replace(":00Z", "Z")


def _tier(tier: int) -> str:
    return f'<span class="tier tier-{TIER_NAMES[tier]}" style="background:{TIER_COLORS[tier]}">{TIER_NAMES[tier]}</span>'


def _hours(lead: float) -> str:
    text = f"{abs(lead):.1f} h"
    return text + (f" ({abs(lead) / 24:.1f} days)" if abs(lead) >= 48 else "")


def _post(p: dict[str, Any]) -> str:
    text = str(p.get("text") or "")
    text = text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"
    url = p.get("url")
    link = (f'<a href="{esc(url)}" rel="{_REL}" target="_blank">open</a>' if safe_url(url)
            else f'<span class="url">{esc(url)}</span>' if url else "")
    cues = "".join(f'<span class="cue">{esc(c)}</span>' for c in p.get("cues") or ())
    author = p.get("author")
    score = p.get("score")
    meta = [f"<b>{esc(p.get('source', ''))}</b>", f"@{esc(author)}" if author else "unknown author",
            esc(_when(p.get("at"))), f"engagement {esc(p.get('engagement', 0))}",
            f"score {score:.2f}" if isinstance(score, int | float) else "", cues, link]
    return (f'<div class="post"><div class="meta">{" · ".join(m for m in meta if m)}</div>'
            f'<div class="text">{esc(text)}</div></div>')


def _posts(posts: Iterable[dict[str, Any]]) -> str:
    return "".join(_post(p) for p in posts) or '<p class="muted">no posts recorded</p>'


def _alert(a: AlertEvent) -> str:
    head = (f"{esc(_when(a.at))} · {_tier(a.tier)} (from {TIER_NAMES[a.previous_tier]}) · score {a.score:.2f} · "
            f"{a.mentions} mentions · {a.authors} authors · {esc(', '.join(a.sources))}")
    reasons = "".join(f"<li>{esc(r)}</li>" for r in a.reasons)
    return (f'<div class="alert"><h3>{head}</h3><ul class="reasons">{reasons}</ul>'
            f'<div class="muted">Posts that drove this decision:</div>{_posts(a.top_posts)}</div>')


def _leads(rows: Sequence[dict[str, Any]]) -> str:
    items = [f"<li>{_tier(Tier[r['tier']])} reached {_hours(r['lead_hours'])} "
             f"{'before' if r['lead_hours'] >= 0 else 'after'} ‘{esc(r['marker'])}’</li>" for r in rows]
    return f'<ul class="leads">{"".join(items)}</ul>' if items else ""


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
    return sorted(top, key=lambda i: (-top[i][0], -top[i][1], _when(top[i][2]), i))


def _incident(inc: str, result: ReplayResult, markers: Sequence[tuple[str, datetime]], thresholds: dict[int, float],
              colors: dict[str, str], leads: list[dict[str, Any]]) -> str:
    alerts = [a for a in result.alerts if a.incident == inc]
    ser = result.series.get(inc)
    points = ser.points if ser else []
    brand = ser.brand if ser else (alerts[0].brand if alerts else "")
    hourly = result.hourly.get(inc, {})
    times = [p[0] for p in points] + [a.at for a in alerts]
    peak = max([ser.peak if ser else 0] + [int(a.tier) for a in alerts])
    best = max([s for _, s, _ in points] + [a.score for a in alerts], default=0.0)
    parts = [f'<article class="incident" id="incident-{slug(inc)}"><h2>{esc(brand)} · '
             f'<span class="incident-id">{esc(inc)}</span> {_tier(peak)}</h2>']
    if times:
        parts.append(f'<p class="muted">scored from {esc(_when(min(times)))} to {esc(_when(max(times)))} · '
                     f'{len(alerts)} alert(s) · peak score {best:.2f}</p>')
    parts.append(_leads([r for r in leads if r["incident"] == inc]))
    if times:
        marks = [(a.at, a.score, int(a.tier)) for a in alerts]
        axis = TimeAxis(times + [hour_start(h) for h in hourly], markers)
        parts.append(score_chart(inc, points, marks, thresholds, markers, axis))
        if hourly:
            parts.append(hourly_chart(inc, hourly, colors, markers, axis))
        busiest = max(hourly, key=lambda h: (sum(hourly[h].values()), h)) if hourly else None
        if busiest and sum(hourly[busiest].values()) >= ZOOM_MIN and axis.hi - axis.lo > timedelta(days=4):
            center = hour_start(busiest)
            zoom = TimeAxis([center - ZOOM[0], center + ZOOM[1] + timedelta(hours=1)], pad=False)
            shown = [p for p in points if p[0] < zoom.lo][-1:] + [p for p in points if zoom.inside(p[0])]
            parts.append(f'<h3>Zoom: the {ZOOM[0].total_seconds() / 3600:.0f} h before the busiest hour '
                         f'({esc(_when(center))}) and the {ZOOM[1].total_seconds() / 3600:.0f} h after</h3>')
            parts.append(score_chart(inc, shown, [m for m in marks if zoom.inside(m[0])], thresholds, markers, zoom,
                                     "-zoom"))
            parts.append(hourly_chart(inc, hourly, colors, markers, zoom, "-zoom"))
    parts.extend(_alert(a) for a in alerts)
    posts = result.posts.get(inc, [])
    parts.append(f'<details{"" if alerts else " open"}><summary>Top {len(posts)} posts of the incident</summary>'
                 f'{_posts(posts)}</details></article>')
    return "".join(parts)


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
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
           "img-src data:; base-uri 'none'; form-action 'none'\">",
           '<meta name="referrer" content="no-referrer"><meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{esc(title)}</title><style>{CSS}</style></head><body><main>",
           f'<header><h1>{esc(title)}</h1><p class="sub">complaint monitor · replay of recorded observations · '
           f"thresholds watch {scoring.watch:.2f}, warning {scoring.warning:.2f}, critical {scoring.critical:.2f}</p></header>",
           '<section id="summary"><h2>Summary</h2><div class="stats">']
    out += [f'<div class="stat"><b>{v:,}</b>{esc(k)}</div>' for k, v in stats]
    out.append("</div>")
    if markers:
        out.append("<p>Markers: " + "; ".join(f"‘{esc(n)}’ at {esc(_when(at))}" for n, at in markers) + "</p>")
    if len(chosen) > len(shown):
        out.append(f'<p class="muted">{len(chosen) - len(shown)} more incident(s) reached watch; not shown.</p>')
    out.append('</section><section id="timeline"><h2>Alert timeline</h2>')
    if result.alerts:
        out.append("<table><tr><th>at</th><th>tier</th><th>brand</th><th>incident</th><th>score</th><th>mentions</th>"
                   "<th>authors</th><th>sources</th><th>reasons</th></tr>")
        for a in result.alerts:
            anchor = (f'<a href="#incident-{slug(a.incident)}">{esc(a.incident)}</a>' if a.incident in shown
                      else esc(a.incident))
            out.append(f"<tr><td class=\"at\">{esc(_when(a.at))}</td><td>{_tier(a.tier)}</td><td>{esc(a.brand)}</td>"
                       f"<td>{anchor}</td><td>{a.score:.2f}</td><td>{a.mentions}</td><td>{a.authors}</td>"
                       f"<td>{esc(', '.join(a.sources))}</td><td>{esc('; '.join(a.reasons))}</td></tr>")
        out.append("</table>")
    else:
        out.append('<p class="muted">No alert was decided.</p>')
    if leads:
        out.append("<h3>Lead time against the markers</h3><table><tr><th>marker</th><th>incident</th><th>tier</th>"
                   "<th>first reached</th><th>lead</th></tr>")
        out += [f"<tr><td>{esc(r['marker'])}</td><td>{esc(r['incident'])}</td><td>{_tier(Tier[r['tier']])}</td>"
                f"<td>{esc(_when(r['at']))}</td><td>{_hours(r['lead_hours'])} "
                f"{'before' if r['lead_hours'] >= 0 else 'after'}</td></tr>" for r in leads]
        out.append("</table>")
    out.append('</section><section id="incidents-intro"><h2>Incidents</h2><p class="muted">Each chart: score over '
               "time on the tier bands, alert decisions circled, markers as dashed lines; below it, mentions per hour "
               "by source on the same time axis.</p></section>")
    out += [_incident(inc, result, markers, thresholds, colors, leads) for inc in shown]
    out.append("</main></body></html>\n")
    return "".join(out)


def write_report(result: ReplayResult, markers: list[tuple[str, datetime]], path: str, *,
                 scoring: ScoringConfig | None = None) -> None:
    """Write the report to ``path`` (UTF-8). ``scoring`` gives the tier thresholds drawn; the defaults otherwise."""
    Path(path).write_text(render_report(result, markers, scoring=scoring), encoding="utf-8")
