"""Month-long generated scenarios for the alert-quality evaluation (separate from the bundled demo).

Four brands over ``days`` days of ordinary traffic (many authors, a few heavy posters; mild complaints
recurring in a handful of wordings, questions, praise, chatter; daily and weekly rhythm; 60 to 4,000
mentions a day; one brand answering complaints in public, the others never), and injected stories of
each seed shape:

- ``repeat``: one customer complains again and again over weeks, across platforms, writes to the
  CEO, and a local TV story follows; the warning must come at least three weeks before the TV story;
- ``filmed``: a filmed incident whose video spreads within the hour; warning within an hour;
- ``storm_pl`` / ``storm_sv``: a complaint storm in Polish and in Swedish; warning within three hours;
- ``praise``: a burst of viral praise; must stay at watch or below;

and the shapes of real storms that are not one customer's complaint (warning within an hour):

- ``thread``: hundreds of replies and quotes to a viral post criticising the brand, whose own post
  the feed never holds (a search returns the replies, not the post they answer);
- ``backlash``: an advert's backlash: mockery, outrage and boycott calls, few words of a customer
  complaint, support mixed in, a second wave the next evening;
- ``one_platform``: a storm on one platform only (a Reddit thread about a new fee and the posts around it);
- ``hashtag``: a storm carried by a hashtag, many of its posts little more than the hashtag.

Everything is drawn from ``random.Random(seed)``: wordings, volumes, brands, times and sizes vary with
the seed. Nothing here is tuned to a seed: the evaluation reports the worst over several.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from monitor.config.settings import BrandConfig, Config, parse_config
from monitor.models import Author, Metrics, Observation

START = datetime(2025, 3, 3, 0, 0, tzinfo=timezone.utc)  # a Monday
HOURLY = [0.2, 0.12, 0.08, 0.06, 0.06, 0.1, 0.25, 0.5, 0.8, 1.0, 1.05, 1.1, 1.2, 1.15, 1.1, 1.05, 1.05,
          1.1, 1.2, 1.25, 1.2, 1.0, 0.7, 0.4]
WEEKLY = [1.0, 1.0, 0.95, 1.0, 1.05, 0.75, 0.7]


@dataclass
class Story:
    name: str
    brand: str
    start: datetime
    deadline: datetime  # the first warning must come by then (ignored when it must stay quiet)
    must_stay_quiet: bool = False
    post_ids: set[str] = field(default_factory=set)


@dataclass
class Scenario:
    seed: int
    days: int
    config: Config
    observations: list[Observation]
    stories: list[Story]

    @property
    def brand_days(self) -> int:
        return self.days * len(self.config.brands)

    @property
    def posts(self) -> int:
        return len({o.key for o in self.observations})


@dataclass
class _Brand:
    name: str
    handle: str
    lang: str  # the language most of its public writes in
    daily: int
    answers: bool
    topics: dict[str, list[str]]


# Everyday wordings, per kind of brand. {b} is the brand's name, the other slots are filled at random.
_EN_TOPICS = {
    "telecom": {
        "mild": ["{b} internet dropped again this evening", "my {b} bill went up by ${n} this month, no idea why",
                 "{b} app keeps logging me out", "{b} signal is useless in {city} today",
                 "on hold with {b} for {n} minutes", "{b} wifi slow again tonight",
                 "{b} router needed another restart today"],
        "cue": ["third time calling {b} about the same outage", "if {b} doesn't fix this I'm switching providers",
                "{b} support is useless, nobody answers the chat", "I want a refund from {b} for this week"],
        "question": ["does {b} have 5g in {city} yet?", "how do I change my {b} plan online?",
                     "anyone know if {b} is down right now?"],
        "praise": ["{b} tech fixed my line in {n} minutes, great service", "switched to {b} and the speed is great",
                   "thanks {b} for sorting my bill so fast"],
        "chatter": ["{b} ad during the match again", "new {b} store opened in {city}",
                    "{b} sponsoring the {city} half marathon"],
    },
    "food": {
        "mild": ["{b} drive thru was slow today", "{b} forgot my fries again", "my {b} order was cold",
                 "{b} app keeps crashing when I pay", "{b} got my order wrong, {n}th time this month",
                 "waited {n} minutes at {b} in {city}", "{b} ice cream machine broken again lol"],
        "cue": ["worst {b} experience ever, never going back", "{b} charged me twice and nobody answers",
                "third time {b} messed up my order, done with them", "I want my money back {b}"],
        "question": ["is {b} open on sundays in {city}?", "does {b} still have the spicy wrap?",
                     "what time does {b} breakfast end?"],
        "praise": ["{b} staff in {city} were so nice today", "the new {b} burger is actually great",
                   "shoutout to the {b} crew on the night shift"],
        "chatter": ["{b} commercial with the dancing fries again", "{b} opening a new place in {city}",
                    "eating {b} in the car like a champ"],
    },
}
_PL_TOPICS = {
    "mild": ["{b} znowu nie działa aplikacja", "przelew w {b} idzie już {n} dni", "infolinia {b} nie odbiera",
             "{b} apka wylogowuje mnie co chwilę", "długa kolejka w oddziale {b} w {city_pl}",
             "{b} znowu zmienia regulamin"],
    "cue": ["trzeci raz dzwonię do {b} w tej samej sprawie", "jak {b} tego nie naprawi to zmieniam bank",
            "{b} nikt nie odpowiada na czacie, żenada", "chcę zwrotu pieniędzy {b}"],
    "question": ["czy {b} ma wpłatomat w {city_pl}?", "jak zmienić limit karty w {b}?", "{b} działa dziś blik?"],
    "praise": ["{b} szybko załatwił moją reklamację, dzięki", "nowa aplikacja {b} jest naprawdę dobra",
               "miła obsługa w {b} w {city_pl}"],
    "chatter": ["reklama {b} w telewizji znowu", "{b} sponsoruje maraton w {city_pl}"],
}
_SV_TOPICS = {
    "mild": ["{b} appen krånglar igen", "fakturan från {b} är högre än vanligt", "kundtjänst hos {b} svarar inte",
             "{b} har strömavbrott i {city_sv} igen", "väntat {n} minuter i telefonkö hos {b}",
             "{b} mätaren visar konstiga siffror"],
    "cue": ["tredje gången jag ringer {b} om samma sak", "om {b} inte fixar detta byter jag elbolag",
            "{b} kundtjänst är värdelös, ingen svarar", "jag vill ha pengarna tillbaka {b}"],
    "question": ["har {b} fast pris i {city_sv}?", "hur byter jag avtal hos {b}?", "är det strömavbrott hos {b} nu?"],
    "praise": ["{b} löste mitt problem snabbt, tack", "bra service från {b} idag", "trevlig personal hos {b}"],
    "chatter": ["{b} reklam på tv igen", "{b} bygger vindkraft utanför {city_sv}"],
}
_SLOTS = {
    "city": ["Leeds", "Dayton", "Tacoma", "Bristol", "Omaha", "Halifax", "Fresno", "Derby", "Reno", "Cork"],
    "city_pl": ["Krakowie", "Gdańsku", "Poznaniu", "Łodzi", "Wrocławiu", "Lublinie"],
    "city_sv": ["Göteborg", "Malmö", "Uppsala", "Umeå", "Örebro", "Luleå"],
}
_OPENERS = ["", "", "", "ugh ", "so ", "lol ", "again: ", "honestly ", "PSA ", "hmm "]
_CLOSERS = ["", "", "", " :/", " 🙄", " smh", "!", " 😡", " 👍", " #fail", " any tips?", " …", " 😅"]
_REPLIES = {"en": ["@{u} Sorry to hear this! Please DM us your account number and we'll look into it.",
                   "@{u} Thanks for reaching out, we've sent you a DM."],
            "pl": ["@{u} Przykro nam, prosimy o wiadomość prywatną, sprawdzimy to."],
            "sv": ["@{u} Tråkigt att höra! Skicka ett DM så hjälper vi dig."]}


def _fill(template: str, brand: str, rng: random.Random) -> str:
    text = template.replace("{b}", brand).replace("{n}", str(rng.randint(2, 45)))
    for slot, options in _SLOTS.items():
        text = text.replace("{" + slot + "}", rng.choice(options))
    return text


def _everyday(brand: _Brand, rng: random.Random) -> tuple[str, str, str]:
    """(kind, language, text) of one ordinary post."""
    lang = brand.lang if brand.lang == "en" or rng.random() < 0.75 else "en"
    topics = brand.topics if lang == brand.lang else _EN_TOPICS["telecom"]
    kind = rng.choices(["mild", "cue", "question", "praise", "chatter"], [0.38, 0.07, 0.17, 0.2, 0.18])[0]
    text = _fill(rng.choice(topics[kind]), brand.name, rng)
    if rng.random() < 0.4:  # many tag the brand's handle instead of, or as well as, naming it
        text = f"@{brand.handle} {text}"
    return kind, lang, rng.choice(_OPENERS) + text + rng.choice(_CLOSERS)


class _Writer:
    def __init__(self, rng: random.Random):
        self.rng, self.seq = rng, 0
        self.out: list[Observation] = []

    def post(self, brand: str, text: str, at: datetime, author: str, *, source: str = "x", kind: str = "post",
             followers: int = 200, engagement: int = 0, lang: str | None = None, reply_to: str | None = None,
             url: str | None = None, growth_hours: float = 6.0, conversation: str | None = None) -> str:
        """A post, and re-observations of it while its engagement grows (as the daemon re-reads them)."""
        self.seq += 1
        ident = f"{source[0]}{self.seq}"
        url = url or (f"https://x.com/{author}/status/{ident}" if source == "x"
                      else f"https://www.reddit.com/r/all/comments/{ident}/" if source == "reddit"
                      else f"https://news.example/story/{ident}")

        def obs(observed: datetime, eng: int) -> Observation:
            likes, reposts = eng - eng // 4, eng // 4
            return Observation(source=source, id=ident, text=text, created_at=at, observed_at=observed, url=url,
                               kind=kind, lang=lang, author=Author(id=f"{source}:{author}", handle=author,
                                                                  followers=followers),
                               metrics=Metrics(likes=likes, reposts=reposts,
                                               score=eng if source == "reddit" else None),
                               in_reply_to=reply_to, conversation_id=conversation, brand=brand)

        first = engagement // 10 if engagement >= 20 else engagement
        self.out.append(obs(at, first))
        if engagement >= 20:  # re-read a few times while it grows
            for frac in (0.25, 0.5, 1.0):
                seen = at + timedelta(hours=growth_hours * frac)
                self.out.append(obs(seen, int(first + (engagement - first) * (frac ** 0.7))))
        return ident


def _engagement(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.55:
        return 0
    if r < 0.9:
        return rng.randint(1, 6)
    if r < 0.99:
        return rng.randint(7, 60)
    return rng.randint(60, 900)  # an ordinary post that got around


def _brands(rng: random.Random) -> list[_Brand]:
    return [
        _Brand("Harbor Telecom", "harbortelecom", "en", rng.randint(1500, 4000), True, _EN_TOPICS["telecom"]),
        _Brand("Lumen Burgers", "lumenburgers", "en", rng.randint(250, 900), False, _EN_TOPICS["food"]),
        _Brand("Bank Wiślany", "bankwislany", "pl", rng.randint(120, 500), False, _PL_TOPICS),
        _Brand("Nordkraft Energi", "nordkraft", "sv", rng.randint(60, 300), rng.random() < 0.5, _SV_TOPICS),
    ]


def _background(w: _Writer, brand: _Brand, days: int, rng: random.Random) -> None:
    heavy = [f"{brand.handle[:4]}fan{i}" for i in range(max(5, brand.daily // 40))]  # post most days
    for day in range(days):
        level = brand.daily * WEEKLY[day % 7] * rng.uniform(0.8, 1.2)
        for hour in range(24):
            for _ in range(_poisson(rng, level * HOURLY[hour] / sum(HOURLY))):
                at = START + timedelta(days=day, hours=hour, seconds=rng.randint(0, 3599))
                author = rng.choice(heavy) if rng.random() < 0.15 else f"u{rng.randint(1, brand.daily * 30)}"
                kind, lang, text = _everyday(brand, rng)
                source = "x" if rng.random() < 0.8 else "reddit"
                ident = w.post(brand.name, text, at, author, source=source, engagement=_engagement(rng),
                               followers=int(rng.paretovariate(1.2) * 80), lang=None if rng.random() < 0.5 else lang)
                if brand.answers and kind in ("mild", "cue") and source == "x" and rng.random() < 0.45:
                    reply = rng.choice(_REPLIES[lang]).replace("{u}", author)
                    w.post(brand.name, reply, at + timedelta(minutes=rng.randint(15, 240)), brand.handle,
                           followers=90_000, reply_to=ident, lang=lang)


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method is fine for the small hourly rates here; a normal approximation above 50.
    if lam > 50:
        return max(0, round(rng.gauss(lam, lam ** 0.5)))
    n, p, limit = 0, 1.0, pow(2.718281828459045, -lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return n
        n += 1


# The stories ----------------------------------------------------------------------------------------

def _repeat_story(w: _Writer, brand: _Brand, rng: random.Random, days: int) -> Story:
    """One customer, weeks of complaints on two platforms, a letter to the CEO, then local TV."""
    who = rng.choice(["dana_k", "mike_t_1983", "sarahjwrites", "p_okafor", "lenny_ross", "jo_march"])
    amount = f"${rng.randint(2, 9)},{rng.randint(100, 999)}"
    thing = rng.choice(["a $40 phone case", "$88.77 of toilet paper", "a $12 SIM swap", "one month of basic service"])
    first_day = rng.randint(1, 4)
    start = START + timedelta(days=first_day, hours=rng.randint(9, 20))
    tv = start + timedelta(days=rng.randint(32, min(36, days - first_day - 2)), hours=rng.randint(0, 6))
    story = Story("repeat", brand.name, start, tv - timedelta(days=21))
    b = brand.name
    lines = [
        (0, "x", rng.choice([f"{b} charged me {amount} for {thing}. Support says the charge is correct?!",
                             f"How does {b} bill {amount} for {thing}? Nobody can explain it."])),
        (rng.uniform(3, 5.5), "x", rng.choice([f"Called {b} again about the {amount} charge. Second call, no refund.",
                                             f"Still waiting on {b} to reverse {amount}. Spoke to two agents now."])),
        (rng.uniform(6, 9), "reddit", f"{b} charged me {amount} for {thing} and won't refund it. I've called three "
                                      f"times, every agent promises to escalate and nothing happens. Anyone dealt with "
                                      f"their billing team?"),
        (rng.uniform(10, 13), "x", rng.choice([
            f"Fourth call to {b} about {amount}. Nobody answers anymore. I have written to the CEO.",
            f"I've now emailed the CEO of {b} about the {amount} charge. Fourth time asking for help."])),
        (rng.uniform(16, 20), "x", f"Two weeks since I wrote to {b}'s CEO. {amount} still not refunded."),
        (rng.uniform(24, 29), "x", f"{b}, five weeks and {amount} later: I'm taking this to the local news."),
    ]
    for offset, source, text in lines:
        at = start + timedelta(days=offset)
        story.post_ids.add(w.post(b, text, at, who if source == "x" else who + "_r", source=source,
                                  followers=rng.randint(150, 600), engagement=rng.randint(2, 30), lang="en"))
    if brand.answers:  # a canned answer early on: answered, not solved
        w.post(b, rng.choice(_REPLIES["en"]).replace("{u}", who), start + timedelta(hours=2), brand.handle,
               followers=90_000, lang="en")
    story.post_ids.add(w.post(b, f"Local customer billed {amount} by {b} for {thing}; after five weeks of calls and a "
                              f"letter to the CEO she is still waiting for a refund.", tv, "channel9news", source="news",
                              kind="article", followers=0, lang="en"))
    for _ in range(rng.randint(40, 90)):
        at = tv + timedelta(minutes=rng.randint(3, 180))
        text = rng.choice([f"{b} billed someone {amount} for {thing} and ignored her for weeks. Unreal.",
                           f"Never using {b} again after the {amount} story", f"{b} refund her the {amount}!",
                           f"the {b} {amount} story on channel 9 is the worst customer service I've seen"])
        story.post_ids.add(w.post(b, text, at, f"viewer{rng.randint(1, 10**6)}", source=rng.choice(["x", "x", "reddit"]),
                                  followers=int(rng.paretovariate(1.1) * 100), engagement=rng.randint(0, 400), lang="en"))
    return story


def _filmed_story(w: _Writer, brand: _Brand, rng: random.Random, days: int) -> Story:
    """A video of staff misbehaving, spreading within the hour."""
    day = rng.randint(8, days - 6)
    start = START + timedelta(days=day, hours=rng.randint(11, 20), minutes=rng.randint(0, 59))
    story = Story("filmed", brand.name, start, start + timedelta(hours=1))
    b = brand.name
    video = f"https://video.example/v/{rng.randint(10**6, 10**7)}"
    place = rng.choice(["on Elm St", "in Tacoma", "by the airport", "on 5th Ave", "in Derby"])
    author = rng.choice(["kayla_films", "jt_records", "roadtrip_rae", "mo_in_the_car"])
    first = w.post(b, rng.choice([
        f"Just filmed the manager at the {b} drive-thru {place} screaming at a customer and throwing her food at "
        f"her. Unbelievable {video}",
        f"{b} {place}: manager yelling at an elderly customer, shoving her order out the window. I filmed the whole "
        f"thing {video}"]), start, author, followers=rng.randint(600, 4000),
        engagement=rng.randint(3000, 20000), growth_hours=2.0, lang="en")
    story.post_ids.add(first)
    n_people = rng.randint(25, 80)
    for _ in range(n_people):
        at = start + timedelta(minutes=rng.uniform(4, 90))
        text = rng.choice([f"this {b} video is disgusting {video}", f"fire that {b} manager {video}",
                           f"@{author} wow, {b} needs to answer for this", f"Watch this before you go to {b} again {video}",
                           f"{b} the manager {place} needs to go. Shameful."])
        story.post_ids.add(w.post(b, text, at, f"viewer{rng.randint(1, 10**6)}", followers=int(rng.paretovariate(1.1) * 100),
                                  engagement=rng.randint(0, 300), reply_to=first if rng.random() < 0.4 else None, lang="en",
                                  growth_hours=2.0))
    story.post_ids.add(w.post(b, f"Video shows {b} manager {place} throwing food at a customer; the company has not "
                              f"commented. {video}", start + timedelta(hours=rng.uniform(20, 30)), "localnews4",
                              source="news", kind="article", followers=0, lang="en"))
    return story


_STORM = {
    "pl": ["{b} nie działa od rana, nie mogę zrobić przelewu", "awaria w {b}, pieniądze zniknęły z konta!",
           "{b} znowu leży, ani aplikacja ani strona nie działa", "czy tylko mi {b} pokazuje zero na koncie?",
           "{b} co się dzieje? nie mogę zapłacić kartą w sklepie", "skandal, {b} zablokował mi konto bez powodu",
           "od 3 godzin nie mogę się zalogować do {b}, infolinia nie odbiera", "{b} oddajcie moje pieniądze, awaria trwa"],
    "sv": ["{b} har strömavbrott igen och ingen info", "hela {city_sv} utan ström, {b} svarar inte",
           "{b} kundtjänst ligger nere, vi har inte haft el på timmar", "skandal {b}, ingen ström sedan i morse",
           "{b} varför får vi ingen information om avbrottet?", "frysen tinar, {b} säger ingenting",
           "ringt {b} fem gånger, ingen svarar, fortfarande strömlöst", "{b} när kommer strömmen tillbaka??"],
}


def _storm_story(w: _Writer, brand: _Brand, rng: random.Random, days: int, lang: str) -> Story:
    """Many different people, in a few hours, in one language, about the same failure."""
    day = rng.randint(6, days - 3)
    start = START + timedelta(days=day, hours=rng.randint(7, 18), minutes=rng.randint(0, 59))
    story = Story(f"storm_{lang}", brand.name, start, start + timedelta(hours=3))
    tag = {"pl": "#awaria", "sv": "#strömavbrott"}[lang]
    # A storm is what a human would call one: in its first hours several times the complaints the
    # brand gets at its busiest (an outage, a failed update, a charge taken twice).
    n_people = rng.randint(max(40, brand.daily // 3), max(80, brand.daily))
    for _ in range(n_people):
        at = start + timedelta(minutes=rng.expovariate(1 / 45.0) if rng.random() < 0.85 else rng.uniform(0, 240))
        text = _fill(rng.choice(_STORM[lang]), brand.name, rng)
        if rng.random() < 0.3:
            text += " " + tag
        text = rng.choice(_OPENERS[:4]) + text + rng.choice(_CLOSERS)
        story.post_ids.add(w.post(brand.name, text, at, f"k{rng.randint(1, 10**6)}", followers=int(rng.paretovariate(1.2) * 60),
                                  engagement=rng.randint(0, 40), lang=None))
    return story


def _praise_story(w: _Writer, brand: _Brand, rng: random.Random, days: int) -> Story:
    """A wave of praise (a heart-warming act by staff goes viral): loud, fast, and not a problem."""
    day = rng.randint(5, days - 3)
    start = START + timedelta(days=day, hours=rng.randint(9, 19))
    story = Story("praise", brand.name, start, start, must_stay_quiet=True)
    b = brand.name
    first = w.post(b, rng.choice([f"A {b} employee drove two hours on her day off to return my late dad's phone. "
                                  f"I'm in tears. Thank you {b} ❤️",
                                  f"Shoutout to {b}: their tech stayed after his shift to fix my grandma's line so "
                                  f"she could call us on her birthday. Amazing people."]),
                   start, "grateful_gina", followers=rng.randint(300, 3000), engagement=rng.randint(8000, 40000),
                   growth_hours=3.0, lang="en")
    story.post_ids.add(first)
    for _ in range(rng.randint(80, 300)):
        at = start + timedelta(minutes=rng.uniform(5, 300))
        text = rng.choice([f"this is why I love {b} ❤️", f"{b} restoring my faith in humanity",
                           f"give that {b} employee a raise!", f"wow {b}, this made my day",
                           f"crying at this {b} story, amazing customer service"])
        story.post_ids.add(w.post(b, text, at, f"fan{rng.randint(1, 10**6)}", followers=int(rng.paretovariate(1.1) * 100),
                                  engagement=rng.randint(0, 200), reply_to=first if rng.random() < 0.3 else None,
                                  lang="en"))
    return story


def _arrival(rng: random.Random, mean_minutes: float, tail_hours: float) -> timedelta:
    """When a storm's post comes, after its start: most early, a tail over the next hours."""
    if rng.random() < 0.8:
        return timedelta(minutes=rng.expovariate(1 / mean_minutes))
    return timedelta(hours=rng.uniform(0, tail_hours))


