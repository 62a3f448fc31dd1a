"""MentionScorer: language, sentiment, complaint probability, escalation cues and score of one mention."""

from __future__ import annotations

import math
from typing import NamedTuple

from monitor.models import MentionScore
from monitor.scoring.complaint import LinearModel, load_models
from monitor.scoring.cues import BOYCOTT, DIGIT, SEVERITY, CueMatcher, calls_for_boycott
from monitor.scoring.features import as_dict, dense_values, lexical
from monitor.scoring.lang import UNKNOWN, LanguageDetector, from_tag
from monitor.scoring.lexicon import Lexicon, read_tsv, read_vader_english
from monitor.scoring.polarity import PolarityModel, load_polarity
from monitor.scoring.posts import reports_a_problem, title_asks_how_to
from monitor.scoring.rule_words import RULES, SUPPORTED, fold
from monitor.scoring.sentences import LONG_CHARS, MAX_SENTENCES, split
from monitor.scoring.sentiment import SentimentEngine, normalise
from monitor.scoring.text import clean, emoji, emoticons, looks_english, mask, tokens

_LEXICON_FILES: dict[str, tuple[str, ...]] = {
    "en": ("en.tsv",),
    "pl": ("pl.tsv",),
    "sv": ("sv_vader.tsv", "sv_sentimentlex.tsv", "sv.tsv"),
    "de": ("de.tsv",),
    "es": ("es.tsv",),
    "fr": ("fr_vader.tsv", "fr.tsv"),
}
_VENDORED = "_vader.tsv"  # machine-translated VADER lexicons, corrected by the authored file after them
# Weights of the escalation score: what the mention says, then how far it can reach.
W_COMPLAINT, W_NEGATIVE, W_CUE = 0.3, 0.15, 0.55
# Languages with a trained sentiment-sign model (model/polarity_<lang>.json, with its share of the blend).
POLARITY_LANGS = frozenset({"pl"})
FOLLOWERS_CAP, ENGAGEMENT_CAP = 1e7, 1e5
# A long English text (more than LONG_CHARS) is a complaint when its two most complaining sentences
# average at least LONG_THRESHOLD, or when one sentence alone reaches LONG_SURE; sentences that read
# clearly positive (sentiment above LONG_POSITIVE) and name no breach do not count. Chosen on the
# development half of the labelled long posts and reviews (BENCHMARKS.md, "Long posts and reviews"),
# for the complaint model shipped with it.
LONG_TOP, LONG_THRESHOLD, LONG_SURE, LONG_POSITIVE = 2, 0.75, 0.99, 0.3
# A long post without stars (a forum post, not a review) counts POST_PROBLEM more when it names a problem
# state and POST_HOW_TO less when its title asks how to do something (posts.py), and is a complaint from
# POST_THRESHOLD: on a help forum a bug report is written as a request for help, like a how-to question.
# Chosen on the development half of the labelled Reddit posts (BENCHMARKS.md, "Long posts and reviews").
# Reviews keep the rule above: their stars already say what the words of a post must.
POST_PROBLEM, POST_HOW_TO, POST_THRESHOLD = 0.2, 0.2, 0.8
# A review of this many stars or fewer is read whole however long: a middling review says what is
# wrong plainly, and one or two stars make it a complaint anyway (rating.rated).
READ_WHOLE_STARS = 3
_BREACH = 4  # index of the breach feature in ``dense_values``


_MIN_FOLDED_STEM = 6


def _folded(entries: list[tuple[str, float]], function_words: frozenset[str]) -> list[tuple[str, float]]:
    """Entries spelled without diacritics. Short stems are left out: folded, they would catch other
    words ("męcz*" tiring as "mecz*" match, "mił*" nice as "mil*" million); so are spellings that are
    a function word ("hår" hair as "har" has) or that the lexicon already knows, stems included
    ("täck" pretty as "tack" thanks, which "tack*" covers)."""
    real = Lexicon(entries)
    out = []
    for word, value in entries:
        f = fold(word)
        if (f != word and (not f.endswith("*") or len(f) > _MIN_FOLDED_STEM) and f not in function_words
                and real.get(f.rstrip("*")) is None):
            out.append((f, value))
    return out


