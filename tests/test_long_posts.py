"""Long posts and reviews are read sentence by sentence; tweets exactly as before (issue 24)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.scoring import MentionScorer
from monitor.scoring.rating import rated
from monitor.scoring.sentences import LONG_CHARS, split

BURIED = """My weekly planning setup in Notion

I have been using Notion for planning my week for about two years now and I wanted to share the setup. \
Every Sunday I open the weekly page, copy the template and fill in the goals. Since the last update the app \
crashes every time I open a database and I have lost two hours of notes. Anyway, the template has three \
sections: goals, habits and a review. I also keep a reading list there."""

HOW_TO = """How do I link two databases in Notion?

I have a projects database and a tasks database and I want each task to show up under its project. I tried \
a relation property but I can't figure out how to make the rollup show the task names. Any tips or templates \
would be appreciated, thanks!"""

FIVE_STARS_COMPLAINING = """Great bank, great people, I have been a customer for ten years and I love the new \
design of the app. But since the last update the app crashes every time I try to transfer money and it keeps \
asking me to turn off developer options even though they are off. I had to go to the branch twice this week."""

FIVE_STARS_PRAISE = """Healthy Paws has truly been a lifesaver for us. My dog was diagnosed last month and her \
medical bills are already above $3500. They have been great with communication and I have received my \
approved claims in a timely manner. The claims process is simple and the customer service team is kind."""


@pytest.fixture(scope="module")
def scorer() -> MentionScorer:
    return MentionScorer()


@pytest.fixture(scope="module")
def whole() -> MentionScorer:
    """The scorer reading every text whole, as it did before long posts were read by sentence."""
    s = MentionScorer()
    s.long_chars = 10**9
    return s


def test_a_complaint_buried_in_a_long_post_is_a_complaint(scorer: MentionScorer) -> None:
    assert len(BURIED) > LONG_CHARS
    assert scorer.score(BURIED).is_complaint
    # Without the crash, the same post is a showcase.
    calm = BURIED.replace("Since the last update the app crashes every time I open a database and I have lost "
                          "two hours of notes. ", "")
    assert not scorer.score(calm).is_complaint


def test_a_long_how_to_question_is_not_a_complaint(scorer: MentionScorer, whole: MentionScorer) -> None:
    assert len(HOW_TO) > LONG_CHARS
    assert not scorer.score(HOW_TO).is_complaint


def test_a_five_star_review_with_a_complaint_in_it_is_a_complaint(scorer: MentionScorer) -> None:
    assert rated(scorer.score(FIVE_STARS_COMPLAINING), 5).is_complaint


def test_a_five_star_review_of_praise_is_not_a_complaint_any_more(scorer: MentionScorer, whole: MentionScorer) -> None:
    assert rated(whole.score(FIVE_STARS_PRAISE), 5).is_complaint  # what reading it whole made of it
    assert not rated(scorer.score(FIVE_STARS_PRAISE), 5).is_complaint


def test_one_and_two_stars_stay_complaints_however_long_the_praise(scorer: MentionScorer) -> None:
    assert rated(scorer.score(FIVE_STARS_PRAISE), 2).is_complaint


def test_only_the_complaint_is_read_by_sentence(scorer: MentionScorer, whole: MentionScorer) -> None:
    """Language, sentiment, cues come from the whole text; the score follows the complaint."""
    a, b = scorer.score(BURIED), whole.score(BURIED)
    assert (a.lang, a.sentiment, a.cues, a.lang_supported) == (b.lang, b.sentiment, b.cues, b.lang_supported)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=LONG_CHARS))
def test_short_texts_score_exactly_as_before(scorer: MentionScorer, whole: MentionScorer, text: str) -> None:
    assert scorer.score(text) == whole.score(text)


@given(st.text())
def test_the_splitter_never_loses_text(text: str) -> None:
    pieces = split(text)
    assert "".join(pieces) == text
    assert all(pieces)


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters=".!?…\n"), min_size=1), min_size=1))
def test_the_splitter_cuts_after_each_full_stop(words: list[str]) -> None:
    text = ". ".join(w for w in words)
    pieces = split(text)
    assert "".join(pieces) == text
    assert len(pieces) <= len(words)
    assert all(p.rstrip().endswith(".") or p is pieces[-1] for p in pieces)


@given(st.text(min_size=LONG_CHARS + 1, max_size=3 * LONG_CHARS))
@settings(max_examples=100, deadline=None)
def test_any_long_text_scores_within_bounds(scorer: MentionScorer, text: str) -> None:
    s = scorer.score(text)
    assert 0.0 <= s.complaint <= 1.0 and 0.0 <= s.score <= 1.0


def test_a_middling_review_is_read_whole(scorer: MentionScorer, whole: MentionScorer) -> None:
    """Three stars or fewer: the words decide as a whole text, however long (a middling review names
    what is wrong plainly); four and five stars, like posts, by their sentences."""
    assert scorer.score(FIVE_STARS_PRAISE, rating=3) == whole.score(FIVE_STARS_PRAISE)
    assert scorer.score(FIVE_STARS_PRAISE, rating=4) == scorer.score(FIVE_STARS_PRAISE)
    assert scorer.score(FIVE_STARS_PRAISE, rating=4) != whole.score(FIVE_STARS_PRAISE)
