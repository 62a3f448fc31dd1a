"""Incidents: one story, many posts. Grouping, incident score, tier with hysteresis, reasons.

An incident's state is a JSON document in the ``incidents`` table; everything here is a pure function
of that state, the new mention and the clock, so the daemon and replay decide alike.
"""

from __future__ import annotations

import bisect
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.config import ScoringConfig
from monitor.durations import format_timestamp
from monitor.models import Tier

# How much each cue family says about an incident about to blow up (safety is the worst case).
CUE_SEVERITY = {
    "safety": 1.0, "media": 0.85, "legal": 0.75, "regulator": 0.7, "executive": 0.6,
    "unreachable_support": 0.45, "repeat_contact": 0.45, "churn": 0.3,
}
CUE_WORDS = {
    "safety": "safety", "media": "media", "legal": "legal action", "regulator": "regulator",
    "executive": "written to executives", "unreachable_support": "support unreachable",
    "repeat_contact": "repeated contact", "churn": "threatens to leave",
}
MAX_AUTHORS_KEPT = 300
MAX_HISTORY = 96
MAX_TOP = 5


@dataclass(slots=True)
class MentionFacts:
    """What the incident logic needs to know of one mention (not frozen: made for every mention,
    and a frozen dataclass takes seven times as long to build)."""

    source: str
    post_id: str
    kind: str
    url: str | None
    text: str
    author: str | None
    followers: int
    created_at: datetime
    engagement: int
    is_complaint: bool
    complaint: float
    sentiment: float
    cues: tuple[str, ...]
    score: float
    by_brand: bool


@dataclass(frozen=True)
class Baseline:
    """The brand's normal: mentions a day and engagement of a typical mention."""

    daily_mentions: float
    typical_engagement: float


@dataclass(frozen=True, slots=True)
class Assessment:
    score: float
    tier: Tier
    reasons: tuple[str, ...]
    evidence: bool


def incident_id(brand: str, source: str, post_id: str) -> str:
    """Deterministic, so that replays of the same input name incidents alike."""
    digest = hashlib.blake2b(f"{brand}\0{source}\0{post_id}".encode(), digest_size=6).hexdigest()
    return f"inc-{digest}"


def new_state(first: MentionFacts) -> dict[str, Any]:
    return {
        "mentions": 0, "complaints": 0, "authors": [], "n_authors": 0, "author_complaints": {},
        "author_last": {}, "sources": [], "cues": {}, "engagement": 0, "history": [],
        "start": first.created_at.timestamp(), "max_followers": 0, "max_mention_score": 0.0,
        "max_complaint": 0.0, "first_complaint_at": None, "brand_replied_at": None, "articles": 0,
        "snapshots": 0, "top": [], "tier": 0,
    }


def add_mention(state: dict[str, Any], m: MentionFacts, repeat_gap: float = 6 * 3600.0) -> None:
    """Fold a new mention into the incident state."""
    st = state
    at = m.created_at.timestamp()
    if m.by_brand:
        if st["brand_replied_at"] is None:
            st["brand_replied_at"] = at
        return
    st["mentions"] += 1
    if m.author and m.author not in st["authors"]:
        st["n_authors"] += 1
        if len(st["authors"]) < MAX_AUTHORS_KEPT:
            st["authors"].append(m.author)
    elif not m.author:
        st["n_authors"] += 1
    if m.source not in st["sources"]:
        st["sources"] = sorted([*st["sources"], m.source])
    if m.kind == "article" or m.source == "news":
        st["articles"] += 1
    if m.is_complaint:
        st["complaints"] += 1
        if m.author:
            # Repetition counts episodes, not posts: a thread of four tweets in ten minutes is one
            # complaint; the same complaint again days later is the signal.
            counts, last = st["author_complaints"], st["author_last"]
            if m.author in counts or len(counts) < MAX_AUTHORS_KEPT:
                if m.author not in last or abs(at - last[m.author]) >= repeat_gap:
                    n = counts[m.author] = counts.get(m.author, 0) + 1
                    best = st.get("top_repeat") or [0, ""]
                    if (n, m.author) > (best[0], best[1]):
                        st["top_repeat"] = [n, m.author]
                last[m.author] = max(at, last.get(m.author, at))
        if st["first_complaint_at"] is None:
            st["first_complaint_at"] = at
    for cue in m.cues:
        st["cues"][cue] = st["cues"].get(cue, 0) + 1
    st["max_followers"] = max(st["max_followers"], m.followers)
    st["max_mention_score"] = max(st["max_mention_score"], round(m.score, 6))
    st["max_complaint"] = max(st["max_complaint"], round(m.complaint, 6))
    _remember_top(st, m, m.engagement)


