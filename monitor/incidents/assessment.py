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

import math
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from monitor.config.settings import ScoringConfig
from monitor.incidents.coefficients import CUE_SEVERITY, CUE_WORDS, DANGEROUS_CUES, Assessment, Baseline, K
from monitor.incidents.drivers import backlash_strength, burst, fastest_post, sat, storm_burst, wave_strength
from monitor.incidents.state import IncidentState
from monitor.models import Tier


def assess(state: IncidentState, now: datetime, base: Baseline, cfg: ScoringConfig, *,
           explain: bool = True) -> Assessment:
    """Incident score in [0, 1], the tier (with hysteresis) and, if ``explain``, the reasons in words.

    The pipeline assesses on every mention but reads the reasons only when it alerts or stores the
    incident, so they are put in words only when asked for.
    """
    drivers = _Drivers(explain)
    t_now = now.timestamp()
    burst_ = _burst_driver(state, base, cfg, t_now, drivers)
    v_value = _velocity_driver(state, base, cfg, t_now, drivers)
    _cue_driver(state, cfg, drivers)
    # The same person complaining again and again (episodes, not posts).
    repeats, who = state.get("top_repeat") or (0, "")
    if repeats >= 2:
        drivers.add(K.repeat_weight * cfg.weight_repeat, (repeats - 1) / 3.0,
                    lambda: f"{who} has complained {repeats} times")
    if state["articles"]:
        drivers.add(K.news_weight, 1.0, lambda: "picked up by the news")
    drivers.add(K.mention_weight, state["max_mention_score"], None)

    amplifier = _amplifier(state, base, cfg, t_now, drivers.reasons)
    score = round(sat((1.0 - drivers.none_real) * amplifier) * _gate(state, burst_.backlash), 4)

    # Without a burst of people or a post going viral, a story is one customer's or nobody's.
    if burst_.value <= 0 and v_value < K.viral and not state["articles"]:
        score = _one_customers_story(state, score, repeats, v_value, cfg, drivers.reasons)
    score = _critical_only_if_spreading(state, score, burst_, v_value, cfg)

    tier = _tier_with_hysteresis(state.get("tier", 0), score, cfg)
    evidence = (state["mentions"] + state["snapshots"]) >= cfg.min_mentions_first_alert
    if not explain:
        return Assessment(score, tier, (), evidence)
    words = sorted(((p, text()) for p, text in drivers.reasons), key=lambda x: (-x[0], x[1]))
    return Assessment(score, tier, tuple(r for _, r in words), evidence)


class _Drivers:
    """The drivers as they are found: their noisy-or, and the reasons worth putting in words."""

    __slots__ = ("explain", "none_real", "reasons")

    def __init__(self, explain: bool) -> None:
        self.explain = explain
        self.none_real = 1.0  # the noisy-or of the drivers: the chance that none of them is real
        self.reasons: list[tuple[float, Callable[[], str]]] = []

    def add(self, weight: float, value: float, reason: Callable[[], str] | None) -> float:
        p = sat(weight * value)
        self.none_real *= 1.0 - p
        if self.explain and reason and p >= 0.08:
            self.reasons.append((p, reason))
        return p


class _Burst(NamedTuple):
    value: float
    people: int
    expected: float
    backlash: bool


def _burst_driver(state: IncidentState, base: Baseline, cfg: ScoringConfig, t_now: float,
                  drivers: _Drivers) -> _Burst:
    """People joining in a burst, against the story's own earlier rate and the brand's traffic."""
    if state.get("surge") and base.pulse is not None:
        # The brand's storm: a surge of complaints (the people it gathered, complaints no story claims,
        # against all the complaints this time of day usually brings) or a backlash (people against
        # the brand, complaining or not, against a busy ordinary hour of its week). A storm that a story
        # explains gathers few.
        b_value, b_people, b_expected, kind = storm_burst(state, base.pulse, t_now)
        backlash = kind == "backlash"
        if backlash:
            drivers.add(K.burst_weight * cfg.weight_mentions, b_value, lambda: _backlash_words(state, base, t_now))
        elif kind == "reviews":
            drivers.add(K.burst_weight * cfg.weight_mentions, b_value, lambda: _wave_words(state, base, t_now))
        else:
            drivers.add(K.burst_weight * cfg.weight_mentions, b_value,
                        lambda: f"{b_people} people complaining about the brand in the last hours, many in their "
                                f"own words (usually about {b_expected:,.0f} at this time)")
        return _Burst(b_value, b_people, b_expected, backlash)
    n_authors = state["n_authors"]
    b_value, b_people, b_expected = burst(state, t_now, base, cfg)
    drivers.add(K.burst_weight * cfg.weight_mentions, b_value,
                lambda: f"{b_people} people posting about it in the last hours (about {b_expected:,.1f} expected; "
                        f"{n_authors} in all; brand's normal: {base.daily_mentions:,.0f} mentions a day)")
    return _Burst(b_value, b_people, b_expected, False)


