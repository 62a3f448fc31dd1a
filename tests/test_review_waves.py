"""A wave of low ratings is a story (issue 23): a bad release or a review bomb, one- and two-star reviews
many times the app's usual rate, warns with the count, the usual and what most of them mention; an
app's ordinary reviews (busy release days among them) do not. Through the real replay (pipeline,
scorer, SQLite). The reviews are written here; the sources' own tests drive the same through poll-once."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from monitor.config.settings import parse_config
from monitor.incidents.state import topic_words
from monitor.models import Author, MentionScore, Observation, Tier
from monitor.replay.run import run_replay as replay
from monitor.scoring.rating import rated

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
BRAND = "Acme Shop"
CONFIG = parse_config(f"""
[[brands]]
name = "{BRAND}"
keywords = ["acme shop"]
""", env={}).config
GOOD = ["Great app, does what I need", "Works fine most of the time", "Love the new design", "Handy for my orders",
        "Good but could use dark mode", "Nice update, faster now"]
SO_SO = ["App is slow sometimes", "Too many notifications", "Search could be better"]
LOGIN = ["Can't log in after the update, keeps saying session expired", "Login broken since yesterday, useless",
         "App won't let me sign in anymore, login spins forever", "Stuck on the login screen forever",
         "Every time I try the login it crashes", "Paid for premium and the login fails", "Login loop. Uninstalling.",
         "Locked out after updating, login says wrong password"]


def review(n: int, at: datetime, stars: int, text: str) -> Observation:
    return Observation(source="appstore", id=f"us/{n}", text=text, created_at=at, observed_at=at, kind="review",
                       rating=stars, author=Author(handle=f"user{n}"), brand=BRAND)


def ordinary(days: int, per_day: int, rng: random.Random) -> list[Observation]:
    """An app's ordinary reviews, by day, now and then a day twice as busy (a release)."""
    out = []
    for day in range(days):
        for _ in range(per_day * (2 if rng.random() < 0.1 else 1)):
            at = T0 + timedelta(days=day, hours=min(23.9, max(0.0, rng.gauss(15, 4))))
            stars = rng.choices([5, 4, 3, 2, 1], [45, 20, 10, 10, 15])[0]
            out.append(review(len(out), at, stars, rng.choice(GOOD if stars >= 4 else SO_SO)))
    return out


def wave(first: int, start: datetime, n: int, rng: random.Random) -> list[Observation]:
    return [review(first + i, start + timedelta(seconds=rng.randrange(3 * 3600)), 1, rng.choice(LOGIN))
            for i in range(n)]


def run(observations: list[Observation], scorer) -> list:
    return replay(sorted(observations, key=lambda o: o.created_at), CONFIG, scorer).alerts


def test_an_apps_ordinary_reviews_do_not_alert(scorer) -> None:
    for seed, per_day in ((1, 2), (2, 20), (3, 100)):
        alerts = run(ordinary(21, per_day, random.Random(seed)), scorer)
        assert [a for a in alerts if a.tier >= Tier.warning] == [], (seed, per_day)


def test_a_wave_of_one_star_reviews_warns_within_the_hour_and_says_what_they_mention(scorer) -> None:
    for seed, per_day in ((1, 2), (2, 20)):
        rng = random.Random(seed)
        calm = ordinary(21, per_day, rng)
        start = T0 + timedelta(days=21, hours=9)
        alerts = [a for a in run(calm + wave(len(calm), start, 40, rng), scorer) if a.tier >= Tier.warning]
        assert alerts, (seed, per_day)
        first = alerts[0]
        assert first.at - start <= timedelta(hours=1), (seed, first.at)
        words = " ".join(first.reasons)
        assert "one- and two-star reviews in" in words and "a day in all" in words, words
        if " mention " in words:  # a word the wave's reviews use (of the ones its incident holds)
            named = words.rsplit(" ", 1)[1]
            assert any(named in topic_words(t, frozenset()) for t in LOGIN), words


def test_the_same_reviews_in_a_brand_new_app_are_not_a_wave(scorer) -> None:
    """No usual rate yet (the app was just added, its backlog read newest first): no wave."""
    rng = random.Random(4)
    alerts = run(wave(0, T0, 40, rng), scorer)
    assert not any("star reviews" in " ".join(a.reasons) for a in alerts)


scores = st.builds(MentionScore, lang=st.just("en"), sentiment=st.floats(-1, 1), complaint=st.floats(0, 1),
                   is_complaint=st.booleans(), cues=st.just(()), score=st.floats(0, 1))


@given(scores, st.one_of(st.none(), st.integers(1, 5)), st.integers(0, 10**7), st.integers(0, 10**6))
def test_stars_only_ever_add_to_a_low_reviews_complaint(sc: MentionScore, stars: int | None, followers: int,
                                                        engagement: int) -> None:
    out = rated(sc, stars, followers=followers, engagement=engagement)
    if stars is None or stars >= 3:
        assert out == sc  # the words decide: a five-star review with a complaint in it stays a complaint
    else:
        assert out.is_complaint and out.complaint >= max(sc.complaint, 0.75) and out.score >= sc.score
        assert out.sentiment <= min(sc.sentiment, -0.3) and 0.0 <= out.score <= 1.0


def test_score_reads_a_reviews_stars(tmp_path) -> None:
    import json

    from click.testing import CliRunner

    from monitor.cli import main

    lines = [{"source": "appstore", "id": "0", "kind": "review", "text": "fine I guess", "created_at": "2026-03-01T00:00:00Z",
              **({"rating": stars} if stars else {})} for stars in (1, 5, None)]
    path = tmp_path / "reviews.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = CliRunner().invoke(main, ["score", "--input", str(path)])
    assert out.exit_code == 0, out.output
    one, five, unrated = (json.loads(line) for line in out.output.splitlines())
    assert one["is_complaint"] and one["complaint"] >= 0.9 and one["sentiment"] <= -0.6
    assert five == unrated  # from three stars up the words decide