def _remember_top(st: dict[str, Any], m: MentionFacts, engagement: int) -> None:
    top = st["top"]
    if len(top) >= MAX_TOP and not any(t["id"] == m.post_id and t["source"] == m.source for t in top):
        last = top[-1]
        if (-engagement, -round(m.score, 4)) > (-last["engagement"], -last["score"]):
            return  # it would sort after the last of a full list: nothing changes
    top = [t for t in top if not (t["source"] == m.source and t["id"] == m.post_id)]
    top.append({"source": m.source, "id": m.post_id, "url": m.url, "author": m.author,
                "text": m.text[:500], "engagement": engagement, "score": round(m.score, 4),
                "cues": list(m.cues), "at": format_timestamp(m.created_at)})
    top.sort(key=lambda t: (-t["engagement"], -t["score"], t["at"], t["id"]))
    st["top"] = top[:MAX_TOP]


def add_engagement(state: dict[str, Any], delta: int, at: datetime, *, snapshot: bool,
                   m: MentionFacts | None = None) -> None:
    """Record a change of total engagement (a new mention's first count, or a later snapshot)."""
    state["engagement"] = max(0, state["engagement"] + delta)
    if snapshot:
        state["snapshots"] += 1
    hist = state["history"]
    # Kept in time order (a late snapshot counts at the latest time known), so it can be bisected.
    stamp = max(at.timestamp(), hist[-1][0]) if hist else at.timestamp()
    if hist and hist[-1][0] == stamp:
        hist[-1][1] = state["engagement"]
    else:
        hist.append([stamp, state["engagement"]])
    if len(hist) > MAX_HISTORY:
        del hist[: len(hist) - MAX_HISTORY]
    if m is not None and snapshot:
        for t in state["top"]:
            if t["source"] == m.source and t["id"] == m.post_id:
                t["engagement"] = m.engagement
        if m.engagement > 0 and not m.by_brand:
            _remember_top(state, m, m.engagement)


def _engagement_at(state: dict[str, Any], t: float) -> float:
    """Total engagement at epoch ``t``, interpolated; zero at the incident's start."""
    start = float(state["start"])
    if t <= start:
        return 0.0
    hist = state["history"]
    # The first point at or after t ([t] sorts before every [t, engagement]; no key function to call).
    i = bisect.bisect_left(hist, [t])
    if i == len(hist):
        return float(hist[-1][1]) if hist else 0.0
    pt, pe = hist[i]
    prev_t, prev_e = (float(hist[i - 1][0]), float(hist[i - 1][1])) if i else (start, 0.0)
    span = pt - prev_t
    if span <= 0:
        return float(pe)
    return prev_e + (pe - prev_e) * (t - prev_t) / span


def _sat(x: float) -> float:
    return max(0.0, min(1.0, x))


