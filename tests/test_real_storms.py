"""Storms of the shapes real ones take (issue 21), through the real replay (pipeline, scorer, SQLite):
replies to a post the feed never held are one story; a backlash worded as mockery and boycott calls,
not as complaints, is a storm and critical; ordinary negative posts spread over a day are not.

The month-long evaluation, with a real storm and real ordinary days, is bench/eval_alerts.py.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from monitor.config.settings import parse_config
from monitor.incidents.pulse import Pulse
from monitor.models import AlertEvent, Author, Metrics, Observation, Tier
from monitor.replay.run import run_replay
from monitor.storage import schema as s
from monitor.storage.store import Store

T0 = datetime(2025, 3, 3, 0, 0, tzinfo=timezone.utc)
BRAND = "Lumen Burgers"
CONFIG = parse_config(f"""
[[brands]]
name = "{BRAND}"
keywords = ["lumen burgers"]
handles = {{ x = "lumenburgers" }}
[alerts]
min_tier = "watch"
""", env={}).config
EVERYDAY = ["{b} drive thru was slow today", "{b} forgot my fries again", "my {b} order was cold",
            "is {b} open on sundays?", "the new {b} burger is actually great", "{b} commercial with the dancing fries again",
            "eating {b} in the car like a champ", "{b} app keeps crashing when I pay", "shoutout to the {b} night crew"]
HOURLY = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 1.0, 1.2, 1.2, 1.2, 1.3, 1.2, 1.2, 1.1, 1.1, 1.2, 1.3, 1.3,
          1.2, 1.0, 0.7, 0.4]


def post(ident: str, text: str, at: datetime, author: str, **kw) -> Observation:
    return Observation(source="x", id=ident, text=text, created_at=at, observed_at=at, kind=kw.pop("kind", "post"),
                       url=f"https://x.com/{author}/status/{ident}", author=Author(id=author, handle=author, followers=80),
                       metrics=Metrics(likes=kw.pop("likes", 0)), brand=BRAND, **kw)


def ordinary(days: int, per_day: int, rng: random.Random) -> list[Observation]:
    """A brand's ordinary days: many people, everyday wordings, a daily rhythm."""
    out = []
    for day in range(days):
        for hour, weight in enumerate(HOURLY):
            for _ in range(rng.randint(0, round(2 * weight * per_day / 24))):
                at = T0 + timedelta(days=day, hours=hour, seconds=rng.randint(0, 3599))
                text = rng.choice(EVERYDAY).replace("{b}", BRAND)
                out.append(post(f"o{len(out)}", text, at, f"u{rng.randint(1, per_day * 20)}"))
    return out


def about(alerts: list[AlertEvent], ids: set[str]) -> list[AlertEvent]:
    """Warning-or-above alerts showing the story's posts."""
    return [a for a in alerts if a.tier >= Tier.warning and any(p.get("id") in ids for p in a.top_posts)]


REPLIES = ["@nora_writes this is exactly why I left {b}", "@nora_writes {b} should be ashamed",
           "@nora_writes wow. {b} needs to answer for this", "@nora_writes same thing happened to my sister at {b}",
           "@nora_writes lol {b} never changes", "@nora_writes how is this even legal {b}??",
           "@nora_writes sharing so {b} sees this", "@nora_writes {b} please tell me this isn't real",
           "@nora_writes I don't believe this, {b} has always been fine for me"]


def test_replies_to_a_post_never_stored_are_one_story_that_warns_and_the_post_joins_it(scorer, tmp_path: Path) -> None:
    """A viral post criticising the brand, which the feed never returns: hundreds of replies and quotes
    that share only its thread. Grouped through the post they answer, they are one incident, warned
    within the hour; when the post itself arrives late, it joins that incident."""
    rng = random.Random(11)
    start = T0 + timedelta(days=5, hours=14)
    root = "1790000000000000001"
    replies = []
    for i in range(240):
        at = start + timedelta(minutes=rng.expovariate(1 / 40.0))
        if i % 6 == 5:  # a quote: a link to the post, no reply field
            replies.append(post(f"q{i}", f"{BRAND} did WHAT https://twitter.com/nora_writes/status/{root}", at, f"r{i}"))
        else:
            parent = replies[rng.randrange(len(replies))].id if replies and i % 5 == 4 else root
            replies.append(post(f"r{i}", rng.choice(REPLIES).replace("{b}", BRAND), at, f"r{i}", kind="comment",
                                in_reply_to=parent, conversation_id=root))
    late_root = post(root, f"{BRAND} staff refused to serve my wheelchair-using son tonight and laughed about it.",
                     start - timedelta(minutes=5), "nora_writes", likes=40_000)
    late_root = Observation(**{**late_root.__dict__, "observed_at": start + timedelta(hours=6)})
    url = f"sqlite:///{tmp_path / 'thread.db'}"
    result = run_replay(ordinary(6, 200, rng) + replies + [late_root], CONFIG, scorer, store_url=url)

    store = Store(url)
    with store.begin() as conn:
        rows = conn.execute(select(s.mentions.c.post_id, s.mentions.c.incident_id)
                            .where(s.mentions.c.post_id.in_([o.id for o in replies] + [root]))).all()
    store.close()
    incidents = {r.incident_id for r in rows if r.post_id != root}
    assert len(incidents - {None}) == 1, incidents
    joined = sum(r.incident_id is not None for r in rows if r.post_id != root)
    assert joined >= 0.85 * len(replies), joined  # all but the few before the first complaint opened it
    assert {r.incident_id for r in rows if r.post_id == root} == incidents - {None}

    warned = about(result.alerts, {o.id for o in replies})
    assert warned and warned[0].at <= start + timedelta(hours=1), [(a.at, a.tier, a.reasons) for a in result.alerts]
    assert len({a.incident for a in warned}) == 1


