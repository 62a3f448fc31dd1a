"""Complaint-model features: the same code builds them for training and at run time."""

from __future__ import annotations

from monitor.scoring.cues import FAMILIES

_SKIP = frozenset(".,;")
DENSE = (
    "d:compound",
    "d:neg",
    "d:pos",
    "d:negative",
    "d:breach",
    "d:question",
    "d:exclaim",
    "d:short",
    "d:digits",
    *(f"c:{f}" for f in FAMILIES),
)


def dense(
    compound: float,
    pos: float,
    neg: float,
    cues: tuple[str, ...],
    breaches: int,
    text: str,
    n_words: int,
    has_digit: bool,
) -> dict[str, float]:
    """Language-independent features (sentiment, breach phrases, cues, punctuation)."""
    out: dict[str, float] = {
        "d:compound": compound,
        "d:neg": min(-neg, 8.0) / 4.0,
        "d:pos": min(pos, 8.0) / 4.0,
        "d:negative": 1.0 if compound < -0.05 else 0.0,
        "d:breach": min(breaches, 3) / 3.0,
        "d:question": 1.0 if "?" in text else 0.0,
        "d:exclaim": 1.0 if "!" in text else 0.0,
        "d:short": 1.0 if n_words < 6 else 0.0,
        "d:digits": 1.0 if has_digit else 0.0,
    }
    for c in cues:
        out["c:" + c] = 1.0
    return out


def lexical(words: list[str]) -> list[str]:
    """Lower-case word unigrams and bigrams (numbers collapsed to "0"); repeats count again."""
    out: list[str] = []
    add = out.append
    prev = "<s>"
    for w in words:
        if w in _SKIP:
            prev = "<s>"
            continue
        if w[0].isdigit():
            w = "0"
        add("w:" + w)
        add("b:" + prev + " " + w)
        prev = w
    return out
