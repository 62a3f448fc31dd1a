"""Text normalisation and near-duplicate signatures (bottom-k of hashed word shingles).

Two texts whose signatures share many hashes have similar shingle sets (a bottom-k sketch estimates
their Jaccard similarity). The hashes are deterministic (crc32), so replay gives the same groups.
"""

from __future__ import annotations

import re
import zlib

_RT = re.compile(r"^\s*rt\s+@\w+:?\s*", re.IGNORECASE)
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"[@#]\w+")
_WORD = re.compile(r"\w+", re.UNICODE)

SIGNATURE_SIZE = 8


def _may_link(text: str) -> bool:
    """Whether ``_URL`` can match: most posts have no link, and the check is six times cheaper."""
    return "://" in text or "www." in text.lower()


def urls(text: str) -> list[str]:
    """Links in a post, normalised (scheme, trailing punctuation and 'www.' dropped)."""
    if not _may_link(text):
        return []
    out = []
    for u in _URL.findall(text):
        u = u.rstrip(".,;:!?)]}'\"").lower()
        u = re.sub(r"^https?://", "", u)
        u = re.sub(r"^www\.", "", u)
        if len(u) > 8:
            out.append(u[:250])
    return out


def normalise(text: str) -> list[str]:
    text = _RT.sub("", text[:5000])
    if _may_link(text):
        text = _URL.sub(" ", text)
    if "@" in text or "#" in text:
        text = _MENTION.sub(" ", text)
    return _WORD.findall(text.lower())


def signature(text: str, drop: frozenset[str] = frozenset()) -> list[int]:
    """Bottom-k hashes of word trigrams (bigrams for short texts); [] when too short to judge.

    ``drop`` holds words not to compare on: the brand's own name is in every post about it.
    """
    words = [w for w in normalise(text) if w not in drop]
    n = 3 if len(words) >= 8 else 2
    if len(words) < 4:
        return []
    if n == 3:
        shingles = {f"{a} {b} {c}" for a, b, c in zip(words, words[1:], words[2:], strict=False)}
    else:
        shingles = {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)}
    hashes = sorted({zlib.crc32(s.encode("utf-8")) for s in shingles})
    return hashes[:SIGNATURE_SIZE]


_LONG_NUMBER = re.compile(r"\d{6}")
_AMOUNT = re.compile(r"[$€£]\s?(\d{1,3}(?:[,.\s]\d{3})+|\d+)(?:[.,](\d{2}))?(?!\d)|(?<![\w#])#?(\d{6,})(?!\d)")


def distinctive_numbers(text: str) -> list[str]:
    """Numbers that identify a story: money amounts with cents or 4+ digits, order/ticket numbers.

    "$7,455" and "$88.77" name the same complaint on X, Reddit and the local news, where the words
    around them differ.
    """
    text = text[:5000]
    if not ("$" in text or "€" in text or "£" in text or _LONG_NUMBER.search(text)):
        return []  # neither an amount nor a long number: most posts, found at a third of the cost
    out = []
    for m in _AMOUNT.finditer(text):
        if m.group(3):
            out.append(m.group(3))
            continue
        whole = re.sub(r"[,.\s]", "", m.group(1))
        cents = m.group(2)
        if cents and cents != "00":
            out.append(f"{whole}.{cents}")
        elif len(whole) >= 4:
            out.append(whole)
    return sorted(set(out))
