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
from collections.abc import Callable
from itertools import compress
from typing import cast

from monitor.scoring.lexicon import Lexicon
from monitor.scoring.rule_words import LangRules, fold

NEG_SCALAR = -0.74
CAPS_INCR = 0.733
_PUNCT = frozenset(".!?;,")
_WINDOW_SCALE = (1.0, 0.95, 0.9)
_MEMO_LIMIT = 200_000
_MIN_NEGATED = 4
_MIN_BASE = 3
# Stems shorter than this match too much: Swedish "jag" (I) would take the value of "jaga" (hunt),
# "för" that of "föra"; so do words shorter than _MIN_STEMMED.
_MIN_STEM = 4
_MIN_STEMMED = 5


def normalise(total: float, alpha: float = 15.0) -> float:
    value = total / math.sqrt(total * total + alpha)
    return -1.0 if value < -1.0 else 1.0 if value > 1.0 else value


class SentimentEngine:
    """One language's lexicon and rules, with a memo of every word's valence seen so far.

    The memo maps a lower-case token to its valence, 0.0 meaning "carries none" (unknown words,
    punctuation, contrast words), so that one C-level pass over the tokens finds the few that matter.
    """

    def __init__(self, lex: Lexicon, rules: LangRules) -> None:
        self.lex = lex
        self.rules = rules
        memo: dict[str, float] = dict(lex.words)
        for w in _PUNCT:
            memo[w] = 0.0
        for w in rules.contrast:
            memo[w] = 0.0
        self._memo = memo
        self._base = len(memo)
        # Words that change another word's valence: without any of them (and without a "n't"), the
        # values are the lexicon's, with only caps emphasis and "but" to apply.
        self._modifiers = frozenset(rules.boosters) | rules.negators | rules.post_negators
        self._stem: Callable[[str], str] | None = None
        self._stem_values: dict[str, float] = {}
        # Idioms by their first word, longest first: "dzięki za nic" is no thanks.
        phrases: dict[str, list[tuple[tuple[str, ...], float]]] = {}
        for words, value in sorted(lex.phrases.items() if rules.idioms else (), key=lambda p: -len(p[0])):
            phrases.setdefault(words[0], []).append((words, value))
        self._phrases = phrases

    def phrases(self, low: list[str]) -> dict[int, tuple[int, float]]:
        """Idioms of the lexicon found in ``low``: first token's index -> (length, valence)."""
        out: dict[int, tuple[int, float]] = {}
        table = self._phrases
        if not table or table.keys().isdisjoint(low):
            return out
        i = 0
        while i < len(low):
            for words, value in table.get(low[i], ()):
                if tuple(low[i : i + len(words)]) == words:
                    out[i] = (len(words), value)
                    i += len(words) - 1
                    break
            i += 1
        return out

    def _lookup(self, w: str) -> float:
        lex = self.lex
        v = lex.get(w)
        if v is None and "'" in w:
            v = lex.get(w.rsplit("'", 1)[1])
        if v is None:
            for ending in self.rules.endings:
                if w.endswith(ending) and len(w) - len(ending) >= _MIN_BASE:
                    v = lex.get(w[: -len(ending)])
                    if v is not None:
                        break
        if v is None and self.rules.stemmer:
            v = self._stemmed(w)
        if v is None:
            for prefix in self.rules.negating_prefixes:  # "niemiły" = "nie" + "miły", negated
                if w.startswith(prefix) and len(w) - len(prefix) >= _MIN_NEGATED:
                    inner = lex.get(w[len(prefix) :])
                    if inner:
                        v = inner * NEG_SCALAR
                        break
        value = v or 0.0
        if len(self._memo) < self._base + _MEMO_LIMIT:
            self._memo[w] = value
        return value

    def _stemmed(self, w: str) -> float | None:
        """Valence of the lexicon words sharing ``w``'s stem (their mean); the stem table is built on
        the first miss, so languages never seen cost nothing."""
        if self._stem is None:
            import snowballstemmer  # a dependency; imported here so English-only runs never load it

            stem = snowballstemmer.stemmer(self.rules.stemmer).stemWord
            sums: dict[str, list[float]] = {}
            # Spellings without diacritics added for tweets ("meczy" for "męczy") are left out: stemmed,
            # they would catch other words ("meczu", of a match).
            folded = {f for w in self.lex.words if (f := fold(w)) != w}
            for word, value in self.lex.words.items():
                if len(word) >= _MIN_STEMMED and word.isalpha() and word not in folded:
                    root = stem(word)
                    # Only an inflection cut off (up to two letters): a derivation changes the meaning,
                    # and "skicklig" (skilful) must not lend its value to "skickade" (sent).
                    if len(root) >= len(word) - 2:
                        sums.setdefault(root, []).append(value)
            self._stem = stem
            self._stem_values = {k: sum(v) / len(v) for k, v in sums.items() if len(k) >= _MIN_STEM}
        if len(w) < _MIN_STEMMED or not w.isalpha():
            return None
        return self._stem_values.get(self._stem(w))

    def valences(self, toks: list[str], low: list[str], apostrophe: bool = True) -> list[float]:
        """Valence of each sentiment-bearing word after boosters, caps and negation (VADER rules).

        ``low`` is ``toks`` lower-cased, token for token; ``apostrophe`` False promises that no
        token has one."""
        found: list[float | None] = list(map(self._memo.get, low))
        if None in found:
            lookup = self._lookup
            for i, v in enumerate(found):
                if v is None:
                    found[i] = lookup(low[i])
        vals = cast(list[float], found)
        for i, (length, value) in self.phrases(low).items():  # an idiom's value replaces its words'
            vals[i : i + length] = [value] + [0.0] * (length - 1)
        rules = self.rules
        boosters = rules.boosters
        negators = rules.negators
        post = rules.post_negators
        lex_get = self.lex.get
        n = len(low)
        hits: list[int] = []
        values: list[float] = []
        caps_diff: bool | None = None
        used: set[int] = set()  # negators already spent on the word before them
        plain = not apostrophe and self._modifiers.isdisjoint(low)
        for i in compress(range(n), vals):  # the tokens with a non-zero valence
            v = vals[i]
            w = low[i]
            if not plain and w in boosters and i + 1 < n and lex_get(low[i + 1]) is not None:
                continue  # "super schlecht": "super" boosts, it is not itself positive here
            sign = 1.0 if v > 0 else -1.0
            if len(w) > 1 and toks[i].isupper():
                if caps_diff is None:
                    n_upper = sum(1 for t in toks if len(t) > 1 and t.isupper())
                    caps_diff = n_upper < sum(1 for t in toks if t not in _PUNCT)
                if caps_diff:
                    v += sign * CAPS_INCR
            if plain:
                hits.append(i)
                values.append(v)
                continue
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
                elif (p in negators or p.endswith("n't") or p.startswith("n'")) and j not in used:
                    negated = True
            if not negated and post:
                for j in range(i + 1, min(i + 3, n)):
                    p = low[j]
                    if p in _PUNCT:
                        break
                    if p in post:
                        negated = True
                        used.add(j)  # "orkar inte med lögner": "inte" negates "orkar" only
                        break
            if negated:
                v *= NEG_SCALAR
            hits.append(i)
            values.append(v)
        if values and not rules.contrast.isdisjoint(low):
            last = max(i for i, w in enumerate(low) if w in rules.contrast)
            values = [v * 0.5 if i < last else v * 1.5 for i, v in zip(hits, values, strict=True)]
        return values

    def compound(self, toks: list[str], low: list[str], extra: float = 0.0, text: str = "") -> tuple[float, float, float]:
        """(compound, positive sum, negative sum) of a tokenised text; ``extra`` adds emoji valence."""
        pos = neg = 0.0
        for v in self.valences(toks, low, "'" in text or "’" in text or not text):
            if v > 0:
                pos += v
            else:
                neg += v
        if extra > 0:
            pos += extra
        elif extra < 0:
            neg += extra
        total = pos + neg
        if total != 0.0 and text:
            excl = min(text.count("!"), 4) * 0.292
            q = text.count("?")
            qm = 0.0 if q <= 1 else (0.18 * q if q <= 3 else 0.96)
            total += (excl + qm) if total > 0 else -(excl + qm)
        return normalise(total), pos, neg
