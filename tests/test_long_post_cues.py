"""A long forum post is read for the problem it names and for a how-to title (issue 24): on a help forum
a bug report is written as a request for help, like a how-to question; reviews keep the stars' reading."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.scoring import MentionScorer
from monitor.scoring.posts import PROBLEM, reports_a_problem, title_asks_how_to
from monitor.scoring.scorer import POST_HOW_TO, POST_PROBLEM, POST_THRESHOLD
from monitor.scoring.sentences import LONG_CHARS

BUG_AS_HELP_REQUEST = """Is anyone else having this issue with the Notion desktop app?

Hi all, I use Notion every day for my class notes and my reading list. Since the last update my main \
database won't load at all, the page just spins and then shows a blank screen. I tried logging out, clearing \
the cache and reinstalling. Is there something I can do, or do I just wait for a fix?"""

HOW_TO = """How do I make a database template for my weekly reviews?

Hi all, I use Notion every day for my class notes and my reading list. I want a weekly review page that \
creates itself every Sunday with the same sections and a link to the tasks of that week. I tried the \
repeat option on a template but the links never point to the right week. Is there a way to do this?"""

# One sentence the tweet model is fairly sure of ("asks me to sign in again every single morning, which is
# annoying"), under a title that asks how to change a setting, and no problem state.
HOW_TO_ANNOYED = """How do I stop the calendar from asking me to sign in every day?

My company account keeps working fine in the browser. I have the desktop calendar installed and it asks \
me to sign in again every single morning, which is annoying but I assume it is a setting somewhere. \
What setting do I need to change so it remembers me? Thanks in advance for any help, I am new to this."""


@pytest.fixture(scope="module")
def scorer() -> MentionScorer:
    return MentionScorer()


def test_a_bug_report_written_as_a_help_request_is_a_complaint(scorer: MentionScorer) -> None:
    assert len(BUG_AS_HELP_REQUEST) > LONG_CHARS and len(HOW_TO) > LONG_CHARS
    assert scorer.score(BUG_AS_HELP_REQUEST).is_complaint
    assert not scorer.score(HOW_TO).is_complaint


def test_a_how_to_title_needs_a_problem_to_complain(scorer: MentionScorer) -> None:
    assert scorer.score(HOW_TO_ANNOYED, rating=5).complaint >= 0.75  # read as a review, its sentences flag it
    assert not scorer.score(HOW_TO_ANNOYED).is_complaint  # as a post, the title says it is a question
    with_problem = HOW_TO_ANNOYED.replace("keeps working fine in the browser", "stopped working in the browser too")
    assert scorer.score(with_problem).is_complaint


@pytest.mark.parametrize(("text", "shift"), [
    (BUG_AS_HELP_REQUEST, POST_PROBLEM),  # a problem state, the title asks nothing how-to
    (HOW_TO, -POST_HOW_TO),  # a how-to title, no problem state
    (HOW_TO_ANNOYED.replace("keeps working fine", "stopped working"), POST_PROBLEM - POST_HOW_TO),
])
def test_a_post_is_its_sentences_moved_by_its_cues(scorer: MentionScorer, text: str, shift: float) -> None:
    """A post without stars scores as a four- or five-star review (by its sentences), moved up by a
    problem state and down by a how-to title, within [0, 1]; it complains from POST_THRESHOLD."""
    as_review = scorer.score(text, rating=5).complaint
    post = scorer.score(text)
    assert post.complaint == pytest.approx(min(1.0, max(0.0, as_review + shift)), abs=1.5e-4)
    assert post.is_complaint == (post.complaint >= POST_THRESHOLD)


@pytest.mark.parametrize("text", [
    "My database won't load since the update", "the app keeps crashing", "Notion stopped syncing my calendar",
    "half my notes disappeared", "I lost all my pages", "it doesn't even open", "this is a bug", "error message on login",
    "I was charged twice", "they banned my account", "the export is broken", "the web clipper no longer works",
    "the sidebar is not showing anymore",
])
def test_problem_states(text: str) -> None:
    assert reports_a_problem(text)


@pytest.mark.parametrize("text", [
    "I haven't had any issues, no bugs at all", "zero crashes so far", "I'm lost, where do I start?",
    "How do I make a database template?", "works great on my phone", "never broken once in two years",
])
def test_no_problem_states(text: str) -> None:
    assert not reports_a_problem(text)


@pytest.mark.parametrize(("text", "asks"), [
    ("How do I link two databases?\n\nI can't figure it out.", True),
    ("Any tips for a beginner?\nI just started.", True),
    ("Is there a way to hide the AI prompt?", True),
    ("I made a habit tracker template\n\nHere it is.", True),
    ("How do I get my pages back? They were deleted after the update\n\nPlease help", False),  # names a problem
    ("Notion Calendar keeps crashing\n\nHow do I fix this?", False),  # the question is in the body
    ("My weekly planning setup\n\nAny tips welcome.", False),
])
def test_how_to_titles(text: str, asks: bool) -> None:
    assert title_asks_how_to(text) == asks


@given(st.text(), st.text())
def test_more_text_never_takes_a_problem_away(title: str, body: str) -> None:
    if reports_a_problem(body):
        assert reports_a_problem(f"{title}\n\n{body}")


@given(st.text(alphabet=st.characters(blacklist_characters="\n\r")), st.text(), st.text())
def test_only_the_first_line_is_the_title(title: str, body: str, other: str) -> None:
    assert title_asks_how_to(f"{title}\n{body}") == title_asks_how_to(f"{title}\n{other}")


# Words of the problem states, their denials and near misses, joined by what separates words in a post.
_PIECES = ["won't", "wont", "not", "cannot", "no", "longer", "no longer", "stopped", "fails to", "unable to", "even",
           "work", "working", "load", "sync", "keeps", "keep crashing", "broke", "broken", "bugs", "debug", "glitchy",
           "crashes", "error", "errors", "error message", "never", "without", "any", "zero", "deleted", "lost", "lost my",
           "missing", "since", "the", "latest", "update", "updates", "anymore", "charged", "refund", "price hike",
           "cancelled my subscription", "banned", "locked out", "x", "_", "1", "Ä", "é"]


@given(st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from([" ", "  ", "\n", ", ", ". ", "", "-", "'"])),
                max_size=12))
def test_the_fast_search_finds_what_the_definition_does(words: list[tuple[str, str]]) -> None:
    text = "".join(w + sep for w, sep in words)
    assert reports_a_problem(text) == (PROBLEM.search(text.lower()) is not None)
    if text.isascii():
        assert reports_a_problem(text) == (PROBLEM.search(text) is not None)
