"""The Slack channel against a local fake Slack Web API: rendering, escaping, threads, failure modes."""

from __future__ import annotations

import json
import socket
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.blocks import MAX_BLOCKS, MAX_HEADER, MAX_SECTION, clip, escape, fallback_text, root_blocks
from alerts.slack import SlackChannel, SlackWebhookChannel
from monitor.errors import ChannelError
from monitor.interfaces import UNCERTAIN
from monitor.models import Tier
from tests.fakes.alerting import climb, event, post
from tests.fakes.slack import FakeSlack

TOKEN = "xoxb-1111-2222-secretsecret"
EVIL = "Acme Air <!channel> <@U123> <!here> see <https://evil.example|click> & more"


@pytest.fixture
def fake():
    with FakeSlack(token=TOKEN) as f:
        yield f


def channel(fake: FakeSlack, **kw) -> SlackChannel:
    return SlackChannel(TOKEN, "#cx-escalations", api_base_url=fake.api_url, timeout=5, **kw)


def _all_text(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def test_first_alert_posts_root_then_updates_and_threads(fake):
    ch = channel(fake)
    watch, warning, critical = climb()
    state = ch.send(watch, {})
    assert set(state) == {"ts", "channel", "tier", "link"} and state["channel"] == "C0CXESC01"
    assert state["link"] == f"https://slack.com/archives/C0CXESC01/p{state['ts'].replace('.', '')}"
    state = ch.send(warning, state)
    state = ch.send(critical, state)
    roots = fake.roots()
    assert len(roots) == 1 and roots[0].edits == 2
    assert len(fake.replies(roots[0].ts)) == 2
    assert "CRITICAL" in roots[0].blocks[0]["text"]["text"]
    assert "Escalated to CRITICAL" in fake.replies(roots[0].ts)[1].blocks[0]["text"]["text"]
    for c in fake.calls("chat.postMessage"):
        assert c.params["unfurl_links"] is False and c.params["unfurl_media"] is False
    assert fake.calls("chat.update")[0].params["ts"] == roots[0].ts
    broadcast = [c.params.get("reply_broadcast") for c in fake.calls("chat.postMessage")[1:]]
    assert broadcast == [False, True]  # turning critical also shows in the channel


def test_public_text_reaches_slack_inert(fake):
    ch = channel(fake)
    ev = event(posts=[post(EVIL, author="<@U999>", url="https://x.com/i/status/1?a=1&b=<2>|x")],
               reasons=("<!channel> is spreading",), brand="Acme <Air>")
    state = ch.send(ev, {})
    ch.send(event(tier=Tier.critical, previous=Tier.warning, posts=[post(EVIL)]), state)
    for call in fake.calls("chat.postMessage") + fake.calls("chat.update"):
        raw = call.body.decode()
        body = json.loads(raw)
        text = body["text"] + _all_text(body["blocks"])
        for bad in ("<!channel>", "<@U123>", "<!here>", "<https://evil", "<@U999>", "<Air>", "<2>"):
            assert bad not in text
        assert "&lt;!channel&gt;" in text and "&lt;https://evil.example|click&gt;" in text
        assert "& more" not in text and "&amp; more" in text


def test_links_we_make_are_ours_and_only_http():
    ev = event(posts=[post(url="javascript:alert(1)"), post(id="2", url="https://x.com/i/status/2")])
    text = _all_text(root_blocks(ev))
    assert "javascript:" not in text
    assert "<https://x.com/i/status/2|x · @flyer>" in text


def test_block_kit_limits_are_respected():
    huge = "ä" * 10000 + " <!channel>"
    ev = event(posts=[post(huge, id=str(i), author="a" * 3000) for i in range(80)], brand="B" * 400,
               reasons=tuple("r" * 5000 for _ in range(30)), sources=tuple("s" * 300 for _ in range(20)))
    blocks = root_blocks(ev, max_posts=80)
    assert len(blocks) <= MAX_BLOCKS and blocks[-1]["type"] == "actions"
    assert len(blocks[0]["text"]["text"]) <= MAX_HEADER
    for b in blocks:
        if isinstance(b.get("text"), dict):
            assert len(b["text"]["text"]) <= MAX_SECTION
        for f in b.get("fields", []):
            assert len(f["text"]) <= 2000
        assert len(b.get("fields", [])) <= 10
    assert len(fallback_text(ev)) <= 3000


@settings(max_examples=200, deadline=None)
@given(st.text(), st.integers(min_value=2, max_value=400))
def test_escaped_and_clipped_text_never_holds_a_control_character(text, limit):
    out = clip(escape(text), limit)
    assert "<" not in out and ">" not in out and len(out) <= limit
    assert all(part.startswith(("amp;", "lt;", "gt;")) for part in out.split("&")[1:])


def test_test_alerts_are_marked_and_have_no_buttons(fake):
    ch = channel(fake)
    ch.send(event(test=True), {})
    msg = fake.roots()[0]
    assert msg.text.startswith("[TEST]") and "[TEST]" in msg.blocks[0]["text"]["text"]
    assert all(b["type"] != "actions" for b in msg.blocks)


def test_deleted_root_is_posted_again(fake):
    ch = channel(fake)
    state = ch.send(event(tier=Tier.watch), {})
    fake.messages.clear()
    state2 = ch.send(event(tier=Tier.warning, previous=Tier.watch), state)
    assert state2["ts"] != state["ts"] and len(fake.roots()) == 1


def test_uncertain_retry_adopts_the_root_already_posted(fake):
    ch = channel(fake)
    first = event(tier=Tier.watch)
    state = ch.send(first, {})
    # The process stopped before the state was saved: a fresh channel retries with an empty state.
    again = channel(fake).send(first, {UNCERTAIN: True})
    assert again["ts"] == state["ts"] and len(fake.roots()) == 1
    up = event(tier=Tier.warning, previous=Tier.watch)
    state = ch.send(up, state)
    ch.send(up, {**state, UNCERTAIN: True})
    assert len(fake.replies(state["ts"])) == 1


@pytest.mark.parametrize("status,headers,error,permanent,retry_after", [
    (429, {"Retry-After": "2"}, None, False, 2.0),
    (500, {}, None, False, None),
    (503, {}, None, False, None),
    (200, {}, "invalid_auth", True, None),
    (200, {}, "not_authed", True, None),
    (200, {}, "account_inactive", True, None),
    (200, {}, "token_revoked", True, None),
    (200, {}, "channel_not_found", True, None),
    (200, {}, "not_in_channel", True, None),
    (200, {}, "internal_error", False, None),
])
def test_failure_modes(fake, status, headers, error, permanent, retry_after):
    fake.fail_next("chat.postMessage", status, headers=headers, error=error)
    with pytest.raises(ChannelError) as info:
        channel(fake).send(event(), {})
    assert info.value.permanent is permanent
    assert info.value.retry_after == retry_after
    assert TOKEN not in str(info.value)
    if error:
        assert error in str(info.value)


def test_wrong_token_and_unknown_channel_are_permanent(fake):
    with pytest.raises(ChannelError) as info:
        SlackChannel("xoxb-wrong-secret-value", "#cx-escalations", api_base_url=fake.api_url).send(event(), {})
    assert info.value.permanent and "invalid_auth" in str(info.value) and "wrong-secret" not in str(info.value)
    with pytest.raises(ChannelError) as info:
        SlackChannel(TOKEN, "#nowhere", api_base_url=fake.api_url).send(event(), {})
    assert info.value.permanent and "alerts.slack.channel" in str(info.value)


def test_timeout_and_refused_connection_are_retryable():
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts, never answers
    port = silent.getsockname()[1]
    try:
        ch = SlackChannel(TOKEN, "#x", api_base_url=f"http://127.0.0.1:{port}/api/", timeout=1)
        with pytest.raises(ChannelError) as info:
            ch.send(event(), {})
        assert not info.value.permanent and TOKEN not in str(info.value)
    finally:
        silent.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with pytest.raises(ChannelError) as info:
        SlackChannel(TOKEN, "#x", api_base_url=f"http://127.0.0.1:{closed}/api/").send(event(), {})
    assert not info.value.permanent


def test_webhook_mode_posts_a_new_message_each_time(fake):
    ch = SlackWebhookChannel(fake.webhook_url, timeout=5)
    state = ch.send(event(tier=Tier.warning, posts=[post(EVIL)]), {})
    state = ch.send(event(tier=Tier.critical, previous=Tier.warning), state)
    assert state == {"posted": 2}
    calls = fake.calls("webhook")
    assert len(calls) == 2
    body = json.loads(calls[0].body)
    assert "<!channel>" not in _all_text(body) and body["unfurl_links"] is False
    assert all(b["type"] != "actions" for b in body["blocks"])


@pytest.mark.parametrize("path_secret,fail,permanent", [
    ("wrong", None, True), (None, (429, {"Retry-After": "7"}), False), (None, (500, {}), False)])
def test_webhook_mode_failures(fake, path_secret, fail, permanent):
    url = fake.webhook_url.replace("hooksecret", path_secret) if path_secret else fake.webhook_url
    if fail:
        fake.fail_next("webhook", fail[0], headers=fail[1])
    with pytest.raises(ChannelError) as info:
        SlackWebhookChannel(url).send(event(), {})
    assert info.value.permanent is permanent
    assert "hooksecret" not in str(info.value) and "wrong" not in str(info.value)
    if fail and fail[0] == 429:
        assert info.value.retry_after == 7


def test_fake_serves_concurrent_requests(fake):
    ch = channel(fake)
    threads = [threading.Thread(target=ch.send, args=(event(incident=f"i{n}"), {})) for n in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake.roots()) == 5