BACKLASH = ["the new {b} ad is so tone deaf", "who approved this {b} ad 🤡", "{b} really thought this was a good idea lmao",
            "boycott {b}", "never buying {b} again after that ad", "{b} just lost a customer", "{b} what were you thinking",
            "{b}'s marketing team needs to go", "that {b} commercial is embarrassing", "disgusting ad from {b}",
            "my whole family is done with {b}"]
DEFENCE = ["honestly the {b} ad is fine, people need to relax", "love the new {b} ad", "standing with {b} on this one"]


def test_a_backlash_without_complaint_words_is_one_critical_storm(scorer) -> None:
    """An advert's backlash: hundreds of people in a couple of hours mocking the brand and calling for a
    boycott, a quarter defending it; the complaint model calls few of them complaints. Against a busy
    ordinary hour of the brand it is a storm: warned within the hour, critical within three, as one
    incident whose reasons say it is a backlash."""
    rng = random.Random(12)
    start = T0 + timedelta(days=6, hours=15)
    storm = []
    for i in range(500):
        at = start + timedelta(minutes=rng.expovariate(1 / 60.0))
        words = DEFENCE if rng.random() < 0.25 else BACKLASH
        storm.append(post(f"b{i}", rng.choice(words).replace("{b}", BRAND), at, f"b{i}"))
    complaints = sum(scorer.score(o.text).is_complaint for o in storm)
    assert complaints < 0.25 * len(storm), complaints  # four in five are not customer complaints

    result = run_replay(ordinary(7, 300, rng) + storm, CONFIG, scorer)
    warned = about(result.alerts, {o.id for o in storm})
    critical = [a for a in warned if a.tier >= Tier.critical]
    assert warned and warned[0].at <= start + timedelta(hours=1), [(a.at, a.tier, a.reasons) for a in result.alerts]
    assert critical and critical[0].at <= start + timedelta(hours=3), [(a.at, a.tier, a.reasons) for a in warned]
    assert any(r.startswith("a backlash:") for r in critical[0].reasons), critical[0].reasons
    assert len({a.incident for a in warned}) == 1
    assert not [a for a in result.alerts if a.tier >= Tier.warning and a.at < start]


NEGATIVE = ["{b} fries were soggy again, gross", "hate how slow {b} is lately", "{b} burgers taste awful now",
            "ugh {b} is so bad", "{b} ruined my lunch, terrible", "the worst {b} meal I have had"]


def test_a_hundred_ordinary_negative_posts_over_a_day_do_not_alert(scorer) -> None:
    """A hundred negative posts about the brand spread over a day, with no burst: its normal, not a storm."""
    rng = random.Random(13)
    day = T0 + timedelta(days=6)
    sour = [post(f"n{i}", rng.choice(NEGATIVE).replace("{b}", BRAND),
                 day + timedelta(seconds=rng.randint(0, 86_399)), f"n{rng.randint(1, 60)}") for i in range(100)]
    result = run_replay(ordinary(8, 200, rng) + sour, CONFIG, scorer)
    assert [a for a in result.alerts if a.tier >= Tier.warning] == [], [(a.at, a.reasons) for a in result.alerts]


def test_the_brands_normal_is_a_busy_ordinary_hour_once_half_a_day_of_it_is_known() -> None:
    """A busy hour: busier than nine in ten of the week's ordinary hours with traffic, and the share of
    its mentions against it. One hour of a story of the brand's own does not become its normal; an
    hour called stormy is left out."""
    pulse = Pulse()
    t0 = T0.timestamp()

    def hour_of(hour: int, against: int, others: int = 2) -> None:
        for i in range(against + others):
            pulse.add(t0 + hour * 3600 + i, f"h{hour}i{i}", complaint=False, against=i < against)

    for hour in range(11):  # eleven hours with traffic: no normal yet
        hour_of(hour, hour)
    assert pulse.normal(t0 + 11 * 3600, 12) is None
    for hour in range(11, 24):
        hour_of(hour, hour)
    # Of 0..23 people against it, nine in ten hours below 21; 276 of its 324 mentions against it.
    assert pulse.normal(t0 + 24 * 3600, 12) == (21.0, 276 / 324)
    hour_of(24, 400)  # a story's hour, nobody called stormy
    assert pulse.normal(t0 + 25 * 3600, 12) == (22.0, 676 / 726)
    pulse.mark_stormy(t0 + 24 * 3600 + 30)
    assert pulse.normal(t0 + 25 * 3600, 12) == (21.0, 276 / 324)
    again = Pulse.from_json(pulse.to_json())
    assert again.to_json() == pulse.to_json()
    assert again.recent_against == pulse.recent_against


def test_a_pulse_stored_before_backlashes_still_loads() -> None:
    old = {"total": 3, "mentions": [[0.0, 3]], "complainers": [[0.0, 2]], "people": {"a": 1.0, "b": 2.0},
           "surge": 0.0, "folded": 0.0, "days": []}
    pulse = Pulse.from_json(old)
    assert pulse.against == [] and pulse.hours == [] and pulse.normal(7200.0, 1) is None
    pulse.add(4000.0, "c", complaint=False, against=True)
    assert pulse.recent_against == 1 and pulse.hours == [[3600.0, 1, 1, 0]]
