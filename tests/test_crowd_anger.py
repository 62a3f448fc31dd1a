"""A crowd's anger at a complaint's story counts towards its complaint gate (issue 14): bystanders'
posts ("fire that manager", "watch this before you go there again") read less like complaints than
the complaint itself, yet they are the storm. Chatter and praise in the same story do not count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.config.settings import ScoringConfig
from monitor.incidents.assessment import assess
from monitor.incidents.coefficients import Baseline
from monitor.incidents.state import IncidentState, MentionFacts, add_engagement, add_mention, new_state

T = datetime(2024, 5, 2, 12, 0, tzinfo=UTC)
BASE = Baseline(daily_mentions=40.0, typical_engagement=5.0)


def post(n: int, *, complaint: float, sentiment: float, at: datetime) -> MentionFacts:
    sure = complaint >= 0.5
    return MentionFacts(source="x", post_id=str(n), kind="post", url=None, text="the video of the manager",
                        author=f"viewer{n}", followers=100, created_at=at, engagement=30,
                        is_complaint=sure, complaint=complaint, sentiment=sentiment, cues=(), score=0.3,
                        by_brand=False)


def story(crowd_complaint: float, crowd_sentiment: float, *, first_is_complaint: bool = True) -> tuple[IncidentState, float]:
    first = post(0, complaint=0.8 if first_is_complaint else 0.2, sentiment=-0.5, at=T)
    st = new_state(first)
    add_mention(st, first, linked=True)
    for n in range(1, 30):
        at = T + timedelta(minutes=2 * n)
        add_mention(st, post(n, complaint=crowd_complaint, sentiment=crowd_sentiment, at=at), linked=True)
        add_engagement(st, 30 * (n + 1), at, snapshot=False)
    return st, assess(st, T + timedelta(hours=1), BASE, ScoringConfig()).score


def test_angry_bystanders_count_as_the_storm() -> None:
    angry, angry_score = story(0.4, -0.4)
    chatter, chatter_score = story(0.1, -0.4)
    assert angry["complaints"] == chatter["complaints"] == 1
    assert angry.get("echoes") == 29 and not chatter.get("echoes")
    assert angry_score > 1.5 * chatter_score


def test_praise_and_a_story_without_a_complaint_are_not_echoes() -> None:
    praise, praise_score = story(0.4, 0.8)
    chatter_score = story(0.1, -0.4)[1]
    assert not praise.get("echoes") and praise_score == chatter_score
    no_complaint, _ = story(0.4, -0.4, first_is_complaint=False)
    assert not no_complaint.get("echoes")
