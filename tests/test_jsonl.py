"""Observation JSONL and durations: parsers get property tests; bad lines are named by number."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.config.durations import format_timestamp, parse_duration, parse_timestamp
from monitor.errors import InputError
from monitor.jsonl import ReadStats, observation_from_dict, observation_to_dict, read_observations

CONTRACT_EXAMPLE = {
    "source": "x",
    "id": "1293593516040269825",
    "url": "https://x.com/i/status/1293593516040269825",
    "kind": "post",
    "text": "…",
    "lang": "en",
    "author": {"id": "2244994945", "handle": "acme_fan", "followers": 1200, "verified": False},
    "created_at": "2019-10-01T12:00:00Z",
    "observed_at": "2019-10-01T13:00:00Z",
    "metrics": {"likes": 10, "reposts": 2, "replies": 5, "quotes": 0, "views": None, "score": None},
    "in_reply_to": None,
    "conversation_id": None,
    "brand": "Acme Air",
}


def test_contract_example_round_trips() -> None:
    obs = observation_from_dict(CONTRACT_EXAMPLE)
    assert observation_to_dict(obs) == CONTRACT_EXAMPLE


def test_defaults_and_unknown_fields() -> None:
    obs = observation_from_dict(
        {"source": "Reddit", "id": 5, "text": "hi", "created_at": "2020-01-01T00:00:00", "extra_field": [1, 2]}
    )
    assert obs.source == "reddit" and obs.id == "5"
    assert obs.observed_at == obs.created_at == datetime(2020, 1, 1, tzinfo=timezone.utc)
    assert obs.metrics.likes is None  # missing metrics are unknown, not zero
    assert observation_to_dict(obs)["extra_field"] == [1, 2]


@pytest.mark.parametrize(
    "line, fragment",
    [
        ('{"source": "x", "id": "1", "text": "t"}', "created_at"),
        ('{"source": "x", "id": "1", "text": 5, "created_at": "2020-01-01"}', "'text'"),
        ('{"source": "x", "id": "1", "text": "t", "created_at": "yesterday"}', "ISO 8601"),
        (
            '{"source": "x", "id": "1", "text": "t", "created_at": "2020-01-01", "metrics": {"likes": "many"}}',
            "metrics.likes",
        ),
        ('{"source": "x", "id": "1", "text": "t", "created_at": "2020-01-01", "kind": "tweet"}', "kind"),
        ("[1, 2]", "JSON object"),
        ("{not json", "Expecting"),
        ('{"source": "x", "id": "1\\ud800", "text": "t", "created_at": "2020-01-01"}', "'id' holds a lone surrogate"),
        ('{"source": "x", "id": "1", "text": "t", "created_at": "2020-01-01", "author": {"handle": "\\udcff"}}',
         "'handle' holds a lone surrogate"),
    ],
)
def test_malformed_lines_are_named_by_number(line: str, fragment: str) -> None:
    good = json.dumps(CONTRACT_EXAMPLE)
    stream = io.StringIO(f"{good}\n{line}\n{good}\n")
    warn = io.StringIO()
    stats = ReadStats()
    out = list(read_observations(stream, "in.jsonl", stats=stats, warn=warn))
    assert len(out) == 2 and stats.skipped == 1
    assert "in.jsonl:2:" in warn.getvalue() and fragment in warn.getvalue()
    with pytest.raises(InputError, match="in.jsonl:2:"):
        list(read_observations(io.StringIO(f"{good}\n{line}\n"), "in.jsonl", strict=True))


def test_a_lone_surrogate_in_the_text_keeps_the_post() -> None:
    """The text is cleaned where it is used (scored, stored); only identifiers and tags are refused."""
    line = '{"source": "x", "id": "1", "text": "awful \\ud800 service", "created_at": "2020-01-01"}'
    [obs] = read_observations(io.StringIO(line + "\n"), "in.jsonl", strict=True)
    assert obs.text == "awful \ud800 service"


def test_deeply_nested_json_is_a_bad_line_not_a_crash() -> None:
    bomb = "[" * 100_000 + "]" * 100_000
    warn = io.StringIO()
    assert list(read_observations(io.StringIO(bomb + "\n"), "bomb.jsonl", warn=warn)) == []
    assert "bomb.jsonl:1:" in warn.getvalue()


@given(st.text())
def test_any_line_parses_or_is_reported(line: str) -> None:
    stats = ReadStats()
    list(read_observations(io.StringIO(line.replace("\n", " ") + "\n"), "f", stats=stats, warn=io.StringIO()))
    assert stats.skipped <= 1


@given(
    st.dictionaries(
        st.sampled_from(["source", "id", "text", "created_at", "metrics", "author", "kind"]),
        st.one_of(st.none(), st.text(), st.integers(), st.dictionaries(st.text(), st.integers())),
    )
)
def test_arbitrary_objects_never_raise_anything_but_value_error(d: dict) -> None:
    try:
        observation_from_dict(d)
    except ValueError:
        pass


@given(st.integers(min_value=0, max_value=10**7), st.sampled_from(["s", "m", "h", "d"]))
def test_duration_units(n: int, unit: str) -> None:
    assert parse_duration(f"{n}{unit}") == n * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


@pytest.mark.parametrize("bad", ["", "soon", "5 minutes", "-5s", "5x", "m5", True, None])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)))
def test_timestamps_round_trip(dt: datetime) -> None:
    assert parse_timestamp(format_timestamp(dt)) == dt


def test_a_review_carries_its_stars_and_other_lines_stay_as_they_were() -> None:
    from monitor.jsonl import dumps, observation_from_dict

    base = {"source": "appstore", "id": "1", "text": "crashes on login", "created_at": "2026-01-01T00:00:00Z"}
    review = observation_from_dict({**base, "kind": "review", "rating": 1})
    assert (review.kind, review.rating) == ("review", 1)
    assert '"rating": 1' in dumps(review)
    assert observation_from_dict({**base, "rating": 4.6}).rating == 5
    plain = observation_from_dict(base)
    assert plain.rating is None and "rating" not in dumps(plain)
    for bad in (0, 6, "5", True, float("nan")):
        with pytest.raises(ValueError, match="'rating' must be a number of stars from 1 to 5"):
            observation_from_dict({**base, "rating": bad})


def test_a_post_the_source_knows_the_brand_wrote_is_the_brands_answer() -> None:
    from monitor.brands import BrandMatcher
    from monitor.jsonl import dumps, observation_from_dict
    from monitor.models import BrandQuery

    base = {"source": "appstore", "id": "r1", "text": "Thanks, fixed in 2.3", "created_at": "2026-01-01T00:00:00Z",
            "kind": "comment", "brand": "Acme"}
    matcher = BrandMatcher([BrandQuery("Acme", ("acme",))])
    answer = observation_from_dict({**base, "by_brand": True})
    assert matcher.by_brand(answer, "Acme") and '"by_brand": true' in dumps(answer)
    plain = observation_from_dict(base)
    assert not matcher.by_brand(plain, "Acme") and "by_brand" not in dumps(plain)


_VALUES = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**13, max_value=10**13),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
                    st.sampled_from(["2020-01-01", "2024-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "review", "post"]),
                    st.dictionaries(st.sampled_from(["likes", "views", "score", "followers", "id", "handle", "x"]),
                                    st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=3))))


@given(st.dictionaries(st.sampled_from(sorted(CONTRACT_EXAMPLE) + ["rating", "by_brand", "other"]), _VALUES))
def test_checked_fields_are_the_observations_and_fail_alike(d: dict) -> None:
    """``monitor score`` reads lines with ``checked``: the same values, the same message for a bad line."""
    from monitor.jsonl import checked, engagement

    d = {**CONTRACT_EXAMPLE, **d} if d.get("other") is None else d  # mostly good lines, some bare ones
    try:
        obs = observation_from_dict(d)
    except ValueError as exc:
        with pytest.raises(ValueError) as got:
            checked(d)
        assert str(got.value) == str(exc)
        return
    c = checked(d)
    assert (c.source, c.id, c.text, c.lang, c.followers, c.rating) == (
        obs.source, obs.id, obs.text, obs.lang, obs.author.followers, obs.rating)
    assert engagement(c.counts) == obs.metrics.engagement()
