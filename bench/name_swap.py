"""Does a first name change how a post reads? Support-post sentences, each with thirty common first names.

Usage: python bench/name_swap.py

Polish: six sentences, the sentiment sign. English: eight sentences, the complaint decision and its
probability. Prints how many (sentence, name) posts get another sign or decision than their sentence's
usual one, and the mean and largest spread over the names of one sentence. A name is no opinion and no
complaint: both should be near zero.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from monitor.scoring.scorer import MentionScorer  # noqa: E402

POLISH = (
    "Rozmawiałem dziś z konsultantką, miała na imię {n}.",
    "Pani {n} z infolinii obiecała oddzwonić jutro.",
    "Paczkę odebrała {n}, sąsiadka z naprzeciwka.",
    "Na czacie odpisała mi {n}, sprawa w toku.",
    "Kurier zostawił awizo, podpisała {n}.",
    "Zamówienie złożyła {n} w poniedziałek.",
)
POLISH_NAMES = ("Karolina", "Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Krystyna",
                "Magdalena", "Joanna", "Aleksandra", "Monika", "Zofia", "Beata", "Dorota", "Iwona", "Paulina",
                "Justyna", "Izabela", "Agata", "Marta", "Natalia", "Julia", "Urszula", "Elżbieta", "Alicja", "Edyta",
                "Sylwia", "Kamila")
ENGLISH = (
    "Thanks {n}, but my refund still hasn't arrived.",
    "{n} from support said it would be fixed today. It isn't.",
    "Spoke to {n} on the phone, still no answer about my order.",
    "Shoutout to {n} for sorting out my booking so fast!",
    "{n} at the desk was lovely, great flight.",
    "My order arrived today, {n} delivered it.",
    "Asked {n} for help three times and nobody called back",
    "{n} was so helpful with my return, thank you",
)
ENGLISH_NAMES = ("David", "Jason", "Sam", "Karen", "Michael", "Sarah", "James", "John", "Mary", "Jennifer", "Linda",
                 "Emily", "Ashley", "Matt", "Dan", "Kevin", "Brian", "Amy", "Lisa", "Michelle", "Nicole", "Tom",
                 "Ryan", "Josh", "Steve", "Alex", "Chris", "Laura", "Maria", "Anna")


def sign(v: float) -> int:
    return -1 if v < -0.05 else 1 if v > 0.05 else 0


def swap(scorer: MentionScorer, lang: str, templates: tuple[str, ...], names: tuple[str, ...]) -> str:
    """The line for one language: sentiment sign for Polish, complaint decision for English."""
    flips, spreads = 0, []
    for template in templates:
        scores = [scorer.score(template.format(n=n), lang=lang) for n in names]
        if lang == "pl":
            values = [s.sentiment for s in scores]
            kinds = [sign(v) for v in values]
        else:
            values = [s.complaint for s in scores]
            kinds = [int(s.is_complaint) for s in scores]
        usual = max(set(kinds), key=kinds.count)
        flips += sum(k != usual for k in kinds)
        spreads.append(max(values) - min(values))
    what = "sentiment sign" if lang == "pl" else "complaint decision"
    value = "sentiment" if lang == "pl" else "complaint probability"
    return (f"{lang}: {what} other than the sentence's usual one: {flips} of {len(templates) * len(names)}; "
            f"spread of the {value} over the names: mean {sum(spreads) / len(spreads):.3f}, largest {max(spreads):.3f}")


def main() -> int:
    scorer = MentionScorer()
    print(swap(scorer, "pl", POLISH, POLISH_NAMES))
    print(swap(scorer, "en", ENGLISH, ENGLISH_NAMES))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