def _thread_story(w: _Writer, brand: _Brand, rng: random.Random, days: int) -> Story:
    """Replies and quotes to a viral post criticising the brand; the post itself never reaches us."""
    day = rng.randint(7, days - 4)
    start = START + timedelta(days=day, hours=rng.randint(8, 20), minutes=rng.randint(0, 59))
    story = Story("thread", brand.name, start, start + timedelta(hours=1))
    b = brand.name
    author = rng.choice(["nora_writes", "the_real_dmac", "citizen_kay", "jpm_says"])
    root = str(rng.randint(10**17, 10**18))  # never posted in the feed
    link = f"https://x.com/{author}/status/{root}"
    replies = [f"@{author} this is exactly why I left {b}", f"@{author} {b} should be ashamed",
               f"@{author} wow. {b} needs to answer for this", f"@{author} same thing happened to my sister with {b}",
               f"@{author} lol {b} never changes", f"@{author} how is this even legal {b}??",
               f"@{author} sharing so {b} sees this", f"@{author} {b} please tell me this isn't real",
               f"@{author} 😡 {b}", f"@{author} {b} has been like this for years",
               f"@{author} I don't believe this, {b} has always been fine for me",
               f"@{author} thank you for posting this. {b} needs to hear it"]
    quotes = [f"{b} did WHAT {link}", f"read this thread about {b} {link}", f"{b} explain yourselves {link}",
              f"this is wild, {b} {link}"]
    ids: list[str] = []
    for _ in range(max(200, int(brand.daily * rng.uniform(0.5, 1.5)))):  # in its first hour, several busiest hours
        at = start + _arrival(rng, 70, 10)
        who = f"r{rng.randint(1, 10**7)}"
        followers = int(rng.paretovariate(1.1) * 100)
        if rng.random() < 0.15:
            ident = w.post(b, rng.choice(quotes), at, who, followers=followers, engagement=rng.randint(0, 300),
                           lang="en", growth_hours=2.0)
        else:
            parent = rng.choice(ids) if ids and rng.random() < 0.2 else root
            ident = w.post(b, rng.choice(replies), at, who, followers=followers, engagement=rng.randint(0, 120),
                           lang="en", reply_to=parent, conversation=root, growth_hours=2.0)
        ids.append(ident)
        story.post_ids.add(ident)
    return story


