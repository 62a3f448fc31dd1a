"""What the assessment measures of a story: its bursts of people, the brand's surge, its fastest post.

Pure functions of the incident state, the brand's pulse and the time; ``assessment.assess`` weighs them.
"""

from __future__ import annotations

import bisect
import math
from operator import itemgetter

from monitor.config.settings import ScoringConfig
from monitor.incidents.coefficients import BUCKET_REACH, BURST_WINDOWS, Baseline, K
from monitor.incidents.pulse import BUCKET, DAY, Pulse
from monitor.incidents.state import IncidentState

_ZEROS = (0, 0)
_COUNT = itemgetter(1)
_NO_PULSE = Pulse()


def sat(x: float) -> float:
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


def window_counts(buckets: list[list[float]] | None, t_now: float) -> tuple[int, ...]:
    """People in each of ``BURST_WINDOWS`` up to ``t_now`` (buckets are in time order: bisected)."""
    if not buckets:
        return _ZEROS
    hour = bisect.bisect_left(buckets, [t_now - BURST_WINDOWS[0]])
    since_three = bisect.bisect_left(buckets, [t_now - BURST_WINDOWS[1]], 0, hour)
    last_hour = int(sum(map(_COUNT, buckets[hour:])))
    return (last_hour, last_hour + int(sum(map(_COUNT, buckets[since_three:hour]))))


def arrivals_since(state: IncidentState, since: float) -> int:
    """People who joined the story at or after ``since`` (its ten-minute buckets, newest back)."""
    arrivals = state.get("arrivals") or ()
    total = 0.0
    for i in range(len(arrivals) - 1, -1, -1):
        t, n = arrivals[i]
        if t < since:
            break
        total += n
    return int(total)


def burst(state: IncidentState, t_now: float, base: Baseline, cfg: ScoringConfig) -> tuple[float, int, float]:
    """(value in [0, 1], people in the window, people expected) of the most surprising window.

    Expected: the share of the brand's mentions in the same window that one ordinary topic may draw,
    or, once the story has a history, the share it drew before (a topic that keeps drawing people at a
    steady rate is expected to go on doing so)."""
    best = (0.0, 0, 0.0)
    if state["n_authors"] < K.burst_min_people:
        return best  # most stories never have that many people at all
    counts = window_counts(state.get("arrivals"), t_now)
    if counts[-1] < K.burst_min_people:
        return best  # most stories: too few people lately for any window to count
    start = float(state["start"])
    at_start = state.get("brand_at_start")
    pulse = base.pulse or _NO_PULSE
    brand = window_counts(pulse.mentions, t_now - BUCKET_REACH)  # only now: most stories never get this far
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
        value = sat((surprise - K.burst_surprise_from) / (K.burst_surprise_full - K.burst_surprise_from))
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
    counts = window_counts(pulse.complainers, t_now - BUCKET_REACH)
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


def surge_burst(state: IncidentState, pulse: Pulse, t_now: float) -> tuple[float, int, float]:
    """(value in [0, 1], people, usual) for a surge's incident: the brand's surge, as far as this
    incident holds it. Complaints a story claims (its thread, link or number) go to that story, so a
    surge a story explains leaves its surge incident with few people, and quiet."""
    surprise, k, usual, window = surge_strength(pulse, t_now)
    own = arrivals_since(state, t_now - window) if window else 0
    if own < max(K.burst_min_people, K.surge_own_share * (k - usual)):
        return 0.0, k, usual
    return sat((surprise - K.burst_surprise_from) / K.surge_surprise_span), k, usual


def surging(pulse: Pulse, t_now: float) -> bool:
    """Whether many more people than usual complain about the brand right now."""
    return surge_strength(pulse, t_now)[0] >= K.surge_surprise


