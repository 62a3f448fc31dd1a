"""Screen a Polish word-norm lexicon as a fallback under the authored one, three classes at a time.

Usage:
  python tools/screen_polish_norms.py --norms POLVADER_LEXICONS --polemo POLEMO_SENTENCES \
      --komentarze KOMENTARZE_CHECKOUT --allegro PL_ALLEGRO_0.tsv [--variant FLOOR:SCALE:KINDS ...]

POLVADER_LEXICONS is the ``polvader/lexicons`` folder of the polvader 1.0.1 wheel (MIT; its base lexicon,
8,513 lemmas, holds the valences of the IMBiR and Nencki affective word norms, -3..3, and a file of their
inflected forms). Only the untuned base lexicon is read: the package's default "expanded" lexicon was
tuned on Polish tweets of unknown origin. A variant adds every base word (and inflected form) with
|valence| >= FLOOR, times SCALE, whose lemma is of the KINDS given ("all", or "adj", "verb", "noun",
"adv" joined by "+", told apart by the lemma's ending), under the authored lexicon (an authored word
or stem wins). Each variant is scored on the development sets only: PolEmo's held-out sentences (in
domain), the development draw of news comments, Allegro comments (seed 0). Printed per set: recall of
negative, positive and neutral texts, the sign measure (mean of the first two, the issue's bar), the
mean of all three, and how many neutral texts are flagged as complaints. A gain in the sign bought by
neutral texts read as negative or positive shows in the last three columns.
"""

from __future__ import annotations

import argparse
import csv
import pickle  # the wheel's own format; read from a file the user downloaded, never shipped
import sys
from pathlib import Path

import snowballstemmer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_polarity import held_out, read_comments, read_polemo  # noqa: E402

from monitor.scoring.rule_words import RULES  # noqa: E402
from monitor.scoring.scorer import MentionScorer, build_lexicon  # noqa: E402
from monitor.scoring.sentiment import SentimentEngine  # noqa: E402

BASE = "fem_big_imbir_and_nencki_lex_with_kazojc_adjectives.dat"
FORMS = "derivative_grammatical_forms_of_terms_in_the_final_lexicon.dat"
NEG, POS, NEU = 0, 1, 2


def kind(lemma: str) -> str:
    """A lemma's part of speech, roughly, by its ending (adjectives -y/-i, verbs -ć, adverbs -o/-ie)."""
    if lemma.endswith(("y", "i")) and not lemma.endswith(("ści", "ani", "eni")):
        return "adj"
    if lemma.endswith("ć"):
        return "verb"
    return "adv" if lemma.endswith(("o", "ie")) and len(lemma) > 4 else "noun"


def norm_words(folder: Path, floor: float, scale: float, kinds: str) -> dict[str, float]:
    with open(folder / BASE, "rb") as fh:
        base: dict[str, float] = pickle.load(fh)
    with open(folder / FORMS, "rb") as fh:
        forms: dict[str, float] = pickle.load(fh)
    stem = snowballstemmer.stemmer("polish").stemWord
    keep = {lemma: v for lemma, v in base.items() if abs(v) >= floor and (kinds == "all" or kind(lemma) in kinds.split("+"))}
    stems = {stem(lemma): v for lemma, v in keep.items()}
    out = {w.lower(): v * scale for w, v in keep.items() if " " not in w}
    for form, v in forms.items():  # an inflected form of a kept lemma: same stem, same valence
        if " " not in form and (kinds == "all" and abs(v) >= floor or stems.get(stem(form)) == v):
            out.setdefault(form.lower(), v * scale)
    return out


def scorer_with(words: dict[str, float]) -> MentionScorer:
    scorer = MentionScorer()
    lex = build_lexicon("pl")
    for w, v in words.items():
        if lex.get(w) is None:
            lex.words[w] = v
    scorer._engines["pl"] = SentimentEngine(lex, RULES["pl"])
    return scorer


def report(scorer: MentionScorer, name: str, rows: list[tuple[str, int]]) -> None:
    hit = {NEG: 0, POS: 0, NEU: 0}
    total = {NEG: 0, POS: 0, NEU: 0}
    flagged = 0
    for text, y in rows:
        s = scorer.score(text, lang="pl")
        got = NEG if s.sentiment < -0.05 else POS if s.sentiment > 0.05 else NEU
        hit[y] += got == y
        total[y] += 1
        flagged += y == NEU and s.is_complaint
    rec = {k: hit[k] / total[k] for k in hit if total[k]}
    neu = f"{rec[NEU]:.3f}" if NEU in rec else "  -  "
    print(f"  {name:18s} neg {rec[NEG]:.3f}  pos {rec[POS]:.3f}  neutral {neu}  sign {(rec[NEG] + rec[POS]) / 2:.3f}"
          f"  three {sum(rec.values()) / len(rec):.3f}  neutral flagged {flagged}/{total[NEU]}")


def dev_sets(args: argparse.Namespace) -> list[tuple[str, list[tuple[str, int]]]]:
    three = {0: NEG, 1: POS}  # train_polarity's labels; anything else is its NEUTRAL
    polemo = [(t, three.get(label, NEU)) for t, label in read_polemo(args.polemo) if held_out(t)]
    dev = Path(__file__).resolve().parent.parent / "bench" / "data" / "pl_komentarze_sentiment_dev.tsv"
    comments = [(t, three.get(label, NEU)) for t, label in read_comments(args.komentarze, dev)]
    with open(args.allegro, encoding="utf-8") as fh:
        rows = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        allegro = [(r[0], NEG if r[1] == "neg" else POS) for r in rows if len(r) == 2]
    return [("PolEmo held out", polemo), ("comments, dev draw", comments), ("Allegro seed 0", allegro)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in ("--norms", "--polemo", "--komentarze", "--allegro"):
        ap.add_argument(name, required=True)
    ap.add_argument("--variant", action="append", default=[], help="FLOOR:SCALE:KINDS, e.g. 1.0:0.1:all")
    args = ap.parse_args(argv)
    sets = dev_sets(args)
    for variant in ["none", *args.variant]:
        if variant == "none":
            scorer, about = MentionScorer(), "the shipped lexicon"
        else:
            floor, scale, kinds = variant.split(":")
            words = norm_words(Path(args.norms), float(floor), float(scale), kinds)
            scorer, about = scorer_with(words), f"+ {len(words):,} norm words (floor {floor}, scale {scale}, {kinds})"
        print(about)
        for name, rows in sets:
            report(scorer, name, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
