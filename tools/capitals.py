"""Words written with a capital inside a sentence: how the trainers tell names from other words
without a list of every name (train_complaint ``name_words``, train_polarity ``name_stems``)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Container, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from monitor.scoring.text import mask, tokens  # noqa: E402


def capitalised(texts: Iterable[str], *, after: Container[str], counts: Callable[[str], bool],
                key: Callable[[str], str], min_count: int, share: float) -> frozenset[str]:
    """The keys (``key`` of a token) seen at least ``min_count`` times inside a sentence and written
    with a capital in at least ``share`` of those uses. A token right after one of ``after`` (a full
    stop, a leading @handle) starts its sentence, and one ``counts`` rejects is not a word to judge:
    neither is evidence either way."""
    seen: dict[str, int] = {}
    capital: dict[str, int] = {}
    for text in texts:
        toks = tokens(mask(text))
        for prev, tok in zip(toks, toks[1:], strict=False):
            if prev in after or not counts(tok):
                continue
            k = key(tok)
            seen[k] = seen.get(k, 0) + 1
            capital[k] = capital.get(k, 0) + tok[0].isupper()
    return frozenset(k for k, n in seen.items() if n >= min_count and capital[k] >= share * n)
