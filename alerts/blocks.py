"""Block Kit rendering of an alert, with every piece of public text escaped and every limit respected.

Slack reads ``<!channel>``, ``<@U123>`` and ``<https://evil|click>`` as a ping, a mention and a disguised
link, in blocks *and* in the fallback ``text``; ``verbatim`` does not prevent that. So ``&``, ``<`` and
``>`` are escaped in everything that comes from a post or the config, before it is put in a message.
"""

from __future__ import annotations

import re
from typing import Any

from monitor.config.durations import format_timestamp
from monitor.models import AlertEvent, Tier

MAX_BLOCKS, MAX_SECTION, MAX_HEADER, MAX_FIELDS, MAX_FIELD, MAX_TEXT = 50, 3000, 150, 10, 2000, 3000
POST_CHARS = 500
EMOJI = {Tier.watch: ":large_blue_circle:", Tier.warning: ":large_orange_circle:", Tier.critical: ":red_circle:"}
ACK, SNOOZE, NOT_COMPLAINT = "incident_ack", "incident_snooze", "incident_not_complaint"
SNOOZE_CHOICES = (("1 hour", 3600), ("4 hours", 4 * 3600), ("24 hours", 24 * 3600))
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")


def escape(text: object) -> str:
    """Slack's three control characters, escaped: the text can no longer ping, mention or link."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending in "…" when cut, never in the middle of an ``&amp;``."""
    if len(text) <= limit:
        return text
    return _PARTIAL_ENTITY.sub("", text[: limit - 1]) + "…"


def link(url: object, label: str) -> str:
    """A link we make ourselves: http(s) only, its URL escaped, ``|`` unable to end it early."""
    u = str(url or "")
    if not re.match(r"^https?://[^\s]+$", u):
        return label
    return f"<{escape(u).replace('|', '%7C')}|{label}>"


def one_line(text: object) -> str:
    return " ".join(str(text or "").split())


def mark(event: AlertEvent) -> str:
    return "[TEST] " if event.test else ("[REPLAY] " if event.replay else "")


def fallback_text(event: AlertEvent) -> str:
    """The notification text (and what screen readers say): short, escaped."""
    reasons = "; ".join(one_line(r) for r in event.reasons[:3])
    return clip(escape(f"{mark(event)}{event.tier.name.upper()}: {event.brand} — {event.mentions} mentions, "
                       f"score {event.score:.2f}. {reasons}"), MAX_TEXT)


def _when(dt: Any) -> str:
    return f"<!date^{int(dt.timestamp())}^{{date_short_pretty}} {{time}}|{format_timestamp(dt)}>"


def _engagement(event: AlertEvent) -> int:
    return sum(int(p.get("engagement") or 0) for p in event.top_posts)


def _post(post: dict[str, Any]) -> str:
    author = one_line(post.get("author")) or "unknown"
    label = escape(f"{post.get('source', '?')} · @{author.lstrip('@')}")
    head = f"*{link(post.get('url'), label)}*  ·  {int(post.get('engagement') or 0):,} engagement"
    cues = post.get("cues") or ()
    if cues:
        head += f"  ·  cues: {escape(', '.join(str(c) for c in cues))}"
    body = clip(escape(one_line(post.get("text"))), POST_CHARS)
    return f"{head}\n>{body}" if body else head


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION), "verbatim": True}}


