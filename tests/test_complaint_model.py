"""The complaint model: a breach of expectation addressed to a brand, not negative tone.

The examples are written for these tests in the style of the issue's misses; the model's real measure
is the cross-domain evaluation in BENCHMARKS.md, on tweets nobody here wrote.
"""

from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path

import pytest

from monitor.scoring import MentionScorer

DATA = Path(__file__).resolve().parent.parent / "bench" / "data"

POLITE_COMPLAINTS = [
    "@AcmeAir any answer on my tweet?",
    "@AcmeShop I bought points and never received them",
    "@AcmeShop my order says delivered but there is nothing here",
    "@AcmeAir still waiting for my refund, could you check please?",
    "@AcmeNet internet has been down since this morning, is there an outage?",
    "@AcmeShop I was charged twice for the same order",
]

NOT_ABOUT_A_BRAND = [
    "my friend ate all my fries again, so annoying lol",
    "autocorrect is the worst thing ever invented",
    "ugh this referee is blind",
    "I hate mondays so much",
]

# Known misses, kept visible: a duration ("two hours") reads as a broken expectation, and without a
# service word nothing says it is not one (see BENCHMARKS.md).
KNOWN_MISSES = [
    "that film was terrible, what a waste of two hours",
]

# Known misses the other way: polite questions about a problem that the model, trained since the
# second round on many more angry tweets that are not complaints, puts under the threshold of 0.45
# (0.34 and 0.448: the second one fell under it with the last 263 IBM labels).
KNOWN_MISSED_COMPLAINTS = [
    "@AcmeNet how long will this issue be?",
    "@AcmeBank sent you a DM two days ago, any update?",
]

PRAISE_AND_CHATTER = [
    "@AcmeAir thank you for the upgrade, best flight ever!",
    "@AcmeShop love the new store layout",
    "Happy Halloween @AcmeFood, got my $3 burrito 🎃",
]


@pytest.fixture(scope="module")
def scorer() -> MentionScorer:
    return MentionScorer()


@pytest.mark.parametrize("text", POLITE_COMPLAINTS)
def test_polite_requests_about_a_problem_are_complaints(scorer: MentionScorer, text: str) -> None:
    assert scorer.score(text, lang="en").is_complaint


@pytest.mark.parametrize("text", NOT_ABOUT_A_BRAND + PRAISE_AND_CHATTER)
def test_annoyance_at_anything_else_is_not_a_complaint(scorer: MentionScorer, text: str) -> None:
    assert not scorer.score(text, lang="en").is_complaint


@pytest.mark.xfail(strict=True, reason="known weakness: durations read as broken expectations")
@pytest.mark.parametrize("text", KNOWN_MISSES)
def test_known_misses_still_taken_for_complaints(scorer: MentionScorer, text: str) -> None:
    assert not scorer.score(text, lang="en").is_complaint


@pytest.mark.xfail(strict=True, reason="known weakness: polite follow-up questions naming no service or problem word")
@pytest.mark.parametrize("text", KNOWN_MISSED_COMPLAINTS)
def test_known_missed_complaints(scorer: MentionScorer, text: str) -> None:
    assert scorer.score(text, lang="en").is_complaint


def test_plain_text_complaints_without_a_handle(scorer: MentionScorer) -> None:
    """Reddit posts and news comments name the brand in words, with no @handle to address."""
    for text in ("Acme Air lost my suitcase on the Denver flight and nobody has called me back",
                 "Day 6 and Acme Air still has not found my suitcase. Called again today."):
        assert scorer.score(text, lang="en").is_complaint


def test_negative_tone_alone_is_weaker_evidence_than_a_breach(scorer: MentionScorer) -> None:
    flat_breach = scorer.score("@AcmeShop my parcel never arrived", lang="en").complaint
    angry_chatter = scorer.score("this referee is an absolute disgrace", lang="en").complaint
    assert flat_breach > angry_chatter


def test_shipped_model_file() -> None:
    spec = json.loads(resources.files("monitor.scoring").joinpath("model", "complaint.json").read_text("utf-8"))
    assert set(spec["models"]) == {"full", "dense"}
    for model in spec["models"].values():
        assert 0.0 < model["threshold"] < 1.0
        assert all(isinstance(v, float) for v in model["weights"].values())


def test_hand_labelled_tweets_file() -> None:
    """Ids and labels only (the text stays in the public corpus); eight industries, both classes in each."""
    with open(DATA / "twcs_complaints.tsv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(rows) == 1153
    assert set(rows[0]) == {"tweet_id", "brand", "industry", "complaint"}
    assert len({r["tweet_id"] for r in rows}) == len(rows)
    industries = {r["industry"] for r in rows}
    assert len(industries) == 8
    for industry in industries:
        assert {r["complaint"] for r in rows if r["industry"] == industry} == {"0", "1"}


def test_hand_labelled_replies_file() -> None:
    """The customers' replies in the same conversations: other tweets than the openings, same brands."""
    with open(DATA / "twcs_complaints.tsv", newline="", encoding="utf-8") as fh:
        openings = {r["tweet_id"]: r for r in csv.DictReader(fh, delimiter="\t")}
    with open(DATA / "twcs_replies.tsv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(rows) == 1087
    assert set(rows[0]) == {"tweet_id", "brand", "industry", "complaint"}
    assert len({r["tweet_id"] for r in rows}) == len(rows) and not {r["tweet_id"] for r in rows} & set(openings)
    industry = {r["brand"]: r["industry"] for r in openings.values()}
    assert all(industry[r["brand"]] == r["industry"] for r in rows)
    assert {r["complaint"] for r in rows} == {"0", "1"}