_BACKLASH = ["the new {b} ad is so tone deaf", "who approved this {b} ad 🤡", "{b} really thought this was a good idea lmao",
             "boycott {b}", "never buying {b} again after that ad", "{b} just lost a customer", "{b} what were you thinking",
             "{b}'s marketing team needs to go", "cutting up my {b} card tonight", "that {b} commercial is embarrassing",
             "disgusting ad from {b}", "imagine paying people to make that {b} ad", "{b} is cancelled in this house",
             "my whole family is done with {b}", "😂😂 {b} ad is a disaster"]
_DEFENCE = ["honestly the {b} ad is fine, people need to relax", "love the new {b} ad", "standing with {b} on this one",
            "the {b} ad is great, ignore the noise"]


def _backlash_story(w: _Writer, brand: _Brand, rng: random.Random, days: int) -> Story:
    """An advert's backlash: mockery, outrage and boycott calls, not customer complaints; a second
    wave the next evening."""
    day = rng.randint(9, days - 5)
    start = START + timedelta(days=day, hours=rng.randint(10, 19), minutes=rng.randint(0, 59))
    story = Story("backlash", brand.name, start, start + timedelta(hours=1))
    b = brand.name
    # A storm is what a human would call one: in its first hour five to fifteen times the brand's
    # busiest ordinary hour, a day's traffic in its first hours.
    waves = [(start, max(300, int(brand.daily * rng.uniform(1.0, 3.0))), 90.0),
             (start + timedelta(hours=rng.randint(22, 28)), max(150, int(brand.daily * rng.uniform(0.3, 1.0))), 120.0)]
    for wave_start, n, mean in waves:
        for _ in range(n):
            at = wave_start + _arrival(rng, mean, 12)
            text = _fill(rng.choice(_DEFENCE if rng.random() < 0.25 else _BACKLASH), b, rng)
            story.post_ids.add(w.post(b, rng.choice(_OPENERS[:4]) + text, at, f"b{rng.randint(1, 10**7)}",
                                      source="x" if rng.random() < 0.85 else "reddit",
                                      followers=int(rng.paretovariate(1.1) * 100), engagement=rng.randint(0, 200),
                                      lang="en", growth_hours=2.0))
    return story


