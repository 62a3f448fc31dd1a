"""The Polish word-norm screen (tools/screen_polish_norms.py): which norm words a variant adds, and that
they sit under the authored lexicon. Tiny norm files written here stand in for the polvader wheel."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
import screen_polish_norms as S  # noqa: E402


def _norms(tmp_path: Path) -> Path:
    base = {"ohydny": -2.6, "spokojny": 1.2, "kolejka": 1.2, "złodziej": -2.4, "kłamać": -2.2, "dobry": 1.96}
    forms = {"ohydna": -2.6, "ohydnego": -2.6, "kolejki": 1.2, "kłamie": -2.2, "dobra": 1.96}
    for name, data in ((S.BASE, base), (S.FORMS, forms)):
        with open(tmp_path / name, "wb") as fh:
            pickle.dump(data, fh)
    return tmp_path


def test_a_variant_keeps_the_words_over_its_floor_of_its_kinds_with_their_forms(tmp_path: Path) -> None:
    folder = _norms(tmp_path)
    adjectives = S.norm_words(folder, 2.0, 0.5, "adj")
    assert adjectives == {"ohydny": -1.3, "ohydna": -1.3, "ohydnego": -1.3}  # "dobry" under the floor
    nouns = S.norm_words(folder, 1.0, 1.0, "noun")
    assert set(nouns) == {"kolejka", "kolejki", "złodziej"}
    assert set(S.norm_words(folder, 2.0, 1.0, "all")) == {"ohydny", "ohydna", "ohydnego", "złodziej", "kłamać", "kłamie"}


def test_norm_words_move_the_sentiment_but_never_override_an_authored_word(tmp_path: Path) -> None:
    shipped = S.MentionScorer()
    text = "Zostawili nam padlinę"
    assert S.scorer_with({}).score(text, lang="pl").sentiment == shipped.score(text, lang="pl").sentiment
    with_norms = S.scorer_with({"padlinę": -2.1, "dobra": -3.0})
    assert with_norms.score(text, lang="pl").sentiment < shipped.score(text, lang="pl").sentiment
    # "dobra" is the authored lexicon's: a norm's value for it is not taken.
    plain = "Dobra robota"
    assert with_norms.score(plain, lang="pl").sentiment == shipped.score(plain, lang="pl").sentiment
