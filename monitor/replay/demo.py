"""The bundled demo: a fictional parcel company's bad month, written for this project.

One customer is charged $7,455 to ship $88.77 of toilet paper. She complains on X, then on Reddit,
calls support again and again, writes to the CEO, and six weeks in a local TV station runs the story;
within the hour it surges across platforms. Around it, ordinary background traffic: mild complaints,
questions, praise and the brand's own replies. Everything is generated from a fixed seed, so the demo
(and ``monitor replay --demo --format json``) is the same on every machine.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

from monitor.config.settings import BrandConfig, Config
from monitor.models import Author, Metrics, Observation

BRAND = "Northwind Parcel"
START = datetime(2024, 4, 1, 8, 0, tzinfo=timezone.utc)
TV_AT = START + timedelta(days=38, hours=10)  # the local-TV story airs (and is posted) here
DAYS = 42

# Background traffic: everyday posts about a parcel company, assembled from varied parts so that, as in
# real traffic, no two strangers write the same sentence.
_OPENERS = ["", "Ugh, ", "Honestly ", "So ", "Well ", "PSA: ", "Quick question: ", "lol ", "Not again. ", "Hey "]
_TOPICS: list[tuple[float, list[str]]] = [
    (0.22, ["my Northwind Parcel delivery is running {n} days late",
            "Northwind Parcel says my {item} will now come {when}",
            "still no sign of the {item} Northwind Parcel was supposed to bring {when}",
            "Northwind Parcel pushed my delivery back again, now it's {when}"]),
    (0.10, ["the Northwind Parcel driver left my {item} at {place}",
            "found my Northwind Parcel box at {place}, no note, nothing",
            "Northwind Parcel photo proof of delivery shows {place}, not my house"]),
    (0.08, ["does Northwind Parcel deliver on Sundays in {city}?",
            "anyone know the Northwind Parcel depot hours in {city}?",
            "can Northwind Parcel hold a package at the {city} depot?"]),
    (0.08, ["Northwind Parcel tracking for my {item} has said in transit for {n} days",
            "the Northwind Parcel tracking page hasn't updated since {when_past}"]),
    (0.14, ["shoutout to the Northwind Parcel driver in {city} who carried my {item} up {n} floors",
            "Northwind Parcel got my {item} here a day early, nice",
            "big thanks to Northwind Parcel for rescuing my {item} delivery in {city}",
            "the Northwind Parcel driver in {city} waved at my dog, {n}/10 service"]),
    (0.07, ["the Northwind Parcel app logged me out {n} times today",
            "Northwind Parcel app crashes when I try to reschedule my {item}, mildly irritating"]),
    (0.07, ["is Northwind Parcel cheaper than the post office for a {n}kg box?",
            "Northwind Parcel quoted me a fair price for shipping my {item} to {city}"]),
    (0.08, ["Northwind Parcel lost my first {item} but the replacement arrived fine",
            "my {item} came via Northwind Parcel slightly dented, still works"]),
    (0.08, ["waiting in all day for Northwind Parcel, the window is {n} to 6 for my {item}",
            "Northwind Parcel missed my delivery window, rescheduled for {when}"]),
    (0.08, ["Northwind Parcel sponsoring the {city} marathon this year, cool",
            "saw a Northwind Parcel electric van in {city} today"]),
]
_CONTEXT = [
    "Working from home today anyway.", "Third package this month.", "It's for my sister's birthday.",
    "Weather here is awful.", "First time using them.", "Ordered it on a Tuesday.", "Kids are thrilled.",
    "Had to move my dentist appointment.", "Neighbours are nice about it at least.", "Coffee in hand, waiting.",
    "The dog barks at every van.", "Never had this with my old courier.", "The shop recommended them.",
    "Paid for standard shipping.", "Just moved into this flat.", "My partner ordered it, not me.",
    "Was a gift card purchase.", "It's the blue box with the stickers.", "Second floor, no lift.",
    "Left a note on the door too.", "Work starts at nine so timing matters.", "It's raining, of course.",
    "Got the text alert twice.", "Signed up for the app last week.", "The parcel is small, should be easy.",
    "", "", "", "", "",
]
_CLOSERS = ["", " :/", " 🙄", " thanks!", " any tips?", " #parcels", " smh", "!", ".", " 😅", " 👍"]
_SLOTS = {
    "item": ["couch", "laptop", "bike", "books", "sneakers", "coffee machine", "lamp", "phone case", "plant"],
    "when": ["tomorrow", "Friday", "next week", "Monday", "sometime this week", "the 12th"],
    "when_past": ["Tuesday", "last week", "the weekend", "yesterday morning"],
    "place": ["the wrong door", "my neighbour's porch", "the bins", "the building next door", "the lobby"],
    "city": ["Leeds", "Dayton", "Tacoma", "Bristol", "Omaha", "Halifax", "Fresno", "Derby", "Reno"],
}


def _background_text(rng: random.Random) -> str:
    topic = rng.choices([t for _, t in _TOPICS], [w for w, _ in _TOPICS])[0]
    body = rng.choice(topic)
    for slot, options in _SLOTS.items():
        body = body.replace("{" + slot + "}", rng.choice(options))
    body = body.replace("{n}", str(rng.randint(2, 9)))
    opener = rng.choice(_OPENERS)
    text = opener + (body[0].upper() + body[1:] if not opener or opener.endswith(". ") else body)
    context = rng.choice(_CONTEXT)
    text = text + rng.choice(_CLOSERS)
    return f"{context} {text}" if context and rng.random() < 0.5 else f"{text} {context}".strip()


_REPLIES = ["Sorry about that! DM us your tracking number and we'll take a look.",
            "Thanks for the kind words, we'll pass it on to the driver!"]

_STORY = [  # (day, hour, source, text, likes)
    (3, 15, "x", "Northwind Parcel charged me $7,455 to ship $88.77 of toilet paper. Customer service says the "
                 "charge is correct?! How is this possible", 3),
    (9, 11, "x", "Called Northwind Parcel again about the $7,455 charge for $88.77 of toilet paper. Second call, "
                 "still no refund, nobody can explain it", 2),
    (16, 19, "reddit", "Northwind Parcel charged me $7,455 to ship $88.77 of toilet paper and won't refund it\n\n"
                       "I've called three times. Every agent says they'll escalate and nothing happens. "
                       "Has anyone dealt with their billing department?", 14),
    (23, 10, "x", "Fourth time contacting Northwind Parcel about the $7,455 charge. Nobody answers the phone "
                  "anymore. I have written to the CEO. Still no refund.", 9),
    (30, 16, "x", "Five weeks, $7,455 charged for $88.77 of toilet paper, zero help from Northwind Parcel. "
                  "Going to the local news next.", 21),
]


def config(base: Config | None = None) -> Config:
    """The demo's brand, added to ``base`` (whose thresholds and routes then apply) or the defaults."""
    base = base or Config()
    brand = BrandConfig(name=BRAND, keywords=["northwind parcel", "northwindparcel"],
                        handles={"x": "northwindparcel", "reddit": "northwindparcel"})
    return base.model_copy(update={"brands": [*[b for b in base.brands if b.name != BRAND], brand]})


