"""Write the scorer's golden file: a fixed set of texts and every field of their MentionScore.

Usage: python tools/golden_scores.py [--out tests/data/scorer_golden.jsonl]
       python tools/golden_scores.py --texts FILE [FILE ...] --out OUT.jsonl   (any text files, one per line)

tests/test_scorer_exact.py replays the golden file and compares every score exactly, so that a change
made for speed can be shown to change no decision. Regenerate it only when a change of decisions is
intended (and say so in the commit). The texts come from the repository alone: the demo's posts, the
string literals of the scoring tests, hand-written odd cases and a seeded mix of lexicon words, rule
words, emoji and punctuation; they are stored in the golden file itself, so the test needs nothing else.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOLDEN = ROOT / "tests" / "data" / "scorer_golden.jsonl"
_TEST_SOURCES = ("test_scoring.py", "test_scoring_pl_sv.py", "test_lang_swedish.py", "test_polarity.py",
                 "test_odd_posts.py")

HAND_WRITTEN = [
    "", " ", "\n\n", "!!!", "???", "...", "😡", "👍👍👍", ":(", ":-) :D", "<3", "</3", "xD", "^_^", "T_T", "o_O",
    "@united", "#fail", "http://t.co/abc", "www.example.com", "12345", "¹²³", "ﬁne", "Ｆｕｌｌ ｗｉｄｔｈ ｔｅｘｔ",
    "The service was GREAT but the food was TERRIBLE!!!", "I don't love it", "I do not hate this. It's not bad.",
    "NOT HAPPY AT ALL", "not happy at all", "Not Happy At All", "kind of good", "extremely bad!!",
    "still waiting for my refund, 3 weeks now", "charged twice and nobody answers the phone",
    "I will contact my lawyer and the BBB", "calling the news about this #DeleteUber", "#BoycottNike now",
    "I'm cancelling my subscription, switching to a competitor", "the battery caught fire, smoke everywhere",
    "Let me speak to your CEO", "Thanks @delta, best flight ever ✈️😍", "worst. airline. ever. 😤😤",
    "Nie polecam, obsługa beznadziejna", "nie polecam obsluga beznadziejna", "Dziękuję za szybką pomoc!",
    "Jestem bardzo zadowolony z usługi", "Paczka nie dotarła od tygodnia, skandal", "Za masło zapłaciłem 10 zł",
    "Jag är inte nöjd med tjänsten", "Tack för hjälpen, jättebra!", "Varför svarar ingen? Väntat i tre veckor",
    "Det här är helt värdelöst", "gillar inte det här", "Det var en riktigt dålig upplevelse",
    "Das ist wirklich schlecht, ich bin enttäuscht", "Danke, super Service!", "Das gefällt mir nicht",
    "Paket nach zwei Wochen immer noch nicht da", "unfreundliches Personal, nie wieder",
    "El servicio es horrible, nunca más", "Muchas gracias, increíble atención", "increible atencion, genial",
    "No me gusta nada", "Mi pedido no ha llegado todavía", "C'est vraiment nul, je suis déçue",
    "J'aime pas du tout", "Merci beaucoup, service impeccable", "Questo servizio è pessimo", "Muito obrigado!",
    "Очень плохой сервис", "サービスが悪い", "خدمة سيئة جدا", "很糟糕的服务", "Z̷a̷l̷g̷o̷ text here",
    "e\u0301te\u0301 de\u0301c\u0327u", "tab\there", "zero\u200bwidth", "RTL \u202eevil\u202c", "\ud800 lone surrogate",
    "A" * 300, "bad " * 100, "good, " * 60 + "but terrible", "😡" * 50, "ok " + "🙂" * 20,
    "THIS IS ALL CAPS AND IT IS BAD", "it's isn't can't won't y'all you're", "don’t like it’s curly",
    "no wait it was fine actually", "never again, never ever", "hardly good", "barely acceptable",
]

_EMOJI = ["😡", "😍", "🙄", "😅", "👍", "👎", "❤", "💔", "😭", "🤬", "✈️", "☺", "☹", "🔥"]
_EMOTICONS = [":(", ":)", ":-(", ";)", ":D", ":P", "<3", "xD", ":/", "^^", "-_-"]
_PUNCT = [".", "!", "?", "!!", "??", "...", ",", ";", "!?"]
_DECOR = ["@user1", "#fail", "http://t.co/x1", "www.site.com/page", "123", "24h", "$88.77", "3rd"]


def _test_literals() -> list[str]:
    """String constants of the scoring tests that look like posts (two words or more)."""
    out: list[str] = []
    for name in _TEST_SOURCES:
        path = ROOT / "tests" / name
        if not path.exists():
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                s = node.value
                if " " in s.strip() and len(s) < 2000 and not s.startswith(("monitor", "tests")):
                    out.append(s)
    return out


def _demo_texts() -> list[str]:
    from monitor.replay.demo import observations

    return [o.text for o in observations()]


def _synthetic(n: int, seed: int = 20261204) -> list[str]:
    """Seeded mixes of each language's lexicon and rule words with emoji, emoticons and punctuation."""
    from monitor.scoring.lexicon import read_tsv, read_vader_english
    from monitor.scoring.rule_words import RULES

    rng = random.Random(seed)
    words = {"en": [w for w, _ in read_vader_english()][::7]}
    files = {"pl": "pl.tsv", "sv": "sv.tsv", "de": "de.tsv", "es": "es.tsv", "fr": "fr.tsv"}
    for lang, name in files.items():
        words[lang] = [w.rstrip("*") + ("ami" if w.endswith("*") else "") for w, _ in read_tsv(name)]
    plain = "the my and to was is it for a of in on with this that flight order app service".split()
    plain += "och jag det är en att i på nie jest to że się ich das und der die ist el la que es de".split()
    out: list[str] = []
    for _ in range(n):
        lang = rng.choice(list(words))
        r = RULES[lang]
        pool = [*rng.sample(words[lang], 3), *rng.sample(plain, 4)]
        pool += rng.sample(sorted(r.negators), 1) + rng.sample(sorted(r.boosters), 1)
        if r.contrast:
            pool += rng.sample(sorted(r.contrast), 1)
        if r.post_negators and rng.random() < 0.5:
            pool += rng.sample(sorted(r.post_negators), 1)
        k = rng.randint(1, len(pool))
        toks = rng.sample(pool, k)
        toks = [t.upper() if rng.random() < 0.15 else t.capitalize() if rng.random() < 0.1 else t for t in toks]
        for extra in (_EMOJI, _EMOTICONS, _PUNCT, _DECOR):
            if rng.random() < 0.35:
                toks.insert(rng.randint(0, len(toks)), rng.choice(extra))
        out.append(" ".join(toks))
    return out


