"""The assessment's constants, in one table (``Coefficients``), and the records it reads and returns.

``ScoringConfig`` weights multiply the drivers' weights; everything else that shapes a score is named here.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.incidents.pulse import Pulse
from monitor.models import Tier

# How much each cue family says about an incident about to blow up (safety is the worst case).
CUE_SEVERITY = {
    "safety": 1.0, "media": 0.85, "legal": 0.75, "regulator": 0.7, "executive": 0.6,
    "unreachable_support": 0.45, "repeat_contact": 0.45, "churn": 0.3, "boycott": 0.45,
}
CUE_WORDS = {
    "safety": "safety", "media": "media", "legal": "legal action", "regulator": "regulator",
    "executive": "written to executives", "unreachable_support": "support unreachable",
    "repeat_contact": "repeated contact", "churn": "threatens to leave", "boycott": "boycott calls",
}
# What turns one customer's complaint into a story a human must see (the seed stories' escalations).
DANGEROUS_CUES = frozenset({"media", "legal", "regulator", "executive"})

BURST_WINDOWS = (3600.0, 3 * 3600.0)  # people joining in the last hour, and in the last three
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
    complaints_sure: int = 20  # complaints in a story that open its gate fully, however unsure each one
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
    backlash_min_people: int = 20  # people against the brand within a window, at least, for a backlash
    backlash_ratio: float = 5.0  # at least this many times a busy ordinary hour of its week
    backlash_share: float = 0.25  # of its mentions in the window, or its usual share if less (praise has a few sour ones)
    backlash_history: int = 12  # ordinary hours with traffic in the week before its normal is trusted
    wave_min_reviews: int = 8  # one- and two-star reviews within a window, at least, for a review wave
    wave_ratio: float = 5.0  # at least this many times the low ratings the window usually brings
    wave_slack: float = 2.0  # reviews come by day: a daytime window brings about twice a day's average
    wave_floor: float = 1.0  # low ratings a day assumed at least (an app that almost never gets one)
    wave_history: int = 3  # days of reviews before a usual rate is trusted
    # Low reviews the wave's incident must hold: it opens at the wave's eighth, the ones before it went
    # elsewhere, and a wave of ten must still warn.
    wave_own_min: int = 2
    negative: float = -0.05  # sentiment at or below which a post is against the brand
    one_customer_share: float = 0.5  # complaints a story's main complainant wrote, for it to be theirs
    positive: float = 0.5  # sentiment above which a post is not counted as a complaint, whatever the model says


K = Coefficients()
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