def assess(state: dict[str, Any], now: datetime, base: Baseline, cfg: ScoringConfig, *,
           explain: bool = True) -> Assessment:
    """Incident score in [0, 1], the tier (with hysteresis) and, if ``explain``, the reasons in words.

    Drivers (many people, accelerating engagement, escalation cues, a complainant who keeps coming
    back, news pickup) say a story is growing; they combine as a noisy-or. Amplifiers (several
    platforms, no answer from the brand, a loud author) raise what the drivers found but cannot make
    an alert on their own. Reasons are put in words only when asked for: the pipeline assesses on
    every mention but reads the reasons only when it alerts or stores the incident.
    """
    reasons: list[tuple[float, Callable[[], str]]] = []
    raw = 1.0  # the noisy-or of the drivers: the chance that none of them is real

    def driver(weight: float, value: float, reason: Callable[[], str] | None) -> None:
        nonlocal raw
        p = _sat(weight * value)
        raw *= 1.0 - p
        if explain and reason and p >= 0.08:
            reasons.append((p, reason))

    # Many distinct people, judged against the brand's normal volume.
    scale = 1.0 + base.daily_mentions / 1000.0
    n_authors = state["n_authors"]
    eff_authors = n_authors / scale
    driver(0.6 * cfg.weight_mentions, math.log1p(max(0.0, eff_authors - 1)) / math.log1p(40),
           lambda: f"{n_authors} people posting about it" + (
               f" (brand's normal: {base.daily_mentions:,.0f} mentions a day)" if base.daily_mentions >= 100 else ""))

    # Engagement velocity and acceleration from successive snapshots, against typical engagement.
    t_now = now.timestamp()
    age_h = max((t_now - float(state["start"])) / 3600.0, 0.25)
    span_h = min(1.0, age_h)
    e_1h = _engagement_at(state, t_now - 3600)
    v_recent = (float(state["engagement"]) - e_1h) / span_h
    v_prev = (e_1h - _engagement_at(state, t_now - 7200)) if age_h > 1 else 0.0
    rel = v_recent / (base.typical_engagement + 5.0)
    accel = age_h > 1 and v_recent > 2 * max(v_prev, 1.0)
    driver(0.8 * cfg.weight_velocity,
           math.log1p(max(0.0, rel - 1)) / math.log1p(100) * (1.0 if accel or age_h <= 1 else 0.8),
           lambda: f"engagement {'accelerating, ' if accel else 'growing '}+{v_recent:,.0f}/h "
                   f"(typical post: {base.typical_engagement:,.0f})")

    # The strongest escalation cue.
    cues = state["cues"]
    if cues:
        family = max(cues, key=lambda c: (CUE_SEVERITY.get(c, 0.2), cues[c], c))
        driver(0.5 * cfg.weight_cues, CUE_SEVERITY.get(family, 0.2), lambda: "escalation: " + ", ".join(
            CUE_WORDS.get(c, c) for c in sorted(cues, key=lambda c: (-CUE_SEVERITY.get(c, 0.2), c))))

    # The same person complaining again and again (episodes, not posts).
    repeats, who = state.get("top_repeat") or (0, "")
    if repeats >= 2:
        driver(0.6 * cfg.weight_repeat, (repeats - 1) / 3.0, lambda: f"{who} has complained {repeats} times")
    if state["articles"]:
        driver(0.7, 1.0, lambda: "picked up by the news")
    driver(0.25, state["max_mention_score"], None)

    amplifier = 1.0
    sources = state["sources"]
    if len(sources) > 1:
        amplifier += 0.12 * min(2, len(sources) - 1)
        reasons.append((0.05, lambda: f"on {len(sources)} platforms: {', '.join(sources)}"))
    # A complaint left unanswered for hours weighs more (a brand reply never hides the rest).
    if state["first_complaint_at"] and not state["brand_replied_at"]:
        waited = t_now - float(state["first_complaint_at"])
        if waited >= cfg.unanswered_after:
            amplifier += 0.12 * cfg.weight_unanswered * min(1.0, waited / (cfg.unanswered_after * 3))
            reasons.append((0.04, lambda: f"no answer from the brand for {waited / 3600:.0f}h"))
    max_followers = state["max_followers"]
    if max_followers >= 10_000:
        amplifier += 0.1 * cfg.weight_reach * _sat(math.log10(max_followers) / 6.5)
        reasons.append((0.03, lambda: f"author with {max_followers:,} followers"))

    # Mostly praise or questions is not a complaint storm, however many people join in.
    share = state["complaints"] / max(1, state["mentions"])
    gate = 0.3 + 0.7 * _sat(state["max_complaint"]) * _sat(0.4 + share) if state["complaints"] else 0.3
    score = round(_sat((1.0 - raw) * amplifier) * gate, 4)
    # Critical means spreading: several people, the news, fast engagement, or a safety issue. One
    # customer's loud and repeated complaint is a warning for a human to act on, not yet a crisis.
    spreading = (eff_authors >= 3 or state["articles"] > 0 or rel >= 10 or "safety" in cues)
    if not spreading:
        score = min(score, round(cfg.critical - 0.01, 4))

    tier = _tier_with_hysteresis(state.get("tier", 0), score, cfg)
    evidence = (state["mentions"] + state["snapshots"]) >= cfg.min_mentions_first_alert
    if not explain:
        return Assessment(score, tier, (), evidence)
    words = sorted(((p, text()) for p, text in reasons), key=lambda x: (-x[0], x[1]))
    return Assessment(score, tier, tuple(r for _, r in words), evidence)


def _tier_with_hysteresis(current: int, score: float, cfg: ScoringConfig) -> Tier:
    # On plain ints (enum arithmetic is slow, and this runs for every mention).
    thresholds = (0.0, cfg.watch, cfg.warning, cfg.critical)  # indexed by tier
    tier = int(current)
    for t in (1, 2, 3):
        if score >= thresholds[t] and t > tier:
            tier = t
    while tier > 0 and score < thresholds[tier] - cfg.hysteresis:
        tier -= 1
    return _TIERS[tier]


_TIERS = tuple(Tier)
