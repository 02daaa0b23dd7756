"""What a search optimises: the validation accuracy alone, or a trade-off between it and
what the model costs (its size, its training time), with limits a trial must keep to.

A trial's costs are its `measures`: {"params": learned numbers of its network,
"train_seconds": seconds its epochs took}. A trade-off has no single best trial but a
front: the trials no other trial beats on one objective without losing on another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SCORE = "val_acc"
# Each objective a search can name, and which way is better.
OBJECTIVES = {SCORE: "maximize", "params": "minimize", "train_seconds": "minimize"}
OBJECTIVE_TITLES = {
    SCORE: "Validation accuracy",
    "params": "Parameters",
    "train_seconds": "Training time (s)",
}
# Each limit a search can set, and the measure it caps.
CONSTRAINTS = {"max_params": "params", "max_train_seconds": "train_seconds"}
# The searchable settings that change a network's size (its parameter count).
SIZE_SETTINGS = ("hidden_units", "layers", "batchnorm")


def size_unchanged(searched) -> str:
    """Why a trade-off against the size cannot be searched over the settings `searched`
    (every trial's network would be the same size); "" when one of them changes it."""
    if any(name in SIZE_SETTINGS for name in searched):
        return ""
    return f"nothing searched changes the size: search {', '.join(SIZE_SETTINGS)}"


def measures(parameters: int | None, seconds: float) -> dict[str, float]:
    """A trial's costs, as objectives and constraints name them."""
    return {"params": float(parameters or 0), "train_seconds": float(seconds)}


@dataclass(frozen=True)
class TradeOff:
    """A search's objectives (the score first) and its limits ({"max_params": 50000})."""

    objectives: tuple[str, ...] = (SCORE,)
    constraints: Mapping[str, float] = field(default_factory=dict)

    @property
    def directions(self) -> list[str]:
        return [OBJECTIVES[name] for name in self.objectives]

    @property
    def several(self) -> bool:
        """Whether there is more than the score to optimise (a front, not a best)."""
        return len(self.objectives) > 1

    def values(self, score: float | None, costs: Mapping[str, float]) -> tuple[float, ...] | None:
        """A trial's objective values, in the order of `objectives`; None without a score."""
        if score is None:
            return None
        return tuple(float(score) if name == SCORE else costs[name] for name in self.objectives)

    def violations(self, costs: Mapping[str, float]) -> dict[str, float]:
        """How far a trial's costs go past each limit, by the limit's name: above 0 breaks
        it."""
        return {
            name: costs[CONSTRAINTS[name]] - float(limit)
            for name, limit in self.constraints.items()
        }

    def feasible(self, costs: Mapping[str, float]) -> bool:
        return all(excess <= 0 for excess in self.violations(costs).values())

    def within_limits(
        self, read_costs: Callable[[], Mapping[int, Mapping[str, float]]]
    ) -> Callable[[Any], bool]:
        """Whether a trial (anything with a `number`) keeps to every limit, from the
        costs of each trial by number, which `read_costs` gives (called only when there
        are limits): what core.trials.ranked and best_trial ask."""
        if not self.constraints:
            return lambda trial: True
        costs = read_costs()
        return lambda trial: trial.number in costs and self.feasible(costs[trial.number])

    def front(self, trials: Mapping[int, tuple[float | None, Mapping[str, float]]]) -> set[int]:
        """The trial numbers on the front: of `trials` (number -> (score, costs)), those
        with a score that keep to every limit and that no other such trial dominates."""
        numbers, rows = [], []
        for number, (score, costs) in trials.items():
            values = self.values(score, costs)
            if values is not None and self.feasible(costs):
                numbers.append(number)
                rows.append(values)
        if not rows:
            return set()
        return {
            number
            for number, on in zip(numbers, pareto_mask(rows, self.directions), strict=True)
            if on
        }


# A search of the validation accuracy alone, without limits.
SCORE_ONLY = TradeOff()


def pareto_mask(values: Sequence[Sequence[float]], directions: Sequence[str]) -> list[bool]:
    """Which rows of `values` (one column per objective, each to "maximize" or
    "minimize") no other row dominates: as good on every objective and better on one.
    Rows in lexicographic order of their (minimised) values can only be dominated by
    rows before them, so each is checked against the front found so far."""
    signs = np.array([-1.0 if direction == "maximize" else 1.0 for direction in directions])
    costs = np.asarray(values, dtype=float) * signs
    order = np.lexsort(costs.T[::-1])
    front: list[int] = []
    for index in order:
        if front:
            kept = costs[front]
            dominated = np.all(kept <= costs[index], axis=1) & np.any(kept < costs[index], axis=1)
            if dominated.any():
                continue
        front.append(int(index))
    mask = [False] * len(costs)
    for index in front:
        mask[index] = True
    return mask