def build_lexicon(lang: str) -> Lexicon:
    """The language's lexicon from its files (``_LEXICON_FILES``; English on top of VADER's own)."""
    files = _LEXICON_FILES[lang]
    parts = [read_tsv(name) for name in files]  # each file read once (a vendored one is ~10,000 lines)
    entries = read_vader_english() if lang == "en" else []
    for part in parts:
        entries.extend(part)
    if files[0].endswith(_VENDORED):  # the authored supplement wins, its stems included
        vendored = parts[0]
        authored = entries[len(vendored) :]
        mine = Lexicon(authored)
        entries = [e for e in vendored if mine.get(e[0]) is None] + authored
    if RULES[lang].fold_diacritics:  # folded spellings first: any real entry overrides them
        entries = _folded(entries, RULES[lang].function_words) + entries
    return Lexicon(entries)


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
    if not followers and not engagement:
        return 0.0
    f = max(0, followers or 0)
    e = max(0, engagement or 0)
    rf = math.log10(1 + min(f, FOLLOWERS_CAP)) / 7.0
    re_ = math.log10(1 + min(e, ENGAGEMENT_CAP)) / 5.0
    return _clamp01(0.6 * rf + 0.4 * re_)


def escalation(complaint: float, sentiment: float, cues: tuple[str, ...], followers: int | None, engagement: int) -> float:
    """A mention's own escalation score in [0, 1]: complaint, negative tone and the worst cue, scaled
    by its reach (docs/CONTRACT.md, ``monitor score``)."""
    content = W_COMPLAINT * complaint + W_NEGATIVE * max(0.0, -sentiment) + W_CUE * cue_severity(cues)
    return _clamp01(content * (0.55 + 0.45 * reach(followers, engagement)))


def cue_severity(cues: tuple[str, ...]) -> float:
    """Strongest cue plus a little for each further one, in [0, 1]."""
    if not cues:
        return 0.0
    sev = sorted((SEVERITY.get(c, 0.0) for c in cues), reverse=True)
    if not sev:
        return 0.0
    return _clamp01(sev[0] + 0.15 * sum(sev[1:]))


