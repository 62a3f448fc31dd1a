"""Word valence lexicons: exact words plus stems (``stem*``) matched by longest prefix.

Files live in ``monitor/scoring/lexicons/`` as ``word<TAB>valence`` lines (VADER scale, -4..4);
``#`` starts a comment. Later files override earlier ones, so an authored supplement can correct
a vendored list.
"""

from __future__ import annotations

from importlib import resources

MIN_STEM = 3
_CACHE_LIMIT = 200_000


def read_tsv(name: str) -> list[tuple[str, float]]:
    """Entries of one packaged lexicon file (missing file: no entries)."""
    try:
        data = resources.files("monitor.scoring").joinpath("lexicons", name).read_text("utf-8")
    except (FileNotFoundError, OSError):
        return []
    out: list[tuple[str, float]] = []
    for line in data.splitlines():
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        try:
            out.append((parts[0].strip().lower(), float(parts[1])))
        except ValueError:
            continue
    return out


def read_vader_english() -> list[tuple[str, float]]:
    """VADER's own English lexicon, read from the installed vaderSentiment package (MIT)."""
    try:
        data = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return []
    out: list[tuple[str, float]] = []
    for line in data.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            try:
                out.append((parts[0].lower(), float(parts[1])))
            except ValueError:
                continue
    return out


class Lexicon:
    """Valence lookup for one language: exact word, else the longest matching stem."""

    def __init__(self, entries: list[tuple[str, float]]) -> None:
        self.words: dict[str, float] = {}
        self.stems: dict[str, float] = {}
        # Entries of several words ("ręce opadają", "dzięki za nic"): an idiom whose value is not its
        # words' (the sentiment engine matches them on consecutive tokens).
        self.phrases: dict[tuple[str, ...], float] = {}
        for word, value in entries:
            if " " in word.strip():
                self.phrases[tuple(word.split())] = value
            elif word.endswith("*") and len(word) > MIN_STEM and word[0].isalpha():
                self.stems[word[:-1]] = value
            elif word:
                self.words[word] = value
        self._max_stem = max((len(s) for s in self.stems), default=0)
        self._cache: dict[str, float | None] = {}

    def __len__(self) -> int:
        return len(self.words) + len(self.stems)

    def get(self, word: str) -> float | None:
        """Valence of a lower-case word, or None."""
        value = self.words.get(word)
        if value is not None:
            return value
        if not self.stems:
            return None
        cache = self._cache
        if word in cache:
            return cache[word]
        stems = self.stems
        found: float | None = None
        for n in range(min(len(word), self._max_stem), MIN_STEM - 1, -1):
            found = stems.get(word[:n])
            if found is not None:
                break
        if len(cache) < _CACHE_LIMIT:
            cache[word] = found
        return found
