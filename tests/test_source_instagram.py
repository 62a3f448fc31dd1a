"""InstagramSource against the local fake Graph API (tests/fakes/meta.py: real HTTP, payloads shaped as
Meta's IG User Media, IG Media Comments and IG User Tags references document them, field by field, and
Graph API error objects; see that module's docstring). Comments are served oldest first there."""

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
from monitor.errors import RateLimited, SourceError
from monitor.interfaces import Source
from monitor.models import BrandQuery
from sources import load_source_class
from sources.instagram import InstagramSource, parse_comment, parse_media, thread
from tests.fakes.meta import EXPIRED, FakeMeta, graph_error, stamp

TOKEN = "IGQ-acc0unt-t0ken-31c9"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ACME = BrandQuery("Acme Air", ("acme air",))


@pytest.fixture
def fake() -> Iterator[FakeMeta]:
    with FakeMeta(TOKEN) as server:
        yield server


def make(fake: FakeMeta, **kw: object) -> InstagramSource:
    return InstagramSource(access_token=TOKEN, clock=lambda: NOW, api_base_url=fake.url,  # type: ignore[arg-type]
                           account_id=fake.ig_id, **kw)


def comments_read(fake: FakeMeta, media: str) -> int:
    return len(fake.requests_to(f"/v19.0/{media}/comments"))


def test_media_comments_replies_tags_and_the_brand_answering(fake: FakeMeta) -> None:
    assert load_source_class("instagram") is InstagramSource and isinstance(make(fake), Source)
    media = fake.add_media("Summer routes are here", NOW - timedelta(hours=5), likes=300)
    quiet = fake.add_media(None, NOW - timedelta(hours=4))
    angry = fake.add_ig_comment(media, "Lost my bag, no answer for 3 weeks", NOW - timedelta(hours=2), likes=9)
    answer = fake.add_ig_comment(media, "@dana.flies so sorry, please DM us", NOW - timedelta(hours=1),
                                 username="acmeair", parent=angry)
    tag = fake.add_media("stuck on the tarmac again @acmeair", NOW - timedelta(minutes=30), tagged_by="eli.travels")
    result = make(fake).poll([ACME], {})
    by_id = {o.id: o for o in result.observations}
    assert set(by_id) == {media, quiet, f"{media}/{angry}", f"{media}/{answer}", tag}
    m = by_id[media]
    assert (m.kind, m.by_brand, m.metrics.likes, m.metrics.replies, m.brand) == ("post", True, 300, 2, "Acme Air")
    assert m.created_at == NOW - timedelta(hours=5) and m.url and m.url.startswith("https://www.instagram.com/p/")
    assert by_id[quiet].text == ""
    c, r = by_id[f"{media}/{angry}"], by_id[f"{media}/{answer}"]
    assert (c.kind, c.in_reply_to, c.conversation_id, c.metrics.likes, c.by_brand, c.author.handle) == \
        ("comment", media, media, 9, False, "dana.flies")
    assert (r.in_reply_to, r.conversation_id, r.by_brand) == (f"{media}/{angry}", media, True)
    assert by_id[tag].by_brand is False and by_id[tag].author.handle == "eli.travels"
    assert comments_read(fake, quiet) == 0  # no comments: not asked for
    assert TOKEN not in json.dumps(result.cursor)


def test_comments_are_read_when_the_count_moves_whatever_their_order(fake: FakeMeta) -> None:
    media = fake.add_media("New app", NOW - timedelta(days=1))
    first = [fake.add_ig_comment(media, f"old {i}", NOW - timedelta(hours=5, minutes=i)) for i in range(3)]
    source = make(fake, max_pages=2)
    r0 = source.poll([ACME], {})
    assert {o.id for o in r0.observations} == {media, *(f"{media}/{c}" for c in first)}
    r1 = source.poll([ACME], r0.cursor)
    assert r1.observations == [] and comments_read(fake, media) == 1  # count unchanged: not read again
    new = [fake.add_ig_comment(media, f"app crashes {i}", NOW - timedelta(minutes=200 - i)) for i in range(180)]
    r2 = source.poll([ACME], r1.cursor)
    assert len(r2.observations) == 97 and r2.cursor["comments"][media].get("next")  # 2 pages of 50, the budget
    r3 = source.poll([ACME], r2.cursor)
    got = [o.id for o in r2.observations + r3.observations]
    assert sorted(got) == sorted(f"{media}/{c}" for c in new) and len(got) == len(set(got))
    assert make(fake).poll([ACME], r3.cursor).observations == []


