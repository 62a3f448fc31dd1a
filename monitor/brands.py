"""Which brand a post is about, and whether the brand itself wrote it: shared vocabulary, used by the
pipeline and by the sources (to tell which brand a search result belongs to)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from monitor.models import BrandQuery, Observation


def _phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    # Word boundaries where the phrase starts/ends with a word character, so "acme" does not match
    # "acmeology" but "@acmeair" and "#acmeair" still match the keyword "acmeair".
    parts = []
    for p in sorted({p.strip().lower() for p in phrases if p.strip()}, key=len, reverse=True):
        esc = re.escape(p)
        left = r"(?<!\w)" if p[0].isalnum() else ""
        right = r"(?!\w)" if p[-1].isalnum() else ""
        parts.append(left + esc + right)
    return re.compile("|".join(parts), re.IGNORECASE)


class BrandMatcher:
    def __init__(self, brands: Sequence[BrandQuery]):
        self.brands = {b.name: b for b in brands}
        self._rules = [(b, _phrase_pattern(b.keywords), _phrase_pattern(b.exclude)) for b in brands]

    def match(self, obs: Observation) -> str | None:
        """The brand an observation is about: its own ``brand`` field first, then the keywords."""
        if obs.brand:
            return obs.brand
        # The brand's own posts (its answers) rarely name the brand, but they are about it.
        handle = (obs.author.handle or "").lstrip("@").lower()
        if handle:
            for brand in self.brands.values():
                if brand.handles.get(obs.source) == handle:
                    return brand.name
        text = obs.text
        for brand, include, exclude in self._rules:
            if include is None:
                continue
            if exclude is not None and exclude.search(text):
                text_wo = exclude.sub(" ", text)
                if not include.search(text_wo):
                    continue
            elif not include.search(text):
                continue
            return brand.name
        return None

    def by_brand(self, obs: Observation, brand: str) -> bool:
        """Was this post written by one of the brand's own accounts?"""
        if obs.by_brand:
            return True
        b = self.brands.get(brand)
        if b is None or not obs.author.handle:
            return False
        handle = b.handles.get(obs.source)
        return handle is not None and obs.author.handle.lstrip("@").lower() == handle