def _velocity_driver(state: IncidentState, base: Baseline, cfg: ScoringConfig, t_now: float,
                     drivers: _Drivers) -> float:
    """Engagement velocity and acceleration of the story's fastest post, from successive snapshots,
    against the brand's typical post. The fastest post, not the sum: a topic of hundreds of posts
    each gaining a few likes is not a post going viral. Returns the velocity's value."""
    age_h = max((t_now - float(state["start"])) / 3600.0, 0.25)
    v_recent, v_prev, span_h = fastest_post(state, t_now, K.velocity_from * (base.typical_engagement + K.velocity_floor))
    rel = v_recent / (base.typical_engagement + K.velocity_floor)
    accel = span_h >= 1 and age_h > 1 and v_recent > 2 * max(v_prev, 1.0)
    v_value = sat(math.log10(max(rel, 1e-9) / K.velocity_from) / K.velocity_decades) if rel > K.velocity_from else 0.0
    drivers.add(K.velocity_weight * cfg.weight_velocity, v_value * (1.0 if accel or age_h <= 1 else 0.8),
                lambda: f"a post's engagement {'accelerating, ' if accel else 'growing '}+{v_recent:,.0f}/h "
                        f"(typical post: {base.typical_engagement:,.0f})")
    return v_value


def _cue_driver(state: IncidentState, cfg: ScoringConfig, drivers: _Drivers) -> None:
    """The strongest escalation cue, as much as the story is about it."""
    cues = state["cues"]
    if not cues:
        return
    mentions = max(1, state["mentions"])

    def strength(c: str) -> float:
        return CUE_SEVERITY.get(c, 0.2) * sat(cues[c] / max(1.0, K.cue_prevalence * mentions))

    family = max(cues, key=lambda c: (strength(c), cues[c], c))
    drivers.add(K.cue_weight * cfg.weight_cues, strength(family), lambda: "escalation: " + ", ".join(
        CUE_WORDS.get(c, c) for c in sorted(cues, key=lambda c: (-CUE_SEVERITY.get(c, 0.2), c))))


def _amplifier(state: IncidentState, base: Baseline, cfg: ScoringConfig, t_now: float,
               reasons: list[tuple[float, Callable[[], str]]]) -> float:
    """What raises the drivers' findings without alerting on its own: several platforms, no answer from
    a brand that normally answers, a loud author."""
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
        amplifier += K.reach_step * cfg.weight_reach * sat(math.log10(max_followers) / 6.5)
        reasons.append((0.03, lambda: f"author with {max_followers:,} followers"))
    return amplifier


def _gate(state: IncidentState, backlash: bool) -> float:
    """Mostly praise or questions is not a complaint storm, however many people join in; the crowd's
    anger at a complaint (echoes) is."""
    mentions = max(1, state["mentions"])
    share = (state["complaints"] + state.get("echoes", 0)) / mentions
    gate = K.praise_floor
    if state["complaints"]:
        # The model's probability is how sure it is that a post is a complaint, not how bad the
        # complaint is: a calibrated model says 0.7 of many plain complaints. Sure enough counts fully,
        # and so do many complaints none of which is that sure (a crowd's replies to a post we never
        # saw: the story is not in doubt when dozens of them are complaints).
        sure = max(sat((state["max_complaint"] - K.complaint_from) / (K.complaint_sure - K.complaint_from)),
                   sat(state["complaints"] / K.complaints_sure))
        gate += (1 - K.praise_floor) * sure * sat(share / K.complaint_share_full)
    if backlash:
        # A backlash is worded as mockery, outrage and boycott calls more than as complaints: the
        # complaint model still says what a complaint is, the tone of the storm's posts says this.
        tone = K.praise_floor + (1 - K.praise_floor) * sat(state.get("against", 0) / mentions / K.complaint_share_full)
        gate = max(gate, tone)
    return gate