def test_a_deleted_media_or_stale_cursor_is_let_go(fake: FakeMeta) -> None:
    media = fake.add_media("hello", NOW - timedelta(hours=1))
    fake.add_ig_comment(media, "first", NOW - timedelta(minutes=30))
    fake.fail_next(f"/v19.0/{media}/comments", 400, body=graph_error(100, "(#100) Invalid cursor", subcode=33))
    result = make(fake).poll([ACME], {})
    assert not result.partial and result.cursor["comments"][media]["n"] == 0
    assert len(make(fake).poll([ACME], result.cursor).observations) == 1  # read again, from the top


@pytest.mark.parametrize("status, body, permanent, words", [
    (400, EXPIRED, True, "sources.instagram.access_token"),
    (400, graph_error(100, "Unsupported get request.", subcode=33), True, "sources.instagram.ig_user_id is wrong"),
    (403, graph_error(10, "(#10) Application does not have permission for this action"), True, "instagram_manage_comments"),
    (503, "Service Unavailable", False, "HTTP 503"),
])
def test_errors_name_what_to_fix(fake: FakeMeta, status: int, body: str, permanent: bool, words: str) -> None:
    fake.fail_next(f"/v19.0/{fake.ig_id}/media", status, body=body)
    with pytest.raises(SourceError) as info:
        make(fake).poll([ACME], {})
    assert info.value.permanent is permanent and words in str(info.value) and TOKEN not in str(info.value)


def test_rate_limit_on_comments_keeps_the_media(fake: FakeMeta) -> None:
    media = fake.add_media("hello", NOW - timedelta(hours=1))
    fake.add_ig_comment(media, "first", NOW - timedelta(minutes=30))
    usage = {"X-Business-Use-Case-Usage": json.dumps({"17841400000000001": [
        {"type": "instagram", "call_count": 100, "total_cputime": 1, "total_time": 1, "estimated_time_to_regain_access": 3}]})}
    fake.fail_next(f"/v19.0/{media}/comments", 400, usage, body=graph_error(80002, "There have been too many calls"))
    result = make(fake).poll([ACME], {})
    assert result.partial and [o.id for o in result.observations] == [media] and "retry after 180s" in (result.note or "")
    fake.fail_next(f"/v19.0/{fake.ig_id}/media", 429)
    with pytest.raises(RateLimited):
        make(fake).poll([ACME], {})


def test_refresh(fake: FakeMeta) -> None:
    media = fake.add_media("hello", NOW - timedelta(hours=1), likes=3)
    top = fake.add_ig_comment(media, "first", NOW - timedelta(minutes=30))
    reply = fake.add_ig_comment(media, "second", NOW - timedelta(minutes=20), parent=top, likes=4)
    fake.media[0]["like_count"] = 50
    out = {o.id: o for o in make(fake).refresh([media, f"{media}/{reply}", f"{media}/999999"])}
    assert out[media].metrics.likes == 50 and out[f"{media}/{reply}"].in_reply_to == f"{media}/{top}"
    assert set(out) == {media, f"{media}/{reply}"}


def test_off_without_credentials(tmp_path: Path) -> None:
    config = tmp_path / "m.toml"
    config.write_text('[[brands]]\nname = "Acme Air"\nkeywords = ["acme air"]\n[sources.hackernews]\n[sources.instagram]\n')
    result = CliRunner().invoke(main, ["check-config", str(config)])
    assert "sources.instagram: off (no credentials: set sources.instagram.access_token and ig_user_id)" in result.output


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                     max_leaves=10)
_item = st.fixed_dictionaries(
    {"id": st.from_regex(r"[0-9]{1,18}", fullmatch=True)},
    optional={"timestamp": st.datetimes(timezones=st.just(UTC)).map(stamp) | _json, "text": _json, "caption": _json,
              "username": _json, "like_count": st.integers() | _json, "comments_count": _json, "from": _json,
              "replies": st.fixed_dictionaries({"data": st.lists(_json, max_size=3)}) | _json, "permalink": _json})


@given(raw=_item | _json)
def test_parsers_never_raise_and_clamp(raw: object) -> None:
    found = [parse_media(raw, "acmeair", NOW), parse_comment(raw, "1", "acmeair", NOW), *thread(raw, "1", None, NOW)]
    for obs in found:
        if obs is not None:
            assert obs.created_at.tzinfo is not None and isinstance(obs.text, str)
            assert all(v is None or 0 <= v <= 10**12 for v in (obs.metrics.likes, obs.metrics.replies))
