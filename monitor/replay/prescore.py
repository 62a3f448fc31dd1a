"""Scoring ahead on a second core.

A replay knows its next batch before the pipeline needs it, so a worker process scores the posts of
batch N+1 while the pipeline works through batch N. A score is a pure function of the text and the
few facts passed with it, so the pipeline decides exactly as it would have with the scorer inline:
it asks a ``Prescored`` scorer, which answers from the worker's results and scores anything it was
not given (a post the worker was not asked about, a cleaned text) itself. The worker also works out
each post's wording signature (``textsig.signature``) when the post names its brand: as pure.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor
from typing import Any

from monitor.models import MentionScore, Observation
from monitor.textsig import signature

Request = tuple[str, str | None, int | None, int, int | None]  # text, lang, followers, engagement, rating: what score() takes
Words = frozenset[str]  # the brand's own words, which a signature leaves out
Answer = tuple[MentionScore, list[int] | None]  # and the signature, if its words were given
Job = tuple[list[tuple[Request, Words | None]], "Future[list[Answer]]"]
RECENT = 200_000  # posts remembered as already asked for (a later snapshot needs no score)

log = logging.getLogger("monitor.replay")

_worker_scorer: Any = None


def _start(factory: Callable[[], Any]) -> None:
    global _worker_scorer
    _worker_scorer = factory()


def _score_all(requests: Sequence[tuple[Request, Words | None]]) -> list[Answer]:
    score = _worker_scorer.score
    return [(score(text, lang=lang, followers=followers, engagement=engagement, rating=rating),
             None if words is None else signature(text, words))
            for (text, lang, followers, engagement, rating), words in requests]


class Prescored:
    """A scorer that answers from scores computed ahead, and scores anything else itself."""

    def __init__(self, scorer: Any):
        self.scorer = scorer
        self.ready: dict[Request, MentionScore] = {}
        self.signatures: dict[tuple[str, Words], list[int]] = {}
        self.answered = 0  # scores that came from the worker
        self.signed = 0  # signatures that came from the worker

    def take(self, answers: tuple[dict[Request, MentionScore], dict[tuple[str, Words], list[int]]]) -> None:
        self.ready, self.signatures = answers

    def signature(self, text: str, words: Words) -> list[int]:
        hit = self.signatures.get((text, words))
        if hit is not None:
            self.signed += 1
            return hit
        return signature(text, words)

    def score(self, text: str, *, lang: str | None = None, followers: int | None = None,
              engagement: int = 0, rating: int | None = None) -> MentionScore:
        hit = self.ready.get((text, lang, followers, engagement, rating))
        if hit is not None:
            self.answered += 1
            return hit
        return self.scorer.score(text, lang=lang, followers=followers, engagement=engagement, rating=rating)


class ScoreAhead:
    """One worker process that scores the posts of a batch not seen before, in the background."""

    def __init__(self, factory: Callable[[], Any]):
        # spawn, not fork: the parent holds database connections and threads a fork would copy.
        ctx = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(1, mp_context=ctx, initializer=_start, initargs=(factory,))
        self.recent: set[tuple[str, str]] = set()
        self.older: set[tuple[str, str]] = set()
        self.broken = False

    def submit(self, batch: Sequence[Observation], words: Callable[[str], Words] | None = None) -> Job | None:
        """Ask for the batch's new posts; ``words`` gives a brand's words, for the signatures of the
        posts that name their brand (the others are matched, and signed, in the pipeline)."""
        requests: list[tuple[Request, Words | None]] = []
        for obs in batch:
            key = obs.key
            if key in self.recent or key in self.older:
                continue
            self.recent.add(key)
            requests.append(((obs.text, obs.lang, obs.author.followers, obs.metrics.engagement(), obs.rating),
                             words(obs.brand) if words is not None and obs.brand else None))
        if len(self.recent) > RECENT:  # two generations: bounded memory, the recent past remembered
            self.older, self.recent = self.recent, set()
        if self.broken:
            return None
        try:
            return requests, self.pool.submit(_score_all, requests)
        except BrokenExecutor as exc:  # a dead worker costs speed, never a decision
            log.warning("scoring ahead failed; scoring inline", extra={"error": str(exc)})
            self.broken = True
            return None

    def collect(self, job: Job | None) -> tuple[dict[Request, MentionScore], dict[tuple[str, Words], list[int]]]:
        """The worker's scores and signatures for a batch; none (so all worked out inline) if the
        worker failed."""
        if job is None:
            return {}, {}
        requests, future = job
        try:
            answers = future.result()
        except Exception as exc:  # noqa: BLE001 - whatever it was, scoring inline will meet it again or not
            log.warning("scoring ahead failed; scoring inline", extra={"error": str(exc)})
            self.broken = True
            return {}, {}
        scores = {}
        signatures = {}
        for (request, words), (score, sig) in zip(requests, answers, strict=True):
            scores[request] = score
            if words is not None and sig is not None:
                signatures[(request[0], words)] = sig
        return scores, signatures

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
