"""YouTubeSource against a local fake of the YouTube Data API v3 (real HTTP).

Payload shapes come from the API's discovery document (youtube/v3: SearchListResponse,
SearchResult, CommentThreadListResponse, CommentThread, Comment, VideoListResponse) and its error
guide (quotaExceeded, commentsDisabled, videoNotFound, keyInvalid/badRequest as Google's JSON errors):
see tests/fakes/google.py, which builds each answer field by field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.cli import main
from monitor.config.settings import load_config, parse_config
from monitor.daemon.app import build_sources
from monitor.daemon.quota import budgets_for, spend, usage_delta, wait_seconds
from monitor.errors import ConfigError, RateLimited, SourceError
from monitor.interfaces import Source
from monitor.models import BrandQuery
from sources import load_source_class, post_link
from sources.youtube import YouTubeConfig, YouTubeSource, parse_thread
from tests.conftest import FakeClock
from tests.fakes.google import API_KEY, FakeYouTube, google_error

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ACME = BrandQuery("Acme Air", ("acme air", "acmeair"), {}, ("acme air fryer",))
BRAND_CHANNEL = "UCacmeairofficialxxxxxxx"
THREADS = "/youtube/v3/commentThreads"
SEARCH = "/youtube/v3/search"


@pytest.fixture
def fake() -> Iterator[FakeYouTube]:
    with FakeYouTube() as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def make(fake: FakeYouTube, clock: FakeClock, **kw: object) -> YouTubeSource:
    return YouTubeSource(api_key=API_KEY, clock=clock, api_base_url=fake.url, **kw)  # type: ignore[arg-type]


def ago(**kw: float) -> float:
    return (NOW - timedelta(**kw)).timestamp()


def test_registry_protocol_and_post_links(fake: FakeYouTube, clock: FakeClock) -> None:
    assert load_source_class("youtube") is YouTubeSource
    assert isinstance(make(fake, clock), Source)
    # Links arrive normalised and lower-cased (monitor/textsig.urls): the id is the conversation id.
    for link in ("youtube.com/watch?v=dqw4w9wgxcq", "m.youtube.com/watch?feature=share&v=dqw4w9wgxcq&t=3",
                 "youtu.be/dqw4w9wgxcq?si=abc", "youtube.com/shorts/dqw4w9wgxcq"):
        assert post_link(link) == ("youtube", "dqw4w9wgxcq"), link
    assert post_link("youtube.com/channel/ucacme") is None and post_link("youtube.com/watch?v=short") is None


def test_a_found_video_and_its_comments(fake: FakeYouTube, clock: FakeClock) -> None:
    fake.add_video("Vid_AcmeA01", "Acme Air lost my bag (again)", ago(hours=5), "Vlog about acme air")
    fake.add_video("Vid_Fryer01", "My acme air fryer review", ago(hours=4))  # excluded phrase only: not followed
    top = fake.add_comment("Vid_AcmeA01", "same thing happened to me", ago(hours=3), likes=7)
    reply = fake.add_comment("Vid_AcmeA01", "they never answer", ago(hours=2), reply_to=top)
    own = fake.add_comment("Vid_AcmeA01", "Sorry! DM us your booking", ago(hours=1), author="@AcmeAir",
                           author_channel=BRAND_CHANNEL, reply_to=top)
    source = make(fake, clock, channels={BRAND_CHANNEL: "Acme Air"})

    result = source.poll([ACME], {})

    by_id = {o.id: o for o in result.observations}
    assert set(by_id) == {"Vid_AcmeA01", top, reply, own} and not result.partial
    video = by_id["Vid_AcmeA01"]
    assert (video.kind, video.brand, video.url) == ("post", "Acme Air", "https://www.youtube.com/watch?v=Vid_AcmeA01")
    assert video.conversation_id == "vid_acmea01" and video.text.startswith("Acme Air lost my bag")
    c = by_id[top]
    assert (c.kind, c.brand, c.in_reply_to, c.conversation_id) == ("comment", "Acme Air", None, "vid_acmea01")
    assert c.url == f"https://www.youtube.com/watch?v=Vid_AcmeA01&lc={top}"
    assert (c.metrics.likes, c.metrics.replies, c.author.handle, c.author.id) == (7, 2, "@viewer", "UCviewerxxxxxxxxxxxxxxxx")
    assert c.created_at == NOW - timedelta(hours=3) and c.observed_at == NOW and not c.by_brand
    assert by_id[reply].in_reply_to == top and by_id[reply].metrics.replies is None
    assert by_id[own].by_brand and not by_id[reply].by_brand
    q = fake.requests_to(SEARCH)[0]
    assert q.param("q") == '"acme air"|acmeair -"acme air fryer"' and q.param("order") == "date"
    assert q.param("type") == "video" and q.param("publishedAfter") == "2026-02-27T12:00:00Z"  # follow_for: 3 days
    t = fake.requests_to(THREADS)[0]
    assert (t.param("videoId"), t.param("order"), t.param("textFormat"), t.param("part")) == \
        ("Vid_AcmeA01", "time", "plainText", "snippet,replies")
    assert source.usage["units"] == 100 + 2  # the search, the video's page, the brand channel's page
    assert API_KEY not in str(result.cursor)


def test_cursor_across_polls_and_searches_spaced(fake: FakeYouTube, clock: FakeClock) -> None:
    fake.add_video("Vid_AcmeA01", "Acme Air strike", ago(hours=5))
    first = fake.add_comment("Vid_AcmeA01", "one", ago(hours=3))
    source = make(fake, clock)
    r1 = source.poll([ACME], {})
    assert [o.id for o in r1.observations] == ["Vid_AcmeA01", first]

    clock.advance(minutes=15)
    second = fake.add_comment("Vid_AcmeA01", "two", (clock.now - timedelta(minutes=5)).timestamp())
    reply = fake.add_comment("Vid_AcmeA01", "a reply to one", (clock.now - timedelta(minutes=4)).timestamp(), reply_to=first)
    r2 = source.poll([ACME], r1.cursor)
    assert [o.id for o in r2.observations] == [second, reply]  # the old thread's new reply too; the video not again
    assert len(fake.requests_to(SEARCH)) == 1  # searched once per search_interval (6h), not every poll

    clock.advance(minutes=15)
    r3 = source.poll([ACME], r2.cursor)
    assert r3.observations == []

    clock.advance(hours=6)
    fake.add_video("Vid_AcmeA02", "acmeair again", (clock.now - timedelta(hours=1)).timestamp())
    r4 = source.poll([ACME], r3.cursor)
    assert [o.id for o in r4.observations] == ["Vid_AcmeA02"]
    searches = fake.requests_to(SEARCH)
    assert len(searches) == 2 and searches[1].param("publishedAfter") == "2026-03-02T11:00:00Z"  # last search - 1h
    # Past follow_for the video is no longer read (nor kept in the cursor).
    clock.advance(days=3)
    fake.clear_log()
    r5 = source.poll([ACME], r4.cursor)
    assert "Vid_AcmeA01" not in r5.cursor["videos"]
    assert all(r.param("videoId") != "Vid_AcmeA01" for r in fake.requests_to(THREADS))


def test_pages_and_a_gap_read_on_the_next_poll(fake: FakeYouTube, clock: FakeClock) -> None:
    fake.add_video("Vid_AcmeA01", "Acme Air", ago(hours=10))
    fake.add_comment("Vid_AcmeA01", "old", ago(hours=9))
    source = make(fake, clock, max_pages=2)
    cursor = source.poll([ACME], {}).cursor
    clock.advance(minutes=15)
    new = [fake.add_comment("Vid_AcmeA01", f"c{i}", ago(hours=8) + i) for i in range(250)]
    r = source.poll([ACME], cursor)
    assert len(r.observations) == 200 and "gap" in r.cursor["videos"]["Vid_AcmeA01"]
    clock.advance(minutes=15)
    newer = fake.add_comment("Vid_AcmeA01", "newest", clock.now.timestamp() - 60)
    r2 = source.poll([ACME], r.cursor)
    ids = [o.id for o in r.observations] + [o.id for o in r2.observations]
    assert sorted(ids) == sorted([*new, newer]) and len(ids) == len(set(ids))
    assert "gap" not in r2.cursor["videos"]["Vid_AcmeA01"]
    assert source.poll([ACME], r2.cursor).observations == []


def test_brand_channel_threads(fake: FakeYouTube, clock: FakeClock) -> None:
    fake.add_video("Vid_Brand01", "Our new routes", ago(days=20), channel=BRAND_CHANNEL)  # old: not searched for
    for i in range(120):
        fake.add_comment("Vid_Brand01", f"old {i}", ago(days=10) + i)
    mine = fake.add_comment("Vid_Brand01", "Thanks all!", ago(hours=1), author="@AcmeAir", author_channel=BRAND_CHANNEL)
    source = make(fake, clock, channels={BRAND_CHANNEL: "Acme Air"})
    r = source.poll([ACME], {})
    assert len(r.observations) == 100 and r.observations[0].id == mine and r.observations[0].by_brand
    assert all(o.brand == "Acme Air" and o.conversation_id == "vid_brand01" for o in r.observations)
    assert len([q for q in fake.requests_to(THREADS) if q.param("allThreadsRelatedToChannelId") == BRAND_CHANNEL]) == 1
    clock.advance(minutes=15)
    later = fake.add_comment("Vid_Brand01", "where is my refund", clock.now.timestamp() - 30)
    assert [o.id for o in source.poll([ACME], r.cursor).observations] == [later]


def test_comments_disabled_and_gone_videos_are_skipped(fake: FakeYouTube, clock: FakeClock) -> None:
    fake.add_video("Vid_AcmeA01", "Acme Air no comments", ago(hours=3), comments_disabled=True)
    fake.add_video("Vid_AcmeA02", "Acme Air fine", ago(hours=2))
    ok = fake.add_comment("Vid_AcmeA02", "hello", ago(hours=1))
    source = make(fake, clock)
    r = source.poll([ACME], {})
    assert ok in {o.id for o in r.observations} and not r.partial and "commentsDisabled" in (r.note or "")
    assert r.cursor["videos"]["Vid_AcmeA01"]["off"] == "commentsDisabled"
    del fake.videos["Vid_AcmeA02"]  # deleted: 404 videoNotFound
    clock.advance(minutes=15)
    fake.clear_log()
    r2 = source.poll([ACME], r.cursor)
    assert r2.cursor["videos"]["Vid_AcmeA02"]["off"] == "videoNotFound"
    assert [q.param("videoId") for q in fake.requests_to(THREADS)] == ["Vid_AcmeA02"]  # the disabled one not asked


def test_quota_exceeded_waits_until_midnight_pacific(fake: FakeYouTube, clock: FakeClock) -> None:
    fake.add_video("Vid_AcmeA01", "Acme Air", ago(hours=3))
    fake.quota = 50  # less than a search
    with pytest.raises(RateLimited) as info:
        make(fake, clock).poll([ACME], {})
    # 12:00 UTC on 2 March 2026 is 04:00 in Los Angeles (PST): 20 hours to midnight there.
    assert info.value.retry_after == 20 * 3600 and "quotaExceeded" in str(info.value)
    # Spent mid-poll: what was read is kept, the rest waits.
    fake.quota, fake.used = 100, 0  # the search, not the page after it
    fake.add_comment("Vid_AcmeA01", "x", ago(hours=1))
    r = make(fake, clock).poll([ACME], {})
    assert r.partial and [o.id for o in r.observations] == ["Vid_AcmeA01"] and "midnight Pacific" in (r.note or "")
    assert "newest" not in r.cursor["videos"]["Vid_AcmeA01"]  # the video's comments are read next time


def test_errors(fake: FakeYouTube, clock: FakeClock) -> None:
    source = YouTubeSource(api_key="AIza-wrong-key-55555", clock=clock, api_base_url=fake.url)
    with pytest.raises(SourceError) as info:
        source.poll([ACME], {})
    assert info.value.permanent and "badRequest" in str(info.value) and "AIza-wrong-key-55555" not in str(info.value)
    source = make(fake, clock)
    fake.fail_next(SEARCH, 429, {"Retry-After": "45"},
                   body=json.dumps(google_error(429, "rateLimitExceeded", "Rate Limit Exceeded").payload))
    with pytest.raises(RateLimited) as limited:
        source.poll([ACME], {})
    assert limited.value.retry_after == 45
    fake.fail_next(SEARCH, 500, body=b'{"error": {"code": 500, "message": "Backend Error", "errors": '
                                     b'[{"domain": "global", "reason": "backendError"}]}}')
    with pytest.raises(SourceError) as err:
        source.poll([ACME], {})
    assert not err.value.permanent and "backendError" in str(err.value)
    fake.fail_next(SEARCH, 200, body="<html>oops</html>")
    with pytest.raises(SourceError, match="not JSON"):
        source.poll([ACME], {})
    fake.fail_next(SEARCH, 200, body='{"kind": "youtube#searchListResponse"}')
    with pytest.raises(SourceError, match="no list of items"):
        source.poll([ACME], {})


def test_refused_gap_token_drops_the_gap(fake: FakeYouTube, clock: FakeClock) -> None:
    fake.add_video("Vid_AcmeA01", "Acme Air", ago(hours=3))
    cursor = {"v": 1, "searched": {"Acme Air": NOW.timestamp()},
              "videos": {"Vid_AcmeA01": {"brand": "Acme Air", "published": ago(hours=3), "newest": ago(hours=2),
                                         "gap": {"token": "expired", "floor": ago(hours=3)}}}}
    r = make(fake, clock).poll([ACME], cursor)
    assert "gap" not in r.cursor["videos"]["Vid_AcmeA01"] and "page token was refused" in (r.note or "")


def test_refresh(fake: FakeYouTube, clock: FakeClock) -> None:
    fake.add_video("Vid_AcmeA01", "Acme Air", ago(hours=3))
    top = fake.add_comment("Vid_AcmeA01", "one", ago(hours=2), likes=4)
    reply = fake.add_comment("Vid_AcmeA01", "two", ago(hours=1), likes=1, reply_to=top)
    source = make(fake, clock)
    got = {o.id: o for o in source.refresh([top, reply, "Vid_AcmeA01", "not an id!"])}
    assert set(got) == {top, reply, "Vid_AcmeA01"}
    assert (got[top].metrics.likes, got[top].metrics.replies) == (4, 1) and got[reply].in_reply_to == top
    assert (got["Vid_AcmeA01"].metrics.views, got["Vid_AcmeA01"].metrics.replies) == (1000, 1)
    assert source.usage["units"] == 3


def test_units_go_to_the_budget_book_and_the_default_stays_within_the_day(fake: FakeYouTube, clock: FakeClock) -> None:
    section = YouTubeConfig(api_key="k")  # type: ignore[arg-type]
    budgets = budgets_for(section)
    assert [(b.unit, b.limit, b.per) for b in budgets] == [("units", 10_000, 86400.0)]
    # The default plan for one brand: a search every 6h, 30 videos and a channel read every 15 min.
    polls = 86400 / section.interval
    assert 4 * 100 + polls * (section.max_videos + 1) <= 10_000
    fake.add_video("Vid_AcmeA01", "Acme Air", ago(hours=3))
    source = make(fake, clock)
    source.poll([ACME], {})
    used = usage_delta(source.usage, {})
    assert used == {"requests": 2, "reads": 1, "units": 101}
    state = spend({}, budgets, {"units": 10_000}, 0.0)
    assert wait_seconds(state, budgets, 0.0) > 0  # a day's units spent: the next poll waits


def test_config_off_without_key_and_checked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    loaded = load_config(None, env={})
    active, off = build_sources(loaded.config, FakeClock(), loaded.off)
    assert "youtube" not in active and "YOUTUBE_API_KEY" in off["youtube"]
    loaded = load_config(None, env={"YOUTUBE_API_KEY": "AIza-k-123456"})
    active, _ = build_sources(loaded.config, FakeClock(), loaded.off)
    assert "youtube" in active and "AIza-k-123456" in loaded.config.secrets()
    with pytest.raises(ConfigError, match=r"sources.youtube.channels.0.channel_id|sources.youtube.channels\[0\].channel_id"):
        parse_config('[sources.youtube]\napi_key = "k"\n[[sources.youtube.channels]]\nchannel_id = "acme"\nbrand = "A"\n')
    with pytest.raises(ConfigError, match="sources.youtube.search_interval"):
        parse_config('[sources.youtube]\napi_key = "k"\nsearch_interval = "1m"\n')
    cfg = tmp_path / "c.toml"
    cfg.write_text("[[brands]]\nname = \"Acme\"\nkeywords = [\"acme\"]\n[sources.youtube]\n[sources.hackernews]\n")
    result = CliRunner().invoke(main, ["check-config", str(cfg)], env={"YOUTUBE_API_KEY": None})
    assert "sources.youtube: off (no credentials: set sources.youtube.api_key)" in result.output


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=12), kids, max_size=5),
                    max_leaves=25)
COMMENT_KEYS = st.fixed_dictionaries({"id": JSON | st.just("Ugzabcdefghijk"), "snippet": st.fixed_dictionaries({
    "publishedAt": JSON | st.just("2026-03-01T10:00:00Z"), "textOriginal": JSON | st.just("text"),
    "likeCount": JSON, "videoId": JSON | st.just("Vid_AcmeA01"), "parentId": JSON,
    "authorChannelId": JSON | st.fixed_dictionaries({"value": JSON})})})


@settings(max_examples=200, deadline=None)
@given(thread=JSON | st.fixed_dictionaries({"snippet": st.fixed_dictionaries(
    {"topLevelComment": COMMENT_KEYS | JSON, "totalReplyCount": JSON, "videoId": JSON}),
    "replies": st.fixed_dictionaries({"comments": st.lists(COMMENT_KEYS | JSON, max_size=3)}) | JSON}))
def test_any_json_thread_parses_or_is_left_out(thread: object) -> None:
    found, held = parse_thread(thread, NOW)
    assert held >= 1 and len(found) <= held
    for o in found:
        assert o.source == "youtube" and o.kind == "comment" and isinstance(o.text, str) and o.text
        for v in (o.metrics.likes, o.metrics.replies):
            assert v is None or (isinstance(v, int) and 0 <= v <= 10**12)


def test_absurd_counts_are_unknown() -> None:
    thread = {"snippet": {"videoId": "Vid_AcmeA01", "totalReplyCount": 1e308, "topLevelComment": {
        "id": "Ugzabcdefghijk", "snippet": {"textOriginal": "hi", "publishedAt": "2026-03-01T10:00:00Z",
                                            "likeCount": "NaN"}}}}
    (obs,), _ = parse_thread(thread, NOW)
    assert obs.metrics.likes is None and obs.metrics.replies is None
