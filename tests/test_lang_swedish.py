"""Short Swedish posts are not taken for German, Danish, Norwegian or Dutch.

The Swedish sentences are real forum posts (Familjeliv and Flashback, from Språkbanken Text's corpora,
CC BY 4.0, as published in data/all-data.conllu.bz2 of Daniel-B-Tufvesson/speech-act-classifier): each
was identified as another language before Swedish evidence (its words, its letters) was weighed.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.scoring.lang import LanguageDetector, _swedish_if_evident

SWEDISH_FORUM_POSTS = [
    "Tack Sodkt!",
    "Hoppar in här.",
    "Låter bekant?",
    "Inte märkt detta.",
    "Man får välja brud?",
    "Fy fan säger jag bara.",
    "ingen som vet nåt?",
    "Några spontana åsikter?",
    "Och skadade vår relation?",
    "Än så länge går det bra.",
    "Hursomhelst, skönhet ska alla få ta del av.",
    "Kom din äl senare oxå?",
]

# Written for this test: other languages must keep their own label.
OTHERS = [
    ("de", "Die Lieferung ist schon wieder zu spät, und niemand antwortet."),
    ("de", "Warum funktioniert die App seit heute Morgen nicht mehr?"),
    ("de", "Ich bin so müde von diesem Kundenservice."),
    ("da", "Jeg har ventet på min pakke i to uger, og ingen svarer."),
    ("no", "Hvorfor får jeg ikke logget inn på appen i dag?"),
    ("nl", "Mijn bestelling is nog steeds niet aangekomen, wat is er aan de hand?"),
    ("en", "My flight was cancelled again and nobody at the gate can tell me why."),
]


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    d = LanguageDetector()
    if d.detect("this is a plain English sentence") == "und":
        pytest.skip("no language model installed")
    return d


@pytest.mark.parametrize("text", SWEDISH_FORUM_POSTS)
def test_short_swedish_forum_posts_are_swedish(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text) == "sv"


@pytest.mark.parametrize(("lang", "text"), OTHERS)
def test_other_languages_are_not_taken_for_swedish(detector: LanguageDetector, lang: str, text: str) -> None:
    found = detector.detect(text)
    assert found != "sv"
    if lang in ("de", "nl", "en"):  # the detector itself mixes up Danish and Norwegian
        assert found == lang


def test_one_swedish_word_is_not_enough_against_english() -> None:
    assert _swedish_if_evident("en", "we met at the bar") == "en"
    assert _swedish_if_evident("en", "jag vet inte") == "sv"


@given(st.sampled_from(["de", "da", "no", "nl", "en", "fi"]), st.text(max_size=60), st.sampled_from("üßæø"))
def test_letters_swedish_never_writes_veto_the_override(best: str, text: str, veto: str) -> None:
    assert _swedish_if_evident(best, f"och inte är {text}{veto} på älg") == best


@given(st.text(max_size=80))
def test_the_detector_keeps_swedish_and_returns_a_code(text: str) -> None:
    assert _swedish_if_evident("sv", text) == "sv"
    assert isinstance(_swedish_if_evident("de", text), str)
