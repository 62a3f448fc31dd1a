"""FacebookSource against the local fake Graph API (tests/fakes/meta.py: real HTTP, payloads shaped as
Meta's Page Feed, Page Tagged and Object Comments references document them, field by field, and Graph
API error objects; see that module's docstring)."""

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
from monitor.errors import ConfigError, RateLimited, SourceError
from monitor.interfaces import Source
from monitor.models import BrandQuery
from sources import load_source_class
from sources.facebook import FacebookSource, parse_comment, parse_post
from tests.fakes.meta import EXPIRED, RATE, FakeMeta, graph_error, stamp

TOKEN = "EAAG-page-t0ken-77a1"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ACME = BrandQuery("Acme Air", ("acme air",))
GLOBEX = BrandQuery("Globex", ("globex",))
DANA = ("Dana Flyer", "5550001")


@pytest.fixture
def fake() -> Iterator[FakeMeta]:
    with FakeMeta(TOKEN) as server:
        yield server


def make(fake: FakeMeta, now: list[datetime] | None = None, **kw: object) -> FacebookSource:
    clock = (lambda: now[0]) if now else (lambda: NOW)
    return FacebookSource(access_token=TOKEN, clock=clock, api_base_url=fake.url,  # type: ignore[arg-type]
                          account_id=fake.page_id, **kw)


def test_posts_comments_replies_and_the_brand_answering(fake: FakeMeta) -> None:
    assert load_source_class("facebook") is FacebookSource and isinstance(make(fake), Source)
    post = fake.add_fb_post("New routes this summer!", NOW - timedelta(hours=3), reactions=40, shares=3)
    visitor = fake.add_fb_post("You lost my luggage and nobody answers", NOW - timedelta(hours=2), by=DANA)
    angry = fake.add_fb_comment(post, "Still no refund after 6 weeks", NOW - timedelta(hours=1), likes=12)
    answer = fake.add_fb_comment(post, "Sorry Dana, please DM us", NOW - timedelta(minutes=50),
                                 by=(fake.page_name, fake.page_id), parent=angry)
    tagged = fake.add_fb_post("Stuck at the gate with @Acme Air", NOW - timedelta(minutes=30), by=DANA, tagged=True)
    result = make(fake).poll([ACME], {})
    by_id = {o.id: o for o in result.observations}
    assert set(by_id) == {post, visitor, f"{post}/{angry}", f"{post}/{answer}", tagged}
    assert all(o.brand == "Acme Air" and o.source == "facebook" for o in result.observations)
    p = by_id[post]
    assert (p.kind, p.by_brand, p.metrics.likes, p.metrics.replies, p.metrics.reposts) == ("post", True, 40, 1, 3)
    assert p.created_at == NOW - timedelta(hours=3) and p.url and p.url.startswith("https://www.facebook.com/")
    v = by_id[visitor]
    assert (v.by_brand, v.author.id, v.author.handle, v.metrics.reposts) == (False, "5550001", "Dana Flyer", None)
    c, r = by_id[f"{post}/{angry}"], by_id[f"{post}/{answer}"]
    assert (c.kind, c.in_reply_to, c.conversation_id, c.metrics.likes, c.metrics.replies) == \
        ("comment", post, post, 12, 1)
    assert (r.in_reply_to, r.conversation_id, r.by_brand) == (f"{post}/{angry}", post, True)
    assert by_id[tagged].by_brand is False
    comments = fake.requests_to(f"/v19.0/{post}/comments")[0]
    assert (comments.param("order"), comments.param("filter")) == ("reverse_chronological", "stream")
    assert TOKEN not in json.dumps(result.cursor)


def test_cursor_across_polls_pages_and_no_duplicates(fake: FakeMeta) -> None:
    now = [NOW]
    source = make(fake, now, max_pages=2)
    post = fake.add_fb_post("Our new app is live", NOW - timedelta(days=1))
    r0 = source.poll([ACME], {})
    assert [o.id for o in r0.observations] == [post]
    now[0] = NOW + timedelta(minutes=10)
    new = [fake.add_fb_comment(post, f"app crashes #{i}", NOW + timedelta(seconds=i)) for i in range(250)]
    later = fake.add_fb_post("Maintenance tonight", NOW + timedelta(minutes=5))
    r1 = source.poll([ACME], r0.cursor)
    assert r1.cursor["comments"][post].get("gaps") and later in {o.id for o in r1.observations}
    r2 = source.poll([ACME], r1.cursor)
    r3 = source.poll([ACME], r2.cursor)
    got = [o.id for o in r1.observations + r2.observations + r3.observations if o.kind == "comment"]
    assert sorted(got) == sorted(f"{post}/{c}" for c in new) and len(got) == len(set(got))
    assert make(fake, now).poll([ACME], r3.cursor).observations == []


