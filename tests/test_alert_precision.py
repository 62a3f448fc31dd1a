"""Alerts relative to the brand's normal: ordinary days stay quiet, storms and stories still alert.

Small generated days of traffic through the real replay (pipeline, scorer, SQLite); the month-long
evaluation with real traffic is bench/eval_alerts.py.
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.config.settings import parse_config
from monitor.incidents.drivers import poisson_surprise
from monitor.incidents.pulse import Pulse
from monitor.models import AlertEvent, Author, Metrics, Observation, Tier
from monitor.replay.run import run_replay

T0 = datetime(2025, 3, 3, 0, 0, tzinfo=timezone.utc)
BRAND = "Bank Wiślany"
CONFIG = parse_config(f"""
[[brands]]
name = "{BRAND}"
keywords = ["bank wiślany"]
handles = {{ x = "bankwislany" }}
[alerts]
min_tier = "watch"
""", env={}).config
MILD = ["{b} znowu nie działa aplikacja", "przelew w {b} idzie już {n} dni", "infolinia {b} nie odbiera",
        "{b} apka wylogowuje mnie co chwilę", "długa kolejka w oddziale {b}"]
OTHER = ["czy {b} ma wpłatomat w centrum?", "miła obsługa w {b}, dzięki", "reklama {b} w telewizji znowu",
         "{b} sponsoruje maraton"]
STORM = ["{b} nie działa od rana, nie mogę zrobić przelewu", "awaria w {b}, pieniądze zniknęły z konta!",
         "{b} znowu leży, ani aplikacja ani strona nie działa", "czy tylko mi {b} pokazuje zero na koncie?",
         "{b} co się dzieje? nie mogę zapłacić kartą w sklepie", "skandal, {b} zablokował mi konto bez powodu",
         "od 3 godzin nie mogę się zalogować do {b}, infolinia nie odbiera", "{b} oddajcie moje pieniądze, awaria trwa"]
HOURLY = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 1.0, 1.2, 1.2, 1.2, 1.3, 1.2, 1.2, 1.1, 1.1, 1.2, 1.3, 1.3,
          1.2, 1.0, 0.7, 0.4]


def post(ident: str, text: str, at: datetime, author: str) -> Observation:
    return Observation(source="x", id=ident, text=text, created_at=at, observed_at=at, kind="post",
                       url=f"https://x.com/{author}/status/{ident}", author=Author(id=author, handle=author, followers=80),
                       metrics=Metrics(likes=0), brand=BRAND)


def ordinary(days: int, per_day: int, rng: random.Random) -> list[Observation]:
    """Many people, a few wordings, a daily rhythm: mild complaints that recur all the time."""
    out = []
    for day in range(days):
        for hour, weight in enumerate(HOURLY):
            for _ in range(rng.randint(0, round(2 * weight * per_day / 24))):
                at = T0 + timedelta(days=day, hours=hour, seconds=rng.randint(0, 3599))
                text = rng.choice(MILD if rng.random() < 0.6 else OTHER)
                text = text.replace("{b}", BRAND).replace("{n}", str(rng.randint(2, 9)))
                out.append(post(f"o{len(out)}", text, at, f"u{rng.randint(1, per_day * 20)}"))
    return out


def test_ordinary_days_of_recurring_mild_complaints_do_not_alert_above_watch(scorer) -> None:
    rng = random.Random(5)
    result = run_replay(ordinary(8, 150, rng), CONFIG, scorer)
    assert [a for a in result.alerts if a.tier >= Tier.warning] == []


def test_a_storm_in_polish_in_many_words_warns_within_three_hours(scorer) -> None:
    rng = random.Random(6)
    traffic = ordinary(6, 150, rng)
    start = T0 + timedelta(days=5, hours=15)
    storm = []
    for i in range(90):
        at = start + timedelta(minutes=rng.expovariate(1 / 40.0))
        storm.append(post(f"s{i}", rng.choice(STORM).replace("{b}", BRAND), at, f"k{i}"))
    result = run_replay(traffic + storm, CONFIG, scorer)
    ids = {o.id for o in storm}
    warned = [a for a in result.alerts if a.tier >= Tier.warning and any(p.get("id") in ids for p in a.top_posts)]
    assert warned and warned[0].at <= start + timedelta(hours=3), [(a.at, a.tier, a.reasons) for a in result.alerts]
    assert any("people complaining about the brand" in r or "people posting about it" in r for r in warned[0].reasons)


def first_warning_of_story(scorer, *, seed: int, name: str) -> tuple[Any, AlertEvent]:
    """A story of a generated month (bench/scenarios.py) replayed with its brand's week before it:
    the story and its first warning-or-above within its deadline (asserted to exist)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.scenarios import generate

    sc = generate(seed)
    story = next(s for s in sc.stories if s.name == name)
    week = [o for o in sc.observations
            if o.brand == story.brand and story.start - timedelta(days=7) <= o.created_at <= story.deadline]
    result = run_replay(week, sc.config, scorer)
    warned = [a for a in result.alerts if a.tier >= Tier.warning and story.start <= a.at <= story.deadline]
    assert warned, [(a.at, a.tier, a.reasons) for a in result.alerts if a.at >= story.start]
    return story, warned[0]


