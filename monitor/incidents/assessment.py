"""How alarming an incident is: its score, its tier (with hysteresis) and the reasons, in words.

Everything is measured against the brand's own normal (``Baseline``), because what is ordinary for a
brand with 3,000 mentions a day (a customer's third tweet, a dozen people posting the same mild
complaint, a post with a hundred likes) is news for a brand with 50. Drivers say a story is growing:

- **burst**: people joining the story in the last hour or three, against what the story itself drew
  before and against a share of the brand's whole traffic; a Poisson tail says how surprising the
  count is. A topic that keeps drawing people at a steady rate (accumulation over days) is not a burst.
- **velocity**: engagement gained in the last hour, against the engagement of the brand's typical post.
- **cues**: the most severe escalation cue (safety, media, legal, ...) weighted by how much of the
  story carries it (one incidental mention of "the news" in fifty posts is not a media story).
- **repeat**: one customer complaining again and again (episodes, not posts).
- **news**: the story is in a news article.

They combine as a noisy-or. Amplifiers (several platforms, no answer from a brand that normally
answers in public, a loud author) raise what the drivers found but cannot alert on their own. Two
gates keep ordinary things quiet: a story of mostly praise or questions stays low whatever its size,
and one customer's story (no burst of other people) stays at watch unless it carries at least two of
what made the seed stories dangerous (repetition, another platform, a letter to executives or the
media, lawyers or a regulator, safety, reach) or is itself going viral. Critical means spreading.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

from monitor.config.settings import ScoringConfig
from monitor.incidents.pulse import Pulse
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
# What turns one customer's complaint into a story a human must see (the seed stories' escalations).
DANGEROUS_CUES = frozenset({"media", "legal", "regulator", "executive"})

BURST_WINDOWS = (3600.0, 3 * 3600.0)  # people joining in the last hour, and in the last three
_ZEROS = (0, 0)
_COUNT = itemgetter(1)
ARRIVAL_BUCKET = 600.0  # arrivals are counted in ten-minute buckets, kept for the longest window


@dataclass(frozen=True, slots=True)
class Coefficients:
    """The assessment's constants, by name. ``ScoringConfig`` weights multiply the drivers' weights."""

    burst_weight: float = 0.9
    burst_min_people: int = 5  # fewer people in a window is never a burst, however quiet the brand
    burst_ratio: float = 3.0  # nor are fewer than this many times the people expected
    burst_surprise_from: float = 3.0  # -log10 of the Poisson tail where a burst starts to count ...
    burst_surprise_full: float = 9.0  # ... and where it counts fully
    own_history_min: float = 2 * 3600.0  # a story's own earlier rate is trusted once it spans this long
    velocity_weight: float = 0.8
    velocity_from: float = 10.0  # engagement per hour, in typical posts, where velocity starts to count
    velocity_decades: float = 2.0  # ... and how many tenfolds above that it takes to count fully
    velocity_floor: float = 5.0  # added to the typical post's engagement (brands whose posts get none)
    cue_weight: float = 0.5
    cue_prevalence: float = 0.15  # a cue carried by this share of the story's posts counts fully
    repeat_weight: float = 0.6
    news_weight: float = 0.7
    mention_weight: float = 0.25  # the strongest single mention's own score
    platform_step: float = 0.12
    unanswered_step: float = 0.12
    answers_normally: float = 0.1  # brand replies per complaint above which silence means something
    reach_step: float = 0.1
    reach_followers: int = 10_000
    praise_floor: float = 0.3  # the gate of a story with no complaints in it
    complaint_share_full: float = 0.5  # complaints among its posts for a story to pass the gate fully
    complaint_from: float = 0.3  # complaint probability of the story's strongest complaint where the gate opens ...
    complaint_sure: float = 0.7  # ... and where it is fully open
    viral: float = 0.5  # velocity value at which one post is itself spreading
    massive_people: int = 100  # a burst this large (and ten times the expected) is critical on one platform
    massive_ratio: float = 10.0
    spreading_burst: float = 0.5  # burst value that counts as spreading (for critical)
    own_history_mentions: int = 30  # brand mentions a story must have lived through to have a rate
    surge_min_people: int = 20  # different people complaining within a window, at least, for a surge
    surge_surprise_span: float = 3.0  # a brand's surge counts fully this far above where bursts start
    surge_surprise: float = 6.0  # -log10 chance of that many complaints on an ordinary day
    surge_slack: float = 1.2  # a weekday against the week's average, for the hour-of-day profile
    surge_ratio: float = 4.0  # at least this many times the usual complaints
    surge_own_share: float = 0.5  # of the complaints above the usual, the surge incident must hold this share
    one_customer_share: float = 0.5  # complaints a story's main complainant wrote, for it to be theirs
    positive: float = 0.5  # sentiment above which a post is not counted as a complaint, whatever the model says


K = Coefficients()
_NO_PULSE = Pulse()
BUCKET_REACH = 600.0 - 1e-6  # a pulse bucket counts in a window it reaches into (monitor/incidents/pulse.py)


@dataclass(frozen=True)
class Baseline:
    """The brand's normal and its last hours.

    From its stored days: mentions a day, the engagement of a typical mention, and how often the brand
    answers complaints in public (0 when it never does).
    From its pulse: mentions in the last hours, and its running count of mentions (an incident
    remembers it at its start)."""

    daily_mentions: float
    typical_engagement: float
    answer_rate: float = 0.0
    pulse: Pulse | None = None  # the brand's last hours (monitor/incidents/pulse.py), as they stand now


@dataclass(frozen=True, slots=True)
class Assessment:
    score: float
    tier: Tier
    reasons: tuple[str, ...]
    evidence: bool


def _sat(x: float) -> float:
    return max(0.0, min(1.0, x))


def poisson_surprise(k: int, lam: float) -> float:
    """-log10 P(X >= k) for X ~ Poisson(lam): how surprising ``k`` arrivals are where ``lam`` were expected."""
    if k <= 0:
        return 0.0
    if lam <= 0:
        return 30.0
    # P(X >= k) = 1 - sum_{i<k} pmf(i); summed from the top term down in log space for large k.
    log_pmf = -lam + k * math.log(lam) - math.lgamma(k + 1)
    term, total = 1.0, 1.0  # the tail relative to pmf(k): 1 + lam/(k+1) + lam^2/((k+1)(k+2)) + ...
    i = k
    while term > 1e-12 * total and i < k + 1000:
        i += 1
        term *= lam / i
        total += term
    log_tail = log_pmf + math.log(total)
    if log_tail >= 0:
        return 0.0
    return min(30.0, -log_tail / math.log(10))


def _window_counts(buckets: list[list[float]] | None, t_now: float) -> tuple[int, ...]:
    """People in each of ``BURST_WINDOWS`` up to ``t_now`` (buckets are in time order: bisected)."""
    if not buckets:
        return _ZEROS
    hour = bisect.bisect_left(buckets, [t_now - BURST_WINDOWS[0]])
    since_three = bisect.bisect_left(buckets, [t_now - BURST_WINDOWS[1]], 0, hour)
    last_hour = int(sum(map(_COUNT, buckets[hour:])))
    return (last_hour, last_hour + int(sum(map(_COUNT, buckets[since_three:hour]))))


def arrivals_since(state: dict[str, Any], since: float) -> int:
    """People who joined the story at or after ``since`` (its ten-minute buckets, newest back)."""
    arrivals = state.get("arrivals") or ()
    total = 0
    for i in range(len(arrivals) - 1, -1, -1):
        t, n = arrivals[i]
        if t < since:
            break
        total += n
    return int(total)


def assess(state: dict[str, Any], now: datetime, base: Baseline, cfg: ScoringConfig, *,
           explain: bool = True) -> Assessment:
    """Incident score in [0, 1], the tier (with hysteresis) and, if ``explain``, the reasons in words.

    The pipeline assesses on every mention but reads the reasons only when it alerts or stores the
    incident, so they are put in words only when asked for.
    """
    reasons: list[tuple[float, Callable[[], str]]] = []
    raw = 1.0  # the noisy-or of the drivers: the chance that none of them is real

    def driver(weight: float, value: float, reason: Callable[[], str] | None) -> float:
        nonlocal raw
        p = _sat(weight * value)
        raw *= 1.0 - p
        if explain and reason and p >= 0.08:
            reasons.append((p, reason))
        return p

    t_now = now.timestamp()
    n_authors = state["n_authors"]

    # People joining in a burst, against the story's own earlier rate and the brand's traffic.
    if state.get("surge") and base.pulse is not None:
        # The brand's surge: the people it gathered (complaints no story claims) against all the
        # complaints this time of day usually brings. A surge that a story explains gathers few.
        b_value, b_people, b_expected = _surge_burst(state, base.pulse, t_now)
        driver(K.burst_weight * cfg.weight_mentions, b_value,
               lambda: f"{b_people} people complaining about the brand in the last hours, many in their own words "
                       f"(usually about {b_expected:,.0f} at this time)")
    else:
        b_value, b_people, b_expected = _burst(state, t_now, base, cfg)
        driver(K.burst_weight * cfg.weight_mentions, b_value,
               lambda: f"{b_people} people posting about it in the last hours (about {b_expected:,.1f} expected; "
                       f"{n_authors} in all; brand's normal: {base.daily_mentions:,.0f} mentions a day)")

    # Engagement velocity and acceleration of the story's fastest post, from successive snapshots,
    # against the brand's typical post. The fastest post, not the sum: a topic of hundreds of posts
    # each gaining a few likes is not a post going viral.
    age_h = max((t_now - float(state["start"])) / 3600.0, 0.25)
    v_recent, v_prev, span_h = _fastest_post(state, t_now, K.velocity_from * (base.typical_engagement + K.velocity_floor))
    rel = v_recent / (base.typical_engagement + K.velocity_floor)
    accel = span_h >= 1 and age_h > 1 and v_recent > 2 * max(v_prev, 1.0)
    v_value = _sat(math.log10(max(rel, 1e-9) / K.velocity_from) / K.velocity_decades) if rel > K.velocity_from else 0.0
    driver(K.velocity_weight * cfg.weight_velocity, v_value * (1.0 if accel or age_h <= 1 else 0.8),
           lambda: f"a post's engagement {'accelerating, ' if accel else 'growing '}+{v_recent:,.0f}/h "
                   f"(typical post: {base.typical_engagement:,.0f})")

    # The strongest escalation cue, as much as the story is about it.
    cues = state["cues"]
    mentions = max(1, state["mentions"])
    if cues:
        def strength(c: str) -> float:
            return CUE_SEVERITY.get(c, 0.2) * _sat(cues[c] / max(1.0, K.cue_prevalence * mentions))

        family = max(cues, key=lambda c: (strength(c), cues[c], c))
        driver(K.cue_weight * cfg.weight_cues, strength(family), lambda: "escalation: " + ", ".join(
            CUE_WORDS.get(c, c) for c in sorted(cues, key=lambda c: (-CUE_SEVERITY.get(c, 0.2), c))))

    # The same person complaining again and again (episodes, not posts).
    repeats, who = state.get("top_repeat") or (0, "")
    if repeats >= 2:
        driver(K.repeat_weight * cfg.weight_repeat, (repeats - 1) / 3.0, lambda: f"{who} has complained {repeats} times")
    if state["articles"]:
        driver(K.news_weight, 1.0, lambda: "picked up by the news")
    driver(K.mention_weight, state["max_mention_score"], None)

    amplifier = 1.0
    sources = state["sources"]
    if len(sources) > 1:
        amplifier += K.platform_step * min(2, len(sources) - 1)
        reasons.append((0.05, lambda: f"on {len(sources)} platforms: {', '.join(sources)}"))
    # A complaint left unanswered weighs more, where the brand normally answers in public; a brand
    # that never replies on these platforms says nothing by not replying to this one.
    if state["first_complaint_at"] and not state["brand_replied_at"] and base.answer_rate >= K.answers_normally:
        waited = t_now - float(state["first_complaint_at"])
        if waited >= cfg.unanswered_after:
            amplifier += K.unanswered_step * cfg.weight_unanswered * min(1.0, waited / (cfg.unanswered_after * 3))
            reasons.append((0.04, lambda: f"no answer from the brand for {waited / 3600:.0f}h "
                                          f"(it answers {base.answer_rate:.0%} of complaints)"))
    max_followers = state["max_followers"]
    if max_followers >= K.reach_followers:
        amplifier += K.reach_step * cfg.weight_reach * _sat(math.log10(max_followers) / 6.5)
        reasons.append((0.03, lambda: f"author with {max_followers:,} followers"))

    # Mostly praise or questions is not a complaint storm, however many people join in.
    share = state["complaints"] / mentions
    gate = K.praise_floor
    if state["complaints"]:
        # The model's probability is how sure it is that a post is a complaint, not how bad the
        # complaint is: a calibrated model says 0.7 of many plain complaints. Sure enough counts fully.
        sure = _sat((state["max_complaint"] - K.complaint_from) / (K.complaint_sure - K.complaint_from))
        gate += (1 - K.praise_floor) * sure * _sat(share / K.complaint_share_full)
    score = round(_sat((1.0 - raw) * amplifier) * gate, 4)

    tied = state.get("tied_sources") or ()  # platforms on which the story itself is told (thread, link, number)

    # Without a burst of people or a post going viral, a story is one customer's or nobody's. One
    # customer's story (they wrote most of its complaints) needs a human when it carries two of what
    # made the seed stories dangerous: repetition (episodes, or their own word that they keep calling),
    # another platform, a letter to executives or the media, lawyers or a regulator, a safety issue,
    # reach. A slow topic that many people mention now and then (a regular among them repeating
    # himself) needs none, unless the news has it.
    if b_value <= 0 and v_value < K.viral and not state["articles"]:
        own = repeats >= 2 and repeats / max(1, state["complaints"]) >= K.one_customer_share
        if not own:
            score = min(score, round(cfg.warning - 0.01, 4))
        else:
            danger_cues = DANGEROUS_CUES & cues.keys()
            dangers = [
                (repeats >= 3 or (cues.get("repeat_contact", 0) > 0 and state["complaints"] >= 2),
                 lambda: "complaining again and again"),
                (len(tied) > 1, lambda: f"the same story on {len(tied)} platforms"),
                (bool(danger_cues), lambda: " and ".join(CUE_WORDS[c] for c in sorted(danger_cues))),
                ("safety" in cues, lambda: "a safety issue"),
                (max_followers >= K.reach_followers or v_value > 0, lambda: "reach"),
            ]
            found = [words for hit, words in dangers if hit]
            if len(found) >= 2:
                score = max(score, cfg.warning)
                reasons.append((1.0, lambda: "one customer's complaint escalating: " + ", ".join(w() for w in found)))
            else:
                score = min(score, round(cfg.warning - 0.01, 4))
    # Critical means spreading beyond one crowd in one place: two of a burst of people, a post going
    # viral, the news, the story told on another platform (by its thread, link or number, not merely
    # worded alike there). One platform's burst alone is a warning, unless it is massive.
    crowded = (b_value >= K.spreading_burst or (state["articles"] > 0 and n_authors >= 3)
               or (v_value >= K.viral and n_authors >= 3))
    spread = [b_value >= K.spreading_burst, v_value >= K.viral, state["articles"] > 0, len(tied) > 1]
    massive = b_people >= K.massive_people and b_people >= K.massive_ratio * max(b_expected, 1.0)
    if not (crowded and (sum(spread) >= 2 or massive)):
        score = min(score, round(cfg.critical - 0.01, 4))

    tier = _tier_with_hysteresis(state.get("tier", 0), score, cfg)
    evidence = (state["mentions"] + state["snapshots"]) >= cfg.min_mentions_first_alert
    if not explain:
        return Assessment(score, tier, (), evidence)
    words = sorted(((p, text()) for p, text in reasons), key=lambda x: (-x[0], x[1]))
    return Assessment(score, tier, tuple(r for _, r in words), evidence)


def _burst(state: dict[str, Any], t_now: float, base: Baseline, cfg: ScoringConfig) -> tuple[float, int, float]:
    """(value in [0, 1], people in the window, people expected) of the most surprising window.

    Expected: the share of the brand's mentions in the same window that one ordinary topic may draw,
    or, once the story has a history, the share it drew before (a topic that keeps drawing people at a
    steady rate is expected to go on doing so)."""
    best = (0.0, 0, 0.0)
    if state["n_authors"] < K.burst_min_people:
        return best  # most stories never have that many people at all
    counts = _window_counts(state.get("arrivals"), t_now)
    if counts[-1] < K.burst_min_people:
        return best  # most stories: too few people lately for any window to count
    start = float(state["start"])
    at_start = state.get("brand_at_start")
    pulse = base.pulse or _NO_PULSE
    brand = _window_counts(pulse.mentions, t_now - BUCKET_REACH)  # only now: most stories never get this far
    for window, k, brand_now in zip(BURST_WINDOWS, counts, brand, strict=True):
        since = t_now - window
        if k < K.burst_min_people:
            continue
        expected = cfg.burst_share * brand_now
        if k < K.burst_ratio * max(expected, 0.5):
            continue  # not even several times a topic's share: no need to look at its history
        if at_start is not None and since - start >= K.own_history_min:
            # The share of the brand's traffic the story drew before this window: over its last day
            # (a topic whose share keeps growing is judged on its recent share), else its whole life.
            brand_before, authors_before = pulse.total - brand_now, state["n_authors"] - k
            ref_brand, ref_authors = int(at_start), 0
            for t, total, authors in state.get("checkpoints") or ():
                if since - 86400 <= t <= since - K.own_history_min:
                    ref_brand, ref_authors = int(total), int(authors)
                    break
            lived = brand_before - ref_brand
            if lived >= K.own_history_mentions:
                expected = max(expected, (authors_before - ref_authors) / lived * brand_now)
        expected = max(expected, 0.5)
        if k < K.burst_ratio * expected:  # real traffic is burstier than chance: a burst is several times the usual
            continue
        surprise = poisson_surprise(k, expected)
        value = _sat((surprise - K.burst_surprise_from) / (K.burst_surprise_full - K.burst_surprise_from))
        if (value, k) > (best[0], best[1]):
            best = (value, k, expected)
    return best


def surge_strength(pulse: Pulse, t_now: float) -> tuple[float, int, float, float]:
    """How far the brand's complaints right now are above its normal: (surprise as -log10 of the
    chance, people complaining in the window, people usual there, the window), for the most
    surprising window.

    Normal is the brand's own rhythm: the complaining people this time of day brings (its hour-of-day
    profile), with slack for a busy weekday. Real traffic is burstier than chance, so a surge must also
    be several times the usual and count enough people; until the rhythm is known (two days) there is
    no surge, only the stories' own bursts."""
    best = (0.0, 0, 0.0, 0.0)
    if pulse.recent_complainers < K.surge_min_people or not pulse.knows_rhythm():
        return best  # too few complaining within the pulse's whole horizon, or no rhythm known yet
    # (The pulse's buckets start where a bucket reaching past the window's start would.)
    counts = _window_counts(pulse.complainers, t_now - BUCKET_REACH)
    if counts[-1] < K.surge_min_people:
        return best
    for window, k in zip(BURST_WINDOWS, counts, strict=True):
        if k < K.surge_min_people:
            continue
        profile = pulse.usual(t_now, window)
        if profile is None or k < K.surge_ratio * profile:
            continue
        usual = profile * K.surge_slack
        surprise = poisson_surprise(k, max(1.0, usual))
        if surprise > best[0]:
            best = (surprise, k, usual, window)
    return best


