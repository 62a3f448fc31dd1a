"""Escalation cues by family, in English, Polish, Swedish, German, Spanish and French.

Patterns (``lexicons/cues.tsv``) are matched on the lower-cased, masked text, whatever its detected language (a Spanish
tweet may still say "BBB"). ``breach`` (a broken expectation: "still waiting", "never arrived",
"charged twice") is used by the complaint model and not reported as a cue.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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
    "boycott": 0.3,
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
# A call to drop the brand, the mark of a backlash: the word in six languages, and the hashtags that
# say it (#DeleteUber, #BoycottNike, #JustBurnIt). Reported as the cue ``boycott``, beside the families
# above (the complaint model is trained on those alone, so it is not one of its features).
BOYCOTT = "boycott"
_BOYCOTT = re.compile(r"\bbo(?:y?cott|jkott?|ykott|icot)|#(?:(?:delete|ditch|dump|uninstall|burnyour)\w|justburnit)",
                      re.IGNORECASE)


def calls_for_boycott(text: str) -> bool:
    """Whether a post calls for a boycott of what it names (or carries a hashtag that does)."""
    # Cheap look-ups first: most posts have none of these letters, and the search costs more.
    if not ("#" in text or "ott" in text or "kot" in text or "cot" in text or "OTT" in text or "KOT" in text
            or "COT" in text):
        return False
    return _BOYCOTT.search(text) is not None


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
BREACH = "breach"
_MEMO_LIMIT = 200_000


def _scan(p: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """``(index, piece, depth)`` along ``p`` from ``start``: a piece is a character or an escape
    (``\\x``, never a group's parenthesis), depth the groups open once it is read."""
    depth = 0
    i = start
    while i < len(p):
        piece = p[i : i + 2] if p[i] == "\\" else p[i]
        if piece == "(":
            depth += 1
        elif piece == ")":
            depth -= 1
        yield i, piece, depth
        i += len(piece)


def _close(p: str, start: int) -> int:
    """Index of the parenthesis closing the group opened at ``start``."""
    return next((i for i, piece, depth in _scan(p, start) if piece == ")" and depth == 0), -1)


def _split_top(inner: str) -> list[str]:
    """``inner``'s alternatives: split at each ``|`` outside a group."""
    out, cur = [], ""
    for _, piece, depth in _scan(inner):
        if piece == "|" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += piece
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


_META = frozenset("\\[](){}?*+|.^$")


def literal(alternative: str) -> str:
    """The literal text every match of ``alternative`` contains at its start ("" if none is sure).

    It is read up to the first regex syntax; a quantifier after a character makes that one optional,
    and an alternation outside any group makes the whole unsure."""
    if any(piece == "|" and depth == 0 for _, piece, depth in _scan(alternative)):
        return ""
    out: list[str] = []
    for ch in alternative:
        if ch in _META:
            if ch in "?*{" and out:
                out.pop()
            break
        out.append(ch)
    return "".join(out)


def _after_digit(alternative: str) -> str | None:
    """What ``alternative`` (which starts with a digit) matches after its first digit, or None if
    that is not simple to say: ``\\d+x`` is ``\\d*x`` after it, ``\\dx`` is ``x``, ``2nd`` is
    ``(?<=2)nd``."""
    second = alternative[2:3] if alternative.startswith("\\d") else alternative[1:2]
    if alternative.startswith("\\d+"):
        return "\\d*" + alternative[3:]
    if second in ("?", "*", "+", "{"):
        return None
    if alternative.startswith("\\d"):
        return alternative[2:]
    if alternative[:1] in "0123456789" and alternative[:1]:
        return f"(?<={alternative[0]})" + alternative[1:]
    return None


def _compile(key: str, alternatives: list[str]) -> re.Pattern[str]:
    """One regex for alternatives sharing the literal start ``key``, matching only at word starts.

    The literal comes first and the word-boundary check after it, as a lookbehind: a regex that
    starts with a literal is searched for fast, one that starts with an assertion is tried at every
    position. ``[^\\W_]`` is a letter or digit (the patterns' ``\\b``, without the underscore)."""
    if key == DIGIT:
        after = [_after_digit(a) for a in alternatives]
        if all(r is not None for r in after):  # the digit first: a regex starting with \d is searched fast
            return re.compile("\\d(?<![^\\W_]\\d)(?:" + "|".join(f"(?:{r})" for r in after) + ")")
        return re.compile("(?<![^\\W_])(?:" + "|".join(f"(?:{a})" for a in alternatives) + ")")
    lit = re.escape(key)
    rests = "|".join(f"(?:{a[len(key) :]})" for a in alternatives)
    return re.compile(f"{lit}(?<![^\\W_]{lit})(?:{rests})")


def _group(patterns: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
    """needle -> family -> the family's alternatives that start with the needle."""
    grouped: dict[str, dict[str, list[str]]] = {}
    for family, parts in patterns.items():
        for part in parts:
            for alt in expand(part):
                key = needle(alt)
                if not key:
                    raise ValueError(f"cue pattern without a literal start: {family}: {part}")
                if len(key) == 1 and key != DIGIT:
                    raise ValueError(f"cue pattern needs a literal start of 2+ letters: {part}")
                if key != DIGIT and not alt.startswith(key):
                    raise ValueError(f"cue pattern must start with its literal: {family}: {part}")
                grouped.setdefault(key, {}).setdefault(family, []).append(alt)
    return grouped


_Entry = tuple[tuple[str, ...], "re.Pattern[str] | None", list[tuple[str, "re.Pattern[str]"]]]


class CueMatcher:
    """Patterns are grouped by the word start they need (their key), and a group's regexes run only
    when some word of the text starts that way (a literal-prefixed regex is fast). Each key's
    regexes are compiled when first needed: most keys never are in a given run."""

    def __init__(self) -> None:
        patterns, breach = load_patterns()
        self._groups = _group({**patterns, BREACH: breach})
        self._scan_keys = frozenset(self._groups)
        self._keys = self._scan_keys - {DIGIT}
        self._word_keys: dict[str, tuple[str, ...]] = {}
        self._compiled: dict[str, _Entry] = {}

    def _compile_key(self, key: str) -> _Entry:
        """(the literal starts of the key's alternatives, one of which the text must contain for any
        regex to match, or () if some alternative has none; a regex of all the key's alternatives,
        which must match before the per-family regexes run, or None if there is only one family;
        [(family or BREACH, regex)])."""
        by_family = self._groups[key]
        entries = [(BREACH if fam == BREACH else fam, _compile(key, alts)) for fam, alts in by_family.items()]
        alternatives = [a for alts in by_family.values() for a in alts]
        gate = _compile(key, alternatives) if len(entries) > 1 else None
        literals = tuple(dict.fromkeys(map(literal, alternatives)))
        if "" in literals:
            literals = ()
        self._compiled[key] = (literals, gate, entries)
        return literals, gate, entries

    def _keys_of(self, word: str) -> tuple[str, ...]:
        keys = self._keys
        out = tuple(k for k in {word[:2], word[:3], word[:4]} if k in keys)
        if word[:1].isdecimal():
            out += (DIGIT,)
        if len(self._word_keys) < _MEMO_LIMIT:
            self._word_keys[word] = out
        return out

    def starts(self, words: list[str]) -> set[str]:
        """The pattern keys (word starts, and DIGIT for a number) that lower-case ``words`` offer."""
        get = self._word_keys.get
        out: set[str] = set()
        for w in words:
            keys = get(w)
            if keys is None:
                keys = self._keys_of(w)
            if keys:
                out.update(keys)
        return out

    def find(self, low: str, starts: set[str]) -> tuple[str, ...]:
        """Cue families present in ``low``, in FAMILIES order."""
        return self.scan(low, starts)[0]

    def scan(self, low: str, starts: set[str]) -> tuple[tuple[str, ...], int]:
        """``find(low, starts)`` and how many breach-of-expectation phrases ``low`` contains, in one pass."""
        found: set[str] = set()
        n = 0
        compiled = self._compiled
        for key in self._scan_keys.intersection(starts):
            entry = compiled.get(key)
            literals, gate, entries = entry if entry is not None else self._compile_key(key)
            # Most keys offered by a word ("to", "the", "no") have no match: a substring test, far
            # cheaper than a regex search, rules that out first ("to court" is not in the text).
            if literals and not any(map(low.__contains__, literals)):
                continue
            if gate is not None and gate.search(low) is None:
                continue
            for family, rx in entries:
                if family is BREACH:
                    n += sum(1 for _ in rx.finditer(low)) if rx.groups else len(rx.findall(low))
                elif family not in found and rx.search(low) is not None:
                    found.add(family)
        if not found:
            return (), n
        return tuple(f for f in FAMILIES if f in found), n
