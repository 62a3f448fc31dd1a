"""A compact VADER-style sentiment engine that works over any language's lexicon.

The rules follow VADER (Hutto & Gilbert, 2014): word valences from a lexicon, boosters and
dampeners in the three preceding words, negation flips and shrinks (x -0.74), ALL-CAPS emphasis,
"but" shifts weight to the clause after it, "!" and "??" amplify, and the sum is normalised as
x / sqrt(x^2 + 15). Two deliberate departures: emoji and emoticons carry their own valence and are
never flipped by a negator ("Still no refund :(" stays negative), and some languages negate after
the word ("gillar inte", "gefällt mir nicht", "j'aime pas").
"""

from __future__ import annotations

import math

from monitor.scoring.langs import LangRules
from monitor.scoring.lexicon import Lexicon

NEG_SCALAR = -0.74
CAPS_INCR = 0.733
_PUNCT = frozenset(".!?;,")
_WINDOW_SCALE = (1.0, 0.95, 0.9)


def normalise(total: float, alpha: float = 15.0) -> float:
    value = total / math.sqrt(total * total + alpha)
    return -1.0 if value < -1.0 else 1.0 if value > 1.0 else value


def _is_negator(word: str, rules: LangRules) -> bool:
    return word in rules.negators or word.endswith("n't") or word.startswith("n'")


def word_valences(toks: list[str], low: list[str], lex: Lexicon, rules: LangRules) -> list[float]:
    """Valence of each sentiment-bearing word after boosters, caps and negation (VADER rules).

    ``low`` is ``toks`` lower-cased."""
    caps_diff = False
    if toks != low:
        n_upper = sum(1 for t in toks if len(t) > 1 and t.isupper())
        caps_diff = 0 < n_upper < sum(1 for t in toks if t not in _PUNCT)
    boosters = rules.boosters
    post = rules.post_negators
    values: list[float] = []
    contrast_at = -1
    n = len(low)
    exact = lex.words.get
    stems = bool(lex.stems)
    contrast = rules.contrast
    for i, w in enumerate(low):
        if w in _PUNCT:
            continue
        if w in contrast:
            contrast_at = len(values)
            continue
        v = exact(w)
        if v is None:
            if stems:
                v = lex.get(w)
            if v is None and "'" in w:
                v = lex.get(w.rsplit("'", 1)[1])
            if v is None:
                continue
        if v == 0.0:
            continue
        if w in boosters and i + 1 < n and lex.get(low[i + 1]) is not None:
            continue  # "super schlecht": "super" boosts, it is not itself positive here
        sign = 1.0 if v > 0 else -1.0
        if caps_diff and len(w) > 1 and toks[i].isupper():
            v += sign * CAPS_INCR
        negated = False
        for k in range(1, 4):
            j = i - k
            if j < 0:
                break
            p = low[j]
            if p in _PUNCT:
                break
            b = boosters.get(p)
            if b is not None:
                v += sign * b * _WINDOW_SCALE[k - 1]
            elif _is_negator(p, rules):
                negated = True
        if not negated and post:
            for j in range(i + 1, min(i + 3, n)):
                p = low[j]
                if p in _PUNCT:
                    break
                if p in post:
                    negated = True
                    break
        if negated:
            v *= NEG_SCALAR
        values.append(v)
    if contrast_at >= 0:
        values = [v * 0.5 if k < contrast_at else v * 1.5 for k, v in enumerate(values)]
    return values


def compound(
    toks: list[str], low: list[str], lex: Lexicon, rules: LangRules, extra: float = 0.0, text: str = ""
) -> tuple[float, float, float]:
    """(compound, positive sum, negative sum) of a tokenised text; ``extra`` adds emoji valence."""
    values = word_valences(toks, low, lex, rules)
    pos = sum(v for v in values if v > 0) + (extra if extra > 0 else 0.0)
    neg = sum(v for v in values if v < 0) + (extra if extra < 0 else 0.0)
    total = pos + neg
    if total != 0.0 and text:
        excl = min(text.count("!"), 4) * 0.292
        q = text.count("?")
        qm = 0.0 if q <= 1 else (0.18 * q if q <= 3 else 0.96)
        total += (excl + qm) if total > 0 else -(excl + qm)
    return normalise(total), pos, neg
