"""The shipped complaint model: a logistic regression stored as JSON weights, scored in plain Python."""

from __future__ import annotations

import math
from collections.abc import Iterable
from importlib import resources
from operator import mul
from typing import Any

import orjson

from monitor.scoring.features import DENSE, N_VALUES

MODEL_FILE = "complaint.json"
START = "<s>"
"""Bigram context at the start of a text and after ``.``, ``,`` or ``;``."""
SKIP = frozenset(".,;")
NAME = "<name>"
"""The one word every first name of the model's ``names`` list is read as: that a person is named
counts, which person does not (tools/train_complaint.py ``name_words``)."""


def named(key: str, names: frozenset[str]) -> str:
    """A ``features.lexical`` key with its first names read as NAME ("b:hi tom" -> "b:hi <name>");
    training and the feature path of ``LinearModel`` both read keys through it."""
    words = key[2:].split(" ")
    if names.isdisjoint(words):
        return key
    return key[:2] + " ".join(NAME if w in names else w for w in words)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class LinearModel:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.weights: dict[str, float] = {str(k): float(v) for k, v in spec.get("weights", {}).items()}
        self.bias = float(spec.get("bias", 0.0))
        self.threshold = float(spec.get("threshold", 0.5))
        self.names = frozenset(str(n) for n in spec.get("names", ()))
        # Word features by integer id, for ``fast_probability``: word -> id (0: not in the model;
        # ".", "," and ";" share the id of the start context), unigram weight by id, and bigram
        # weight by ``id(previous) * stride + id(word)``. One pass over the weights (start-up).
        vocab: dict[str, int] = {START: 1}
        uni: list[tuple[int, float]] = []
        bi: list[tuple[int, int, float]] = []
        self._cue: dict[str, float] = {}
        for k, v in self.weights.items():
            kind = k[:2]
            if kind == "w:":
                uni.append((vocab.setdefault(k[2:], len(vocab) + 1), v))
            elif kind == "b:":
                a, _, b = k[2:].partition(" ")
                if b != START:
                    bi.append((vocab.setdefault(a, len(vocab) + 1), vocab.setdefault(b, len(vocab) + 1), v))
            elif kind == "c:":
                self._cue[k[2:]] = v
        self._stride = stride = len(vocab) + 1
        self._uni = [0.0] * stride
        for i, v in uni:
            self._uni[i] = v
        self._uni[1] = 0.0
        self._bi = {a * stride + b: v for a, b, v in bi}
        for w in SKIP:
            vocab[w] = 1
        name_id = vocab.get(NAME, 0)
        for w in self.names:  # every name shares the id of NAME: no cost per word at run time
            vocab[w] = name_id
        self._vocab = vocab
        self._values = tuple(self.weights.get(name, 0.0) for name in DENSE[:N_VALUES])

    def probability(self, dense: dict[str, float], binary: Iterable[str] = ()) -> float:
        """P(complaint) from real-valued ``dense`` features and present-or-absent ``binary`` ones."""
        get = self.weights.get
        if self.names:
            binary = (named(key, self.names) for key in binary)
        z = self.bias + sum(filter(None, map(get, binary)))
        return _sigmoid(z + self._dense_z(dense))

    def _dense_z(self, dense: dict[str, float]) -> float:
        get = self.weights.get
        z = 0.0
        for name, value in dense.items():
            w = get(name)
            if w is not None:
                z += w * value
        return z

    def fast_probability(
        self, values: tuple[float, ...], cues: tuple[str, ...], words: list[str] | None = None, numbers: bool = True
    ) -> float:
        """``probability(features.as_dict(values, cues), features.lexical(words))`` without building
        the feature dict and strings; ``words`` None: the dense features only."""
        z = self.bias + sum(map(mul, self._values, values))
        if cues:
            get = self._cue.get
            for c in cues:
                z += get(c, 0.0)
        if words:
            # One loop, not a pass of map() per step: faster on CPython 3.11+. The unigram and bigram
            # sums are kept apart and added last, as the map() version did, so every score it gave
            # is the same to the bit on CPython 3.11 (tests/test_scorer_exact.py).
            vocab = self._vocab.get
            uni = self._uni
            bi = self._bi.get
            stride = self._stride
            u = b = 0.0
            prev = stride  # the start context's id (1) times the stride
            for w in words:
                if numbers and w[0].isdigit():  # numbers False promises no word starts with a digit
                    w = "0"
                i = vocab(w, 0)
                u += uni[i]
                b += bi(prev + i, 0.0)
                prev = i * stride
            z += u
            z += b
        return _sigmoid(z)


def load_models() -> dict[str, LinearModel]:
    """{"full": English word+dense model, "dense": language-independent model} from package data."""
    spec = orjson.loads(resources.files("monitor.scoring").joinpath("model", MODEL_FILE).read_bytes())
    return {name: LinearModel(part) for name, part in spec["models"].items()}
