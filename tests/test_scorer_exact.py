"""Every decision of the scorer, replayed: a change made for speed must not change a single score.

tests/data/scorer_golden.jsonl holds ~3000 texts (the demo's posts, the scoring tests' strings,
hand-written odd cases, seeded mixes of lexicon and rule words in six languages) with every field of
their MentionScore, written by tools/golden_scores.py from the code as it was before the speed work.
Floats are compared exactly: MentionScore rounds them to 4 places, and those rounded values must not move.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.scoring import MentionScorer

GOLDEN = Path(__file__).parent / "data" / "scorer_golden.jsonl"


@pytest.fixture(scope="module")
def scorer() -> MentionScorer:
    return MentionScorer()


def _cases() -> list[dict]:
    with GOLDEN.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_golden_set_is_large_and_varied() -> None:
    cases = _cases()
    langs = {c["expect"]["lang"] for c in cases}
    assert len(cases) >= 300
    assert {"en", "pl", "sv", "de", "es", "fr", "und"} <= langs
    assert any(c["expect"]["cues"] for c in cases) and any(c["expect"]["is_complaint"] for c in cases)


def test_every_score_matches_the_golden_file(scorer: MentionScorer) -> None:
    wrong = []
    for case in _cases():
        kwargs = {k: v for k, v in case.items() if k not in ("text", "expect")}
        got = asdict(scorer.score(case["text"], **kwargs))
        got["cues"] = list(got["cues"])
        if got != case["expect"]:
            wrong.append((case["text"][:80], kwargs, case["expect"], got))
    assert not wrong, f"{len(wrong)} scores changed, first: {wrong[:3]}"


def test_scores_do_not_depend_on_what_was_scored_before(scorer: MentionScorer) -> None:
    """Memos and caches must be invisible: a fresh scorer, texts in reverse order, same scores."""
    cases = _cases()[::-1][:600]
    fresh = MentionScorer()
    for case in cases:
        kwargs = {k: v for k, v in case.items() if k not in ("text", "expect")}
        assert fresh.score(case["text"], **kwargs) == scorer.score(case["text"], **kwargs)


_WORDS = st.sampled_from(
    "not no never very extremely good bad GREAT awful but refund still waiting :( :) 😡 👍 ! ? . , "
    "nie polecam bardzo dobry inte bra jättebra nicht schlecht gut muy malo pas bien @user #fail 12".split()
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_WORDS, max_size=12), st.text(max_size=20))
def test_scoring_is_deterministic_and_bounded(scorer: MentionScorer, words: list[str], tail: str) -> None:
    text = " ".join(words) + tail
    a = scorer.score(text)
    assert a == scorer.score(text)
    assert -1.0 <= a.sentiment <= 1.0 and 0.0 <= a.complaint <= 1.0 and 0.0 <= a.score <= 1.0


def test_cue_shortcuts_change_no_match() -> None:
    """The literal pre-check and the digit-first regex find what the plain regexes find."""
    import re

    from monitor.scoring.cues import DIGIT, CueMatcher
    from monitor.scoring.text import clean, mask

    fast, slow = CueMatcher(), CueMatcher()
    for key, by_family in slow._groups.items():
        _, gate, entries = slow._compile_key(key)
        if key == DIGIT:  # as it was compiled before: the word-start check first
            def plain(alts: list[str]) -> re.Pattern[str]:
                return re.compile("(?<![^\\W_])(?:" + "|".join(f"(?:{a})" for a in alts) + ")")

            entries = [(fam, plain(alts)) for fam, alts in by_family.items()]
            gate = plain([a for alts in by_family.values() for a in alts]) if len(entries) > 1 else None
        slow._compiled[key] = ((), gate, entries)
    texts = [c["text"] for c in _cases()]
    texts += ["2nd time calling", "x2nd time", "12th call", "5 hours", "a5 hours", "3. mal", "on hold", "no one answers"]
    every_key = set(slow._groups)  # every pattern tried on every text, not only those its words offer
    for text in texts:
        low = mask(clean(text)).lower()
        assert fast.scan(low, every_key) == slow.scan(low, every_key), text


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="aZ'’09.!?;,: _-#@\\n", max_size=40))
def test_ascii_tokens_as_the_plain_pattern_gives_them(text: str) -> None:
    import re

    from monitor.scoring.text import _TOKEN_ASCII

    plain = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*|[0-9]+|[.!?;,]")
    assert _TOKEN_ASCII.findall(text) == plain.findall(text)