def test_a_storm_opens_its_own_incident_and_its_alert_shows_the_storms_posts(scorer) -> None:
    """A Swedish power cut in a generated month (bench/scenarios.py, seed 1): the storm repeats the
    words of an everyday topic ("kundtjänst svarar inte"). Its warning must be about the storm,
    started by it and showing its posts, not last week's topic grown by it."""
    story, alert = first_warning_of_story(scorer, seed=1, name="storm_sv")
    assert alert.first_seen >= story.start, (alert.first_seen, alert.reasons)
    shown = [p.get("id") in story.post_ids for p in alert.top_posts]
    assert sum(shown) > len(shown) / 2, [p.get("text") for p in alert.top_posts]


@pytest.mark.parametrize("seed", [1, 2, 6])
def test_a_filmed_incident_is_warned_within_its_hour_though_its_crowd_reads_less_like_complaints(scorer, seed) -> None:
    """A filmed manager in a generated month (bench/scenarios.py): one complaint with a video, then
    dozens of bystanders ("fire that manager", "watch this before you go there again") whose posts the
    complaint model is less sure of than of the complaint. The crowd's anger counts with the
    complaint (the incident's echoes): without it the second-round model missed this story in five
    seeds of six."""
    story, alert = first_warning_of_story(scorer, seed=seed, name="filmed")
    assert any(p.get("id") in story.post_ids for p in alert.top_posts)


def test_a_wave_of_praise_stays_at_watch_or_below(scorer) -> None:
    rng = random.Random(7)
    traffic = ordinary(3, 150, rng)
    start = T0 + timedelta(days=2, hours=12)
    first = post("p0", f"A {BRAND} employee drove two hours to return my late dad's phone. Thank you ❤️", start, "gina")
    praise = [first] + [post(f"p{i}", rng.choice([f"this is why I love {BRAND} ❤️", f"give that {BRAND} employee a raise!",
                                                  f"wow {BRAND}, this made my day"]), start + timedelta(minutes=i), f"fan{i}")
                        for i in range(1, 200)]
    snapshots = [Observation(**{**first.__dict__, "observed_at": start + timedelta(minutes=m),
                                "metrics": Metrics(likes=likes, reposts=likes // 4)})
                 for m, likes in [(10, 500), (30, 4000), (60, 15000)]]
    result = run_replay(traffic + praise + snapshots, CONFIG, scorer)
    assert all(a.tier <= Tier.watch for a in result.alerts), [(a.tier, a.reasons) for a in result.alerts]


@given(st.integers(min_value=0, max_value=200), st.floats(min_value=0.01, max_value=100))
def test_poisson_surprise_grows_with_the_count_and_falls_with_the_expectation(k: int, lam: float) -> None:
    s = poisson_surprise(k, lam)
    assert 0 <= s <= 30
    assert poisson_surprise(k + 1, lam) >= s - 1e-9
    assert poisson_surprise(k, lam * 1.5) <= s + 1e-9


def test_the_pulse_learns_a_brands_rhythm_and_survives_a_round_trip() -> None:
    pulse = Pulse()
    t0 = T0.timestamp()
    for day in range(3):
        for hour in range(24):
            for i in range(10 if 9 <= hour < 18 else 1):
                pulse.add(t0 + day * 86400 + hour * 3600 + i * 60, f"d{day}h{hour}i{i}", complaint=True)
    noon, night = t0 + 3 * 86400 + 12 * 3600, t0 + 3 * 86400 + 3 * 3600
    pulse.add(noon - 1, "late", complaint=False)  # fold everything up to now
    assert pulse.usual(noon, 3600) is not None and pulse.usual(noon, 3600) > 5 * (pulse.usual(night, 3600) or 0)
    again = Pulse.from_json(pulse.to_json())
    assert again.to_json() == pulse.to_json()
