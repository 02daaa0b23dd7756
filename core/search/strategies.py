"""Search strategies behind one ask/tell interface.

ask() proposes the next trial's parameters; the caller trains it and tell()s its score.
Strategies work in the unit interval of each parameter (search.space), so none of them
branches on a parameter's scale, and each draws from its own seeded generator.
"""

from __future__ import annotations

import itertools
import json
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np

from hyperdesk.core.search.space import ChoiceParam, Param
from hyperdesk.core.training.optimizers import drop_inactive


@dataclass(frozen=True)
class Suggestion:
    params: dict[str, Any]
    round: int = 1


class Strategy(ABC):
    """Proposes trials. Subclasses implement ask(); tell() records results for those that
    learn from them. `planned` is how many trials the whole search will run."""

    planned: int
    # How many trials it proposes before it needs results back; None: any number.
    batch: int | None = None

    def __init__(self, space: tuple[Param, ...], seed: int):
        self.space = space
        self.seed = seed
        # (trial number, suggestion, score); score None for a trial with no result.
        self.told: list[tuple[int, Suggestion, float | None]] = []

    @abstractmethod
    def ask(self) -> Suggestion | None:
        """The next trial, or None when nothing can be proposed until the trials asked
        so far are told (or when the search is over)."""

    def tell(self, number: int, suggestion: Suggestion, score: float | None) -> None:
        self.told.append((number, suggestion, score))


class GridSearch(Strategy):
    """Every combination of each parameter's grid values, first parameter slowest."""

    def __init__(self, space: tuple[Param, ...], seed: int, points: int):
        super().__init__(space, seed)
        axes = [param.grid(getattr(param, "points", None) or points) for param in space]
        names = [param.name for param in space]
        # Settings a combination's optimizer does not use drop out, and the combinations
        # that then coincide are run once.
        combinations = (
            drop_inactive(dict(zip(names, values, strict=True)))
            for values in itertools.product(*axes)
        )
        unique = {_point_key(params): params for params in combinations}
        self._combinations = list(unique.values())
        self._next = 0
        self.planned = len(self._combinations)

    def ask(self) -> Suggestion | None:
        if self._next >= len(self._combinations):
            return None
        self._next += 1
        return Suggestion(dict(self._combinations[self._next - 1]))


def _point_key(params: dict[str, Any]) -> str:
    """Equal for two points with the same parameters and values."""
    return json.dumps(params, sort_keys=True)


def _draw(space: tuple[Param, ...], rng: np.random.Generator, region: dict) -> dict[str, Any]:
    """One point drawn uniformly in each parameter's scale, inside `region`: a unit
    interval (low, high) per range parameter and the allowed values per choice. Every
    parameter is drawn (the generator's sequence does not depend on conditions), then
    those the point's optimizer does not use are dropped."""
    params = {}
    for param in space:
        if isinstance(param, ChoiceParam):
            allowed = region[param.name]
            params[param.name] = allowed[int(rng.integers(len(allowed)))]
        else:
            low, high = region[param.name]
            params[param.name] = param.from_unit(low + rng.random() * (high - low))
    return drop_inactive(params)


def _whole_space(space: tuple[Param, ...]) -> dict:
    return {
        param.name: param.values if isinstance(param, ChoiceParam) else (0.0, 1.0)
        for param in space
    }


def space_size(space: tuple[Param, ...]) -> float:
    """How many distinct points the space has (infinite with a float range)."""
    size = 1.0
    for param in space:
        if isinstance(param, ChoiceParam):
            size *= len(param.values)
        elif param.integer:
            size *= int(param.high) - int(param.low) + 1
        else:
            return math.inf
    return size


class RandomSearch(Strategy):
    """`trials` draws, uniform in each parameter's scale, never the same point twice
    (so extending a search never reruns what it ran): a small discrete space ends when
    every point has been drawn."""

    def __init__(self, space: tuple[Param, ...], seed: int, trials: int):
        super().__init__(space, seed)
        self.planned = int(min(trials, space_size(space)))
        self._rng = np.random.default_rng(seed)
        self._seen: set[str] = set()

    def ask(self) -> Suggestion | None:
        if len(self._seen) >= self.planned:
            return None
        while True:
            params = _draw(self.space, self._rng, _whole_space(self.space))
            key = _point_key(params)
            if key not in self._seen:
                self._seen.add(key)
                return Suggestion(params)


class CoarseToFine(Strategy):
    """`rounds` rounds of `trials` random draws. Round 1 covers the whole space; each
    later round covers, per range parameter, the span (in its scale) of the best `keep`
    fraction of all trials so far, widened on each side by `margin` times the previous
    round's width and clipped to the original bounds; per choice parameter, the values
    those best trials used."""

    def __init__(
        self,
        space: tuple[Param, ...],
        seed: int,
        trials: int,
        rounds: int,
        keep: float,
        margin: float,
    ):
        super().__init__(space, seed)
        self.per_round = trials
        self.rounds = rounds
        self.keep = keep
        self.margin = margin
        self.planned = trials * rounds
        self.round = 1
        self.region = _whole_space(space)
        self.regions = [self.region]
        self._asked_in_round = 0
        self._rng = np.random.default_rng([seed, self.round])

    def ask(self) -> Suggestion | None:
        if self._asked_in_round == self.per_round:
            if self.round == self.rounds or len(self.told) < self.round * self.per_round:
                return None
            self._start_next_round()
        self._asked_in_round += 1
        return Suggestion(_draw(self.space, self._rng, self.region), self.round)

    def _start_next_round(self) -> None:
        # Sorting by score, then trial number, makes the result independent of the order
        # in which trials were told.
        scored = sorted(
            (
                (score, number, suggestion)
                for number, suggestion, score in self.told
                if score is not None and math.isfinite(score)
            ),
            key=lambda item: (-item[0], item[1]),
        )
        best = [
            suggestion.params
            for _, _, suggestion in scored[: max(1, math.ceil(self.keep * len(scored)))]
        ]
        if best:
            self.region = self._narrow(best)
        self.round += 1
        self.regions.append(self.region)
        self._asked_in_round = 0
        self._rng = np.random.default_rng([self.seed, self.round])

    def _narrow(self, best: list[dict[str, Any]]) -> dict:
        region = {}
        for param in self.space:
            values = [params[param.name] for params in best if param.name in params]
            if not values:  # no best trial uses it (its optimizer never won): keep it
                region[param.name] = self.region[param.name]
                continue
            if isinstance(param, ChoiceParam):
                region[param.name] = tuple(v for v in param.values if v in values)
                continue
            units = [param.to_unit(value) for value in values]
            low, high = self.region[param.name]
            pad = self.margin * (high - low)
            region[param.name] = (max(0.0, min(units) - pad), min(1.0, max(units) + pad))
        return region
