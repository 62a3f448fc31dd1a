"""The shipped complaint model: a logistic regression stored as JSON weights, scored in plain Python."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from importlib import resources
from typing import Any

MODEL_FILE = "complaint.json"


class LinearModel:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.weights: dict[str, float] = {str(k): float(v) for k, v in spec.get("weights", {}).items()}
        self.bias = float(spec.get("bias", 0.0))
        self.threshold = float(spec.get("threshold", 0.5))

    def probability(self, dense: dict[str, float], binary: Iterable[str] = ()) -> float:
        """P(complaint) from real-valued ``dense`` features and present-or-absent ``binary`` ones."""
        get = self.weights.get
        z = self.bias + sum(filter(None, map(get, binary)))
        for name, value in dense.items():
            w = get(name)
            if w is not None:
                z += w * value
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)


def load_models() -> dict[str, LinearModel]:
    """{"full": English word+dense model, "dense": language-independent model} from package data."""
    text = resources.files("monitor.scoring").joinpath("model", MODEL_FILE).read_text("utf-8")
    spec = json.loads(text)
    return {name: LinearModel(part) for name, part in spec["models"].items()}
