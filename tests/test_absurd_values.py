"""Absurd numbers and dates in observation JSONL: each is a bad line named by its number, never a crash
of ``score``, ``replay`` or ``replay --report``; the rule is the one the sources use (monitor/sanitize.py)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from monitor.cli import main
from monitor.jsonl import ReadStats, observation_from_dict, read_observations
from monitor.sanitize import MAX_COUNT, valid_count, valid_time

GOOD = {"source": "x", "id": "1", "text": "Acme Air lost my bag, still no refund, third call",
        "created_at": "2024-01-01T00:00:00Z", "brand": "Acme Air"}

# Raw JSON text, as a file would hold it: 1e400 and 10**30 are not expressible otherwise.
ABSURD = [
    ('"metrics": {"likes": 1e400}', "metrics.likes"),
    ('"metrics": {"likes": 1e308}', "metrics.likes"),
    ('"metrics": {"reposts": 1000000000000000000000000000000}', "metrics.reposts"),
    ('"metrics": {"views": NaN}', "metrics.views"),
    ('"metrics": {"score": -1e308}', "metrics.score"),
    ('"author": {"followers": 1000000000000000000000000}', "author.followers"),
    ('"created_at": "0001-01-01T00:00:00Z"', "created_at"),
    ('"created_at": "9999-12-31T23:59:59Z"', "created_at"),
    ('"created_at": "9999-12-31T23:59:59-12:00"', "created_at"),
    ('"observed_at": "0001-01-01T00:00:00Z"', "observed_at"),
]


def line_with(fragment: str, ident: str = "bad") -> str:
    base = json.dumps({**GOOD, "id": ident})
    key = fragment.split(":", 1)[0]
    if key in base:  # replace the field GOOD already has
        start = base.index(key)
        end = base.index(",", start)
        return base[:start] + fragment + base[end:]
    return base[:-1] + ", " + fragment + "}"


@pytest.mark.parametrize("fragment, field", ABSURD)
def test_absurd_values_are_bad_lines_named_by_number(fragment: str, field: str) -> None:
    good = json.dumps(GOOD)
    warn = io.StringIO()
    stats = ReadStats()
    out = list(read_observations(io.StringIO(f"{good}\n{line_with(fragment)}\n{good}\n"), "in.jsonl",
                                 stats=stats, warn=warn))
    assert len(out) == 2 and stats.skipped == 1
    assert "in.jsonl:2:" in warn.getvalue() and field in warn.getvalue()


def test_ordinary_values_stay_as_they_are() -> None:
    obs = observation_from_dict({**GOOD, "metrics": {"likes": 2**31, "views": 10**11, "score": -3},
                                 "author": {"followers": 250_000_000}})
    assert (obs.metrics.likes, obs.metrics.views, obs.metrics.score) == (2**31, 10**11, 0)  # a downvote spreads nothing
    assert obs.author.followers == 250_000_000


@given(st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.text(), st.none()))
def test_valid_count_is_an_int_in_range_or_a_value_error(value: object) -> None:
    try:
        n = valid_count(value)
    except ValueError:
        return
    assert type(n) is int and 0 <= n <= MAX_COUNT


@given(st.datetimes(timezones=st.just(UTC)))
def test_valid_time_bounds(dt: datetime) -> None:
    inside = datetime(1970, 1, 1, tzinfo=UTC) <= dt < datetime(2100, 1, 1, tzinfo=UTC)
    try:
        assert valid_time(dt) == dt and inside
    except ValueError:
        assert not inside


def write(tmp: Path, bad: str, good_lines: int = 1000) -> Path:
    path = tmp / "in.jsonl"
    with path.open("w") as f:
        for i in range(good_lines):
            f.write(json.dumps({**GOOD, "id": str(i), "created_at": f"2024-01-01T{i // 60 % 24:02d}:{i % 60:02d}:00Z"})
                    + "\n")
        f.write(bad + "\n")
    return path


@pytest.mark.parametrize("fragment", [f for f, _ in ABSURD[:3]] + [ABSURD[5][0], ABSURD[6][0], ABSURD[7][0]])
def test_score_skips_the_bad_line_and_scores_the_rest(tmp_path: Path, fragment: str) -> None:
    path = write(tmp_path, line_with(fragment), good_lines=50)
    result = CliRunner().invoke(main, ["score", "--input", str(path)])
    assert result.exit_code == 0, result.output
    assert len([line for line in result.stdout.splitlines() if line.startswith("{")]) == 50
    assert "in.jsonl:51:" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("fragment", [ABSURD[1][0], ABSURD[2][0], ABSURD[5][0], ABSURD[6][0], ABSURD[7][0]])
def test_replay_and_report_survive_a_bad_line(tmp_path: Path, fragment: str) -> None:
    path = write(tmp_path, line_with(fragment))
    report = tmp_path / "r.html"
    result = CliRunner().invoke(main, ["replay", "--input", str(path), "--format", "json", "--report", str(report)])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)["stats"]
    assert stats["observations"] == 1000 and stats["skipped_lines"] == 1
    assert "in.jsonl:1001:" in result.stderr and report.exists()
    strict = CliRunner().invoke(main, ["replay", "--strict", "--input", str(path), "--format", "json"])
    assert strict.exit_code == 2 and "in.jsonl:1001:" in strict.stderr
