"""MentionScorer: cues in six languages, negation and emoji, Polish/Swedish sign, properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.models import MentionScore
from monitor.scoring import MentionScorer


@pytest.fixture(scope="module")
def scorer() -> MentionScorer:
    return MentionScorer()


CUES: dict[str, list[tuple[str, str]]] = {
    "media": [
        ("en", "I contacted the news about this and filmed it"),
        ("pl", "Skontaktowałem się z telewizją w tej sprawie"),
        ("sv", "Jag har kontaktat Aftonbladet om det här"),
        ("de", "Ich habe die Presse informiert"),
        ("es", "Voy a contarlo a la prensa"),
        ("fr", "J'ai contacté les journalistes"),
    ],
    "legal": [
        ("en", "my lawyer will be in touch"),
        ("pl", "sprawę przekazuję do prawnika, mój prawnik się odezwie"),
        ("sv", "min advokat kontaktar er"),
        ("de", "mein Anwalt meldet sich"),
        ("es", "mi abogado se pondrá en contacto"),
        ("fr", "mon avocat va vous contacter"),
    ],
    "regulator": [
        ("en", "filing a complaint with the BBB"),
        ("pl", "zgłaszam sprawę do UOKiK"),
        ("sv", "jag anmäler er till Konsumentverket och ARN"),
        ("de", "ich gehe zur Verbraucherzentrale"),
        ("es", "pondré una queja en la OCU"),
        ("fr", "je saisis UFC-Que Choisir"),
    ],
    "executive": [
        ("en", "I wrote to the CEO"),
        ("pl", "napisałem do prezesa firmy"),
        ("sv", "jag har mejlat VD:n"),
        ("de", "ich schreibe an den Vorstand"),
        ("es", "escribí al director general"),
        ("fr", "j'ai écrit au PDG"),
    ],
    "safety": [
        ("en", "my kid got injured, there was blood"),
        ("pl", "dziecko się poparzyło, była krew"),
        ("sv", "min son blev skadad och blödde"),
        ("de", "mein Sohn wurde verletzt"),
        ("es", "mi hijo resultó herido"),
        ("fr", "mon fils a été blessé"),
    ],
    "repeat_contact": [
        ("en", "this is my third call about it"),
        ("pl", "dzwonię już trzeci raz"),
        ("sv", "det är tredje gången jag ringer"),
        ("de", "ich rufe schon zum dritten Mal an, mehrmals"),
        ("es", "es la tercera vez que llamo"),
        ("fr", "c'est la troisième fois que j'appelle"),
    ],
    "churn": [
        ("en", "I'm cancelling my subscription"),
        ("pl", "rezygnuję z usług, nigdy więcej"),
        ("sv", "jag säger upp mitt abonnemang"),
        ("de", "ich kündige meinen Vertrag"),
        ("es", "me doy de baja"),
        ("fr", "je résilie mon abonnement"),
    ],
    "unreachable_support": [
        ("en", "nobody answers the phone"),
        ("pl", "nikt nie odbiera telefonu"),
        ("sv", "ingen svarar i telefon"),
        ("de", "niemand antwortet, nicht erreichbar"),
        ("es", "nadie contesta el teléfono"),
        ("fr", "personne ne répond au téléphone"),
        # Issue 25: the misses a new user met, and their kin.
        ("en", "customer service keeps hanging up on me"),
        ("es", "en atención al cliente me cuelgan siempre"),
        ("fr", "le service client me raccroche au nez"),
        ("pl", "na infolinii rozłączają mnie co chwilę"),
    ],
    "media_more": [
        ("es", "lo voy a contar en la tele"),
        ("fr", "je vais le raconter à la télé"),
        ("sv", "jag går till pressen med det här"),
    ],
}


@pytest.mark.parametrize(("family", "lang", "text"), [(f, lang, t) for f, cases in CUES.items() for lang, t in cases])
def test_cue_family_fires(scorer: MentionScorer, family: str, lang: str, text: str) -> None:
    assert family.removesuffix("_more") in scorer.score(text, lang=lang).cues


@pytest.mark.parametrize("name", ["Sam", "David", "Alexandra", "Maximilian"])
def test_repeat_contact_whatever_the_name_between(scorer: MentionScorer, name: str) -> None:
    """The gap was 15 characters: "asked Sam for help three times" was a repeat, "asked David …" not."""
    assert "repeat_contact" in scorer.score(f"Asked {name} for help three times, nothing", lang="en").cues
    assert "repeat_contact" in scorer.score(f"Called {name} three times", lang="en").cues


def test_boycott_calls_are_a_cue_after_the_model(scorer: MentionScorer) -> None:
    """A backlash's mark (issue 21): the word in several languages and the hashtags that say it; not a
    feature of the complaint model, so its probability is the same with or without the cue."""
    for text in ("Boycott Acme now", "#DeleteAcme", "#JustBurnIt", "bojkot Orlen", "bojkotta Ikea", "boicot a Zara"):
        assert "boycott" in scorer.score(text).cues, text
    for text in ("I bought a cot for the baby", "delete this app? no", "#acmeair lost my bag"):
        assert "boycott" not in scorer.score(text).cues, text


def test_cues_without_language_hint(scorer: MentionScorer) -> None:
    assert "legal" in scorer.score("Ich habe meinen Anwalt eingeschaltet, das ist eine Frechheit").cues
    assert "regulator" in scorer.score("Zgłaszam sprawę do UOKiK, to skandal").cues


def test_no_cues_in_ordinary_text(scorer: MentionScorer) -> None:
    assert scorer.score("Lovely weather today, going to the park with friends").cues == ()


def test_refund_and_billing_cues(scorer: MentionScorer) -> None:
    s = scorer.score("You charged me twice and I still have no refund")
    assert {"refund", "billing"} <= set(s.cues)


def test_negation_and_sad_face(scorer: MentionScorer) -> None:
    assert scorer.score("Still no refund :(").sentiment < -0.05
    assert scorer.score("The service was not good").sentiment < 0
    assert scorer.score("The service was good").sentiment > 0


@pytest.mark.parametrize("em", ["😡", "🤬", "👎", "💩", "🤮"])
def test_negative_emoji(scorer: MentionScorer, em: str) -> None:
    s = scorer.score(f"{em}{em}")
    assert s.sentiment < -0.05
    assert scorer.score(f"my order {em}", lang="en").sentiment < -0.05


def test_positive_emoji(scorer: MentionScorer) -> None:
    assert scorer.score("😍🥰👍").sentiment > 0.05


def test_emoji_not_flipped_by_negation(scorer: MentionScorer) -> None:
    assert scorer.score("no refund yet 😡", lang="en").sentiment < 0


def test_flat_complaint_detected(scorer: MentionScorer) -> None:
    for text in (
        "my order still hasn't arrived",
        "@shop I was charged twice for the same order",
        "package never arrived, been waiting 3 weeks",
    ):
        assert scorer.score(text).is_complaint, text


def test_praise_is_not_complaint(scorer: MentionScorer) -> None:
    s = scorer.score("Thank you so much, the crew was amazing! Love it")
    assert not s.is_complaint
    assert s.sentiment > 0.5


POLISH = [
    ("Dziękuję, super obsługa, polecam!", 1),
    ("Świetna aplikacja, kocham ją", 1),
    ("Wspaniały serwis, jestem bardzo zadowolony", 1),
    ("Najlepsza pizza w mieście", 1),
    ("Brawo, szybka dostawa i miła obsługa", 1),
    ("Fajnie, że wreszcie działa", 1),
    ("Uwielbiam tę markę", 1),
    ("Bardzo dobra jakość, polecam każdemu", 1),
    ("To jest skandal, nadal czekam na zwrot pieniędzy", -1),
    ("Najgorsza obsługa klienta w historii", -1),
    ("Beznadziejna aplikacja, ciągle się zawiesza", -1),
    ("Paczka zgubiona, jestem wściekły", -1),
    ("Żenada, nie polecam", -1),
    ("Fatalny kontakt, nikt nie odbiera", -1),
    ("Oszuści, ukradli moje pieniądze", -1),
    ("Nie jestem zadowolony z zakupu", -1),
]
SWEDISH = [
    ("Tack för snabb hjälp, grymt bra!", 1),
    ("Älskar den nya appen", 1),
    ("Supertrevlig personal, rekommenderar", 1),
    ("Helt fantastisk service", 1),
    ("Riktigt kul och smidigt", 1),
    ("Bästa köpet i år", 1),
    ("Jättebra leverans, nöjd kund", 1),
    ("Härligt, äntligen fungerar det", 1),
    ("Värdelös kundtjänst, ingen svarar", -1),
    ("Sämsta upplevelsen någonsin", -1),
    ("Jag är så besviken på er", -1),
    ("Paketet är försenat igen, riktigt dåligt", -1),
    ("Appen är helt kass", -1),
    ("Jag gillar inte det här alls", -1),
    ("Skandal, ni har lurat mig", -1),
    ("Fruktansvärt otrevligt bemötande", -1),
]


@pytest.mark.parametrize(("lang", "cases"), [("pl", POLISH), ("sv", SWEDISH)])
@pytest.mark.parametrize("hint", [True, False])
def test_polish_swedish_sign(scorer: MentionScorer, lang: str, cases: list[tuple[str, int]], hint: bool) -> None:
    right = 0
    for text, sign in cases:
        s = scorer.score(text, lang=lang if hint else None)
        right += s.sentiment * sign > 0.05
    assert right >= 0.8 * len(cases), right


@pytest.mark.parametrize(
    ("lang", "pos", "neg"),
    [
        ("de", "Vielen Dank, super Service, echt toll!", "Das ist eine Frechheit, total enttäuscht"),
        ("es", "Muchas gracias, excelente servicio", "Pésimo servicio, estoy harto"),
        ("fr", "Merci beaucoup, service génial", "Service nul, je suis déçu"),
    ],
)
def test_other_languages_sign(scorer: MentionScorer, lang: str, pos: str, neg: str) -> None:
    assert scorer.score(pos, lang=lang).sentiment > 0.05
    assert scorer.score(neg, lang=lang).sentiment < -0.05


def test_post_negation(scorer: MentionScorer) -> None:
    assert scorer.score("Das gefällt mir nicht", lang="de").sentiment < 0
    assert scorer.score("Je ne suis pas content", lang="fr").sentiment < 0


def test_unsupported_language_degrades(scorer: MentionScorer) -> None:
    s = scorer.score("Questo servizio è una vergogna 😡, chiamerò il mio avvocato e la BBB", lang="it")
    assert not s.lang_supported
    assert s.lang == "it"
    assert s.sentiment < 0
    assert "regulator" in s.cues


def test_language_detection(scorer: MentionScorer) -> None:
    assert scorer.score("Nadal czekam na zwrot pieniędzy za zamówienie").lang == "pl"
    assert scorer.score("Jag väntar fortfarande på min återbetalning från er").lang == "sv"
    assert scorer.score("Ich warte immer noch auf meine Rückerstattung").lang == "de"
    assert scorer.score("still waiting for my refund from you guys").lang == "en"
    assert scorer.score("@brand https://t.co/x #tag").lang == "und"


def test_language_hint_tags(scorer: MentionScorer) -> None:
    assert scorer.score("hello", lang="en-GB").lang == "en"
    assert scorer.score("Nadal czekam na zwrot pieniędzy", lang="und").lang == "pl"


def test_cue_severity_order(scorer: MentionScorer) -> None:
    from monitor.scoring.scorer import cue_severity

    # The order of the cues themselves; whole scores also carry each text's complaint probability
    # ("cancelling my subscription" reads as more of a complaint than "I contacted the news"), so
    # between two cues of close severity they need not follow it.
    assert cue_severity(("safety",)) > cue_severity(("media",)) > cue_severity(("churn",)) > cue_severity(())
    base = "my order is late"
    safety = scorer.score(base + ", my son got injured").score
    media = scorer.score(base + ", I contacted the news").score
    churn = scorer.score(base + ", I'm cancelling my subscription").score
    plain = scorer.score(base).score
    assert safety > max(media, churn)
    assert min(media, churn) > plain


def test_reach_raises_score(scorer: MentionScorer) -> None:
    text = "still waiting for my refund, nobody answers"
    low = scorer.score(text, followers=10, engagement=0).score
    high = scorer.score(text, followers=1_000_000, engagement=5000).score
    assert high > low


@pytest.mark.parametrize("text", ["", " ", "😡", "\ud800", "a\udfffb", "x" * 3_000_000, "\x00\n\t", "@@@###"])
def test_edge_inputs(scorer: MentionScorer, text: str) -> None:
    s = scorer.score(text)
    assert isinstance(s, MentionScore)
    assert -1.0 <= s.sentiment <= 1.0
    assert 0.0 <= s.score <= 1.0


def _check(s: MentionScore) -> None:
    assert -1.0 <= s.sentiment <= 1.0
    assert 0.0 <= s.complaint <= 1.0
    assert 0.0 <= s.score <= 1.0
    assert isinstance(s.is_complaint, bool)
    assert all(isinstance(c, str) for c in s.cues)


_SCORER = MentionScorer()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400), st.one_of(st.none(), st.sampled_from(["en", "pl", "sv", "und", "xx", "de-AT", ""])))
def test_property_bounds_and_determinism(text: str, lang: str | None) -> None:
    a = _SCORER.score(text, lang=lang)
    _check(a)
    assert _SCORER.score(text, lang=lang) == a
    assert MentionScorer().score(text, lang=lang) == a if len(text) % 50 == 0 else True


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=200),
    st.one_of(st.none(), st.integers(min_value=-10, max_value=10**12)),
    st.integers(min_value=-10, max_value=10**12),
    st.integers(min_value=0, max_value=10**12),
)
def test_property_engagement_monotonic(text: str, followers: int | None, e1: int, extra: int) -> None:
    low = _SCORER.score(text, followers=followers, engagement=e1).score
    high = _SCORER.score(text, followers=followers, engagement=e1 + extra).score
    assert high >= low


def test_all_cue_patterns_compile() -> None:
    from monitor.scoring.cues import CueMatcher

    matcher = CueMatcher()
    for key in matcher._groups:  # every pattern compiles
        matcher._compile_key(key)
    assert len(matcher._groups) > 100


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_fast_complaint_probability_matches_feature_model(text: str) -> None:
    """The run-time path (no feature strings) gives the trained model's probability."""
    a = _SCORER.analyse(text, lang="en")
    full = _SCORER._full
    if full is None:
        return
    code, _, _, cues, low, values, numbers = _SCORER._analyse(text, "en")
    assert code == "en"
    assert full.fast_probability(values, cues, low, numbers) == pytest.approx(full.probability(a.dense, a.lexical), abs=1e-9)


