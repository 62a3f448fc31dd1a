"""A crowd's anger at a complaint's story counts towards its complaint gate (issue 14): bystanders'
posts ("fire that manager", "watch this before you go there again") read less like complaints than
the complaint itself, yet they are the storm. Posts that lean to complaint count, and so do posts
tied to the story by its thread or its link; loose chatter and praise do not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.config.settings import ScoringConfig
from monitor.incidents.assessment import assess
from monitor.incidents.coefficients import Baseline
from monitor.incidents.state import IncidentState, MentionFacts, add_engagement, add_mention, new_state

T = datetime(2024, 5, 2, 12, 0, tzinfo=UTC)
BASE = Baseline(daily_mentions=40.0, typical_engagement=5.0)


def post(n: int, *, complaint: float, sentiment: float, at: datetime) -> MentionFacts:
    return MentionFacts(source="x", post_id=str(n), kind="post", url=None, text="the video of the manager",
                        author=f"viewer{n}", followers=100, created_at=at, engagement=30,
                        is_complaint=complaint >= 0.5, complaint=complaint, sentiment=sentiment, cues=(), score=0.3,
                        by_brand=False)


def story(crowd_complaint: float, crowd_sentiment: float, *, tied: bool,
          first_is_complaint: bool = True) -> tuple[IncidentState, float]:
    first = post(0, complaint=0.8 if first_is_complaint else 0.2, sentiment=-0.5, at=T)
    st = new_state(first)
    add_mention(st, first, linked=True)
    for n in range(1, 30):
        at = T + timedelta(minutes=2 * n)
        add_mention(st, post(n, complaint=crowd_complaint, sentiment=crowd_sentiment, at=at), linked=tied)
        add_engagement(st, 30 * (n + 1), at, snapshot=False)
    return st, assess(st, T + timedelta(hours=1), BASE, ScoringConfig()).score


def test_angry_bystanders_count_as_the_storm() -> None:
    angry, angry_score = story(0.4, -0.4, tied=False)  # leaning to complaint, joined by their words
    replies, replies_score = story(0.1, -0.2, tied=True)  # answering the complaint or passing its link on
    chatter, chatter_score = story(0.1, -0.4, tied=False)
    assert angry["complaints"] == chatter["complaints"] == 1
    assert angry.get("echoes") == replies.get("echoes") == 29 and not chatter.get("echoes")
    assert angry_score > 1.5 * chatter_score and replies_score == angry_score


def test_praise_and_a_story_without_a_complaint_are_not_echoes() -> None:
    praise, praise_score = story(0.4, 0.8, tied=True)
    chatter_score = story(0.1, -0.4, tied=False)[1]
    assert not praise.get("echoes") and praise_score == chatter_score
    no_complaint, _ = story(0.4, -0.4, tied=True, first_is_complaint=False)
    assert not no_complaint.get("echoes")
