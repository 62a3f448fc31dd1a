"""Per-language rule words for the VADER-style sentiment engine: negators, boosters, contrast words.
The words are data, one table per language in ``lexicons/rule_words.toml``; this module reads them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

RULE_WORDS_FILE = "rule_words.toml"
INC = 0.293
DEC = -0.293


_FOLD = str.maketrans(
    "ąćęłńóśźżáéíóúüàâäèêëîïôöùûçå",
    "acelnoszzaeiouuaaaeeeiioouuca",
)


def fold(word: str) -> str:
    """``word`` without the diacritics of Polish, Swedish, Spanish and French (ñ is kept: a letter of its own)."""
    return word.translate(_FOLD)


def _b(up: str, down: str = "") -> dict[str, float]:
    out = {w: INC for w in up.split()}
    out.update({w: DEC for w in down.split()})
    return out


@dataclass(frozen=True)
class LangRules:
    negators: frozenset[str]
    boosters: dict[str, float]
    contrast: frozenset[str]
    # Negators that may follow the word they negate ("gillar inte", "gefällt mir nicht", "j'aime pas").
    post_negators: frozenset[str] = frozenset()
    # Prefixes that negate a word written together with it ("niemiły", "otrevlig", "unfreundlich"):
    # an unknown word made of one and a known word of 4+ letters gets that word's valence negated.
    negating_prefixes: tuple[str, ...] = ()
    # Tweets often drop diacritics ("dziekuje", "increible", "genial"): the lexicon also gets each
    # entry without them (an entry spelled that way wins).
    fold_diacritics: bool = False
    # Inflection endings tried, in order, on a word the lexicon lacks ("pires" -> "pire",
    # "déçue" -> "déçu", "tristes" -> "triste"), keeping at least 3 letters.
    endings: tuple[str, ...] = ()
    # Snowball stemmer tried last on a word still unknown: its stem against the lexicon's words stemmed
    # the same way ("dåligt", "dåliga" -> "dål"; "beznadziejnej" -> "beznadziejn").
    stemmer: str = ""
    # Pronouns, prepositions, conjunctions and auxiliaries the trained sign models ignore: in subtitles
    # or reviews they lean one way by chance, and "jag för här" (I for here) must stay neutral.
    function_words: frozenset[str] = frozenset()
    # Lexicon entries of several words ("dzięki za nic") matched as idioms. Off where not measured: the
    # few such entries of the Swedish, German, Spanish and French lexicons were never matched before.
    idioms: bool = False


WORD_LISTS = ("negators", "contrast", "post_negators", "function_words")  # space-separated in the file


def rules(table: dict[str, Any]) -> LangRules:
    """One language's table of ``rule_words.toml`` as ``LangRules``."""
    unknown = table.keys() - {*WORD_LISTS, "boosters", "dampeners", "negating_prefixes", "fold_diacritics", "endings",
                              "stemmer", "idioms"}
    if unknown:
        raise ValueError(f"{RULE_WORDS_FILE}: unknown keys {sorted(unknown)}")
    folds = bool(table.get("fold_diacritics", False))
    return LangRules(
        boosters=_with_folded(_b(table["boosters"], table.get("dampeners", "")), folds),
        negating_prefixes=tuple(table.get("negating_prefixes", ())),
        fold_diacritics=folds,
        idioms=bool(table.get("idioms", False)),
        endings=tuple(table.get("endings", ())),
        stemmer=table.get("stemmer", ""),
        **{key: frozenset(_with_folded(dict.fromkeys(table.get(key, "").split(), 0.0), folds)) for key in WORD_LISTS},
    )


def _with_folded(words: dict[str, float], folds: bool) -> dict[str, float]:
    """``words`` and, in a language whose posts often drop diacritics, their spellings without them
    ("väldigt" as "valdigt", "bardziej" as is); a spelling that is a word of its own keeps its value."""
    if not folds:
        return words
    return {**{fold(w): v for w, v in words.items()}, **words}


def load_rules() -> dict[str, LangRules]:
    """Language -> its rules, from the packaged ``lexicons/rule_words.toml`` (in the file's order)."""
    text = resources.files("monitor.scoring").joinpath("lexicons", RULE_WORDS_FILE).read_text("utf-8")
    return {lang: rules(table) for lang, table in tomllib.loads(text).items()}


RULES = load_rules()
SUPPORTED = tuple(RULES)  # en, pl, sv, de, es, fr
