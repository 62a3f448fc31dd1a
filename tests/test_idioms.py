"""Idioms of several words in a lexicon ("dzięki za nic", "ręce opadają"): their value replaces their words'.

The sentences are written for this test from common Polish usage; none comes from an evaluation set.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.scoring import MentionScorer
from monitor.scoring.lexicon import Lexicon
from monitor.scoring.rule_words import RULES
from monitor.scoring.sentiment import SentimentEngine


@pytest.fixture(scope="module")
def scorer() -> MentionScorer:
    return MentionScorer()


def test_lexicon_keeps_idioms_apart() -> None:
    lex = Lexicon([("dzięki", 2.0), ("dzięki za nic", -2.5), ("dno*", -3.0)])
    assert lex.phrases == {("dzięki", "za", "nic"): -2.5}
    assert lex.get("dzięki") == 2.0 and lex.get("dzięki za nic") is None


def test_idiom_replaces_its_words() -> None:
    engine = SentimentEngine(Lexicon([("dzięki", 2.0), ("dzięki za nic", -2.5)]), RULES["pl"])
    assert engine.valences(["Dzięki", "za", "nic"], ["dzięki", "za", "nic"]) == [-2.5]
    assert engine.valences(["dzięki", "za", "pomoc"], ["dzięki", "za", "pomoc"]) == [2.0]
    assert engine.phrases(["no", "to", "dzięki", "za", "nic", "."]) == {2: (3, -2.5)}


@pytest.mark.parametrize(
    "text",
    [
        "Dzięki za nic, trzeci tydzień czekam na zwrot",
        "Ręce opadają, znowu to samo",
        "Rece opadaja jak sie to czyta",  # typed without the letters
        "Obsługa do bani",
        "Śmieją się z klientów, a pieniędzy jak nie było, tak nie ma",  # scorn is no laughter
        "Robią nas w konia z tą dopłatą",
        "Ciekawe kiedy oddacie pieniądze",  # doubt, not interest
        "Strata czasu i pieniędzy",
        "Omijać szerokim łukiem",
        "Nigdy więcej tego przewoźnika",
        "Mam dość tej sieci",
        "Szkoda słów na to, co się dzieje",
    ],
)
def test_polish_complaint_idioms_are_negative(scorer: MentionScorer, text: str) -> None:
    assert scorer.score(text, lang="pl").sentiment < -0.05


@pytest.mark.parametrize("text", ["Jedzenie na medal", "Obsługa bez zarzutu", "Trzymam kciuki za was",
                                  "Ciekawe rozwiązanie, polecam", "Śmiałam się cały wieczór"])
def test_polish_praise_idioms_are_positive(scorer: MentionScorer, text: str) -> None:
    assert scorer.score(text, lang="pl").sentiment > 0.05


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["dzięki", "za", "nic", "pomoc", "ręce", "opadają", "bardzo", "nie", "."]), max_size=12))
def test_idioms_never_overlap(words: list[str]) -> None:
    """Matches are disjoint and each lies inside the text, whatever the words."""
    engine = SentimentEngine(Lexicon([("dzięki za nic", -2.5), ("za nic", -1.0), ("ręce opadają", -2.5)]), RULES["pl"])
    spans = sorted(engine.phrases(words).items())
    ends = [i + n for i, (n, _) in spans]
    assert all(end <= len(words) for end in ends)
    assert all(ends[k] <= spans[k + 1][0] for k in range(len(spans) - 1))
    assert len(engine.valences(words, words)) <= len(words)
