"""ThreadsSource and the Graph API plumbing it shares (sources/_graph.py) against the local fake Meta API
(tests/fakes/meta.py: real HTTP, payloads shaped as Meta's Threads Keyword Search reference documents
them, field by field, and Graph API error objects as its error-handling reference shows them; see that
module's docstring)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from monitor.cli import main
from monitor.config.settings import parse_config
from monitor.daemon.app import Monitor
from monitor.errors import RateLimited, SourceError
from monitor.interfaces import Source
from monitor.models import BrandQuery
from sources import load_source_class
from sources.threads import ThreadsConfig, ThreadsSource, parse_post
from tests.conftest import FakeClock
from tests.fakes.meta import EXPIRED, RATE, FakeMeta, graph_error, stamp

TOKEN = "THR-k3yw0rd-t0ken-5f1e"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ACME = BrandQuery("Acme Air", ("acme air",), {"threads": "acmeair"}, ("acme air fryer",))
SEARCH = "/v1.0/keyword_search"


@pytest.fixture
def fake() -> Iterator[FakeMeta]:
    with FakeMeta(TOKEN) as server:
        yield server


def make(fake: FakeMeta, now: list[datetime] | None = None, **kw: object) -> ThreadsSource:
    clock = (lambda: now[0]) if now else (lambda: NOW)
    return ThreadsSource(access_token=TOKEN, clock=clock, api_base_url=fake.url, **kw)  # type: ignore[arg-type]


def test_registry_protocol_and_real_shapes(fake: FakeMeta) -> None:
    assert load_source_class("threads") is ThreadsSource and isinstance(make(fake), Source)
    post = fake.add_thread("Acme Air lost my bag, third time", NOW - timedelta(minutes=5), username="dana")
    reply = fake.add_thread("@dana acme air same here", NOW - timedelta(minutes=4), username="eli", reply=True)
    own = fake.add_thread("Acme Air here: DM us your booking", NOW - timedelta(minutes=3), username="AcmeAir")
    fake.add_thread("my acme air fryer is great", NOW - timedelta(minutes=2))  # an exclude
    fake.add_thread("acmeairline", NOW - timedelta(minutes=1))  # matched loosely by the search, not by us
    result = make(fake).poll([ACME], {})
    by_id = {o.id: o for o in result.observations}
    assert set(by_id) == {post, reply, own}
    o = by_id[post]
    assert (o.source, o.kind, o.brand, o.author.handle, o.by_brand) == ("threads", "post", "Acme Air", "dana", False)
    assert o.created_at == NOW - timedelta(minutes=5) and o.url and o.url.startswith("https://www.threads.net/@dana/")
    assert by_id[reply].kind == "comment" and by_id[own].by_brand
    request = fake.requests_to(SEARCH)[0]
    assert request.param("search_type") == "RECENT" and request.param("q") == "acme air"
    assert request.param("fields") == "id,text,media_type,permalink,timestamp,username,has_replies,is_quote_post,is_reply"
    assert TOKEN not in json.dumps(result.cursor)


def test_pages_gaps_and_cursor_across_polls(fake: FakeMeta) -> None:
    now = [NOW]
    source = make(fake, now, max_pages=2)
    first = [fake.add_thread(f"acme air first {i}", NOW - timedelta(hours=1, minutes=i)) for i in range(30)]
    r0 = source.poll([ACME], {})
    assert len(r0.observations) == 25 and len(fake.requests_to(SEARCH)) == 1  # the first poll: one page, no backfill
    now[0] = NOW + timedelta(minutes=30)
    new = [fake.add_thread(f"acme air new {i}", NOW + timedelta(minutes=1, seconds=i)) for i in range(60)]
    r1 = source.poll([ACME], r0.cursor)
    assert len(r1.observations) == 50 and r1.cursor["brands"]["Acme Air"]["acme air"]["gaps"]
    assert fake.requests_to(SEARCH)[1].param("since") == str(int((NOW - timedelta(hours=1) - timedelta(seconds=600))
                                                               .timestamp()))
    r2 = source.poll([ACME], r1.cursor)
    r3 = source.poll([ACME], r2.cursor)
    got = [o.id for o in r1.observations + r2.observations + r3.observations]
    assert sorted(got) == sorted(new) and len(got) == len(set(got))  # no gap, no duplicate
    assert not set(got) & set(first) and "gaps" not in r3.cursor["brands"]["Acme Air"]["acme air"]
    assert TOKEN not in json.dumps(r1.cursor)  # the stored paging.next has no token in it


def test_expired_token_is_reported_once_and_not_retried(fake: FakeMeta) -> None:
    source = make(fake)
    fake.fail_next(SEARCH, 400, body=EXPIRED)
    with pytest.raises(SourceError) as info:
        source.poll([ACME], {})
    assert info.value.permanent and "has expired" in str(info.value) and "sources.threads.access_token" in str(info.value)
    assert "463" in str(info.value) and TOKEN not in str(info.value)
    asked = len(fake.requests)
    with pytest.raises(SourceError, match="has expired"):
        source.poll([ACME], {})
    assert len(fake.requests) == asked  # off until fixed: no request sent again
    with pytest.raises(SourceError) as wrong:
        ThreadsSource(access_token="not-the-token", clock=lambda: NOW, api_base_url=fake.url).poll([ACME], {})
    assert wrong.value.permanent and "not-the-token" not in str(wrong.value)


@pytest.mark.parametrize("status, body, headers, wait", [
    (400, RATE, {"X-Business-Use-Case-Usage": json.dumps(
        {"111": [{"type": "threads", "call_count": 100, "total_cputime": 3, "total_time": 4,
                  "estimated_time_to_regain_access": 7}]})}, 420.0),
    (400, graph_error(17, "(#17) User request limit reached"), {}, 900.0),
    (400, graph_error(613, "(#613) Calls to this api have exceeded the rate limit."), {}, 900.0),
    (429, None, {"Retry-After": "120"}, 120.0),
])
def test_rate_limits_wait_as_told(fake: FakeMeta, status: int, body: str | None, headers: dict[str, str],
                                  wait: float) -> None:
    fake.fail_next(SEARCH, status, headers, body=body)
    with pytest.raises(RateLimited) as info:
        make(fake).poll([ACME], {})
    assert info.value.retry_after == wait


@pytest.mark.parametrize("status, body, permanent, words", [
    (403, graph_error(10, "(#10) Application does not have permission for this action"), True, "threads_keyword_search"),
    (400, graph_error(100, "(#100) Invalid parameter"), True, "a parameter is wrong"),
    (500, graph_error(2, "An unexpected error has occurred. Please retry your request later.", kind="OAuthException"),
     False, "HTTP 500"),
    (502, "<html>Bad Gateway</html>", False, "HTTP 502"),
    (200, "{not json", False, "not a JSON object"),
    (200, '{"data": {"id": "1"}}', False, "not a Graph API list"),
])
def test_other_errors(fake: FakeMeta, status: int, body: str, permanent: bool, words: str) -> None:
    fake.fail_next(SEARCH, status, body=body)
    with pytest.raises(SourceError) as info:
        make(fake).poll([ACME], {})
    assert info.value.permanent is permanent and words in str(info.value) and not isinstance(info.value, RateLimited)


def test_a_failure_mid_walk_keeps_what_was_read_and_resumes(fake: FakeMeta) -> None:
    now = [NOW]
    source = make(fake, now, max_pages=3)
    fake.add_thread("acme air old", NOW - timedelta(hours=2))
    cursor = source.poll([ACME], {}).cursor
    new = [fake.add_thread(f"acme air {i}", NOW - timedelta(minutes=50) + timedelta(seconds=i)) for i in range(60)]
    fake.fail_next(SEARCH, 400, body=RATE, skip=1)  # the second page is refused
    r1 = source.poll([ACME], cursor)
    assert r1.partial and len(r1.observations) == 25 and "rate limited" in (r1.note or "")
    r2 = source.poll([ACME], r1.cursor)
    got = [o.id for o in r1.observations + r2.observations]
    assert sorted(got) == sorted(new) and len(got) == len(set(got))


def test_usage_headers_hold_requests_back(fake: FakeMeta) -> None:
    now = [NOW]
    source = make(fake, now)
    fake.usage_headers = {"X-App-Usage": json.dumps({"call_count": 96, "total_cputime": 10, "total_time": 12})}
    source.poll([ACME], {})
    asked = len(fake.requests)
    with pytest.raises(RateLimited) as info:
        source.poll([ACME], {})
    assert info.value.retry_after == 900 and len(fake.requests) == asked
    now[0] += timedelta(minutes=16)
    fake.usage_headers = {"X-App-Usage": "garbage{"}
    source.poll([ACME], {})
    assert len(fake.requests) == asked + 1


def test_paging_next_is_never_followed_to_another_host(fake: FakeMeta) -> None:
    source = make(fake)
    assert source.graph.follow("https://evil.example/v1.0/keyword_search?after=x&access_token=t") is None
    assert source.graph.follow("https://graph.threads.net/v1.0/keyword_search?q=a&after=QQ&access_token=t") == \
        "/v1.0/keyword_search?q=a&after=QQ"
    assert source.graph.follow(f"{fake.url}/v1.0/keyword_search?after=QQ") == "/v1.0/keyword_search?after=QQ"
    assert source.graph.follow(12) is None


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                     max_leaves=10)
_post = st.fixed_dictionaries(
    {"id": st.from_regex(r"[0-9]{1,19}", fullmatch=True)},
    optional={"timestamp": st.datetimes(timezones=st.just(UTC)).map(stamp) | _json, "text": st.text() | _json,
              "username": _json | st.text(max_size=12), "permalink": _json, "is_reply": _json})


@given(post=_post | _json)
def test_parser_never_raises(post: object) -> None:
    obs = parse_post(post, NOW, ACME)
    if obs is not None:
        assert obs.created_at.tzinfo is not None and isinstance(obs.text, str) and obs.id.isdigit()


def test_budget_defaults_to_metas_weekly_cap() -> None:
    assert ThreadsConfig().limits() == [("requests", 500, 7 * 86400.0)]
    assert ThreadsConfig(budget={"reads": 100, "per": "1d"}).limits() == [("reads", 100, 86400.0),
                                                                        ("requests", 500, 7 * 86400.0)]
    assert ThreadsConfig(budget={"requests": 2200, "per": "1d"}).limits() == [("requests", 2200, 86400.0)]
    assert ThreadsConfig().interval == 1800


def test_off_without_a_token_and_the_budget_holds_in_the_daemon(tmp_path: Path, fake: FakeMeta) -> None:
    config = tmp_path / "m.toml"
    config.write_text('[[brands]]\nname = "Acme Air"\nkeywords = ["acme air"]\n[sources.threads]\n[sources.hackernews]\n')
    result = CliRunner().invoke(main, ["check-config", str(config)])
    assert "sources.threads: off (no credentials: set sources.threads.access_token)" in result.output
    clock = FakeClock(NOW)
    loaded = parse_config(f"""
[storage]
url = "sqlite:///{tmp_path / 'm.db'}"
[[brands]]
name = "Acme Air"
keywords = ["acme air"]
[sources.threads]
access_token = "{TOKEN}"
api_base_url = "{fake.url}"
budget = {{ requests = 3, per = "7d" }}
""")
    mon = Monitor.create(loaded, clock, channels={})
    try:
        for _ in range(10):
            mon.poll_source("threads")
            clock.advance(hours=1)
    finally:
        mon.close()
    assert 1 <= len(fake.requests_to(SEARCH)) <= 3
