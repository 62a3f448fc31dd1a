"""XSource against the local fake X API v2 (HTTP as it really looks; nothing of ours mocked)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.errors import RateLimited, SourceError
from monitor.interfaces import Source
from monitor.models import BrandQuery, Observation
from sources import load_source_class
from sources.x import XSource, _tagger, build_queries, parse_page, parse_tweet
from tests.fakes.social import FakeSocial

TOKEN = "AAAA-secret-bearer-token-value"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ACME = BrandQuery("Acme Air", ("acme air", "acmeair"), {"x": "acmeair"}, ("acme air fryer",))
GLOBEX = BrandQuery("Globex", ("globex",))
SEARCH = "/2/tweets/search/recent"


def clock() -> datetime:
    return NOW


@pytest.fixture
def fake() -> Iterator[FakeSocial]:
    with FakeSocial(x_bearer_token=TOKEN) as server:
        yield server


def make(fake: FakeSocial, **kwargs: object) -> XSource:
    return XSource(bearer_token=TOKEN, clock=clock, api_base_url=fake.url, **kwargs)  # type: ignore[arg-type]


def ids(observations: list[Observation]) -> list[str]:
    return [o.id for o in observations]


def seeded(fake: FakeSocial, n: int, text: str = "acme air #{i}") -> list[str]:
    start = time.time() - 3600
    return [fake.add_tweet(text.format(i=i), username=f"user{i % 7}", created_at=start + i) for i in range(n)]


def test_registry() -> None:
    assert load_source_class("x") is XSource


def test_poll_maps_tweets(fake: FakeSocial) -> None:
    created = datetime(2026, 2, 28, 9, 30, 15, tzinfo=UTC)
    root = fake.add_tweet("Acme Air lost my bag", username="ann", followers=1200, verified=True, created_at=created,
                          likes=10, retweets=2, replies=5, quotes=1, impressions=900, lang="en")  # fmt: skip
    reply = fake.add_tweet("@acmeair same here", username="bob", followers=None, reply_to=root, lang="es")
    fake.add_tweet("RT acme air lost my bag", username="carl", retweet_of=root)
    fake.add_tweet("nothing to see", username="dan")
    source = make(fake)
    assert isinstance(source, Source)

    result = source.poll([ACME], {})

    assert not result.partial and result.note is None
    by_id = {o.id: o for o in result.observations}
    assert set(by_id) == {root, reply}  # the retweet is left out by the query
    r = by_id[root]
    assert (r.source, r.kind, r.url, r.lang, r.brand) == (
        "x",
        "post",
        f"https://x.com/i/status/{root}",
        "en",
        "Acme Air",
    )
    assert r.text == "Acme Air lost my bag" and r.created_at == created and r.observed_at == NOW
    assert (r.author.handle, r.author.followers, r.author.verified) == ("ann", 1200, True)
    assert r.author.id is not None
    m = r.metrics
    assert (m.likes, m.reposts, m.replies, m.quotes, m.views, m.score) == (10, 2, 5, 1, 900, None)
    assert r.conversation_id == root and r.in_reply_to is None
    c = by_id[reply]
    assert (c.kind, c.in_reply_to, c.conversation_id, c.lang) == ("comment", root, root, "es")
    assert c.author.followers is None  # unknown, not zero
    assert c.metrics.views is None  # no impression_count in the payload: unknown, not zero
    assert result.cursor == {"v": 1, "brands": {"Acme Air": {"since_id": max(root, reply, key=int)}}}

    (request,) = fake.requests_to(SEARCH)
    assert request.param("query") == '("acme air" OR acmeair OR @acmeair) -"acme air fryer" -is:retweet'
    assert request.param("expansions") == "author_id" and request.param("max_results") == "100"
    assert request.param("tweet.fields") == (
        "created_at,public_metrics,lang,conversation_id,referenced_tweets,in_reply_to_user_id"
    )
    assert request.param("user.fields") == "public_metrics,verified,username"
    assert request.param("since_id") is None
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


def test_excludes_respected(fake: FakeSocial) -> None:
    fake.add_tweet("my Acme Air Fryer is great")
    fake.add_tweet("acme air fryer ad aside, acme air lost my bag")  # X's -"phrase" drops mixed tweets too
    kept = fake.add_tweet("ACME AIR lost my bag")
    fake.add_tweet("globex rocks")
    result = make(fake).poll([ACME], {})
    assert ids(result.observations) == [kept]


def test_excludes_applied_locally_when_the_api_lets_them_through() -> None:
    # An API-compatible host that ignores negations: the excluded post is still dropped here, a post
    # that also mentions the brand outside the excluded phrase is kept.
    when = "2026-03-01T12:00:00Z"
    page = {"data": [{"id": "1", "text": "my Acme Air Fryer is great", "created_at": when},
                     {"id": "2", "text": "acme air fryer? no: @AcmeAir lost it", "created_at": when}]}  # fmt: skip
    tag = _tagger(ACME)
    tagged = [t for o in parse_page(page, NOW)[0] if (t := tag(o)) is not None]
    assert [(t.id, t.brand) for t in tagged] == [("2", "Acme Air")]


def test_since_id_cursor(fake: FakeSocial) -> None:
    first = seeded(fake, 3)
    source = make(fake)
    r1 = source.poll([ACME, GLOBEX], {})
    assert sorted(ids(r1.observations)) == sorted(first)
    assert r1.cursor["brands"] == {"Acme Air": {"since_id": first[-1]}}  # Globex saw nothing yet

    newer = fake.add_tweet("acme air again")
    r2 = source.poll([ACME, GLOBEX], r1.cursor)
    assert ids(r2.observations) == [newer]
    assert [r.param("since_id") for r in fake.requests_to(SEARCH)][-2:] == [first[-1], None]
    assert r2.cursor["brands"]["Acme Air"]["since_id"] == newer
    assert source.poll([ACME], r2.cursor).observations == []


def test_pagination_with_next_token(fake: FakeSocial) -> None:
    first = seeded(fake, 1)
    source = make(fake)
    cursor = source.poll([ACME], {}).cursor
    new = seeded(fake, 250, "acme air later #{i}")
    fake.clear_log()

    result = source.poll([ACME], cursor)

    assert sorted(ids(result.observations)) == sorted(new) and first[0] not in ids(result.observations)
    pages = fake.requests_to(SEARCH)
    assert len(pages) == 3 and pages[0].param("next_token") is None
    assert all(p.param("next_token") for p in pages[1:]) and {p.param("since_id") for p in pages} == {first[0]}
    assert result.cursor["brands"]["Acme Air"] == {"since_id": max(new, key=int)}


def test_first_poll_reads_one_page_only(fake: FakeSocial) -> None:
    seeded(fake, 150)
    result = make(fake).poll([ACME], {})
    assert len(result.observations) == 100 and len(fake.requests_to(SEARCH)) == 1
    assert "gap" not in result.cursor["brands"]["Acme Air"]  # no backfill of a week of history


def test_page_budget_leaves_a_gap_that_later_polls_fill(fake: FakeSocial) -> None:
    seeded(fake, 1)
    source = make(fake, max_pages=2)
    cursor = source.poll([ACME], {}).cursor
    since = cursor["brands"]["Acme Air"]["since_id"]
    burst = seeded(fake, 350, "acme air burst #{i}")

    r1 = source.poll([ACME], cursor)
    assert len(r1.observations) == 200 and not r1.partial
    state = r1.cursor["brands"]["Acme Air"]
    assert state["since_id"] == max(burst, key=int) and state["gap"][0] == since

    later = fake.add_tweet("acme air, much later")
    r2 = source.poll([ACME], r1.cursor)
    r3 = source.poll([ACME], r2.cursor)
    seen = ids(r1.observations) + ids(r2.observations) + ids(r3.observations)
    assert sorted(seen) == sorted([*burst, later])  # everything once, nothing skipped
    assert r3.cursor["brands"]["Acme Air"] == {"since_id": later}


def test_429_uses_the_reset_header(fake: FakeSocial) -> None:
    reset = int(NOW.timestamp()) + 123
    fake.fail_next(SEARCH, 429, {"x-rate-limit-reset": str(reset), "x-rate-limit-remaining": "0"})
    with pytest.raises(RateLimited) as info:
        make(fake).poll([ACME], {})
    assert info.value.retry_after == pytest.approx(123) and not info.value.permanent


def test_429_without_headers(fake: FakeSocial) -> None:
    fake.fail_next(SEARCH, 429)
    with pytest.raises(RateLimited) as info:
        make(fake).poll([ACME], {})
    assert info.value.retry_after is None


def test_429_mid_pagination_keeps_the_pages_read(fake: FakeSocial) -> None:
    seeded(fake, 1)
    source = make(fake)
    cursor = source.poll([ACME], {}).cursor
    new = seeded(fake, 250, "acme air later #{i}")
    fake.fail_next(SEARCH, 429, {"x-rate-limit-reset": str(int(NOW.timestamp()) + 60)}, skip=1)

    result = source.poll([ACME], cursor)

    assert result.partial and result.note is not None and "429" in result.note and "60" in result.note
    assert sorted(ids(result.observations)) == sorted(new)[-100:]  # the newest page
    assert result.cursor == cursor  # not advanced: the next poll reads the brand again
    again = source.poll([ACME], result.cursor)
    assert set(new) == set(ids(again.observations))


def test_error_on_second_brand_keeps_the_first(fake: FakeSocial) -> None:
    acme = fake.add_tweet("acme air")
    fake.fail_next(SEARCH, 503, skip=1)
    result = make(fake).poll([ACME, GLOBEX], {"brands": {"Globex": {"since_id": "5"}}})
    assert result.partial and ids(result.observations) == [acme]
    assert result.cursor["brands"] == {"Acme Air": {"since_id": acme}, "Globex": {"since_id": "5"}}


def test_rate_limit_with_nothing_read_is_raised_even_after_a_finished_brand(fake: FakeSocial) -> None:
    fake.fail_next(SEARCH, 429, {"x-rate-limit-reset": str(int(NOW.timestamp()) + 5)}, skip=1)
    with pytest.raises(RateLimited) as info:
        make(fake).poll([GLOBEX, ACME], {})  # Globex finished (nothing new), Acme hit the limit
    assert info.value.retry_after == pytest.approx(5)


@pytest.mark.parametrize(("status", "permanent"), [(500, False), (503, False), (401, True), (403, True), (400, True)])
def test_http_errors(fake: FakeSocial, status: int, permanent: bool) -> None:
    fake.fail_next(SEARCH, status)
    with pytest.raises(SourceError) as info:
        make(fake).poll([ACME], {})
    assert info.value.permanent is permanent and not isinstance(info.value, RateLimited)
    assert str(status) in str(info.value)


def test_wrong_token_is_permanent_and_never_echoed(fake: FakeSocial, caplog: pytest.LogCaptureFixture) -> None:
    wrong = "wrong-bearer-token-1234567"
    caplog.set_level(logging.DEBUG)
    source = XSource(bearer_token=wrong, clock=clock, api_base_url=fake.url)
    with pytest.raises(SourceError) as info:
        source.poll([ACME], {})
    assert info.value.permanent
    text = f"{info.value!s} {info.value!r} {info.value.__cause__!r} {info.value.__context__!r}"
    assert wrong not in text and wrong not in caplog.text
    assert "Bearer ***" in caplog.text  # tweepy logged its headers, redacted


def test_secret_echoed_by_a_proxy_is_redacted(fake: FakeSocial) -> None:
    fake.fail_next(SEARCH, 502, body='{"detail": "bad upstream for Bearer ' + TOKEN + '"}')
    with pytest.raises(SourceError) as info:
        make(fake).poll([ACME], {})
    assert TOKEN not in str(info.value) and "***" in str(info.value)


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, "<html>gateway</html>"), (200, "[1, 2]"), (200, '{"data": {"id": 1}}'), (400, "[1]"), (503, "<html>")],
)
def test_garbage_answers_raise_source_error(fake: FakeSocial, status: int, body: str) -> None:
    fake.fail_next(SEARCH, status, body=body)
    with pytest.raises(SourceError):
        make(fake).poll([ACME], {})


def test_timeout_is_a_retryable_source_error(fake: FakeSocial) -> None:
    fake.set_delay(SEARCH, 3)
    started = time.monotonic()
    with pytest.raises(SourceError) as info:
        make(fake, timeout=0.3).poll([ACME], {})
    assert not info.value.permanent and time.monotonic() - started < 2.5


def test_overlong_query_is_searched_in_parts(fake: FakeSocial) -> None:
    huge = BrandQuery("Huge", tuple(f"keyword number {i}" for i in range(60)), {"x": "hugeco"}, ("keyword number 999",))
    queries = build_queries(huge)
    assert len(queries) > 1 and all(len(q) <= 512 for q in queries)
    assert all(q.endswith(' -"keyword number 999" -is:retweet') for q in queries)  # every part keeps the excludes
    searched = [t for q in queries for t in q.split('"') if t.startswith("keyword number ") and t != "keyword number 999"]
    assert sorted(searched) == sorted(f"keyword number {i}" for i in range(60)) and "@hugeco" in queries[-1]
    first, last = fake.add_tweet("keyword number 0 is down"), fake.add_tweet("keyword number 59 lost my bag")
    acme = fake.add_tweet("acme air")
    source = make(fake)
    result = source.poll([huge, ACME], {})
    assert sorted(ids(result.observations)) == sorted([first, last, acme]) and result.note is None
    assert len(fake.requests_to(SEARCH)) == len(queries) + 1
    assert set(result.cursor["brands"]) == {"Huge", f"Huge #{len(queries)}", "Acme Air"}  # parts that found tweets
    later = fake.add_tweet("keyword number 59 again")
    assert ids(source.poll([huge, ACME], result.cursor).observations) == [later]  # each part keeps its since_id


def test_a_term_too_long_for_any_query_is_left_out_with_a_note(fake: FakeSocial) -> None:
    brand = BrandQuery("Odd", ("x" * 600, "odd co"))
    tweet = fake.add_tweet("odd co lost my bag")
    result = make(fake).poll([brand], {})
    assert ids(result.observations) == [tweet] and result.note is not None and "Odd" in result.note


def test_refresh_batches_100_ids_per_call(fake: FakeSocial) -> None:
    tweets = seeded(fake, 250)
    fake.set_metrics(tweets[7], likes=5000, retweets=800, impressions=10**6)

    refreshed = make(fake).refresh([*tweets, "999", "not-an-id", tweets[0]])

    calls = fake.requests_to("/2/tweets")
    assert [len((c.param("ids") or "").split(",")) for c in calls] == [100, 100, 51]
    assert len(refreshed) == 250 and all(o.brand is None for o in refreshed)  # the unknown id is left out
    hot = next(o for o in refreshed if o.id == tweets[7])
    assert (hot.metrics.likes, hot.metrics.reposts, hot.metrics.views) == (5000, 800, 10**6)
    assert hot.author.handle == "user0"


def test_refresh_rate_limited(fake: FakeSocial) -> None:
    tweets = seeded(fake, 3)
    fake.fail_next("/2/tweets", 429, {"x-rate-limit-reset": str(int(NOW.timestamp()) + 900)})
    with pytest.raises(RateLimited) as info:
        make(fake).refresh(tweets)
    assert info.value.retry_after == pytest.approx(900)


def test_api_base_url_with_a_path_prefix_is_kept() -> None:
    # A proxy mounted under a path: the hard-coded origin is replaced, the prefix kept.
    from sources._http import make_session

    session = make_session(1.0, move_from="https://api.twitter.com", move_to="http://127.0.0.1:9/x-proxy")
    adapter = session.get_adapter("https://api.twitter.com/2/tweets")
    prepared = session.prepare_request(__import__("requests").Request("GET", "https://api.twitter.com/2/tweets?ids=1"))
    with pytest.raises(Exception):  # noqa: B017 - nothing listens there; we only look at the URL sent
        adapter.send(prepared)
    assert prepared.url == "http://127.0.0.1:9/x-proxy/2/tweets?ids=1"


def test_build_query() -> None:
    assert build_queries(GLOBEX) == ["globex -is:retweet"]
    assert build_queries(GLOBEX, include_retweets=True) == ["globex"]
    brand = BrandQuery("A", ('say "hi"', "a-b"), {"x": "@acme"}, ("no",))
    assert build_queries(brand) == ['("say hi" OR "a-b" OR @acme) -no -is:retweet']


# -- the payload parser, on arbitrary input -------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
_metric_names = ("like_count", "retweet_count", "reply_count", "quote_count", "impression_count")
_tweet = st.fixed_dictionaries(
    {"id": st.from_regex(r"[0-9]{1,19}", fullmatch=True), "text": st.text()},
    optional={
        "created_at": st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat().replace("+00:00", "Z")) | _json,
        "public_metrics": st.dictionaries(st.sampled_from(_metric_names), st.integers(0, 10**12) | _json),
        "author_id": st.sampled_from(["1", "2"]) | _json,
        "lang": _json,
        "conversation_id": _json,
        "referenced_tweets": st.lists(st.fixed_dictionaries({"type": st.text(max_size=12), "id": _json})) | _json,
    },
)


@given(tweet=_tweet | _json, users=st.dictionaries(st.sampled_from(["1", "2"]), _json))
def test_parser_never_crashes(tweet: object, users: dict[str, object]) -> None:
    obs = parse_tweet(tweet, users, NOW)
    if obs is not None:
        assert obs.created_at.tzinfo is not None and isinstance(obs.text, str)
        m = obs.metrics
        for value in (m.likes, m.reposts, m.replies, m.quotes, m.views):
            assert value is None or isinstance(value, int)


@given(
    payload=_json
    | st.fixed_dictionaries({"data": st.lists(_tweet | _json, max_size=3)}, optional={"includes": _json, "meta": _json})
)
def test_page_parser_raises_only_source_error(payload: object) -> None:
    try:
        parse_page(payload, NOW)
    except SourceError:
        pass


@given(text=st.text(), metrics=st.dictionaries(st.sampled_from(_metric_names), st.integers(0, 10**12)))
def test_metrics_absent_are_none_not_zero(text: str, metrics: dict[str, int]) -> None:
    tweet = {"id": "1", "text": text, "created_at": "2026-03-01T12:00:00.000Z", "public_metrics": metrics}
    obs = parse_tweet(tweet, {}, NOW, brand="Acme Air")
    assert obs is not None and obs.text == text and obs.created_at == NOW
    m = obs.metrics
    got = {"like_count": m.likes, "retweet_count": m.reposts, "reply_count": m.replies,
           "quote_count": m.quotes, "impression_count": m.views}  # fmt: skip
    assert got == {name: metrics.get(name) for name in _metric_names}
    assert obs.author.followers is None and obs.author.handle is None and obs.brand == "Acme Air"


def test_created_at_is_aware_utc() -> None:
    obs = parse_tweet({"id": "5", "text": "t", "created_at": "2026-03-01T12:00:00.000Z"}, {}, NOW)
    assert obs is not None and obs.created_at.utcoffset() == timedelta(0)
    naive = parse_tweet({"id": "5", "text": "t", "created_at": "2026-03-01T12:00:00"}, {}, NOW)
    assert naive is not None and naive.created_at == NOW  # no offset means UTC
    shifted = parse_tweet({"id": "5", "text": "t", "created_at": "2026-03-01T13:00:00+01:00"}, {}, NOW)
    assert shifted is not None and shifted.created_at == NOW and shifted.created_at.tzinfo == UTC
