"""Sentences of a long post, for scoring a long text sentence by sentence.

The complaint model learnt from tweets. On a Reddit post or a review of a hundred words and more it
finds a service word, a problem word or a question somewhere in nearly every one, and as a whole text
it flags most of them; read sentence by sentence, a complaint shows as one or two sentences that the
model is sure of, and a how-to question or a showcase does not (BENCHMARKS.md, "Long posts and reviews").
"""

from __future__ import annotations

import re

LONG_CHARS = 280
"""Longer than a tweet: texts of more characters are decided by their sentences (tweets as before)."""

MAX_SENTENCES = 200
"""At most this many sentences of one text are scored (a 10,000-character post has ~100)."""

# A sentence ends after ".", "!", "?" or "…" and the spaces that follow, or at a line break (a title,
# a list item, a paragraph without a full stop).
_BOUNDARY = re.compile(r"(?<=[.!?…])\s+|\n+")


def split(text: str) -> list[str]:
    """The text cut into sentences, each with the spaces after it: joined, they are ``text`` again."""
    pieces = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        if end > start:
            pieces.append(text[start:end])
            start = end
    if start < len(text):
        pieces.append(text[start:])
    return pieces
