"""The benchmark's letter-dropping: a Polish post as typed on a keyboard without Polish letters."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from eval_scoring import strip_diacritics  # noqa: E402


def test_polish_letters_become_ascii() -> None:
    assert strip_diacritics("Zażółć gęślą jaźń, ŁÓDŹ nie działa") == "Zazolc gesla jazn, LODZ nie dziala"


@given(st.text(alphabet="aąbcćeęlłnńoósśzźżAĄCĆEĘLŁNŃOÓSŚZŹŻ .,!?😀", max_size=60))
def test_property_no_polish_letters_left_and_idempotent(text: str) -> None:
    out = strip_diacritics(text)
    assert not any(unicodedata.combining(c) for c in out)
    assert not set(out) & set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
    assert strip_diacritics(out) == out
    assert len(out) == len(text)  # one letter for one letter, emoji kept
