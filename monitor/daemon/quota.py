"""Quota-aware polling: a token bucket per source and unit (API requests, posts read where the API
bills per read, or the API's own cost units where it prices calls differently: YouTube's search costs
100 units, a page of comments 1), refilled at ``limit / per`` and spent by what each poll really used.

Before a poll the monitor asks how long until the bucket holds what a poll usually costs (a moving
average): the poll interval stretches to stay inside the budget and shrinks back when polls get
cheap. The state is plain JSON (stored beside the source's cursor, so a restart does not grant a fresh
budget); the functions are pure, with the time passed in. ``QuotaBook`` holds them for a Monitor.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

UNITS = ("requests", "reads", "units")
OPTIONAL = ("units",)  # tallied only for a source that counts them (its ``usage`` has the key) or budgets them
ALPHA = 0.3  # weight of the latest poll in the moving average of a poll's cost


@dataclass(frozen=True)
class Budget:
    unit: str  # "requests", "reads" or "units"
    limit: int
    per: float  # seconds

    @property
    def rate(self) -> float:
        return self.limit / self.per


def budgets_for(section: Any) -> list[Budget]:
    """The budgets a ``[sources.NAME]`` config section sets: its ``budget`` and what the source's own
    keys add (X's ``reads_per_day``), as ``SourceBase.limits()`` lists them."""
    limits = section.limits() if section is not None else []
    return [Budget(unit, int(limit), float(per)) for unit, limit, per in limits]


def _bucket(state: dict[str, Any], budget: Budget, now: float) -> dict[str, Any]:
    """The unit's bucket refilled up to ``now`` (a new bucket starts full)."""
    b = dict(state.get(budget.unit) or {})
    tokens = float(b.get("tokens", budget.limit))
    at = float(b.get("at", now))
    b["tokens"] = min(float(budget.limit), tokens + max(0.0, now - at) * budget.rate)
    b["at"] = now
    if now - float(b.get("window_start", now)) >= budget.per or "window_start" not in b:
        b["window_start"], b["window_used"] = now, 0
    return b


def wait_seconds(state: dict[str, Any], budgets: list[Budget], now: float) -> float:
    """Seconds until every bucket holds the usual cost of a poll (0: poll now)."""
    wait = 0.0
    for budget in budgets:
        b = _bucket(state, budget, now)
        need = min(float(budget.limit), max(1.0, float(b.get("avg_cost", 1.0))))
        if b["tokens"] < need:
            wait = max(wait, (need - b["tokens"]) / budget.rate)
    return wait


def spend(state: dict[str, Any], budgets: list[Budget], used: dict[str, int], now: float, *,
          poll: bool = True) -> dict[str, Any]:
    """The state after a call that used ``used`` (e.g. ``{"requests": 3, "reads": 250}``).

    Usage is totalled per unit (``total``) whether or not a budget is set; ``poll`` calls also feed
    the moving average that predicts the next poll's cost.
    """
    new = {k: dict(v) for k, v in state.items() if isinstance(v, dict)}
    by_unit = {b.unit: b for b in budgets}
    for unit in UNITS:
        amount = int(used.get(unit, 0))
        budget = by_unit.get(unit)
        if unit in OPTIONAL and unit not in used and unit not in new and budget is None:
            continue
        b = _bucket(new, budget, now) if budget else dict(new.get(unit) or {})
        b["total"] = int(b.get("total", 0)) + amount
        if budget:
            b["tokens"] -= amount  # may go below zero: a costly poll borrows from the next period
            b["window_used"] = int(b.get("window_used", 0)) + amount
            if poll:
                b["avg_cost"] = round(amount if "avg_cost" not in b else (1 - ALPHA) * b["avg_cost"] + ALPHA * amount, 3)
        if b:
            new[unit] = b
    return new


def summary(state: dict[str, Any], budgets: list[Budget], now: float) -> dict[str, Any]:
    """What a source has used and has left, for logs and ``Monitor.status()``."""
    out: dict[str, Any] = {}
    by_unit = {b.unit: b for b in budgets}
    for unit in UNITS:
        budget = by_unit.get(unit)
        if budget is None:
            if unit in state:
                out[unit] = {"total": int(state[unit].get("total", 0))}
            continue
        b = _bucket(state, budget, now)
        out[unit] = {"total": int(b.get("total", 0)), "used_this_period": int(b.get("window_used", 0)),
                     "limit": budget.limit, "per": budget.per, "left": round(max(0.0, b["tokens"]), 1)}
    wait = wait_seconds(state, budgets, now)
    if wait:
        out["next_poll_in"] = round(wait, 1)
    return out


def usage_delta(counters: dict[str, int] | None, last: dict[str, int]) -> dict[str, int]:
    """What a source's cumulative ``usage`` counters grew by since ``last`` (updated in place).
    A source without counters counts as one request per call."""
    if counters is None:
        return {"requests": 1}
    counted = [u for u in UNITS if u in counters or u not in OPTIONAL]
    delta = {u: max(0, int(counters.get(u, 0)) - int(last.get(u, 0))) for u in counted}
    last.update({u: int(counters.get(u, 0)) for u in counted})
    return delta


class QuotaBook:
    """The budgets and usage of a Monitor's sources; state kept in the store as cursor ``quota:<name>``."""

    def __init__(self, store: Any, budgets: dict[str, list[Budget]]):
        self.store = store
        self.budgets = budgets
        self._state: dict[str, dict[str, Any]] = {}
        self._seen: dict[str, dict[str, int]] = {}
        self._lock = threading.Lock()

    def _load(self, name: str) -> dict[str, Any]:
        if name not in self._state:
            self._state[name] = self.store.get_cursor(f"quota:{name}")
        return self._state[name]

    def wait(self, name: str, now: datetime) -> float:
        """Seconds before ``name`` may poll again within its budget (0: now)."""
        with self._lock:
            return wait_seconds(self._load(name), self.budgets.get(name, []), now.timestamp())

    def record(self, name: str, source: Any, now: datetime, *, poll: bool = True) -> dict[str, int]:
        """Charge what ``source`` used since the last record (its ``usage`` counters); persist."""
        with self._lock:
            used = usage_delta(getattr(source, "usage", None), self._seen.setdefault(name, {}))
            state = spend(self._load(name), self.budgets.get(name, []), used, now.timestamp(), poll=poll)
            self._state[name] = state
        with self.store.begin() as conn:
            type(self.store).set_cursor(conn, f"quota:{name}", state, now)
        return used

    def summary(self, name: str, now: datetime) -> dict[str, Any]:
        with self._lock:
            return summary(self._load(name), self.budgets.get(name, []), now.timestamp())
