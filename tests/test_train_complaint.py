"""The complaint model's training (tools/train_complaint.py): what it exports is what runs.

The word features are scaled by their naive-Bayes ratio while training; the export folds that scale
into the weights, so the run-time model (plain weights, monitor/scoring/complaint.py) must give the
probabilities the trained one gave. The decision threshold is chosen on industries the model was not
trained on, and never from the test part."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
import train_complaint as T  # noqa: E402

from monitor.scoring.complaint import LinearModel  # noqa: E402

COMPLAINTS = ["my order never arrived", "still waiting for my refund", "app crashed again", "charged twice for one order",
              "internet down since this morning", "flight delayed and no answer"]
OTHERS = ["thanks for the help", "love the new store", "what time do you open", "great crew today",
          "ugh this referee is blind", "happy friday everyone"]


def rows(texts: list[str]) -> list[dict[str, float]]:
    out = []
    for t in texts:
        words = t.split()
        row: dict[str, float] = {"w:" + w: 1.0 for w in words}
        row.update({f"b:{a} {b}": 1.0 for a, b in zip(["<s>", *words], words, strict=False)})
        row["d:question"] = 1.0 if "what" in words else 0.0
        out.append(row)
    return out


def test_exported_weights_give_the_trained_probabilities() -> None:
    texts = COMPLAINTS + OTHERS
    y = np.array([1] * len(COMPLAINTS) + [0] * len(OTHERS))
    model = T.fit(rows(texts), y, np.ones(len(texts)), 1.0)
    runtime = LinearModel(T.export(model, 0.5))
    for text, p, row in zip(texts, model.proba(rows(texts)), rows(texts), strict=True):
        dense = {k: v for k, v in row.items() if k.startswith("d:")}
        got = runtime.probability(dense, [k for k in row if k.startswith(("w:", "b:"))])
        assert got == pytest.approx(p, abs=2e-3), text


def test_threshold_is_chosen_without_the_test_part() -> None:
    # Two industries of hand-labelled tweets and one held out: changing the held-out labels must not
    # move the threshold.
    texts = COMPLAINTS + OTHERS
    full = rows(texts * 3)
    groups = ["twcs:food"] * 12 + ["twcs:retail"] * 12 + ["twcs:telecom"] * 12
    y = np.array(([1] * 6 + [0] * 6) * 3)
    w = np.ones(len(full))
    train = list(range(24))
    before = T.choose_threshold(full, y, w, groups, train, 1.0)
    y[24:] = 1 - y[24:]
    assert T.choose_threshold(full, y, w, groups, train, 1.0) == before
    assert before in T.THRESHOLDS
    assert T.choose_threshold(full, y, w, groups, list(range(12)), 1.0) == 0.5  # one industry: nothing to choose on


def _xlsx(path: Path, rows: list[list[str]]) -> None:
    """A minimal .xlsx (shared strings, one sheet), as spreadsheet programs write it."""
    import zipfile

    strings = sorted({v for r in rows for v in r})
    cells = "".join(
        f'<row r="{i + 1}">'
        + "".join(f'<c r="{chr(65 + j)}{i + 1}" t="s"><v>{strings.index(v)}</v></c>' for j, v in enumerate(r))
        + "</row>"
        for i, r in enumerate(rows)
    )
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/sharedStrings.xml", f"<sst {ns}>" + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>")
        z.writestr("xl/worksheets/sheet1.xml", f"<worksheet {ns}><sheetData>{cells}</sheetData></worksheet>")


def test_labelled_sheet_texts_are_read_by_tweet_id(tmp_path: Path) -> None:
    import complaint_data

    name = tmp_path / "sheet.xlsx"
    _xlsx(name, [["tweet_id", "text", "Delivery"], ["11", "my  parcel\nnever came", "1"], ["12", "thanks!", "0"]])
    assert complaint_data._xlsx_texts(name) == {"11": "my parcel never came", "12": "thanks!"}


def test_extra_labelled_tweets_are_held_out_with_their_industry() -> None:
    from complaint_data import Example

    examples = [Example("a", 1, "twcs:retail", 5.0), Example("b", 0, "twcs:food", 5.0),
                Example("c", 1, "twcs-extra:retail", 2.0), Example("d", 1, "twcs-extra:software", 2.0)]
    split = {name: (train, test) for name, train, test in T.splits(examples)}
    train, test = split["twcs industry retail"]
    assert test == [0] and 2 not in train and 3 in train
    train, _ = split["twcs all, trained without twcs or ibm"]
    assert 2 not in train and 3 not in train


def test_the_screen_reports_the_mixed_set_and_its_worst_industry() -> None:
    import screen_complaint

    groups = ["twcs:telecom"] * 4 + ["twcs:food"] * 4 + ["test:generic"] * 2
    y = np.array([1, 1, 0, 0, 1, 0, 1, 0, 0, 0])
    # telecom all right; food one complaint missed, one invented; one generic tweet flagged.
    preds = dict(enumerate([True, True, False, False, False, True, True, False, True, False]))
    line = screen_complaint.summary(y, groups, preds)
    p, r, f = T.scores(list(y), list(preds.values()))
    assert f"mixed P {p:.3f} R {r:.3f} macro-F1 {f:.3f}" in line
    assert (p, r) == (3 / 5, 3 / 4)
    assert "worst food 0.500" in line and "telecom 1.000" in line


def test_every_first_name_is_one_word_of_the_model() -> None:
    """Training reads the names of its list as complaint.NAME; the run-time model reads them the same
    way in both of its paths, so "Tom" and "David" weigh alike and a word outside the list is unknown."""
    from monitor.scoring.complaint import NAME
    from monitor.scoring.features import lexical

    spec = {"bias": -0.5, "weights": {f"w:{NAME}": 0.7, f"b:hi {NAME}": 0.4, "w:hi": 0.1, "w:refund": 1.0},
            "names": ["tom", "david"]}
    model = LinearModel(spec)
    values = tuple(0.0 for _ in model._values)

    def both(words: list[str]) -> tuple[float, float]:
        return model.fast_probability(values, (), words), model.probability({}, lexical(words))

    tom, david, zed = both(["hi", "tom", "refund"]), both(["hi", "david", "refund"]), both(["hi", "zed", "refund"])
    assert tom[0] == pytest.approx(tom[1], abs=1e-12)
    assert tom == david
    assert tom[0] > zed[0]  # the name and its bigram count; an unknown word does not
    assert zed[0] == pytest.approx(zed[1], abs=1e-12)
    assert both(["david"])[0] == pytest.approx(1 / (1 + np.exp(-(-0.5 + 0.7))), abs=1e-12)


def test_names_read_as_one_word_in_training() -> None:
    T.NAMES = frozenset({"tom"})
    try:
        from monitor.scoring.scorer import MentionScorer

        full, _ = T.featurise(MentionScorer(), ["Hi Tom, my refund never came"])
    finally:
        T.NAMES = frozenset()
    keys = {k for k in full[0] if k.startswith(("w:", "b:"))}
    assert "w:<name>" in keys and "b:hi <name>" in keys and "b:<name> my" not in keys  # "," starts a context
    assert not any("tom" in k for k in keys)


def test_word_clusters_group_words_used_alike_and_the_screen_counts_them() -> None:
    """tools/word_clusters.py: words that take the same neighbours share a cluster, words that never
    do not; the screen's cluster feature counts a clustered word as often as the word itself."""
    import screen_complaint
    import word_clusters

    lines = []
    for k in range(40):
        lines += [f"my {w} keeps dropping since monday" for w in ("wifi", "router", "modem")]
        lines += [f"the {w} was lovely and warm tonight" for w in ("soup", "pasta", "pizza")]
        lines.append(f"@acme note {k} for the count")
    found = word_clusters.clusters(lines, k=2, min_count=10)
    assert found["wifi"] == found["router"] == found["modem"]
    assert found["soup"] == found["pasta"] == found["pizza"] != found["wifi"]
    assert word_clusters.words("@acme since 2019") == ["user", "since", "0"]  # as features.lexical reads them
    assert "user" not in found and "0" in found  # a handle is no word to cluster; a number is

    rows = screen_complaint.with_clusters([{"w:wifi": 2.0, "w:modem": 1.0, "b:my wifi": 1.0, "d:neg": 0.5}],
                                          {w: str(c) for w, c in found.items()})
    assert rows[0][f"w:#k{found['wifi']}"] == 3.0 and rows[0]["w:wifi"] == 2.0 and rows[0]["d:neg"] == 0.5


def test_the_screen_can_train_on_a_share_of_the_hand_labelled_tweets() -> None:
    """``--share``: the same tweets for a seed, about that share of them, and nothing else left out."""
    import screen_complaint

    texts = [f"@acme order {k} never came" for k in range(2000)]
    half = [screen_complaint.kept(t, "twcs:retail", 0.5, 1) for t in texts]
    assert 900 < sum(half) < 1100
    assert half == [screen_complaint.kept(t, "twcs:retail", 0.5, 1) for t in texts]
    assert half != [screen_complaint.kept(t, "twcs:retail", 0.5, 2) for t in texts]
    assert all(screen_complaint.kept(t, "generic:xlmt", 0.1, 1) for t in texts)  # only hand labels thin out
    assert all(screen_complaint.kept(t, "twcs-reply:food", 1.0, 3) for t in texts)