def _surge_burst(state: dict[str, Any], pulse: Pulse, t_now: float) -> tuple[float, int, float]:
    """(value in [0, 1], people, usual) for a surge's incident: the brand's surge, as far as this
    incident holds it. Complaints a story claims (its thread, link or number) go to that story, so a
    surge a story explains leaves its surge incident with few people, and quiet."""
    surprise, k, usual, window = surge_strength(pulse, t_now)
    own = arrivals_since(state, t_now - window) if window else 0
    if own < max(K.burst_min_people, K.surge_own_share * (k - usual)):
        return 0.0, k, usual
    return _sat((surprise - K.burst_surprise_from) / K.surge_surprise_span), k, usual


def surging(pulse: Pulse, t_now: float) -> bool:
    """Whether many more people than usual complain about the brand right now."""
    return surge_strength(pulse, t_now)[0] >= K.surge_surprise


def _fastest_post(state: dict[str, Any], t_now: float, matters: float) -> tuple[float, float, float]:
    """(engagement gained per hour in the last hour, in the hour before, hours spanned) by the
    fastest-growing of the story's followed posts; the whole story's sum where posts are not followed
    (an incident stored before they were). Zeros when no post gained ``matters`` per hour at most."""
    posts = state.get("post_engagement")
    if posts is None:
        age_h = max((t_now - float(state["start"])) / 3600.0, 0.25)
        span_h = min(1.0, age_h)
        e_1h = _engagement_at(state, t_now - 3600)
        v_prev = (e_1h - _engagement_at(state, t_now - 7200)) if age_h > 1 else 0.0
        return (float(state["engagement"]) - e_1h) / span_h, v_prev, span_h
    best = (0.0, 0.0, 0.0)
    if state.get("post_gain", 0) * 4 <= matters:
        return best  # no post ever gained that much, even in a quarter of an hour
    for hist in posts.values():
        first = float(hist[0][0])
        span_h = max(min(1.0, (t_now - first) / 3600.0), 0.25)
        now_e = float(hist[-1][1])
        e_1h = _point_at(hist, t_now - 3600)
        v = (now_e - e_1h) / span_h
        if v > best[0]:
            best = (v, e_1h - _point_at(hist, t_now - 7200), span_h)
    return best


def _point_at(hist: list[list[float]], t: float) -> float:
    """A post's engagement at epoch ``t`` from its snapshots, interpolated (its first count before them)."""
    i = bisect.bisect_left(hist, [t])
    if i == len(hist):
        return float(hist[-1][1])
    if i == 0:  # before its first snapshot: as first seen (an old post's engagement did not come from nothing)
        return float(hist[0][1])
    (t0, e0), (t1, e1) = hist[i - 1], hist[i]
    return float(e0) + (float(e1) - float(e0)) * (t - t0) / (t1 - t0) if t1 > t0 else float(e1)


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