def backlash_strength(pulse: Pulse, t_now: float) -> tuple[float, int, float, float, float]:
    """How far the people against the brand right now are above its normal: (surprise as -log10 of
    the chance, people against it in the window, the same window at a busy ordinary hour, the
    window, their share of its mentions there), for the most surprising window.

    Normal is a busy hour of the brand's last week (``Pulse.normal``), not counting its stormy
    hours: volume and tone at once (a brand whose busy hours bring forty angry people is not in a
    backlash at fifty). A backlash is several times that, counts enough people, and is as sour as
    the brand's usual talk or a quarter sour, whichever is less (a wave of praise brings a few sour
    posts along, a smaller share than usual)."""
    best = (0.0, 0, 0.0, 0.0, 0.0)
    if pulse.recent_against < K.backlash_min_people:
        return best
    counts = window_counts(pulse.against, t_now - BUCKET_REACH)
    if counts[-1] < K.backlash_min_people:
        return best
    said = window_counts(pulse.mentions, t_now - BUCKET_REACH)
    for window, k, n in zip(BURST_WINDOWS, counts, said, strict=True):
        if k < K.backlash_min_people:
            continue
        normal = pulse.normal(t_now - window, K.backlash_history)
        if normal is None:
            continue
        busy, share = normal
        if k < min(K.backlash_share, share) * n:
            continue  # its tone is lighter than the brand's usual: a wave of praise, a launch
        usual = max(1.0, busy) * window / 3600.0
        if k < K.backlash_ratio * usual:
            continue
        surprise = poisson_surprise(k, usual)
        if surprise > best[0]:
            best = (surprise, k, usual, window, k / max(1, n))
    return best


def backlashing(pulse: Pulse, t_now: float) -> bool:
    """Whether many more people than in a busy ordinary hour of the brand are against it right now."""
    return backlash_strength(pulse, t_now)[0] >= K.surge_surprise


WAVE_WINDOWS = (*BURST_WINDOWS, DAY)  # a release's wave may take all day to come in


def wave_strength(pulse: Pulse, t_now: float) -> tuple[float, int, float, float, tuple[float, float]]:
    """How far the brand's one- and two-star reviews right now are above their usual rate: (surprise as
    -log10 of the chance, low reviews in the window, the window's usual, the window, (low reviews a
    day, reviews a day) as usual), for the most surprising window of an hour, three or a day. Usual
    is the last two weeks' average, never less than a floor (an app that almost never gets a low one),
    and within a day with slack for reviews coming by day; a wave is several times that and counts
    enough reviews."""
    best: tuple[float, int, float, float, tuple[float, float]] = (0.0, 0, 0.0, 0.0, (0.0, 0.0))
    buckets = pulse.low_reviews
    if sum(n for t, n in buckets if t >= t_now - BUCKET_REACH - DAY) < K.wave_min_reviews:
        return best
    daily = pulse.usual_reviews(t_now, K.wave_history)
    if daily is None:
        return best
    for window in WAVE_WINDOWS:
        since = t_now - BUCKET_REACH - window  # as window_counts: a bucket counts if the window reaches into it
        k = int(sum(n for t, n in buckets[bisect.bisect_left(buckets, [since]):]))
        if k < K.wave_min_reviews:
            continue
        usual = max(daily[0], K.wave_floor) * window / DAY * (K.wave_slack if window < DAY else 1.0)
        if k < K.wave_ratio * usual:
            continue
        surprise = poisson_surprise(k, usual)
        if surprise > best[0]:
            best = (surprise, k, usual, window, daily)
    return best


def reviewing(pulse: Pulse, t_now: float) -> bool:
    """Whether the brand gets many more low ratings than usual right now."""
    return wave_strength(pulse, t_now)[0] >= K.surge_surprise