def _one_platform_story(w: _Writer, brand: _Brand, rng: random.Random, days: int) -> Story:
    """A storm on Reddit only: a post about a new fee, its comments, and posts around it."""
    day = rng.randint(8, days - 4)
    start = START + timedelta(days=day, hours=rng.randint(13, 21), minutes=rng.randint(0, 59))
    story = Story("one_platform", brand.name, start, start + timedelta(hours=1))
    b = brand.name
    fee = f"${rng.randint(3, 15)}.{rng.randint(10, 99)}"
    root = w.post(b, f"PSA: {b} quietly added a {fee} 'network access fee' to every bill this month. Check yours.",
                  start, "throwaway_fee", source="reddit", followers=0, engagement=rng.randint(2000, 9000),
                  lang="en", growth_hours=3.0)
    story.post_ids.add(root)
    comments = ["this is theft", f"just checked, {fee} on mine too", f"{b} is a joke", "cancelling today",
                f"called {b}, they say the fee is mandatory", "how is this allowed", "filing a complaint with the FCC",
                f"{b} does this every year", "wow. just wow", "screenshotting my bill for the news station"]
    posts = [f"Anyone else get hit with the new {b} {fee} fee?", f"{b} {fee} fee megathread?",
             f"Switching from {b} after this fee nonsense", f"{b} support won't remove the {fee} fee"]
    ids = [root]
    for _ in range(max(150, int(brand.daily * rng.uniform(0.15, 0.4)))):
        at = start + _arrival(rng, 60, 6)
        who = f"redditor{rng.randint(1, 10**7)}"
        if rng.random() < 0.2:
            ident = w.post(b, rng.choice(posts), at, who, source="reddit", engagement=rng.randint(0, 200), lang="en")
        else:
            ident = w.post(b, rng.choice(comments), at, who, source="reddit", kind="comment",
                           engagement=rng.randint(0, 150), lang="en", reply_to=rng.choice(ids[-30:]), conversation=root)
        ids.append(ident)
        story.post_ids.add(ident)
    return story


