"""``monitor test-alert``: one clearly marked test alert through every configured channel."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from monitor.errors import ChannelError
from monitor.interfaces import Channel, Clock
from monitor.models import AlertEvent, Tier

log = logging.getLogger("monitor.test_alert")


@dataclass(frozen=True)
class ChannelCheck:
    channel: str
    ok: bool
    detail: str


def make_test_event(clock: Clock) -> AlertEvent:
    now = clock()
    return AlertEvent(
        incident=f"test-{int(now.timestamp())}", brand="Test alert (complaint monitor)", tier=Tier.warning, at=now,
        score=0.5, mentions=1, authors=1, sources=("test",), first_seen=now, test=True,
        reasons=("This is a test alert sent by `monitor test-alert`: the channel works. No action needed.",),
        top_posts=({"source": "test", "id": "1", "url": "https://example.com/test-alert", "author": "monitor",
                    "text": "A sample post: <b>markup</b> & <!channel> stay inert.", "engagement": 0, "score": 0.5,
                    "cues": [], "at": now.isoformat()},))


def send_test_alert(channels: Mapping[str, Channel], clock: Clock) -> dict[str, ChannelCheck]:
    """Send directly (not through the outbox), so the user sees at once what works and what does not."""
    event = make_test_event(clock)
    results: dict[str, ChannelCheck] = {}
    for name, channel in channels.items():
        try:
            channel.send(event, {})
        except ChannelError as exc:
            kind = "permanent" if exc.permanent else "temporary"
            results[name] = ChannelCheck(name, False, f"{kind} failure: {exc}")
        except Exception as exc:  # noqa: BLE001 - one channel's bug must not hide the others' results
            log.exception("test alert: channel raised an unexpected error", extra={"channel": name})
            results[name] = ChannelCheck(name, False, f"unexpected error: {type(exc).__name__}")
        else:
            results[name] = ChannelCheck(name, True, "sent")
    return results