def root_blocks(event: AlertEvent, *, max_posts: int = 5, buttons: bool = True,
                page: str | None = None) -> list[dict[str, Any]]:
    """The one message of an incident, re-rendered (and updated in place) as it grows; ``page`` is the
    address of its history page, linked when given."""
    header = f"{EMOJI.get(event.tier, '')} {mark(event)}{event.tier.name.upper()} · {one_line(event.brand)}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(escape(header), MAX_HEADER), "emoji": True}},
        {"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*Score*\n{event.score:.2f}"},
            {"type": "mrkdwn", "text": f"*Mentions*\n{event.mentions} by {event.authors} authors"},
            {"type": "mrkdwn", "text": f"*Engagement*\n{_engagement(event):,} on the top posts"},
            {"type": "mrkdwn", "text": clip(f"*Sources*\n{escape(', '.join(event.sources) or '-')}", MAX_FIELD)},
            {"type": "mrkdwn", "text": f"*First seen*\n{_when(event.first_seen)}"},
            {"type": "mrkdwn", "text": f"*Updated*\n{_when(event.at)}"},
        ]},
    ]
    if event.reasons:
        blocks.append(_section("*Why*\n" + "\n".join(f"• {escape(one_line(r))}" for r in event.reasons)))
    posts = event.top_posts[:max_posts]
    if posts:
        blocks.append({"type": "divider"})
        blocks += [_section(_post(p)) for p in posts]
    context = f"incident `{escape(event.incident)}`"
    if page and not (event.test or event.replay):
        context += f" · {link(page, 'whole history')}"
    if event.test:
        context += " · a test alert from `monitor test-alert`: no action needed"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": clip(context, MAX_SECTION)}]})
    if buttons and not (event.test or event.replay):
        blocks.append(action_block(event.incident))
    return fit(blocks)


def action_block(incident: str) -> dict[str, Any]:
    return {"type": "actions", "block_id": f"incident_actions:{incident}"[:255], "elements": [
        {"type": "button", "action_id": ACK, "style": "primary", "value": incident,
         "text": {"type": "plain_text", "text": "Acknowledge"}},
        {"type": "static_select", "action_id": SNOOZE, "placeholder": {"type": "plain_text", "text": "Snooze"},
         "options": [{"text": {"type": "plain_text", "text": label}, "value": f"{seconds}|{incident}"}
                     for label, seconds in SNOOZE_CHOICES]},
        {"type": "button", "action_id": NOT_COMPLAINT, "value": incident,
         "text": {"type": "plain_text", "text": "Not a complaint"},
         "confirm": {"title": {"type": "plain_text", "text": "Not a complaint?"},
                     "text": {"type": "mrkdwn", "text": "Alerts for this incident stop unless it turns critical; "
                                                        "the label is kept as feedback for tuning."},
                     "confirm": {"type": "plain_text", "text": "Not a complaint"},
                     "deny": {"type": "plain_text", "text": "Cancel"}}},
    ]}


def thread_blocks(event: AlertEvent) -> list[dict[str, Any]]:
    """An escalation (or a reminder), posted in the incident's thread."""
    tier = event.tier.name.upper()
    if event.tier > event.previous_tier:
        head = f"{EMOJI[event.tier]} *{mark(event)}Escalated to {tier}*"
        if event.previous_tier is not Tier.none:
            head += f" (was {event.previous_tier.name})"
    else:
        head = f":alarm_clock: *{mark(event)}Still {tier}*, not acknowledged"
    head += f" · score {event.score:.2f} · {event.mentions} mentions by {event.authors} authors"
    lines = [head, *(f"• {escape(one_line(r))}" for r in event.reasons)]
    blocks = [_section("\n".join(lines))]
    if event.top_posts:
        blocks.append(_section(_post(event.top_posts[0])))
    return fit(blocks)


def fit(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Block Kit's limits, enforced last: 50 blocks, 3000-char sections, 150-char headers, 10×2000 fields."""
    if len(blocks) > MAX_BLOCKS:
        keep = [b for b in blocks if b["type"] in ("context", "actions")]
        blocks = blocks[: MAX_BLOCKS - len(keep)] + keep
    for b in blocks:
        text = b.get("text")
        if isinstance(text, dict):
            text["text"] = clip(text["text"], MAX_HEADER if b["type"] == "header" else MAX_SECTION)
        if "fields" in b:
            b["fields"] = [dict(f, text=clip(f["text"], MAX_FIELD)) for f in b["fields"][:MAX_FIELDS]]
    return blocks
