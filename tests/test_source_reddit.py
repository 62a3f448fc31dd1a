"""RedditSource against the local fake Reddit API (HTTP as it really looks; nothing of ours mocked)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from praw.config import Config

from monitor.errors import RateLimited, SourceError
from monitor.interfaces import Source
from monitor.models import BrandQuery, Observation
from sources import SOURCES, load_source_class
from sources.reddit import RedditSource, parse_thing, search_query
from tests.fakes.social import FakeSocial

CLIENT_ID, SECRET = "fake-client-id", "s3cr3t-reddit-value"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ACME = BrandQuery("Acme Air", ("acme air", "acmeair"), {"reddit": "acmeair"}, ("acme air fryer",))
GLOBEX = BrandQuery("Globex", ("globex",))


def clock() -> datetime:
    return NOW


@pytest.fixture
def fake() -> Iterator[FakeSocial]:
    with FakeSocial(reddit_credentials=(CLIENT_ID, SECRET)) as server:
        yield server


def make(fake: FakeSocial, **kwargs: object) -> RedditSource:
    options: dict[str, object] = {"client_id": CLIENT_ID, "client_secret": SECRET, "user_agent": "monitor-tests/1.0"}
    options |= kwargs
    return RedditSource(clock=clock, api_base_url=fake.url, **options)  # type: ignore[arg-type]


def ids(observations: list[Observation]) -> list[str]:
    return [o.id for o in observations]


def test_registry_loads_lazily() -> None:
    assert SOURCES["reddit"] == "sources.reddit:RedditSource"
    assert load_source_class("reddit") is RedditSource
    with pytest.raises(KeyError, match="known: reddit, x"):
        load_source_class("myspace")


def test_poll_maps_posts_and_comments(fake: FakeSocial) -> None:
    now = time.time()
    post = fake.add_reddit_post("Acme Air lost my bag", "Nobody answers.", subreddit="travel", author="ann",
                                created_utc=now - 60, score=42, num_comments=0)  # fmt: skip
    comment = fake.add_reddit_comment("ACMEAIR support is unreachable", link_id=post, author="bob", created_utc=now)
    fake.add_reddit_post("Globex is fine", subreddit="travel", created_utc=now - 30)
    source = make(fake)
    assert isinstance(source, Source)

    result = source.poll([ACME], {})

    assert not result.partial
    by_id = {o.id: o for o in result.observations}
    assert set(by_id) == {post, comment}
    p, c = by_id[post], by_id[comment]
    assert (p.source, p.kind, p.brand, p.lang) == ("reddit", "post", "Acme Air", None)
    assert p.text == "Acme Air lost my bag\n\nNobody answers."
    assert p.url is not None and p.url.startswith("https://www.reddit.com/r/travel/comments/")
    assert p.created_at == datetime.fromtimestamp(now - 60, UTC) and p.created_at.tzinfo is not None
    assert p.observed_at == NOW
    assert (p.metrics.score, p.metrics.replies, p.metrics.likes, p.metrics.views) == (42, 1, None, None)
    assert (p.author.handle, p.author.followers, p.author.verified) == ("ann", None, None)
    assert p.author.id is not None and p.author.id.startswith("t2_")
    assert p.conversation_id == post and p.in_reply_to is None
    assert (c.kind, c.text, c.in_reply_to, c.conversation_id, c.brand) == (
        "comment", "ACMEAIR support is unreachable", post, post, "Acme Air",
    )  # fmt: skip
    assert c.metrics.replies is None  # unknown for comments, not zero
    # The token came from the moved token endpoint, with our client credentials and user agent.
    token_calls = fake.requests_to("/api/v1/access_token")
    assert len(token_calls) == 1 and token_calls[0].param("grant_type") == "client_credentials"
    search = fake.requests_to("/r/all/search")[0]
    assert search.param("sort") == "new" and search.param("q") == '"acme air" OR "acmeair"'
    assert search.headers["user-agent"].startswith("monitor-tests/1.0")


def test_excludes_and_keywords_are_case_insensitive(fake: FakeSocial) -> None:
    now = time.time()
    fryer = fake.add_reddit_post("My ACME AIR FRYER broke", created_utc=now - 50)
    both = fake.add_reddit_post("Acme Air fryer? No: acme air lost my bag", created_utc=now - 40)
    fake.add_reddit_comment("the acme air fryer is great", link_id=fryer, created_utc=now - 30)
    liked = fake.add_reddit_comment("acme air, never again", link_id=fryer, created_utc=now - 20)

    result = make(fake).poll([ACME, GLOBEX], {})

    assert sorted(ids(result.observations)) == sorted([both, liked])
    assert {o.brand for o in result.observations} == {"Acme Air"}


def test_cursor_skips_seen_items_and_catches_late_indexed_posts(fake: FakeSocial) -> None:
    now = time.time()
    first = fake.add_reddit_post("acme air one", created_utc=now - 100)
    source = make(fake)
    r1 = source.poll([ACME], {})
    assert ids(r1.observations) == [first]

    assert source.poll([ACME], r1.cursor).observations == []
    newer = fake.add_reddit_post("acme air two", created_utc=now)
    late = fake.add_reddit_post("acme air indexed late", created_utc=now - 300)  # older than the newest seen
    r3 = source.poll([ACME], r1.cursor)
    assert sorted(ids(r3.observations)) == sorted([newer, late])
    assert r3.cursor["search"]["Acme Air"]["all"]["newest"] == pytest.approx(now)
    assert source.poll([ACME], r3.cursor).observations == []


def test_pagination_follows_after_until_the_cursor(fake: FakeSocial) -> None:
    now = time.time()
    fake.add_reddit_post("acme air old", created_utc=now - 5000)
    source = make(fake, page_limit=2, include_comments=False)
    cursor = source.poll([ACME], {}).cursor
    new = [fake.add_reddit_post(f"acme air {i}", created_utc=now - 100 + i) for i in range(5)]
    fake.clear_log()

    result = source.poll([ACME], cursor)

    assert sorted(ids(result.observations)) == sorted(new)
    pages = fake.requests_to("/r/all/search")
    afters = [p.param("after") for p in pages]
    assert len(pages) == 3 and afters[0] is None and None not in afters[1:]  # 2 + 2 + (1 new, then the old one)
    assert all(p.param("limit") == "2" for p in pages)


def test_first_poll_reads_one_page_only(fake: FakeSocial) -> None:
    now = time.time()
    for i in range(5):
        fake.add_reddit_post(f"acme air {i}", created_utc=now - i)
    result = make(fake, page_limit=2, include_comments=False).poll([ACME], {})
    assert len(result.observations) == 2 and len(fake.requests_to("/r/all/search")) == 1


def test_configured_subreddits_are_searched_and_restricted(fake: FakeSocial) -> None:
    now = time.time()
    inside = fake.add_reddit_post("acme air in travel", subreddit="travel", created_utc=now)
    fake.add_reddit_post("acme air elsewhere", subreddit="cooking", created_utc=now)
    result = make(fake, subreddits=["travel", "flying"]).poll([ACME], {})
    assert ids(result.observations) == [inside]
    assert {r.path for r in fake.requests if r.method == "GET"} == {
        "/r/travel/search", "/r/flying/search", "/r/travel/comments", "/r/flying/comments",
    }  # fmt: skip
    assert {r.param("restrict_sr") for r in fake.requests_to("/r/travel/search")} == {"true"}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({"Retry-After": "42"}, 42.0), ({"x-ratelimit-reset": "17"}, 17.0), ({}, None)],
)
def test_429_raises_rate_limited(fake: FakeSocial, headers: dict[str, str], expected: float | None) -> None:
    fake.fail_next("/r/", 429, headers)
    with pytest.raises(RateLimited) as info:
        make(fake).poll([ACME], {})
    assert info.value.retry_after == expected and not info.value.permanent


def test_429_mid_pagination_keeps_what_was_read(fake: FakeSocial) -> None:
    now = time.time()
    fake.add_reddit_post("acme air old", created_utc=now - 5000)
    source = make(fake, page_limit=2)
    old_cursor = source.poll([ACME], {}).cursor
    new = [fake.add_reddit_post(f"acme air {i}", created_utc=now - 10 + i) for i in range(4)]
    fake.fail_next("/r/all/search", 429, {"Retry-After": "30"}, skip=1)

    result = source.poll([ACME], old_cursor)

    assert result.partial and result.note is not None and "429" in result.note and "30" in result.note
    assert sorted(ids(result.observations)) == sorted(new[2:])  # the first page, newest first
    assert result.cursor == old_cursor  # the unfinished search is read again next time
    again = source.poll([ACME], result.cursor)
    assert set(new) <= set(ids(again.observations))


def test_error_after_a_completed_unit_advances_only_that_unit(fake: FakeSocial) -> None:
    now = time.time()
    acme = fake.add_reddit_post("acme air", created_utc=now)
    fake.fail_next("/r/all/comments", 503)
    result = make(fake).poll([ACME], {})
    assert result.partial and ids(result.observations) == [acme]
    assert "all" in result.cursor["search"]["Acme Air"] and result.cursor["comments"] == {}


@pytest.mark.parametrize("status", [404, 403, 500])
def test_a_failing_comment_listing_does_not_fail_the_search(fake: FakeSocial, status: int) -> None:
    from tests.conftest import FakeClock

    at = FakeClock(NOW)
    fake.fail_next("/r/all/comments", status, times=10)
    quiet = make(fake)
    quiet._clock = at
    assert quiet.poll([ACME], {}).partial  # no new post: still no error (a 404 used to stop the whole source)
    source = make(fake)
    source._clock = at
    acme = fake.add_reddit_post("acme air lost my bag", created_utc=time.time())
    result = source.poll([ACME], {})
    assert ids(result.observations) == [acme] and result.partial
    assert result.note is not None and f"HTTP {status}" in result.note and "comments of r/all" in result.note
    asked = len(fake.requests_to("/r/all/comments"))
    source.poll([ACME], result.cursor)
    # A 403/404 will not go away by itself: asked again in an hour, not at every poll; a 500 at the next poll.
    assert len(fake.requests_to("/r/all/comments")) == asked + (status == 500)
    at.advance(hours=1, seconds=1)
    source.poll([ACME], result.cursor)
    assert len(fake.requests_to("/r/all/comments")) == asked + (status == 500) + 1


def test_exhausted_rate_limit_window_is_not_slept_through(fake: FakeSocial) -> None:
    fake.add_reddit_post("acme air", created_utc=time.time())
    fake.reddit_ratelimit_remaining = 0
    started = time.monotonic()
    result = make(fake).poll([ACME], {})
    assert time.monotonic() - started < 5
    assert result.partial and result.note is not None and "retry after" in result.note
    assert fake.requests_to("/r/all/comments") == []


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retryable_and_not_retried_here(fake: FakeSocial, status: int) -> None:
    fake.fail_next("/r/all/search", status)
    with pytest.raises(SourceError) as info:
        make(fake).poll([ACME], {})
    assert not info.value.permanent and not isinstance(info.value, RateLimited)
    assert str(status) in str(info.value)
    assert len(fake.requests_to("/r/all/search")) == 1  # the scheduler retries, not prawcore


@pytest.mark.parametrize(
    ("prefix", "status", "headers", "permanent"),
    [
        ("/api/v1/access_token", 401, {}, True),  # bad client credentials
        ("/api/v1/access_token", 403, {}, True),
        ("/r/all/search", 403, {}, True),  # private or banned subreddit, or no API access
        ("/r/all/search", 404, {}, True),
        # An API 401 is a token Reddit no longer accepts: prawcore drops it, the next poll gets another.
        ("/r/all/search", 401, {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'}, False),
        ("/r/all/search", 401, {}, False),
    ],
)
def test_auth_errors(fake: FakeSocial, prefix: str, status: int, headers: dict[str, str], permanent: bool) -> None:
    fake.fail_next(prefix, status, headers)
    source = make(fake)
    with pytest.raises(SourceError) as info:
        source.poll([ACME], {})
    assert info.value.permanent is permanent and str(status) in str(info.value)
    if not permanent:
        fake.add_reddit_post("acme air", created_utc=time.time())
        assert len(source.poll([ACME], {}).observations) == 1
        assert len(fake.requests_to("/api/v1/access_token")) == 2


def test_wrong_credentials_are_permanent_and_secret_free(fake: FakeSocial) -> None:
    wrong = "wrong-secret-value-123"
    with pytest.raises(SourceError) as info:
        make(fake, client_secret=wrong).poll([ACME], {})
    assert info.value.permanent
    text = f"{info.value!s} {info.value!r} {info.value.__cause__!r} {info.value.__context__!r}"
    assert wrong not in text and CLIENT_ID not in text


@pytest.mark.parametrize(
    ("prefix", "body"),
    [
        ("/r/all/search", "<html>oops</html>"),
        ("/r/all/search", '{"kind": "Listing", "data": {"children": 5}}'),
        ("/r/all/search", "[1, 2, 3]"),
        ("/api/v1/access_token", "not json"),
        ("/api/v1/access_token", '{"access_token": "x"}'),
    ],
)
def test_garbage_answers_raise_source_error(fake: FakeSocial, prefix: str, body: str) -> None:
    fake.fail_next(prefix, 200, body=body)
    with pytest.raises(SourceError) as info:
        make(fake).poll([ACME], {})
    assert SECRET not in str(info.value)


def test_timeout_is_a_retryable_source_error(fake: FakeSocial) -> None:
    fake.set_delay("/r/all/search", 3)
    started = time.monotonic()
    with pytest.raises(SourceError) as info:
        make(fake, timeout=0.3).poll([ACME], {})
    assert not info.value.permanent and time.monotonic() - started < 2.5


def test_refresh_batches_100_fullnames_per_call(fake: FakeSocial) -> None:
    posts = [fake.add_reddit_post(f"acme air {i}") for i in range(150)]
    comment = fake.add_reddit_comment("acme air", link_id=posts[0])
    fake.set_metrics(posts[3], score=999, num_comments=77)

    refreshed = make(fake).refresh([*posts, comment, "t3_" + "z" * 6, "garbage", posts[0]])

    calls = fake.requests_to("/api/info")
    assert [len((c.param("id") or "").split(",")) for c in calls] == [100, 52]
    assert len(refreshed) == 151 and all(o.brand is None for o in refreshed)
    hot = next(o for o in refreshed if o.id == posts[3])
    assert (hot.metrics.score, hot.metrics.replies) == (999, 77)


def test_explicit_settings_beat_a_planted_praw_ini(
    fake: FakeSocial, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "praw.ini").write_text(
        "[DEFAULT]\noauth_url=https://evil.invalid\nreddit_url=https://evil.invalid\n"
        "username=someone\npassword=hunter2\ncheck_for_updates=True\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(Config, "CONFIG", None)  # make praw read the files again
    fake.add_reddit_post("acme air", created_utc=time.time())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        source = make(fake)
    assert len(source.poll([ACME], {}).observations) == 1
    assert fake.requests_to("/api/v1/access_token")[0].param("grant_type") == "client_credentials"


def test_invalid_settings_are_value_errors() -> None:
    with pytest.raises(ValueError, match="subreddit"):
        RedditSource(client_id="a", client_secret="b", user_agent="agent/1.0", clock=clock, subreddits=["no/pe"])
    with pytest.raises(ValueError, match="http"):
        RedditSource(client_id="a", client_secret="b", user_agent="agent/1.0", clock=clock, api_base_url="ftp://x")


def test_fake_runs_standalone_until_terminated() -> None:
    root = Path(__file__).resolve().parents[1]
    command = [sys.executable, "-m", "tests.fakes.social", "--port", "0", "--seed", "demo"]
    with subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:")
            result = make_at(url).poll([ACME], {})
            assert {o.kind for o in result.observations} == {"post", "comment"}
            assert not any("fryer" in o.text.lower() for o in result.observations)
        finally:
            proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def make_at(url: str) -> RedditSource:
    return RedditSource(client_id="any", client_secret="any", user_agent="tests/1.0", clock=clock, api_base_url=url)


def test_search_query_quotes_phrases() -> None:
    assert search_query(BrandQuery("A", ("acme air", 'say "hi"', "  "))) == '"acme air" OR "say  hi"'


# -- the payload parser, on arbitrary input -------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
_fields = st.fixed_dictionaries(
    {},
    optional={
        key: _json | st.text()
        for key in (
            "name",
            "id",
            "title",
            "selftext",
            "body",
            "author",
            "author_fullname",
            "permalink",
            "score",
            "num_comments",
            "parent_id",
            "link_id",
            "created_utc",
        )  # fmt: skip
    },
)


@given(kind=st.sampled_from(["t1", "t3", "t5", "more", None]), data=_fields | _json)
def test_parser_never_crashes(kind: object, data: object) -> None:
    obs = parse_thing(kind, data, NOW)
    if obs is not None:
        assert obs.created_at.tzinfo is not None and obs.source == "reddit" and isinstance(obs.text, str)
        for value in (obs.metrics.score, obs.metrics.replies):
            assert value is None or isinstance(value, int)


@given(
    title=st.text(),
    selftext=st.text(),
    created=st.floats(min_value=0, max_value=4e9),
    score=st.none() | st.integers(-(10**6), 10**9),
)
def test_parser_keeps_text_and_unknown_metrics_stay_none(
    title: str, selftext: str, created: float, score: int | None
) -> None:
    data = {"name": "t3_abc", "id": "abc", "title": title, "selftext": selftext, "created_utc": created}
    if score is not None:
        data["score"] = score
    obs = parse_thing("t3", data, NOW, brand="Acme Air")
    assert obs is not None
    assert obs.text == (f"{title}\n\n{selftext}" if selftext else title)
    # A downvoted post's negative score spreads nothing: it counts 0 (monitor.sanitize.valid_count).
    assert obs.metrics.score == (None if score is None else max(score, 0))
    assert obs.metrics.replies is None and obs.metrics.likes is None
    assert obs.url is None and obs.brand == "Acme Air"
