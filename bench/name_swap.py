"""Does a first name change how a Polish post reads? Six support-post sentences, thirty common first names.

Usage: python bench/name_swap.py

Prints how many of the 180 (sentence, name) posts get a sentiment sign other than their sentence's usual
one, and the mean and largest spread of the sentiment over the names of one sentence. A name is no
opinion: both should be zero.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from monitor.scoring.scorer import MentionScorer  # noqa: E402

TEMPLATES = (
    "Rozmawiałem dziś z konsultantką, miała na imię {n}.",
    "Pani {n} z infolinii obiecała oddzwonić jutro.",
    "Paczkę odebrała {n}, sąsiadka z naprzeciwka.",
    "Na czacie odpisała mi {n}, sprawa w toku.",
    "Kurier zostawił awizo, podpisała {n}.",
    "Zamówienie złożyła {n} w poniedziałek.",
)
NAMES = ("Karolina", "Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Krystyna",
         "Magdalena", "Joanna", "Aleksandra", "Monika", "Zofia", "Beata", "Dorota", "Iwona", "Paulina", "Justyna",
         "Izabela", "Agata", "Marta", "Natalia", "Julia", "Urszula", "Elżbieta", "Alicja", "Edyta", "Sylwia", "Kamila")


def sign(v: float) -> int:
    return -1 if v < -0.05 else 1 if v > 0.05 else 0


def main() -> int:
    scorer = MentionScorer()
    flips, spreads = 0, []
    for template in TEMPLATES:
        values = [scorer.score(template.format(n=n), lang="pl").sentiment for n in NAMES]
        signs = [sign(v) for v in values]
        usual = max(set(signs), key=signs.count)
        flips += sum(s != usual for s in signs)
        spreads.append(max(values) - min(values))
    print(f"sign other than the sentence's usual one: {flips} of {len(TEMPLATES) * len(NAMES)}; "
          f"spread over the names: mean {sum(spreads) / len(spreads):.3f}, largest {max(spreads):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