def _hashtag_story(w: _Writer, brand: _Brand, rng: random.Random, days: int) -> Story:
    """A storm carried by a hashtag after a chief executive's remark; many posts are little more than it."""
    day = rng.randint(8, days - 4)
    start = START + timedelta(days=day, hours=rng.randint(9, 20), minutes=rng.randint(0, 59))
    story = Story("hashtag", brand.name, start, start + timedelta(hours=1))
    b = brand.name
    tag = "#Delete" + b.replace(" ", "")
    texts = ["{t}", "{t} 👋", "done. {t}", "deleted the app {t}", "{t} trending and honestly deserved",
             "everyone {t}", "{b} CEO's comments are gross {t}", "not giving {b} another cent {t}", "{t} {t} {t}",
             "signed up to {t} today", "so {b}'s boss said that out loud? {t}"]
    for _ in range(max(250, int(brand.daily * rng.uniform(0.8, 2.5)))):
        at = start + _arrival(rng, 80, 8)
        text = rng.choice(texts).replace("{t}", tag).replace("{b}", b)
        story.post_ids.add(w.post(b, text, at, f"h{rng.randint(1, 10**7)}", followers=int(rng.paretovariate(1.1) * 100),
                                  engagement=rng.randint(0, 100), lang="en"))
    return story