FIXED_TEXTS = [
    "Still waiting for my refund, third time I call!!! 😡 #fail",
    "Thanks @brand, great crew and on time :)",
    "flight 1234 delayed 3 hrs, no one at the gate. unacceptable",
]


@pytest.mark.parametrize("text", FIXED_TEXTS)
def test_fast_probability_on_fixed_texts(scorer: MentionScorer, text: str) -> None:
    a = scorer.analyse(text, lang="en")
    full = scorer._full  # the trained model, from all the features
    assert full is not None
    assert full.probability(a.dense, a.lexical) == pytest.approx(scorer.score(text, lang="en").complaint, abs=1e-4)


@pytest.mark.parametrize(
    ("lang", "text", "sign"),
    [
        ("pl", "Bardzo niemiła obsługa", -1),  # "nie" + "miła", written together
        ("sv", "Otrevlig och ovänlig personal", -1),
        ("de", "Sehr unfreundlicher Service", -1),
        ("pl", "dziekuje, swietna robota", 1),  # diacritics dropped
        ("es", "una pelicula increible", 1),
        ("fr", "des résultats pires que prévu", -1),  # plural of "pire"
        ("sv", "Orkar inte med alla lögner", -1),  # "inte" negates "orkar", not "lögner" too
        ("fr", "j'aime pas du tout", -1),
        ("pl", "Nie lubię poniedziałków", -1),
    ],
)
def test_morphology_and_negation(scorer: MentionScorer, lang: str, text: str, sign: int) -> None:
    assert scorer.score(text, lang=lang).sentiment * sign > 0.05


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("pl", "Za masło zapłaciłem 10 zł"),  # currency, not "zły"
        ("pl", "Milion ludzi na meczu w Madrycie"),  # folded short stems must not match
        ("sv", "Stockholm, typ, håller på"),  # mistranslated neutral words
        ("sv", "Vi pratade om argumentet och hatten"),  # prefix clashes with arg*/hat*
        ("fr", "Les prix de l'énergie sur le marché"),
    ],
)
def test_neutral_words_stay_neutral(scorer: MentionScorer, lang: str, text: str) -> None:
    assert abs(scorer.score(text, lang=lang).sentiment) <= 0.05