def markers() -> list[tuple[str, datetime]]:
    return [("local TV story", TV_AT)]


def _obs(source: str, ident: str, text: str, at: datetime, author: str, *, followers: int = 150,
         likes: int = 0, reposts: int = 0, replies: int = 0, kind: str = "post", observed: datetime | None = None,
         url: str | None = None, in_reply_to: str | None = None) -> Observation:
    if url is None:
        url = (f"https://x.com/{author}/status/{ident}" if source == "x" else
               f"https://www.reddit.com/r/mildlyinfuriating/comments/{ident}/" if source == "reddit" else
               f"https://news.example/{ident}")
    return Observation(
        source=source, id=ident, text=text, created_at=at, observed_at=observed or at, url=url, kind=kind,
        lang="en", author=Author(id=f"{source}-{author}", handle=author, followers=followers),
        metrics=Metrics(likes=likes, reposts=reposts, replies=replies, score=likes if source == "reddit" else None),
        in_reply_to=in_reply_to)


def observations() -> Iterator[Observation]:
    """The scenario, roughly in time order (replay sorts it anyway)."""
    rng = random.Random(7455)
    out: list[Observation] = []
    seq = 1000
    for day in range(DAYS):
        for _ in range(rng.randint(25, 45)):
            seq += 1
            at = START + timedelta(days=day, minutes=rng.randint(0, 14 * 60))
            text = _background_text(rng)
            source = "x" if rng.random() < 0.75 else "reddit"
            author = f"user{rng.randint(1, 4000)}"
            likes = rng.choice([0, 0, 0, 1, 1, 2, 3, 5, 8])
            out.append(_obs(source, str(seq), text, at, author, likes=likes, followers=rng.randint(20, 3000)))
            if source == "x" and rng.random() < 0.3:
                seq += 1
                reply = _REPLIES[1] if any(w in text for w in ("hanks", "early", "10/10", "cool")) else _REPLIES[0]
                out.append(_obs("x", str(seq), f"@{author} {reply}", at + timedelta(minutes=rng.randint(20, 240)),
                                "northwindparcel", followers=52000, in_reply_to=str(seq - 1)))
    # The story, with engagement re-read a few hours after each post.
    for n, (day, hour, source, text, likes) in enumerate(_STORY):
        at = START + timedelta(days=day, hours=hour)
        ident = f"story{n}"
        handle = "dana_k" if source == "x" else "dana_k_ships"
        out.append(_obs(source, ident, text, at, handle, followers=310, likes=likes // 3))
        out.append(_obs(source, ident, text, at, handle, followers=310, likes=likes, replies=likes // 4,
                        observed=at + timedelta(hours=3)))
    # The local TV story airs, then the surge: quotes, reposts and threads across platforms.
    out.append(_obs("news", "tv-1", "Local woman charged $7,455 by Northwind Parcel to ship $88.77 of toilet paper. "
                    "After five weeks of calls and a letter to the CEO, she is still waiting for a refund.",
                    TV_AT, "channel7news", kind="article", followers=0))
    for i in range(60):
        at = TV_AT + timedelta(minutes=5 + i * 2)
        source = "x" if i % 4 else "reddit"
        text = rng.choice([
            "Northwind Parcel charged a woman $7,455 to ship $88.77 of toilet paper and ignored her for five weeks. "
            "Unreal.",
            "Never using Northwind Parcel again after the $7,455 toilet paper story",
            "How does Northwind Parcel charge $7,455 for $88.77 of toilet paper and then not answer her calls?",
            "The Northwind Parcel $7,455 story is the worst customer service I've seen. Refund her!",
        ])
        out.append(_obs(source, f"surge{i}", text, at, f"viewer{i}", followers=rng.randint(100, 40000),
                        likes=5 + i * 3, reposts=i))
    for k in range(1, 5):  # the TV post and the first quotes keep gaining engagement
        seen = TV_AT + timedelta(minutes=15 * k)
        out.append(_obs("x", "surge1", "Northwind Parcel charged a woman $7,455 to ship $88.77 of toilet paper and "
                        "ignored her for five weeks. Unreal.", TV_AT + timedelta(minutes=7), "viewer1",
                        followers=20000, likes=200 * k * k, reposts=80 * k * k, observed=seen))
    out.sort(key=lambda o: (o.observed_at, o.source, o.id))
    yield from out
