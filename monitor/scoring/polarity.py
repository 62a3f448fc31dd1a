"""Trained sentiment-sign models for languages whose lexicons miss much of real posts (Polish, Swedish).

A logistic regression over Snowball stems, a stem after a negator counted apart ("nie polecam" is not
"polecam"), shipped as JSON (``model/polarity_<lang>.json``) and trained by tools/train_polarity.py.
The scorer blends its opinion with the lexicon's: the lexicon knows intensity and emoji, the model
knows the many plain words of complaint and praise ("czekałam", "zapisać się", "niestety").
"""

from __future__ import annotations

import json
import math
from importlib import resources

from monitor.scoring.rule_words import fold

_MIN_LEN = 3
_MIN_FOLDED = 5  # letters of a stem also looked up without its diacritics
CONFIDENT = 0.35
"""Default of a model's "confident": below that |2P - 1| it has no opinion, so that a plain statement
("Za masło zapłaciłem 10 zł") stays neutral instead of leaning the way its words lean in reviews."""


class PolarityModel:
    def __init__(self, spec: dict[str, object], negators: frozenset[str], function_words: frozenset[str] = frozenset(),
                 folds: bool = False) -> None:
        import snowballstemmer  # a dependency; loaded only when a language with a model is met

        self._stem = snowballstemmer.stemmer(str(spec["stemmer"])).stemWord
        weights = spec["weights"]
        assert isinstance(weights, dict)
        self._weights: dict[str, float] = {str(k): float(v) for k, v in weights.items()}
        if folds:
            # Posts that drop diacritics ("nie dziala", "zaluje"): a stem of the folded word finds the
            # weight of the stem it folds from; a folded stem that is a stem of its own keeps its weight.
            # Short stems are left out: "męcz" (tiring) folded is "mecz" (a match).
            folded: dict[str, list[float]] = {}
            for k, v in self._weights.items():
                if fold(k) != k and len(k.lstrip("~")) >= _MIN_FOLDED:
                    folded.setdefault(fold(k), []).append(v)
            self._weights = {**{k: sum(v) / len(v) for k, v in folded.items()}, **self._weights}
        self._bias = float(str(spec["bias"]))
        self.blend = float(str(spec.get("blend", 0.5)))
        """The model's share when blended with the lexicon's compound."""
        self._confident = float(str(spec.get("confident", CONFIDENT)))
        self._negators = negators
        self._skip = function_words
        self._memo: dict[str, str] = {}

    def features(self, low: list[str]) -> list[str]:
        """Stems of the words, "~stem" for a word within two words after a negator."""
        out: list[str] = []
        negated = 0
        memo = self._memo
        for w in low:
            if w in self._negators:
                negated = 2
                continue
            if len(w) < _MIN_LEN or not w.isalpha() or w in self._skip:
                if w in ".!?;,":
                    negated = 0
                continue
            stem = memo.get(w)
            if stem is None:
                stem = self._stem(w)
                if len(memo) < 200_000:
                    memo[w] = stem
            out.append("~" + stem if negated else stem)
            negated = max(0, negated - 1)
        return out

    def sign(self, low: list[str]) -> float | None:
        """2 P(positive) - 1 in [-1, 1], or None when the model knows no word of the text or is not confident."""
        get = self._weights.get
        hits = [v for v in map(get, set(self.features(low))) if v is not None]
        if not hits:
            return None
        z = self._bias + sum(hits)
        z = max(-30.0, min(30.0, z))
        sign = 2.0 / (1.0 + math.exp(-z)) - 1.0
        return sign if abs(sign) >= self._confident else None


def load_polarity(lang: str, negators: frozenset[str], function_words: frozenset[str] = frozenset(),
                  folds: bool = False) -> PolarityModel | None:
    """The shipped model for ``lang``, or None if there is none."""
    try:
        text = resources.files("monitor.scoring").joinpath("model", f"polarity_{lang}.json").read_text("utf-8")
    except (FileNotFoundError, OSError):
        return None
    return PolarityModel(json.loads(text), negators, function_words, folds)