@pytest.mark.parametrize(
    ("text", "feature"),
    [
        ("love waiting 20 minutes for a lukewarm burger", "e:irony"),  # praise with a bad situation
        ("Thanks @brand for the huge delays", "e:irony"),
        ("my car shuts off on the highway again", "e:defect"),  # a faulty product, no service word
        ("the engine stalled on the highway", "e:defect"),
        ("please bring back the chorizo", "e:request"),  # something taken away, asked back
        ("you don't sell it anymore?", "e:request"),
        ("I hate your new app", "e:hate_addressed"),  # hatred said to someone
        ("down again", "e:repeat"),
    ],
)
def test_context_features_of_the_misses(scorer: MentionScorer, text: str, feature: str) -> None:
    assert scorer.analyse(text, lang="en").dense.get(feature, 0.0) > 0


@pytest.mark.parametrize(
    ("text", "feature"),
    [
        ("love this burger, thanks", "e:irony"),  # praise alone is no sarcasm
        ("bring me a coffee", "e:request"),  # "bring" without "back"
        ("a longer flight than I thought", "e:request"),  # "longer" without "no"
        ("I hate Mondays", "e:hate_addressed"),  # said to no one
    ],
)
def test_context_features_stay_off(scorer: MentionScorer, text: str, feature: str) -> None:
    assert scorer.analyse(text, lang="en").dense.get(feature, 0.0) == 0