def test_old_posts_leave_and_deleted_posts_are_noted(fake: FakeMeta) -> None:
    now = [NOW]
    old = fake.add_fb_post("Winter sale", NOW - timedelta(days=10))
    recent = fake.add_fb_post("Spring sale", NOW - timedelta(days=1))
    r0 = make(fake, now).poll([ACME], {})
    assert set(r0.cursor["posts"]) == {recent}  # the comments of posts older than post_lookback are not read
    assert not fake.requests_to(f"/v19.0/{old}/comments")
    fake.feed = [p for p in fake.feed if p["id"] != recent]
    del fake.fb_comments[recent]
    r1 = make(fake, now).poll([ACME], r0.cursor)
    assert "is gone" in (r1.note or "") and r1.cursor["posts"] == {} and not r1.partial


@pytest.mark.parametrize("status, body, permanent, words", [
    (400, EXPIRED, True, "set a new sources.facebook.access_token"),
    (400, graph_error(100, "Unsupported get request. Object with ID '111222333' does not exist", subcode=33), True,
     "sources.facebook.page_id is wrong"),
    (403, graph_error(200, "(#200) Permissions error"), True, "pages_read_user_content"),
    (500, graph_error(1, "An unknown error has occurred."), False, "HTTP 500"),
])
def test_errors_name_what_to_fix(fake: FakeMeta, status: int, body: str, permanent: bool, words: str) -> None:
    fake.fail_next(f"/v19.0/{fake.page_id}/feed", status, body=body)
    with pytest.raises(SourceError) as info:
        make(fake).poll([ACME], {})
    assert info.value.permanent is permanent and words in str(info.value)


def test_rate_limited_after_the_feed_keeps_the_posts(fake: FakeMeta) -> None:
    post = fake.add_fb_post("hello", NOW - timedelta(hours=1))
    fake.fail_next(f"/v19.0/{post}/comments", 400, body=graph_error(32, "(#32) Page request limit reached"))
    result = make(fake).poll([ACME], {})
    assert result.partial and [o.id for o in result.observations] == [post] and "rate limited" in (result.note or "")
    fake.fail_next(f"/v19.0/{fake.page_id}/feed", 400, body=RATE)
    with pytest.raises(RateLimited):
        make(fake).poll([ACME], {})


def test_brand_is_configured_or_the_only_one(fake: FakeMeta) -> None:
    with pytest.raises(SourceError, match=r"sources.facebook.brand: say which brand"):
        make(fake).poll([ACME, GLOBEX], {})
    with pytest.raises(SourceError, match=r"sources.facebook.brand: 'Initech' is not a configured brand"):
        make(fake, brand="Initech").poll([ACME, GLOBEX], {})
    fake.add_fb_post("hello", NOW - timedelta(hours=1))
    assert {o.brand for o in make(fake, brand="globex").poll([ACME, GLOBEX], {}).observations} == {"Globex"}


def test_refresh_posts_and_comments_and_skip_the_deleted(fake: FakeMeta) -> None:
    post = fake.add_fb_post("hello", NOW - timedelta(hours=1), reactions=5)
    comment = fake.add_fb_comment(post, "where is my bag", NOW - timedelta(minutes=5), likes=2)
    fake.feed[0]["_reactions"] = 90
    fake.fb_comments[post][0]["like_count"] = 30
    out = make(fake).refresh([post, f"{post}/{comment}", f"{post}/1234_999", "junk/../x"])
    assert {(o.id, o.metrics.likes) for o in out} == {(post, 90), (f"{post}/{comment}", 30)}


def test_config_off_without_credentials_and_checks_the_page_id(tmp_path: Path) -> None:
    config = tmp_path / "m.toml"
    config.write_text('[[brands]]\nname = "Acme Air"\nkeywords = ["acme air"]\n[sources.hackernews]\n'
                      '[sources.facebook]\naccess_token = "EAAG-x"\n')
    result = CliRunner().invoke(main, ["check-config", str(config)])
    assert "sources.facebook: off (no credentials: set sources.facebook.page_id)" in result.output
    with pytest.raises(ConfigError) as info:
        parse_config('[sources.facebook]\naccess_token = "EAAG-x"\npage_id = "acmeair"\n')
    assert any(k == "sources.facebook.page_id" and "numeric id" in m for k, m in info.value.problems)


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                     max_leaves=10)
_item = st.fixed_dictionaries(
    {"id": st.from_regex(r"[0-9]{1,15}_[0-9]{1,15}", fullmatch=True)},
    optional={"created_time": st.datetimes(timezones=st.just(UTC)).map(stamp) | _json, "message": _json,
              "from": _json, "like_count": st.integers() | _json, "comment_count": _json, "parent": _json,
              "reactions": _json, "comments": _json, "shares": _json, "permalink_url": _json})


@given(raw=_item | _json)
def test_parsers_never_raise_and_clamp(raw: object) -> None:
    for obs in (parse_post(raw, "111", NOW), parse_comment(raw, "111_2", "111", NOW)):
        if obs is not None:
            assert obs.created_at.tzinfo is not None and isinstance(obs.text, str)
            assert all(v is None or 0 <= v <= 10**12 for v in (obs.metrics.likes, obs.metrics.replies, obs.metrics.reposts))