def cases() -> Iterator[dict[str, object]]:
    """The golden cases: text plus the keyword arguments of ``score``."""
    seen: set[str] = set()
    rng = random.Random(7)
    texts = [*HAND_WRITTEN, *_test_literals(), *_demo_texts(), *_synthetic(400)]
    for text in texts:
        if text in seen:
            continue
        seen.add(text)
        yield {"text": text}
        if rng.random() < 0.1:  # a platform tag and reach figures on some
            yield {"text": text, "lang": rng.choice(["en", "pl-PL", "sv", "de_DE", "und", "fr", "xx-YY"]),
                   "followers": rng.choice([None, 0, 150, 12_000, 10**9]), "engagement": rng.choice([0, 3, 5000])}


def scored(case: dict[str, object], scorer: object) -> dict[str, object]:
    """The case with every field of its MentionScore (cues as a list)."""
    from dataclasses import asdict

    kwargs = {k: v for k, v in case.items() if k != "text"}
    s = asdict(scorer.score(case["text"], **kwargs))  # type: ignore[attr-defined]
    s["cues"] = list(s["cues"])
    return {**case, "expect": s}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(GOLDEN))
    ap.add_argument("--texts", nargs="*", help="score these files' lines instead (a local, larger check)")
    args = ap.parse_args(argv)
    from monitor.scoring import MentionScorer

    scorer = MentionScorer()
    if args.texts:
        source: Iterator[dict[str, object]] | list[dict[str, object]] = [
            {"text": line.rstrip("\n")} for f in args.texts for line in open(f, encoding="utf-8")]
    else:
        source = cases()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with out.open("w", encoding="utf-8") as fh:
        for case in source:
            fh.write(json.dumps(scored(case, scorer)) + "\n")
            n += 1
    print(f"{n} cases -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