def generate(seed: int, days: int = 42) -> Scenario:
    rng = random.Random(seed)
    brands = _brands(rng)
    w = _Writer(rng)
    for brand in brands:
        _background(w, brand, days, rng)
    telecom, burgers, bank, energy = brands
    stories = [
        _repeat_story(w, rng.choice([telecom, burgers]), rng, days),
        _filmed_story(w, burgers, rng, days),
        _storm_story(w, bank, rng, days, "pl"),
        _storm_story(w, energy, rng, days, "sv"),
        _praise_story(w, rng.choice(brands), rng, days),
    ]
    # The real storms' shapes, drawn after the first stories so that those stay as they were per seed.
    stories += [
        _thread_story(w, rng.choice([telecom, burgers]), rng, days),
        _backlash_story(w, rng.choice([telecom, burgers]), rng, days),
        _one_platform_story(w, telecom, rng, days),
        _hashtag_story(w, burgers, rng, days),
    ]
    config = parse_config('[alerts]\nmin_tier = "watch"\n', env={}).config.model_copy(update={"brands": [
        BrandConfig(name=b.name, keywords=[b.name.lower()], handles={"x": b.handle, "reddit": b.handle})
        for b in brands]})
    w.out.sort(key=lambda o: (o.observed_at, o.source, o.id))
    return Scenario(seed, days, config, w.out, stories)