class MentionScorer:
    """Build once (loads lexicons, the language model and the complaint model), then call ``score``."""

    def __init__(self) -> None:
        # English is built now; another language's lexicon and engine on its first text (``_engine``):
        # most runs see few languages, and building all six was a third of the start-up.
        self._engines: dict[str, SentimentEngine] = {}
        self._engine("en")
        self._emoji = Lexicon(read_tsv("emoji.tsv")).words
        self._cues = CueMatcher()
        self._detector = LanguageDetector()
        self._polarity: dict[str, PolarityModel | None] = {}
        try:
            models = load_models()
        except (OSError, ValueError, KeyError):
            models = {}
        self._full: LinearModel | None = models.get("full")
        self.long_chars = LONG_CHARS  # texts longer than this are read sentence by sentence
        self._dense: LinearModel | None = models.get("dense")

    def _engine(self, code: str) -> SentimentEngine | None:
        """The sentiment engine of a language with a lexicon (None for any other), built on first use."""
        engine = self._engines.get(code)
        if engine is None and code in _LEXICON_FILES:
            engine = self._engines[code] = SentimentEngine(build_lexicon(code), RULES[code])
        return engine

    @property
    def threshold(self) -> float:
        return self._full.threshold if self._full else 0.5

    def detect_language(self, text: str, hint: str | None = None) -> str:
        return from_tag(hint) or self._detector.detect(text)

    def analyse(self, text: str, *, lang: str | None = None) -> Analysis:
        code, supported, sent, cues, low, values, _ = self._analyse(text, lang)
        return Analysis(code, supported, sent, cues, lexical(low) if code == "en" else [], as_dict(values, cues))

    def _analyse(
        self, text: str, lang: str | None
    ) -> tuple[str, bool, float, tuple[str, ...], list[str], tuple[float, ...], bool]:
        """(language, supported, sentiment, cues, lower-case tokens, ``dense_values``, maybe numbers)."""
        text = clean(text)
        masked = mask(text)
        toks = tokens(masked)
        low = list(map(str.lower, toks))
        code = (lang and from_tag(lang)) or ("en" if looks_english(low) else self._detector.detect(text))
        supported = code in SUPPORTED
        extra = 0.0
        table = self._emoji
        if not text.isascii():  # emoji are not
            for ch in emoji(text):
                extra += table.get(ch, 0.0)
        if ":" in text or ";" in text or "<" in text or "_" in text or "=" in text or "^" in text:
            for em in emoticons(text):
                extra += table.get(em.lower(), 0.0)
        engine = self._engine(code)
        if engine is not None:
            sent, pos, neg = engine.compound(toks, low, extra, text)
            if code in POLARITY_LANGS:
                sent = self._blend(code, sent, low)
        else:
            sent = normalise(extra) if extra else 0.0
            pos, neg = max(extra, 0.0), min(extra, 0.0)
        lowtext = masked.lower()
        starts = self._cues.starts(low)
        has_digit = DIGIT in starts
        cues, breaches = self._cues.scan(lowtext, starts)
        values = dense_values(sent, pos, neg, breaches, text, low, has_digit)
        # Numbers in the words ("¹" too, which is no \d): the word model must collapse them to "0".
        numbers = has_digit or not masked.isascii()
        return code, supported, sent, cues, low, values, numbers

    def _blend(self, code: str, sent: float, low: list[str]) -> float:
        """The lexicon's compound blended with the language's trained model, when it knows a word."""
        if code not in self._polarity:  # loaded on the first text in that language
            rules = RULES[code]
            self._polarity[code] = load_polarity(code, rules.negators, rules.function_words, rules.fold_diacritics)
        model = self._polarity[code]
        found = self._engines[code].phrases(low)
        if found:  # the model never saw an idiom as one: it reads "dzięki za nic" as thanks
            skip = {j for i, (n, _) in found.items() for j in range(i, i + n)}
            low = [w for j, w in enumerate(low) if j not in skip]
        sign = model.sign(low) if model is not None else None
        if sign is None or model is None:
            return sent
        return (1.0 - model.blend) * sent + model.blend * sign

    def _dense_probability(self, d: dict[str, float], cues: tuple[str, ...]) -> float:
        if self._dense is not None:
            return self._dense.probability(d)
        # No shipped model: negative tone, broken expectations and cues.
        z = -1.0 - 2.5 * d["d:compound"] + 3.0 * d["d:breach"] + 1.0 * bool(cues)
        return 1.0 / (1.0 + math.exp(-z))

    def _long_probability(self, text: str, code: str) -> float:
        """Mean of the LONG_TOP highest sentence probabilities of the word model (missing ones count 0),
        or the highest alone when it reaches LONG_SURE.

        A complaint buried in a long post shows as a sentence or two the model is sure of; a how-to
        question or a showcase has service and problem words spread thin, which flagged it as a whole."""
        assert self._full is not None
        prob = self._full.fast_probability
        top = [0.0] * LONG_TOP
        for piece in split(clean(text))[:MAX_SENTENCES]:
            if piece.isspace():
                continue
            _, _, sent, cues, low, values, numbers = self._analyse(piece, code)
            if sent > LONG_POSITIVE and not values[_BREACH]:
                continue  # praise and thanks do not complain, however many service words they have
            p = prob(values, cues, low, numbers)
            if p > top[-1]:
                top[-1] = p
                top.sort(reverse=True)
        return top[0] if top[0] >= LONG_SURE else sum(top) / LONG_TOP

    def _post_probability(self, text: str, code: str) -> float:
        """``_long_probability`` moved up by a problem state and down by a how-to title (``score`` clamps it)."""
        p = self._long_probability(text, code)
        if reports_a_problem(text):
            p += POST_PROBLEM
        if title_asks_how_to(text):
            p -= POST_HOW_TO
        return p

    def score(self, text: str, *, lang: str | None = None, followers: int | None = None, engagement: int = 0,
              rating: int | None = None) -> MentionScore:
        """The mention's score; ``rating``: a review's stars (the stars themselves count in ``rating.rated``)."""
        code, supported, sent, cues, low, values, numbers = self._analyse(text, lang)
        if code == "en" and self._full is not None:
            long = len(text) > self.long_chars
            if long and rating is None:  # a post: by its sentences and the problem it names
                p, threshold = self._post_probability(text, code), POST_THRESHOLD
            elif long and rating is not None and rating > READ_WHOLE_STARS:  # a good review: by its sentences
                p, threshold = self._long_probability(text, code), LONG_THRESHOLD
            else:
                p = self._full.fast_probability(values, cues, low, numbers)
                threshold = self._full.threshold
        elif self._dense is not None:
            p = self._dense.fast_probability(values, cues)
            threshold = self._dense.threshold
        else:
            p = self._dense_probability(as_dict(values, cues), cues)
            threshold = 0.5
        p = _clamp01(p)
        if calls_for_boycott(text):
            cues = (*cues, BOYCOTT)  # after the model: not one of its features
        sent = max(-1.0, min(1.0, sent))
        score = escalation(p, sent, cues, followers, engagement)
        return MentionScore(
            lang=code or UNKNOWN,
            sentiment=round(sent, 4),
            complaint=round(p, 4),
            is_complaint=p >= threshold,
            cues=cues,
            score=round(score, 4),
            lang_supported=supported,
        )
