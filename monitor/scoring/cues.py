"""Escalation cues by family, in English, Polish, Swedish, German, Spanish and French.

Patterns (``lexicons/cues.tsv``) are matched on the lower-cased, masked text, whatever its detected language (a Spanish
tweet may still say "BBB"). ``breach`` (a broken expectation: "still waiting", "never arrived",
"charged twice") is used by the complaint model and not reported as a cue.
"""

from __future__ import annotations

import re
from importlib import resources

# Cue severity used by the escalation score: safety > media/legal/regulator > executive > the rest.
SEVERITY: dict[str, float] = {
    "safety": 1.0,
    "media": 0.7,
    "legal": 0.7,
    "regulator": 0.7,
    "executive": 0.5,
    "repeat_contact": 0.3,
    "unreachable_support": 0.3,
    "churn": 0.3,
    "refund": 0.15,
    "billing": 0.2,
}

FAMILIES: tuple[str, ...] = (
    "media",
    "legal",
    "regulator",
    "executive",
    "safety",
    "repeat_contact",
    "churn",
    "unreachable_support",
    "refund",
    "billing",
)
PATTERN_FILE = "cues.tsv"


def load_patterns() -> tuple[dict[str, list[str]], list[str]]:
    """(cue family -> patterns, breach patterns) from the packaged ``lexicons/cues.tsv``."""
    text = resources.files("monitor.scoring").joinpath("lexicons", PATTERN_FILE).read_text("utf-8")
    cues: dict[str, list[str]] = {f: [] for f in FAMILIES}
    breach: list[str] = []
    for line in text.splitlines():
        if not line or line.startswith("#") or "\t" not in line:
            continue
        family, pattern = line.split("\t", 1)
        if family == "breach":
            breach.append(pattern)
        elif family in cues:
            cues[family].append(pattern)
    return cues, breach


DIGIT = "#"


def _close(p: str, start: int) -> int:
    """Index of the parenthesis closing the group opened at ``start``."""
    depth = 0
    i = start
    while i < len(p):
        ch = p[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _split_top(inner: str) -> list[str]:
    out, depth, cur, i = [], 0, "", 0
    while i < len(inner):
        ch = inner[i]
        if ch == "\\":
            cur += inner[i : i + 2]
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "|" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    out.append(cur)
    return out


def expand(pattern: str) -> list[str]:
    """Alternatives of a pattern with its leading ``\\b`` and leading group spelled out."""
    if pattern.startswith("\\b"):
        pattern = pattern[2:]
    if not pattern.startswith("(?:"):
        return [pattern]
    end = _close(pattern, 0)
    if end < 0:
        return [pattern]
    rest = pattern[end + 1 :]
    optional = rest.startswith("?")
    if optional:
        rest = rest[1:]
    out = [alt + rest for alt in _split_top(pattern[3:end])]
    if optional:
        out.append(rest)
    return [x for alt in out for x in expand(alt)]


def needle(alternative: str) -> str:
    """The literal start (up to 4 letters) a word must have for ``alternative`` to match there."""
    if alternative[:1] == "\\" and alternative[1:2] == "d" or alternative[:1].isdigit():
        return DIGIT
    out = ""
    for i, ch in enumerate(alternative):
        nxt = alternative[i + 1 : i + 2]
        if not (ch.isalpha() or (ch == "'" and out)) or nxt in ("?", "*", "{"):
            break
        out += ch
        if len(out) == 4:
            break
    return out


def prefixes(words: list[str]) -> set[str]:
    """Word starts (2-4 characters) of lower-case tokens; the caller adds DIGIT for numbers."""
    out = {w[:4] for w in words}
    out.update([w[:3] for w in words])
    out.update([w[:2] for w in words])
    return out


def _boundary_hits(rx: re.Pattern[str], low: str) -> int:
    """Matches of ``rx`` that start at a word boundary (the patterns' leading ``\\b``)."""
    n = 0
    for m in rx.finditer(low):
        at = m.start()
        if at == 0 or not low[at - 1].isalnum():
            n += 1
    return n


def _boundary_found(rx: re.Pattern[str], low: str) -> bool:
    for m in rx.finditer(low):
        at = m.start()
        if at == 0 or not low[at - 1].isalnum():
            return True
    return False


def _index(patterns: dict[str, list[str]]) -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """needle -> [(family, regex of that family's alternatives starting with the needle)]."""
    grouped: dict[str, dict[str, list[str]]] = {}
    for family, parts in patterns.items():
        for part in parts:
            for alt in expand(part):
                key = needle(alt)
                if not key:
                    raise ValueError(f"cue pattern without a literal start: {family}: {part}")
                if len(key) == 1 and key != DIGIT:
                    raise ValueError(f"cue pattern needs a literal start of 2+ letters: {part}")
                for k in (key,):
                    grouped.setdefault(k, {}).setdefault(family, []).append(alt)
    return {
        key: [(fam, re.compile("|".join(f"(?:{a})" for a in alts))) for fam, alts in by_fam.items()]
        for key, by_fam in grouped.items()
    }


class CueMatcher:
    """Compiled once. Patterns are grouped by the word start they need, and a group's regex runs
    only when some word of the text starts that way (a literal-prefixed regex is fast)."""

    def __init__(self) -> None:
        patterns, breach = load_patterns()
        self._cues = _index(patterns)
        self._cue_keys = frozenset(self._cues)
        self._breach = _index({"breach": breach})
        self._breach_keys = frozenset(self._breach)

    def find(self, low: str, starts: set[str]) -> tuple[str, ...]:
        """Cue families present in ``low``, in FAMILIES order."""
        found: set[str] = set()
        for key in self._cue_keys.intersection(starts):
            for family, rx in self._cues[key]:
                if family not in found and _boundary_found(rx, low):
                    found.add(family)
        if not found:
            return ()
        return tuple(f for f in FAMILIES if f in found)

    def breaches(self, low: str, starts: set[str]) -> int:
        """How many breach-of-expectation phrases ``low`` contains."""
        n = 0
        for key in self._breach_keys.intersection(starts):
            for _, rx in self._breach[key]:
                n += _boundary_hits(rx, low)
        return n