def _one_customers_story(state: IncidentState, score: float, repeats: int, v_value: float, cfg: ScoringConfig,
                         reasons: list[tuple[float, Callable[[], str]]]) -> float:
    """The score of a story without a burst of people or a post going viral: one customer's or nobody's.

    One customer's story (they wrote most of its complaints) needs a human when it carries two of what
    made the seed stories dangerous: repetition (episodes, or their own word that they keep calling),
    another platform, a letter to executives or the media, lawyers or a regulator, a safety issue,
    reach. A slow topic that many people mention now and then (a regular among them repeating
    himself) needs none, unless the news has it."""
    own = repeats >= 2 and repeats / max(1, state["complaints"]) >= K.one_customer_share
    if not own:
        return min(score, round(cfg.warning - 0.01, 4))
    cues = state["cues"]
    tied = state.get("tied_sources") or ()  # platforms on which the story itself is told (thread, link, number)
    danger_cues = DANGEROUS_CUES & cues.keys()
    dangers = [
        (repeats >= 3 or (cues.get("repeat_contact", 0) > 0 and state["complaints"] >= 2),
         lambda: "complaining again and again"),
        (len(tied) > 1, lambda: f"the same story on {len(tied)} platforms"),
        (bool(danger_cues), lambda: " and ".join(CUE_WORDS[c] for c in sorted(danger_cues))),
        ("safety" in cues, lambda: "a safety issue"),
        (state["max_followers"] >= K.reach_followers or v_value > 0, lambda: "reach"),
    ]
    found = [words for hit, words in dangers if hit]
    if len(found) >= 2:
        reasons.append((1.0, lambda: "one customer's complaint escalating: " + ", ".join(w() for w in found)))
        return max(score, cfg.warning)
    return min(score, round(cfg.warning - 0.01, 4))


def _critical_only_if_spreading(state: IncidentState, score: float, burst_: _Burst, v_value: float,
                                cfg: ScoringConfig) -> float:
    """Critical means spreading beyond one crowd in one place: two of a burst of people, a post going
    viral, the news, the story told on another platform (by its thread, link or number, not merely
    worded alike there). One platform's burst alone is a warning, unless it is massive."""
    n_authors = state["n_authors"]
    tied = state.get("tied_sources") or ()
    crowded = (burst_.value >= K.spreading_burst or (state["articles"] > 0 and n_authors >= 3)
               or (v_value >= K.viral and n_authors >= 3))
    spread = [burst_.value >= K.spreading_burst, v_value >= K.viral, state["articles"] > 0, len(tied) > 1]
    massive = burst_.people >= K.massive_people and burst_.people >= K.massive_ratio * max(burst_.expected, 1.0)
    if not (crowded and (sum(spread) >= 2 or massive)):
        return min(score, round(cfg.critical - 0.01, 4))
    return score


def _backlash_words(state: IncidentState, base: Baseline, t_now: float) -> str:
    """"a backlash: 234 people against the brand in the last hour, 9× a busy hour of its ordinary week;
    38% of what is said about it against it; boycott calls in 12 of its posts"."""
    assert base.pulse is not None
    _, k, usual, window, share = backlash_strength(base.pulse, t_now)
    hours = window / 3600.0
    span = "hour" if hours <= 1 else f"{hours:.0f} hours"
    words = (f"a backlash: {k:,} people against the brand in the last {span}, {k / max(usual, 1.0):,.0f}× a busy "
             f"hour of its ordinary week; {share:.0%} of what is said about it against it")
    boycott = state["cues"].get("boycott", 0)
    if boycott:
        words += f"; boycott calls in {boycott:,} of its posts"
    return words


def _wave_words(state: IncidentState, base: Baseline, t_now: float) -> str:
    """"41 one- and two-star reviews in 3 hours, usually 0.4 a day (2.1 reviews a day in all); most
    mention login"."""
    assert base.pulse is not None
    _, k, _, window, (low_daily, all_daily) = wave_strength(base.pulse, t_now)
    hours = window / 3600.0
    span = "the last hour" if hours <= 1 else f"{hours:.0f} hours"
    words = (f"{k:,} one- and two-star reviews in {span}, usually {low_daily:,.1f} a day "
             f"({all_daily:,.1f} reviews a day in all)")
    counts, low = state.get("review_words") or {}, state.get("low_reviews", 0)
    if counts and low >= 5:  # a word most of a handful share says little
        word = min(counts, key=lambda w: (-counts[w], w))
        if counts[word] >= 0.5 * low:
            words += f"; most mention {word}"
        elif counts[word] >= 0.25 * low:
            words += f"; many mention {word}"
    return words


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
