"""Polish and Swedish posts typed without their letters ("nie dziala", "fan vad daligt"), English words
borrowed into them ("fail", "scam"), and the collisions folding must not make ("täck" pretty is not
"tack" thanks, "męcz" tiring is not "mecz" a match, "hår" hair is not "har" has)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.scoring import MentionScorer
from monitor.scoring.lexicon import Lexicon
from monitor.scoring.rule_words import RULES, fold
from monitor.scoring.scorer import _folded


@pytest.fixture(scope="module")
def scorer() -> MentionScorer:
    return MentionScorer()


def stripped(text: str) -> str:
    """``text`` as a keyboard without Polish or Swedish letters types it."""
    text = text.replace("ł", "l").replace("Ł", "L")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


SIGNED = [
    ("pl", "Paczka nie dotarła, obsługa beznadziejna, żałuję zakupu", -1),
    ("pl", "Aplikacja nie działa od tygodnia, porażka", -1),
    ("pl", "Dziękuję za szybką pomoc, świetna obsługa", 1),
    ("pl", "Jestem bardzo zadowolona, polecam każdemu", 1),
    ("sv", "Fan vad dåligt, appen kraschar hela tiden", -1),
    ("sv", "Väldigt besviken på kundtjänsten, värdelöst", -1),
    ("sv", "Tack för hjälpen, jättebra service", 1),
    ("sv", "Fantastiskt bra, snabb leverans, bästa butiken", 1),
]


@pytest.mark.parametrize(("lang", "text", "sign"), SIGNED)
def test_a_post_without_its_letters_reads_as_with_them(scorer: MentionScorer, lang: str, text: str, sign: int) -> None:
    written = scorer.score(text, lang=lang).sentiment
    typed = scorer.score(stripped(text), lang=lang).sentiment
    assert written * sign > 0.05 and typed * sign > 0.05, (written, typed)


@pytest.mark.parametrize(("lang", "text", "sign"), [
    ("pl", "totalny fail, scam i fake", -1), ("sv", "vilken fail, rena scam", -1), ("sv", "perfect, love it", 1)])
def test_english_words_borrowed_into_posts_count(scorer: MentionScorer, lang: str, text: str, sign: int) -> None:
    assert scorer.score(text, lang=lang).sentiment * sign > 0.05


def test_folding_does_not_make_other_words(scorer: MentionScorer) -> None:
    assert scorer.score("Tack för hjälpen", lang="sv").sentiment > 0.3, "'tack' keeps the value of 'tack*', not of 'täck'"
    assert scorer.score("Ale mecz! brawo chłopaki", lang="pl").sentiment > 0.3, "'mecz' is not 'męcz'"
    swedish = scorer._engine("sv")
    assert swedish is not None and swedish.lex.get("har") is None, "'har' (has) is a function word, not 'hår'"
    assert "valdigt" in RULES["sv"].boosters and "nagot" in RULES["sv"].boosters


_WORD = st.text(alphabet="aąceęlłnoósszżäåö", min_size=2, max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(_WORD, _WORD.map(lambda w: w + "*")),
                          st.floats(-4, 4, allow_nan=False)), max_size=30),
       st.lists(_WORD, max_size=20))
def test_a_real_entry_always_wins_over_a_folded_one(entries: list[tuple[str, float]], probes: list[str]) -> None:
    """Whatever the lexicon, a word it knows (exactly or by a stem) keeps its value once the folded
    spellings are added; the folded ones only fill what it does not know."""
    real = Lexicon(entries)
    shipped = Lexicon(_folded(entries, frozenset()) + entries)
    for word in [w.rstrip("*") for w, _ in entries] + probes + [fold(p) for p in probes]:
        if real.get(word) is not None:
            assert shipped.get(word) == real.get(word), word
