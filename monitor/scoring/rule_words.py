"""Per-language rule words for the VADER-style sentiment engine: negators, boosters, contrast words."""

from __future__ import annotations

from dataclasses import dataclass

SUPPORTED = ("en", "pl", "sv", "de", "es", "fr")
INC = 0.293
DEC = -0.293


_FOLD = str.maketrans(
    "ąćęłńóśźżáéíóúüàâäèêëîïôöùûç",
    "acelnoszzaeiouuaaaeeeiioouuc",
)


def fold(word: str) -> str:
    """``word`` without the diacritics of Polish, Spanish and French (ñ is kept: a letter of its own)."""
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


RULES: dict[str, LangRules] = {
    "en": LangRules(
        negators=frozenset(
            "not no never nothing nowhere none nope nor neither without cannot cant dont doesnt didnt "
            "isnt wasnt arent werent wont wouldnt couldnt shouldnt havent hasnt hadnt aint rarely "
            "seldom despite".split()
        ),
        boosters=_b(
            "absolutely amazingly awfully completely considerably decidedly deeply effing enormously "
            "entirely especially exceptionally extremely fabulously flipping freaking fricking frigging "
            "fully fucking greatly hella highly hugely incredibly intensely majorly most particularly "
            "purely quite really remarkably so substantially thoroughly totally tremendously uber "
            "unbelievably unusually utterly very super seriously literally",
            "almost barely hardly kinda less little marginally occasionally partly scarcely slightly somewhat sorta",
        ),
        contrast=frozenset({"but"}),
    ),
    "pl": LangRules(
        negators=frozenset("nie ani nigdy żaden żadna żadne żadnego żadnej żadnych żadnym brak braku bez nic niczego".split()),
        boosters=_b(
            "bardzo mega strasznie naprawdę totalnie zupełnie kompletnie całkowicie niesamowicie "
            "okropnie ogromnie najbardziej absolutnie serio tak taki taka takie ultra wyjątkowo "
            "niezwykle szczególnie potwornie cholernie zajebiście",
            "trochę nieco raczej dość dosyć lekko troszkę",
        ),
        contrast=frozenset({"ale", "lecz", "jednak", "natomiast"}),
        negating_prefixes=("nie",),
        fold_diacritics=True,
        stemmer="polish",
        function_words=frozenset(
            "i a o u w we z ze na do od po za przy przez pod nad przed dla bez się to ten ta te tego tej tym tych "
            "jest są był była było byli być będzie jestem jesteś jak że co czy ja ty on ona ono my wy oni one mnie "
            "mi mną ci cię ciebie go mu jej im ich nas nam was wam mój moja moje twój twoja swój swoja tu tam już "
            "jeszcze też także tylko bo więc gdy kiedy który która które ale lub albo oraz".split()
        ),
    ),
    "sv": LangRules(
        negators=frozenset("inte ej aldrig ingen inget inga icke utan varken knappast".split()),
        boosters=_b(
            "mycket väldigt riktigt otroligt helt verkligen extremt sjukt så super himla jävligt "
            "fruktansvärt grymt enormt oerhört asså totalt galet vansinnigt brutalt jätte mega",
            "lite ganska rätt typ något",
        ),
        contrast=frozenset({"men", "fast", "dock"}),
        post_negators=frozenset("inte ej aldrig icke".split()),
        negating_prefixes=("o",),
        stemmer="swedish",
        function_words=frozenset(
            "jag du han hon den det vi ni de dem mig dig sig oss er min mitt mina din ditt dina sin sitt sina hans "
            "hennes deras vår vårt våra och eller att som i på av för från till med om under över efter innan hos "
            "vid ur är var varit vara blir blev har hade ha kan kunde ska skulle vill ville får fick en ett här där "
            "nu då så också bara även hela tiden när vad vem vilken vilket vilka hur".split()
        ),
    ),
    "de": LangRules(
        negators=frozenset("nicht kein keine keinen keinem keiner keines nie niemals nichts ohne weder nix kaum".split()),
        boosters=_b(
            "sehr extrem total völlig absolut echt wirklich richtig mega so besonders unglaublich "
            "super voll total komplett äußerst höchst wahnsinnig verdammt einfach zu",
            "ziemlich etwas bisschen wenig eher",
        ),
        contrast=frozenset({"aber", "jedoch", "sondern", "trotzdem"}),
        post_negators=frozenset("nicht nie niemals".split()),
        negating_prefixes=("un",),
        endings=("e", "en", "er", "es", "em", "n", "s"),
    ),
    "es": LangRules(
        negators=frozenset("no nunca jamás jamas ni nada ningún ninguna ninguno sin tampoco nadie".split()),
        boosters=_b(
            "muy mucho muchísimo muchisimo tan súper super totalmente realmente demasiado "
            "completamente extremadamente re sumamente increíblemente increiblemente tremendamente",
            "poco algo apenas",
        ),
        contrast=frozenset({"pero", "sino", "aunque"}),
        fold_diacritics=True,
        endings=("s", "es"),
    ),
    "fr": LangRules(
        negators=frozenset("ne n pas jamais rien aucun aucune sans ni personne guère".split()),
        boosters=_b(
            "très tres trop vraiment tellement super hyper totalement complètement absolument si "
            "extrêmement grave vachement carrément trop hyper ultra",
            "peu assez plutôt légèrement",
        ),
        contrast=frozenset({"mais", "pourtant", "cependant"}),
        post_negators=frozenset("pas jamais rien".split()),
        fold_diacritics=True,
        endings=("s", "x", "e", "es"),
    ),
}
