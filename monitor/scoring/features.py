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


def dense_values(
    compound: float,
    pos: float,
    neg: float,
    breaches: int,
    text: str,
    n_words: int,
    has_digit: bool,
) -> tuple[float, ...]:
    """The language-independent features before the cues, in DENSE order."""
    return (
        compound,
        min(-neg, 8.0) / 4.0,
        min(pos, 8.0) / 4.0,
        1.0 if compound < -0.05 else 0.0,
        min(breaches, 3) / 3.0,
        1.0 if "?" in text else 0.0,
        1.0 if "!" in text else 0.0,
        1.0 if n_words < 6 else 0.0,
        1.0 if has_digit else 0.0,
    )


N_VALUES = 9
"""How many leading DENSE names ``dense_values`` gives (the rest are cue families, 0 or 1)."""


def as_dict(values: tuple[float, ...], cues: tuple[str, ...]) -> dict[str, float]:
    """``dense_values`` and the cues found as the feature dict the model was trained on."""
    out = dict(zip(DENSE[:N_VALUES], values, strict=True))
    for c in cues:
        out["c:" + c] = 1.0
    return out


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
    return as_dict(dense_values(compound, pos, neg, breaches, text, n_words, has_digit), cues)


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
