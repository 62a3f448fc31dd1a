"""Polish and Swedish on real-post vocabulary: Snowball stems, the trained sign models, their blend."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.scoring import MentionScorer
from monitor.scoring.polarity import PolarityModel, load_polarity
from monitor.scoring.rule_words import RULES
from monitor.scoring.text import mask, tokens

DATA = Path(__file__).resolve().parent.parent / "bench" / "data"


@pytest.fixture(scope="module")
def scorer() -> MentionScorer:
    return MentionScorer()


def low(text: str) -> list[str]:
    return [t.lower() for t in tokens(mask(text))]


def test_negator_marks_the_next_two_words_until_punctuation() -> None:
    model = PolarityModel({"stemmer": "polish", "weights": {}, "bias": 0.0}, RULES["pl"].negators)
    feats = model.features(low("Nie polecam tego lekarza. Polecam innego"))
    assert feats[0].startswith("~") and feats[1].startswith("~")  # "polecam", "tego"
    assert not feats[2].startswith("~")  # "lekarza": two words on
    assert not any(f.startswith("~") for f in feats[3:])  # after the full stop


def test_model_without_known_words_has_no_opinion() -> None:
    model = PolarityModel({"stemmer": "swedish", "weights": {"bra": 2.0}, "bias": 0.0}, RULES["sv"].negators)
    assert model.sign(low("Vi åkte till Göteborg i lördags")) is None
    sign = model.sign(low("Det var väldigt bra"))
    assert sign is not None and sign > 0.5


def test_model_below_its_confidence_stays_out() -> None:
    spec = {"stemmer": "swedish", "weights": {"bra": 0.2}, "bias": 0.0, "confident": 0.35}
    model = PolarityModel(spec, RULES["sv"].negators)
    assert model.sign(low("bra")) is None  # 2 * sigmoid(0.2) - 1 = 0.1


def test_shipped_polish_model_loads() -> None:
    model = load_polarity("pl", RULES["pl"].negators, RULES["pl"].function_words)
    assert model is not None
    assert 0.0 < model.blend < 1.0


@pytest.mark.parametrize("lang", ["sv", "de"])
def test_no_model_where_none_ships(lang: str) -> None:
    assert load_polarity(lang, RULES[lang].negators) is None


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        # Inflected and everyday words of real reviews that the base-form lexicon did not know.
        ("Niestety czekałam na wizytę ponad dwie godziny", -1),
        ("Lekarz w ogóle nie słuchał, zbył mnie w pięć minut", -1),
        ("Pani doktor bardzo rzeczowa i cierpliwa, wszystko wytłumaczyła", 1),
        ("Polecam z całego serca, profesjonalne podejście", 1),
    ],
)
def test_polish_review_vocabulary(scorer: MentionScorer, text: str, sign: int) -> None:
    assert scorer.score(text, lang="pl").sentiment * sign > 0.05


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("Det var så dåliga grejer att jag skickade tillbaka allt", -1),  # "dåliga": stem of "dålig"
        ("Usch, vilka tråkigheter", -1),
        ("Tack för alla tips, superbra tråd!", 1),
    ],
)
def test_swedish_stems(scorer: MentionScorer, text: str, sign: int) -> None:
    assert scorer.score(text, lang="sv").sentiment * sign > 0.05


def test_short_swedish_function_words_take_no_stem_value(scorer: MentionScorer) -> None:
    """"jag" (I) and "för" (for) stem like "jaga" (hunt) and "föra" (carry): they must stay neutral."""
    assert scorer.score("jag för här hela tiden", lang="sv").sentiment == 0.0


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="abcdeęłóśżåäö nieintejag.,!?", max_size=80), st.sampled_from(["pl", "sv"]))
def test_property_blend_is_bounded_and_deterministic(text: str, lang: str) -> None:
    scorer = _SCORER
    first = scorer.score(text, lang=lang).sentiment
    assert -1.0 <= first <= 1.0
    assert scorer.score(text, lang=lang).sentiment == first


_SCORER = MentionScorer()


def _labelled(name: str) -> list[dict[str, str]]:
    with open(DATA / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_hand_labelled_swedish_posts_file() -> None:
    """Sentence ids of the public forum corpus and a sentiment each; no text."""
    rows = _labelled("sv_forum_sentiment.tsv")
    assert len(rows) == 600
    assert {r["sentiment"] for r in rows} == {"positive", "negative", "neutral"}
    assert len({r["sent_id"] for r in rows}) == 600


def test_hand_labelled_polish_tweets_file() -> None:
    """Hashes of public tweets and a sentiment each; no text."""
    rows = _labelled("pl_cbd_tweets_sentiment.tsv")
    assert len(rows) == 620
    assert {r["sentiment"] for r in rows} == {"positive", "negative", "neutral"}
    assert len({r["sha1_12"] for r in rows}) == 620
    assert all(len(r["sha1_12"]) == 12 and int(r["sha1_12"], 16) >= 0 for r in rows)


def test_hand_labelled_polish_comment_files_are_three_apart_draws() -> None:
    """The measure, development and training draws of news comments: file and sentiment, no text,
    and no comment in two of them (nothing trained on is ever measured)."""
    draws = {name: _labelled(f"pl_komentarze_sentiment{name}.tsv") for name in ("", "_dev", "_train")}
    assert [len(rows) for rows in draws.values()] == [397, 395, 1200]
    files = [{r["file"] for r in rows} for rows in draws.values()]
    assert sum(map(len, files)) == len(set().union(*files))
    for rows in draws.values():
        assert {r["sentiment"] for r in rows} == {"positive", "negative", "neutral"}
        assert all(r["file"].endswith(".json") and "/" in r["file"] for r in rows)


def _training_tools():  # type: ignore[no-untyped-def]
    import sys

    sys.path.insert(0, str(DATA.parent.parent / "tools"))
    import train_polarity

    return train_polarity


def test_shipped_polish_model_gives_no_weight_to_parties_groups_or_names() -> None:
    """A post that names a party, a nation, a faith or a person is not hostile or friendly for it."""
    import json

    import snowballstemmer

    tp = _training_tools()
    spec = json.loads((DATA.parent.parent / "monitor" / "scoring" / "model" / "polarity_pl.json").read_text("utf-8"))
    stems = {k.lstrip("~") for k in spec["weights"]}
    stem = snowballstemmer.stemmer("polish").stemWord
    assert not stems & tp.topic_stems("pl")
    assert not stems & {stem(w) for w in ("karolina", "piotr", "isabella", "johnny", "lewicka", "tvp", "jarek")}
    assert {"polec", "~polec"} & stems  # the model is still there: "polecam" (I recommend) carries weight


def test_names_are_stems_written_with_a_capital_inside_sentences() -> None:
    tp = _training_tools()
    texts = [
        "Wczoraj Karolina mówiła dobrze.", "Znowu Karolina w telewizji!", "Oglądam jak Karolina prowadzi program.",
        "Dobrze to idzie.", "To dobrze, że dobrze.", "Tak DOBRZE jeszcze nie było.",  # shouting is no name
        "Dziękuję, Pan doktor pomógł.", "Niech Pan to zrobi.", "Pan wie lepiej, Pan zawsze wie.",
    ]
    names = tp.name_stems(texts, "polish")
    assert "karolin" in names
    assert "dobrz" not in names and "pan" not in names


def test_a_labelled_comment_missing_from_the_checkout_is_named(tmp_path: Path) -> None:
    tp = _training_tools()
    (tmp_path / "Krytyka").mkdir()
    (tmp_path / "Krytyka" / "kr1.json").write_text('{"komentarz": "Brawo!"}', encoding="utf-8")
    labels = tmp_path / "labels.tsv"
    labels.write_text("file\tsentiment\nKrytyka/kr1.json\tpositive\nKrytyka/kr2.json\tnegative\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="kr2.json missing"):
        tp.read_comments(str(tmp_path), labels)
    labels.write_text("file\tsentiment\nKrytyka/kr1.json\tpositive\n", encoding="utf-8")
    assert tp.read_comments(str(tmp_path), labels) == [("Brawo!", 1)]


@pytest.mark.parametrize(
    "template",
    ["Pani {n} z infolinii obiecała oddzwonić jutro.", "Na czacie odpisała mi {n}, sprawa w toku.",
     "Zamówienie odebrał {n} w poniedziałek."],
)
def test_a_name_does_not_change_how_a_polish_post_reads(scorer: MentionScorer, template: str) -> None:
    """Support posts name the agent or the customer; the name is no opinion (the model once learned
    Karolina, Piotr or Johnny as positive or negative from the reviews and subtitles it read)."""
    names = ("Karolina", "Piotr", "Isabella", "Johnny", "Kamil", "Magda", "Anna", "Tomek")
    values = [scorer.score(template.format(n=n), lang="pl").sentiment for n in names]
    assert max(values) - min(values) <= 0.02
