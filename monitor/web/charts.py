"""Inline SVG charts of the incident pages and the replay report: an incident's score over time and its
mentions per hour.

Plain SVG written in Python, so the report opens anywhere with no script and no network. Every piece of
text that reaches a chart (brands, sources, marker names) goes through ``esc``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from html import escape

W = 960
ML, MR, MT, MB = 48, 104, 40, 30  # plot margins: left (y labels), right (band labels), top (marker labels), bottom
TIER_NAMES = {0: "none", 1: "watch", 2: "warning", 3: "critical"}
TIER_COLORS = {0: "#868e96", 1: "#d9a400", 2: "#e8590c", 3: "#e03131"}
BAND_FILLS = {1: "#fff6cc", 2: "#ffe8d6", 3: "#ffe0e0"}
SPARE_COLORS = ("#0ca678", "#d6336c", "#74b816", "#1098ad", "#f59f00", "#495057", "#ae3ec9", "#5c940d")
_STEPS_H = (1, 2, 3, 6, 12, 24, 48, 96, 168, 336, 720, 1440, 2880, 8760)

Marker = tuple[str, datetime]


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def slug(value: str) -> str:
    """A safe fragment of an element id."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", value)[:80]


def source_colors(sources: Sequence[str]) -> dict[str, str]:
    """One stable colour per source: a platform with its own (its source class's ``color``) keeps it,
    the rest take spares in name order."""
    from sources import source_color  # the registry: the core knows a platform only through it

    spare = iter(SPARE_COLORS * (1 + len(sources) // len(SPARE_COLORS)))
    return {s: source_color(s) or next(spare) for s in sorted(set(sources))}


class TimeAxis:
    """The shared x axis of an incident's charts: its data, widened to take in the markers close to it."""

    def __init__(self, times: Sequence[datetime], markers: Sequence[Marker] = (), pad: bool = True):
        lo, hi = min(times), max(times)
        reach = max(hi - lo, timedelta(hours=12))
        for _, at in markers:
            if lo - reach <= at <= hi + reach:
                lo, hi = min(lo, at), max(hi, at)
        pad_by = max((hi - lo) * 0.03, timedelta(hours=1)) if pad else timedelta(0)
        self.lo, self.hi = lo - pad_by, hi + pad_by
        self.width = W - ML - MR

    def x(self, at: datetime) -> float:
        return ML + max(0.0, min(1.0, (at - self.lo) / (self.hi - self.lo))) * self.width

    def inside(self, at: datetime) -> bool:
        return self.lo <= at <= self.hi

    def ticks(self) -> list[tuple[float, str]]:
        hours = (self.hi - self.lo).total_seconds() / 3600
        step = next((s for s in _STEPS_H if hours / s <= 8), _STEPS_H[-1])
        lo = self.lo.astimezone(UTC)
        start = lo.replace(minute=0, second=0, microsecond=0)
        if step >= 24:
            start = start.replace(hour=0)
        else:
            start = start.replace(hour=start.hour - start.hour % step)
        fmt = "%b %d" if step >= 24 else "%b %d %H:%M"
        out, t = [], start
        while t <= self.hi:
            if t >= self.lo:
                out.append((self.x(t), t.strftime(fmt)))
            t += timedelta(hours=step)
        return out

    def svg(self, top: float, bottom: float) -> str:
        parts = [f'<line x1="{ML}" y1="{bottom}" x2="{W - MR}" y2="{bottom}" class="axis"/>']
        for x, label in self.ticks():
            parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" class="grid"/>'
                         f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" class="tick">{esc(label)}</text>')
        return "".join(parts)

    def markers_svg(self, markers: Sequence[Marker], top: float, bottom: float) -> str:
        """Markers as dashed vertical lines, labels staggered so that neighbours do not overlap."""
        parts: list[str] = []
        rows_end: list[float] = []
        for name, at in sorted(markers, key=lambda m: (m[1], m[0])):
            if not self.inside(at):
                continue
            x = self.x(at)
            label = name if len(name) <= 40 else name[:39] + "…"
            est = 6.5 * len(label) + 8
            anchor, left = ("end", x - est) if x + est > W - MR + 24 else ("start", x + 4)
            row = next((i for i, end in enumerate(rows_end) if left > end), len(rows_end))
            rows_end[row:row + 1] = [left + est]
            y = max(12, top - 6 - 13 * row)
            tx = x - 4 if anchor == "end" else x + 4
            parts.append(f'<g class="marker"><title>{esc(name)} ({esc(at.strftime("%Y-%m-%d %H:%MZ"))})</title>'
                         f'<line x1="{x:.1f}" y1="{y - 10}" x2="{x:.1f}" y2="{bottom}" class="marker-line"/>'
                         f'<text x="{tx:.1f}" y="{y}" text-anchor="{anchor}" class="marker-label">{esc(label)}</text></g>')
        return "".join(parts)


def score_chart(ident: str, points: Sequence[tuple[datetime, float, int]], alerts: Sequence[tuple[datetime, float, int]],
                thresholds: dict[int, float], markers: Sequence[Marker], axis: TimeAxis, suffix: str = "") -> str:
    """Score over time on the tier bands, alert decisions as rings, markers as dashed lines."""
    h = 300
    bottom = h - MB

    def y(score: float) -> float:
        return MT + (1 - max(0.0, min(1.0, score))) * (bottom - MT)

    parts = [f'<svg id="score-{slug(ident)}{suffix}" class="chart score-chart" viewBox="0 0 {W} {h}" role="img" '
             f'aria-label="score over time" xmlns="http://www.w3.org/2000/svg">']
    edges = [thresholds[1], thresholds[2], thresholds[3], 1.0]
    for tier in (1, 2, 3):
        y0, y1 = y(edges[tier]), y(edges[tier - 1])
        parts.append(f'<rect x="{ML}" y="{y0:.1f}" width="{axis.width:.1f}" height="{max(0.0, y1 - y0):.1f}" '
                     f'fill="{BAND_FILLS[tier]}" class="band band-{TIER_NAMES[tier]}"/>'
                     f'<line x1="{ML}" y1="{y1:.1f}" x2="{W - MR}" y2="{y1:.1f}" stroke="{TIER_COLORS[tier]}" '
                     f'class="threshold"/><text x="{W - MR + 6}" y="{y1 + 4:.1f}" fill="{TIER_COLORS[tier]}" '
                     f'class="band-label">{TIER_NAMES[tier]} ≥ {edges[tier - 1]:.2f}</text>')
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<text x="{ML - 6}" y="{y(v) + 4:.1f}" text-anchor="end" class="tick">{v:.2f}</text>')
    parts.append(axis.svg(MT, bottom))
    parts.append(f'<line x1="{ML}" y1="{MT}" x2="{ML}" y2="{bottom}" class="axis"/>')
    parts.append(axis.markers_svg(markers, MT, bottom))
    coords = " ".join(f"{axis.x(at):.1f},{y(s):.1f}" for at, s, _ in points)
    parts.append(f'<polyline points="{coords}" class="score-line"/>')
    for at, s, tier in points:
        parts.append(f'<circle cx="{axis.x(at):.1f}" cy="{y(s):.1f}" r="2.5" fill="{TIER_COLORS[tier]}">'
                     f'<title>{esc(at.strftime("%Y-%m-%d %H:%MZ"))}: {s:.3f} ({TIER_NAMES[tier]})</title></circle>')
    for n, (at, s, tier) in enumerate(alerts):
        x, ys = axis.x(at), y(s)
        left = x > W - MR - 150
        tx, anchor = (x - 9, "end") if left else (x + 9, "start")
        ty = ys + (16 if ys < MT + 24 else -8) + (14 if n % 2 else 0)
        when = at.strftime("%b %d %H:%M")
        parts.append(f'<g class="alert-mark alert-{TIER_NAMES[tier]}"><line x1="{x:.1f}" y1="{ys:.1f}" x2="{x:.1f}" '
                     f'y2="{bottom}" stroke="{TIER_COLORS[tier]}" class="alert-line"/><circle cx="{x:.1f}" '
                     f'cy="{ys:.1f}" r="6" stroke="{TIER_COLORS[tier]}" class="alert-ring"/><text x="{tx:.1f}" '
                     f'y="{ty:.1f}" text-anchor="{anchor}" fill="{TIER_COLORS[tier]}" class="alert-label">'
                     f'{TIER_NAMES[tier]} · {esc(when)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def hour_start(key: str) -> datetime:
    return datetime.strptime(key, "%Y-%m-%dT%H:00Z").replace(tzinfo=UTC)


def _nice_max(value: int) -> int:
    if value <= 5:
        return max(value, 1)
    mag = 10 ** math.floor(math.log10(value))
    return int(next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= value))


def hourly_chart(ident: str, hourly: dict[str, dict[str, int]], colors: dict[str, str], markers: Sequence[Marker],
                 axis: TimeAxis, suffix: str = "") -> str:
    """Mentions per hour, stacked by source, on the same time axis as the score chart."""
    h = 210
    bottom = h - MB
    top = MT
    hours = sorted((hour_start(k), v) for k, v in hourly.items())
    hours = [(at, v) for at, v in hours if axis.inside(at)]
    peak = _nice_max(max((sum(v.values()) for _, v in hours), default=1))
    sources = sorted({s for _, v in hours for s in v})

    def y(n: float) -> float:
        return bottom - n / peak * (bottom - top)

    parts = [f'<svg id="hourly-{slug(ident)}{suffix}" class="chart hourly-chart" viewBox="0 0 {W} {h}" role="img" '
             f'aria-label="mentions per hour by source" xmlns="http://www.w3.org/2000/svg">']
    for v in sorted({0, peak // 2, peak}):
        parts.append(f'<line x1="{ML}" y1="{y(v):.1f}" x2="{W - MR}" y2="{y(v):.1f}" class="grid"/>'
                     f'<text x="{ML - 6}" y="{y(v) + 4:.1f}" text-anchor="end" class="tick">{v}</text>')
    parts.append(axis.svg(top, bottom))
    parts.append(f'<line x1="{ML}" y1="{top}" x2="{ML}" y2="{bottom}" class="axis"/>')
    parts.append(axis.markers_svg(markers, top, bottom))
    for at, per in hours:
        x0 = axis.x(at)
        width = max(axis.x(at + timedelta(hours=1)) - x0 - 0.5, 3.0)
        label = ", ".join(f"{s} {per[s]}" for s in sources if per.get(s))
        parts.append(f'<g class="bar"><title>{esc(at.strftime("%Y-%m-%d %H:00Z"))}: {esc(label)}</title>')
        base = 0
        for s in sources:
            n = per.get(s, 0)
            if n:
                parts.append(f'<rect x="{x0:.1f}" y="{y(base + n):.1f}" width="{width:.1f}" '
                             f'height="{y(base) - y(base + n):.1f}" fill="{colors[s]}"/>')
                base += n
        parts.append("</g>")
    totals = {s: sum(v.get(s, 0) for _, v in hours) for s in sources}
    parts.append(f'<g class="legend"><text x="{W - MR + 6}" y="{top + 10}" class="band-label">mentions/h</text>')
    for i, s in enumerate(sources):
        ly, name = top + 20 + 16 * i, s if len(s) <= 11 else s[:10] + "…"
        parts.append(f'<rect x="{W - MR + 6}" y="{ly}" width="11" height="11" fill="{colors[s]}"/>'
                     f'<text x="{W - MR + 21}" y="{ly + 10}" class="legend-label">{esc(name)} ({totals[s]})</text>')
    parts.append("</g></svg>")
    return "".join(parts)
