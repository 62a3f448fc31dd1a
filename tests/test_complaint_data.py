"""Loaders of the complaint model's training data (tools/complaint_data.py), on files shaped like the real ones."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
import complaint_data  # noqa: E402

AIRLINE_HEADER = ["tweet_id", "airline_sentiment", "negativereason", "airline", "text"]


def _airline(tmp_path: Path, rows: list[list[str]]) -> str:
    path = tmp_path / "Tweets.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(AIRLINE_HEADER)
        w.writerows(rows)
    return str(path)


def test_airline_leaves_out_negatives_whose_reason_nobody_could_tell(tmp_path: Path) -> None:
    path = _airline(
        tmp_path,
        [
            ["1", "negative", "Late Flight", "United", "@united 3 hours late again"],
            ["2", "negative", "Can't Tell", "United", "@united you are the worst"],
            ["3", "neutral", "", "Delta", "@JetBlue what time does the gate open?"],
        ],
    )
    rows = complaint_data.airline(path)
    assert [(r.text, r.label, r.group) for r in rows] == [
        ("@brand 3 hours late again", 1, "airline:United"),
        ("@brand what time does the gate open?", 0, "airline:Delta"),
    ]
    # The language-independent model still learns from them (tools/train_complaint.py load_dense).
    assert [r.label for r in complaint_data.airline(path, unclear=True)] == [1, 1, 0]


def _conversation(tweet_id: str, company: str, message: str) -> dict[str, object]:
    return {
        "agentURL": {"doc_id": "1", "turn": "2", "tweet_ID": "9", "url": "https://example.org", "url_utterance": "see this"},
        "dialogContent": [{"client": "someone", "datetime": "2020-04-01T17:31:32.000Z", "message": message, "tweet_ID": tweet_id}],
        "dialogHeader": {"company": company, "conversationDateTime": "2020-04-01T17:31:32.000Z", "messageCount": "2"},
    }


def test_ibm_tweets_join_their_labels_by_id(tmp_path: Path) -> None:
    dev = tmp_path / "dev.json"
    dev.write_text(json.dumps([_conversation("11", "zoom_us", "@zoom_us my installer is stuck\nat 3%")]), "utf-8")
    labels = tmp_path / "labels.tsv"
    labels.write_text("tweet_id\tcompany\tindustry\tcomplaint\n11\tzoom_us\tsoftware\t1\n", "utf-8")
    [row] = complaint_data.ibm([str(dev)], labels=labels)
    assert (row.text, row.label, row.group) == ("@zoom_us my installer is stuck at 3%", 1, "ibm:software")


def test_ibm_folder_reads_its_dev_and_test_files(tmp_path: Path) -> None:
    (tmp_path / "dev.json").write_text(json.dumps([_conversation("11", "zoom_us", "installer stuck")]), "utf-8")
    (tmp_path / "test.json").write_text(json.dumps([_conversation("12", "zoom_us", "thanks, all good")]), "utf-8")
    labels = tmp_path / "labels.tsv"
    labels.write_text("tweet_id\tcompany\tindustry\tcomplaint\n11\tzoom_us\tsoftware\t1\n12\tzoom_us\tsoftware\t0\n", "utf-8")
    rows = complaint_data.ibm([str(tmp_path)], labels=labels)
    assert [(r.text, r.label) for r in rows] == [("installer stuck", 1), ("thanks, all good", 0)]


def test_ibm_file_that_is_not_the_data_set_is_named(tmp_path: Path) -> None:
    dev = tmp_path / "dev.json"
    dev.write_text('{"not": "a list of conversations"}', "utf-8")
    with pytest.raises(SystemExit, match="dev.json: not a conversation file"):
        complaint_data.ibm([str(dev)])


def test_ibm_label_for_a_missing_tweet_is_named(tmp_path: Path) -> None:
    dev = tmp_path / "dev.json"
    dev.write_text(json.dumps([_conversation("11", "zoom_us", "hello")]), "utf-8")
    with pytest.raises(SystemExit, match="tweet 12"):
        complaint_data.ibm([str(dev)], labels=_labels(tmp_path, "12"))


def _labels(tmp_path: Path, tweet_id: str) -> Path:
    path = tmp_path / "labels.tsv"
    path.write_text(f"tweet_id\tcompany\tindustry\tcomplaint\n{tweet_id}\tzoom_us\tsoftware\t0\n", "utf-8")
    return path


def test_ibm_labels_file() -> None:
    with open(REPO / "bench" / "data" / "ibm_complaints.tsv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(rows) == 1022
    assert set(rows[0]) == {"tweet_id", "company", "industry", "complaint"}
    assert len({r["tweet_id"] for r in rows}) == len(rows)
    assert {r["complaint"] for r in rows} == {"0", "1"}
    assert {r["industry"] for r in rows} <= {"finance", "food", "games", "retail", "software", "telecom", "transport", "hospitality"}


def test_reddit_posts_join_their_labels_and_read_as_the_source_writes_them(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    import eval_scoring

    rows = list(csv.DictReader(open(REPO / "bench" / "data" / "reddit_notion_complaints.tsv", encoding="utf-8"), delimiter="\t"))
    assert len(rows) == 347 and len({r["id"] for r in rows}) == 347
    posts = [{"id": r["id"], "title": f"title {i}", "selftext": "body" if i % 2 else ""} for i, r in enumerate(rows)]
    path = tmp_path / "posts.json"
    path.write_text(json.dumps(posts), "utf-8")
    triples = eval_scoring.reddit_posts(str(path))
    assert triples[0] == (rows[0]["id"], "title 0", rows[0]["complaint"] == "1")
    assert triples[1][1] == "title 1\n\nbody"
    path.write_text(json.dumps(posts[1:]), "utf-8")
    with pytest.raises(SystemExit, match="1 labelled posts missing"):
        eval_scoring.reddit_posts(str(path))


@pytest.mark.parametrize(("name", "key", "columns", "n"), [
    ("bank_app_review_complaints.tsv", "review_id", {"review_id", "complaint"}, 140),
    ("pet_insurance_review_complaints.tsv", "id", {"id", "company", "complaint"}, 140),
])
def test_review_labels_files(name: str, key: str, columns: set[str], n: int) -> None:
    with open(REPO / "bench" / "data" / name, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(rows) == n and len({r[key] for r in rows}) == n
    assert set(rows[0]) == columns
    assert {r["complaint"] for r in rows} == {"0", "1"}


def test_pet_reviews_read_title_and_body_as_the_trustpilot_source_joins_them(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    import eval_scoring

    rows = list(csv.DictReader(open(REPO / "bench" / "data" / "pet_insurance_review_complaints.tsv",
                                    encoding="utf-8"), delimiter="\t"))
    with open(tmp_path / "figo_reviews.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "text", "rating", "title"])
        w.writeheader()
        for i, r in enumerate(rows):
            w.writerow({"id": r["id"], "text": f"body {i} ", "rating": 1 + i % 5, "title": "Title" if i % 2 else ""})
    reviews = eval_scoring.pet_reviews(str(tmp_path))
    assert reviews[0] == (rows[0]["id"], "body 0", 1, rows[0]["complaint"] == "1")
    assert reviews[1][1:3] == ("Title\nbody 1", 2)