def storm_burst(state: IncidentState, pulse: Pulse, t_now: float) -> tuple[float, int, float, str]:
    """(value in [0, 1], people, usual, kind) for a storm's incident (``state["surge"]``): the strongest of
    the brand's surge of complaints, its review wave and its backlash, as far as this incident holds it. Posts a story
    claims (its thread, link or number) go to that story, so a storm a story explains leaves its storm
    incident with few people, and quiet."""
    value, k, usual = surge_burst(state, pulse, t_now)
    kind = "surge"
    if pulse.review_days:
        w_surprise, w_k, w_usual, w_window, _ = wave_strength(pulse, t_now)
        if w_window and _holds(state, pulse.low_reviews, t_now, w_window, w_usual, K.wave_own_min):
            w_value = sat((w_surprise - K.burst_surprise_from) / K.surge_surprise_span)
            if (w_value, w_k) > (value, k):
                value, k, usual, kind = w_value, w_k, w_usual, "reviews"
    surprise, b_k, b_usual, window, _ = backlash_strength(pulse, t_now)
    if window:
        # As far as it holds the people against the brand since it could: an incident opened when
        # the backlash was recognised cannot hold the posts that came before.
        if _holds(state, pulse.against, t_now, window, b_usual):
            b_value = sat((surprise - K.burst_surprise_from) / K.surge_surprise_span)
            if (b_value, b_k) > (value, k):
                return b_value, b_k, b_usual, "backlash"
    return value, k, usual, kind


def _holds(state: IncidentState, buckets: list[list[float]], t_now: float, window: float, usual: float,
           least: int = K.burst_min_people) -> bool:
    """Whether a storm's incident holds the storm's people (``buckets``: the brand's, in the window), as
    far as it could: an incident opened when the storm was recognised cannot hold the posts before.
    It holds ``least`` of them at least."""
    since = max(t_now - window, float(state["start"]) - float(state["start"]) % BUCKET)
    own = arrivals_since(state, since)
    k_since = sum(n for t, n in buckets if t >= since)
    return own >= max(least, K.surge_own_share * (k_since - usual * (t_now - since) / window))


def fastest_post(state: IncidentState, t_now: float, matters: float) -> tuple[float, float, float]:
    """(engagement gained per hour in the last hour, in the hour before, hours spanned) by the
    fastest-growing of the story's followed posts; the whole story's sum where posts are not followed
    (an incident stored before they were). Zeros when no post gained ``matters`` per hour at most."""
    posts = state.get("post_engagement")
    if posts is None:
        age_h = max((t_now - float(state["start"])) / 3600.0, 0.25)
        span_h = min(1.0, age_h)
        e_1h = engagement_at(state, t_now - 3600)
        v_prev = (e_1h - engagement_at(state, t_now - 7200)) if age_h > 1 else 0.0
        return (float(state["engagement"]) - e_1h) / span_h, v_prev, span_h
    best = (0.0, 0.0, 0.0)
    if state.get("post_gain", 0) * 4 <= matters:
        return best  # no post ever gained that much, even in a quarter of an hour
    for hist in posts.values():
        first = float(hist[0][0])
        span_h = max(min(1.0, (t_now - first) / 3600.0), 0.25)
        now_e = float(hist[-1][1])
        e_1h = point_at(hist, t_now - 3600)
        v = (now_e - e_1h) / span_h
        if v > best[0]:
            best = (v, e_1h - point_at(hist, t_now - 7200), span_h)
    return best


def point_at(hist: list[list[float]], t: float) -> float:
    """A post's engagement at epoch ``t`` from its snapshots, interpolated (its first count before them)."""
    i = bisect.bisect_left(hist, [t])
    if i == len(hist):
        return float(hist[-1][1])
    if i == 0:  # before its first snapshot: as first seen (an old post's engagement did not come from nothing)
        return float(hist[0][1])
    (t0, e0), (t1, e1) = hist[i - 1], hist[i]
    return float(e0) + (float(e1) - float(e0)) * (t - t0) / (t1 - t0) if t1 > t0 else float(e1)


def engagement_at(state: IncidentState, t: float) -> float:
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
