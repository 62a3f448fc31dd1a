"""MentionScorer: language, sentiment, complaint probability, escalation cues and score of one mention."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import NamedTuple

from monitor.models import MentionScore
from monitor.scoring.complaint import LinearModel, load_models
from monitor.scoring.cues import DIGIT, SEVERITY, CueMatcher, prefixes
from monitor.scoring.features import dense, lexical
from monitor.scoring.lang import UNKNOWN, LanguageDetector, from_tag
from monitor.scoring.langs import RULES, SUPPORTED
from monitor.scoring.lexicon import Lexicon, read_tsv, read_vader_english
from monitor.scoring.sentiment import compound, normalise
from monitor.scoring.text import clean, emoji, emoticons, looks_english, mask, tokens

_DIGIT = re.compile(r"\d")

_LEXICON_FILES: dict[str, tuple[str, ...]] = {
    "en": ("en.tsv",),
    "pl": ("pl.tsv",),
    "sv": ("sv_vader.tsv", "sv.tsv"),
    "de": ("de.tsv",),
    "es": ("es.tsv",),
    "fr": ("fr_vader.tsv", "fr.tsv"),
}
# Weights of the escalation score: what the mention says, then how far it can reach.
W_COMPLAINT, W_NEGATIVE, W_CUE = 0.3, 0.15, 0.55
FOLLOWERS_CAP, ENGAGEMENT_CAP = 1e7, 1e5


class Analysis(NamedTuple):
    """Everything the scorer derives from a text before combining it (used by training too)."""

    lang: str
    supported: bool
    sentiment: float
    cues: tuple[str, ...]
    lexical: list[str]
    dense: dict[str, float]


def _clamp01(x: float) -> float:
    return 0.0 if x < 0.0 or x != x else 1.0 if x > 1.0 else x


def reach(followers: int | None, engagement: int) -> float:
    """Reach in [0, 1], log-scaled: ~0.5 for 10k followers and no engagement yet."""
    f = max(0, followers or 0)
    e = max(0, engagement or 0)
    rf = math.log10(1 + min(f, FOLLOWERS_CAP)) / 7.0
    re_ = math.log10(1 + min(e, ENGAGEMENT_CAP)) / 5.0
    return _clamp01(0.6 * rf + 0.4 * re_)


def cue_severity(cues: tuple[str, ...]) -> float:
    """Strongest cue plus a little for each further one, in [0, 1]."""
    sev = sorted((SEVERITY.get(c, 0.0) for c in cues), reverse=True)
    if not sev:
        return 0.0
    return _clamp01(sev[0] + 0.15 * sum(sev[1:]))


class MentionScorer:
    """Build once (loads lexicons, the language model and the complaint model), then call ``score``."""

    def __init__(self) -> None:
        vader = read_vader_english()
        self._lexicons: dict[str, Lexicon] = {}
        for lang, files in _LEXICON_FILES.items():
            entries = list(vader) if lang == "en" else []
            for name in files:
                entries.extend(read_tsv(name))
            self._lexicons[lang] = Lexicon(entries)
        self._emoji = Lexicon(read_tsv("emoji.tsv")).words
        self._cues = CueMatcher()
        self._detector = LanguageDetector()
        try:
            models = load_models()
        except (OSError, ValueError, KeyError):
            models = {}
        self._full: LinearModel | None = models.get("full")
        self._dense: LinearModel | None = models.get("dense")

    @property
    def threshold(self) -> float:
        return self._full.threshold if self._full else 0.5

    def detect_language(self, text: str, hint: str | None = None) -> str:
        return from_tag(hint) or self._detector.detect(text)

    def analyse(self, text: str, *, lang: str | None = None) -> Analysis:
        text = clean(text)
        masked = mask(text)
        toks = tokens(masked)
        low = [t.lower() for t in toks]
        code = from_tag(lang) or ("en" if looks_english(low) else self._detector.detect(text))
        supported = code in SUPPORTED
        extra = 0.0
        table = self._emoji
        for ch in emoji(text):
            extra += table.get(ch, 0.0)
        if ":" in text or ";" in text or "<" in text or "_" in text or "=" in text or "^" in text:
            for em in emoticons(text):
                extra += table.get(em.lower(), 0.0)
        if supported:
            sent, pos, neg = compound(toks, low, self._lexicons[code], RULES[code], extra, text)
        else:
            sent = normalise(extra) if extra else 0.0
            pos, neg = max(extra, 0.0), min(extra, 0.0)
        lowtext = masked.lower()
        starts = prefixes(low)
        has_digit = _DIGIT.search(masked) is not None
        if has_digit:
            starts.add(DIGIT)
        cues = self._cues.find(lowtext, starts)
        breaches = self._cues.breaches(lowtext, starts)
        n_words = len(low)
        dense_f = dense(sent, pos, neg, cues, breaches, text, n_words, has_digit)
        return Analysis(code, supported, sent, cues, lexical(low) if code == "en" else [], dense_f)

    def complaint_probability(self, a: Analysis) -> float:
        if a.lang == "en" and self._full is not None:
            return self._full.probability(a.dense, a.lexical)
        if self._dense is not None:
            return self._dense.probability(a.dense)
        # No shipped model: negative tone, broken expectations and cues.
        d = a.dense
        z = -1.0 - 2.5 * d["d:compound"] + 3.0 * d["d:breach"] + 1.0 * bool(a.cues)
        return 1.0 / (1.0 + math.exp(-z))

    def score(self, text: str, *, lang: str | None = None, followers: int | None = None, engagement: int = 0) -> MentionScore:
        a = self.analyse(text, lang=lang)
        p = _clamp01(self.complaint_probability(a))
        threshold = self._full.threshold if a.lang == "en" and self._full else (self._dense.threshold if self._dense else 0.5)
        sent = max(-1.0, min(1.0, a.sentiment))
        content = W_COMPLAINT * p + W_NEGATIVE * max(0.0, -sent) + W_CUE * cue_severity(a.cues)
        score = _clamp01(content * (0.55 + 0.45 * reach(followers, engagement)))
        return MentionScore(
            lang=a.lang or UNKNOWN,
            sentiment=round(sent, 4),
            complaint=round(p, 4),
            is_complaint=p >= threshold,
            cues=a.cues,
            score=round(score, 4),
            lang_supported=a.supported,
        )

    def score_many(self, texts: Iterable[str], *, lang: str | None = None) -> list[MentionScore]:
        return [self.score(t, lang=lang) for t in texts]
