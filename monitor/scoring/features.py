"""Complaint-model features: the same code builds them for training and at run time."""

from __future__ import annotations

from monitor.scoring.cues import FAMILIES

_SKIP = frozenset(".,;")
DENSE = (
    "d:compound",
    "d:neg",
    "d:pos",
    "d:negative",
    "d:breach",
    "d:question",
    "d:exclaim",
    "d:short",
    "d:digits",
    # English context ("e:"): words of a service relationship and of something not working. Pooled into
    # a few features they carry across industries better than the words one by one, and they let
    # negative tone count only with that context (angry at a referee is not a complaint). The model
    # for other languages is trained without them.
    "e:service",
    "e:problem",
    "e:second",
    "e:neg_ctx",
    "e:neg_noctx",
    "e:negative_noctx",
    *(f"c:{f}" for f in FAMILIES),
)
SERVICE = frozenset(
    "order orders ordered account app apps service customer support help delivery delivered deliver package "
    "parcel shipment shipping tracking refund refunds refunded charge charged charges bill billing payment paid "
    "pay subscription plan flight flights booking booked reservation ticket tickets bag bags luggage baggage "
    "seat gate internet wifi connection signal network phone device update software login password email "
    "store branch staff agent rep representative manager call called hold dm message replied reply response "
    "product item items purchase purchased bought warranty replacement repair technician install outage "
    "driver ride trip cancel cancelled canceled cancellation credit voucher points membership premium card "
    "bank transfer claim code game console download".split()
)
PROBLEM = frozenset(
    "broken broke error errors issue issues problem problems fail failed failing failure crash crashes crashed "
    "stuck down outage slow late delay delayed delays missing lost wrong incorrect damaged faulty glitch glitchy "
    "bug bugs freezing frozen freezes waiting waited unable unresponsive overcharged twice refused denied "
    "declined locked hacked doesn't won't can't didn't isn't hasn't haven't wasn't cannot".split()
)
SECOND = frozenset("you your you're y'all yall ur u".split())
# One dict lookup per token instead of three set lookups: word -> 1 service, 2 problem, 4 second person.
_KIND: dict[str, int] = {}
for _bit, _words in ((1, SERVICE), (2, PROBLEM), (4, SECOND)):
    for _w in _words:
        _KIND[_w] = _KIND.get(_w, 0) | _bit
_KIND_OF = _KIND.get


def dense_values(
    compound: float,
    pos: float,
    neg: float,
    breaches: int,
    text: str,
    low: list[str],
    has_digit: bool,
) -> tuple[float, ...]:
    """The features before the cues, in DENSE order; ``low`` is the lower-case tokens."""
    kinds = list(filter(None, map(_KIND_OF, low)))
    service = problem = second = 0
    for k in kinds:
        service += k & 1
        problem += (k >> 1) & 1
        second |= k >> 2
    negativity = min(-neg, 8.0) / 4.0
    negative = 1.0 if compound < -0.05 else 0.0
    context = service > 0 or problem > 0
    return (
        compound,
        negativity,
        min(pos, 8.0) / 4.0,
        negative,
        min(breaches, 3) / 3.0,
        1.0 if "?" in text else 0.0,
        1.0 if "!" in text else 0.0,
        1.0 if len(low) < 6 else 0.0,
        1.0 if has_digit else 0.0,
        min(service, 3) / 3.0,
        min(problem, 3) / 3.0,
        float(second),
        negativity if context else 0.0,
        0.0 if context else negativity,
        0.0 if context else negative,
    )


N_VALUES = 15
"""How many leading DENSE names ``dense_values`` gives (the rest are cue families, 0 or 1)."""


def as_dict(values: tuple[float, ...], cues: tuple[str, ...]) -> dict[str, float]:
    """``dense_values`` and the cues found as the feature dict the model was trained on."""
    out = dict(zip(DENSE[:N_VALUES], values, strict=True))
    for c in cues:
        out["c:" + c] = 1.0
    return out


def lexical(words: list[str]) -> list[str]:
    """Lower-case word unigrams and bigrams (numbers collapsed to "0"); repeats count again."""
    out: list[str] = []
    add = out.append
    prev = "<s>"
    for w in words:
        if w in _SKIP:
            prev = "<s>"
            continue
        if w[0].isdigit():
            w = "0"
        add("w:" + w)
        add("b:" + prev + " " + w)
        prev = w
    return out
