"""The one HTML renderer: Jinja2 templates (monitor/templates) with autoescaping, shared by the replay
report (``monitor replay --report``) and the daemon's incident pages (monitor/web/pages.py).

Every value that reaches a template is escaped unless it is one of the charts, which monitor/web/charts.py
builds with every piece of text escaped. Links are written only for http(s) URLs (``safe_url``); pages
carry a Content-Security-Policy that forbids scripts, so nothing a post says can run. No page needs a
script to be read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from monitor.config.durations import parse_timestamp
from monitor.models import Tier
from monitor.web.charts import TIER_COLORS, TIER_NAMES, TimeAxis, hour_start, hourly_chart, score_chart

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
MAX_TEXT = 700
ZOOM = (timedelta(hours=54), timedelta(hours=18))  # before and after the busiest hour, when the incident spans days
ZOOM_MIN = 5  # mentions in the busiest hour to be worth a zoom
_SAFE_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f]+", re.IGNORECASE)


def safe_url(url: object) -> str | None:
    """The URL if it may be a link (http or https, nothing a browser would strip or re-read); else None."""
    return url if isinstance(url, str) and _SAFE_URL.fullmatch(url) else None


def when(at: object) -> str:
    if isinstance(at, str):
        try:
            at = parse_timestamp(at)
        except ValueError:
            return str(at)
    if isinstance(at, datetime):
        return at.strftime("%Y-%m-%d %H:%MZ")
    return str(at or "")


def hours(lead: float) -> str:
    text = f"{abs(lead):.1f} h"
    return text + (f" ({abs(lead) / 24:.1f} days)" if abs(lead) >= 48 else "")


def tier_number(tier: object) -> int:
    return int(Tier[tier]) if isinstance(tier, str) else int(tier)  # type: ignore[call-overload]


def clip(text: object, limit: int = MAX_TEXT) -> str:
    value = str(text or "")
    return value if len(value) <= limit else value[:limit] + "…"


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("monitor", "templates"), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(when=when, hours=hours, safe_url=safe_url, clip=clip, tier_number=tier_number)
    env.globals.update(TIER_NAMES=TIER_NAMES, TIER_COLORS=TIER_COLORS, CSP=CSP,
                       css=_trusted(env.loader.get_source(env, "style.css")[0]))  # type: ignore[union-attr]
    return env


def _trusted(markup: str) -> Markup:
    """Markup we wrote ourselves: the stylesheet, and charts.py's SVG (which escapes every text it holds)."""
    return Markup(markup)  # noqa: S704 - see above: never text from a post or an API


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def incident_charts(ident: str, points: Sequence[tuple[datetime, float, int]], alerts: Sequence[tuple[datetime, float, int]],
                    hourly: dict[str, dict[str, int]], thresholds: dict[int, float], colors: dict[str, str],
                    markers: Sequence[tuple[str, datetime]] = ()) -> list[Markup]:
    """An incident's charts: score over time on the tier bands with its alerts circled, mentions per hour
    by source on the same axis, and a zoom on the busiest hour when the incident spans days. Each item is
    an SVG (or a heading) whose text monitor/web/charts.py escaped."""
    times = [p[0] for p in points] + [a[0] for a in alerts]
    if not times:
        return []
    axis = TimeAxis(times + [hour_start(h) for h in hourly], markers)
    out = [_trusted(score_chart(ident, points, alerts, thresholds, markers, axis))]
    if hourly:
        out.append(_trusted(hourly_chart(ident, hourly, colors, markers, axis)))
    busiest = max(hourly, key=lambda h: (sum(hourly[h].values()), h)) if hourly else None
    if busiest and sum(hourly[busiest].values()) >= ZOOM_MIN and axis.hi - axis.lo > timedelta(days=4):
        center = hour_start(busiest)
        zoom = TimeAxis([center - ZOOM[0], center + ZOOM[1] + timedelta(hours=1)], pad=False)
        shown = [p for p in points if p[0] < zoom.lo][-1:] + [p for p in points if zoom.inside(p[0])]
        heading = (f"Zoom: the {ZOOM[0].total_seconds() / 3600:.0f} h before the busiest hour ({when(center)}) "
                   f"and the {ZOOM[1].total_seconds() / 3600:.0f} h after")
        out.append(Markup("<h3>{}</h3>").format(heading))
        out.append(_trusted(score_chart(ident, shown, [a for a in alerts if zoom.inside(a[0])], thresholds, markers,
                                      zoom, "-zoom")))
        out.append(_trusted(hourly_chart(ident, hourly, colors, markers, zoom, "-zoom")))
    return out
