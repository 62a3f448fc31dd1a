"""A review's stars, read with its words: a one- or two-star review is a complaint whatever it says
("meh." with one star is a customer let down); from three stars up the words decide, so a five-star
review with a complaint in it is still a complaint."""

from __future__ import annotations

from dataclasses import replace

from monitor.models import LOW_STARS, MentionScore
from monitor.scoring.scorer import escalation

# (complaint probability at least, sentiment at most) for one and two stars.
_FLOORS = {1: (0.9, -0.6), 2: (0.75, -0.3)}


def rated(sc: MentionScore, rating: int | None, *, followers: int | None = None, engagement: int = 0) -> MentionScore:
    """The text's score with the review's ``rating`` taken into account (unchanged without one)."""
    if rating is None or rating > LOW_STARS:
        return sc
    least, most = _FLOORS[max(1, rating)]
    p, sent = max(sc.complaint, least), min(sc.sentiment, most)  # exact: no rounding of what was given
    score = escalation(p, sent, sc.cues, followers, engagement)
    return replace(sc, complaint=p, sentiment=sent, is_complaint=True,
                   score=max(round(score, 4), sc.score))
