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
from collections.abc import Mapping
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

    def tell(
        self,
        number: int,
        suggestion: Suggestion,
        score: float | None,
        costs: Mapping[str, float] | None = None,
    ) -> None:
        """Trial `number` of this strategy scored `score` (None: no result) at `costs`
        (objectives.measures), which only a search with a trade-off reads."""
        self.told.append((number, suggestion, score))


class GridSearch(Strategy):
    """Every combination of each parameter's grid values, first parameter slowest."""

    def __init__(self, space: tuple[Param, ...], seed: int, points: int):
        super().__init__(space, seed)
        self._combinations = grid_points(space, points)
        self._next = 0
        self.planned = len(self._combinations)

    def ask(self) -> Suggestion | None:
        if self._next >= len(self._combinations):
            return None
        self._next += 1
        return Suggestion(dict(self._combinations[self._next - 1]))


def grid_points(
    space: tuple[Param, ...], points: int, region: dict | None = None
) -> list[dict[str, Any]]:
    """Every combination of each parameter's grid values, first parameter slowest:
    `points` per range (a parameter may set its own), evenly spaced in its scale over
    `region` (a unit interval per range, the allowed values per choice; default: the
    whole space). Settings a combination's optimizer does not use drop out, and the
    combinations that then coincide are kept once."""
    axes = []
    for param in space:
        count = getattr(param, "points", None) or points
        if region is None:
            axes.append(param.grid(count))
        elif isinstance(param, ChoiceParam):
            axes.append(list(region[param.name]))
        else:
            axes.append(param.grid(count, *region[param.name]))
    names = [param.name for param in space]
    combinations = (
        drop_inactive(dict(zip(names, values, strict=True))) for values in itertools.product(*axes)
    )
    return list({point_key(params): params for params in combinations}.values())


def point_key(params: dict[str, Any]) -> str:
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
            key = point_key(params)
            if key not in self._seen:
                self._seen.add(key)
                return Suggestion(params)


SAMPLERS = ("grid", "random")


class CoarseToFine(Strategy):
    """`rounds` rounds. Round 1 covers the whole space; each later round covers, per
    range parameter, the span (in its scale) of the best `keep` fraction of all trials
    so far, widened on each side by `margin` times the previous round's width and
    clipped to the original bounds; per choice parameter, the values those best trials
    used. With the grid `sampler` (the method as described: a coarse grid first, then
    grids where the score is higher) a round is the grid of `points` per range (a
    parameter may set its own) over its region, first parameter slowest, leaving out
    points trained in an earlier round; with the random sampler, `trials` random draws."""

    def __init__(
        self,
        space: tuple[Param, ...],
        seed: int,
        trials: int,
        rounds: int,
        keep: float,
        margin: float,
        sampler: str = "grid",
        points: int = 5,
    ):
        super().__init__(space, seed)
        if sampler not in SAMPLERS:
            raise ValueError(f"unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}")
        self.sampler = sampler
        self.points = points
        self.rounds = rounds
        self.keep = keep
        self.margin = margin
        self.round = 1
        self.region = _whole_space(space)
        self.regions = [self.region]
        self._asked = 0
        self._trained: set[str] = set()  # every point asked, as point_key gives it
        self.per_round = trials  # a random round's; a grid round's is its grid's size
        self._queue = self._round_points()
        if sampler == "grid":
            self.per_round = len(self._queue)
        # The most it can run: a grid round may leave out points trained before.
        self.planned = self.per_round * rounds

    def ask(self) -> Suggestion | None:
        while not self._queue:
            if self.round == self.rounds or len(self.told) < self._asked:
                return None  # the search is over, or the round's results are not all in
            self._start_next_round()
        self._asked += 1
        params = self._queue.pop(0)
        self._trained.add(point_key(params))
        return Suggestion(params, self.round)

    def _round_points(self) -> list[dict[str, Any]]:
        """The points of the round about to start, in the order they are asked."""
        if self.sampler == "random":
            rng = np.random.default_rng([self.seed, self.round])
            return [_draw(self.space, rng, self.region) for _ in range(self.per_round)]
        return [
            params
            for params in grid_points(self.space, self.points, self.region)
            if point_key(params) not in self._trained
        ]

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
        self._queue = self._round_points()

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


class Enqueued(Strategy):
    """Configurations a person chose, run first (in round 1, in their order), then the
    trials of `inner`. A point `inner` proposes that was one of them is not trained
    again: `inner` is told that trial's score (once it is in), under its own numbering;
    nor one of `done` (earlier trials: {"params", "score"}), whose score it is told."""

    def __init__(
        self,
        inner: Strategy,
        points: tuple[dict[str, Any], ...],
        done: tuple[dict[str, Any], ...] = (),
    ):
        super().__init__(inner.space, inner.seed)
        self.inner = inner
        self.points = [drop_inactive(dict(point)) for point in points]
        self._done = {
            point_key(trial["params"]): (trial["score"], trial.get("measures")) for trial in done
        }
        self.batch = inner.batch
        # The most it runs: inner's trials may repeat some of the points.
        self.planned = inner.planned + len(self.points)
        self._numbers = {point_key(point): n for n, point in enumerate(self.points, 1)}
        self._given = 0  # suggestions returned: the trial number of the last
        self._inner_asked = 0
        self._inner_numbers: dict[int, int] = {}  # trial number -> inner's number for it
        # A chosen point's trial -> its score and costs.
        self._scores: dict[int, tuple[float | None, Mapping[str, float] | None]] = {}
        # A chosen point's trial -> inner's repeats of it, told once its score is in.
        self._repeats: dict[int, list[tuple[int, Suggestion]]] = {}

    @property
    def regions(self) -> list[dict]:
        """Coarse-to-fine's rounds (with an inner coarse-to-fine search)."""
        return self.inner.regions

    def ask(self) -> Suggestion | None:
        if self._given < len(self.points):
            self._given += 1
            return Suggestion(dict(self.points[self._given - 1]))
        while (suggestion := self.inner.ask()) is not None:
            self._inner_asked += 1
            key = point_key(suggestion.params)
            if key in self._done:
                self.inner.tell(self._inner_asked, suggestion, *self._done[key])
                continue
            chosen = self._numbers.get(key)
            if chosen is None:
                self._given += 1
                self._inner_numbers[self._given] = self._inner_asked
                return suggestion
            if chosen in self._scores:
                self.inner.tell(self._inner_asked, suggestion, *self._scores[chosen])
            else:
                self._repeats.setdefault(chosen, []).append((self._inner_asked, suggestion))
        return None

    def tell(
        self,
        number: int,
        suggestion: Suggestion,
        score: float | None,
        costs: Mapping[str, float] | None = None,
    ) -> None:
        super().tell(number, suggestion, score, costs)
        if number in self._inner_numbers:
            self.inner.tell(self._inner_numbers[number], suggestion, score, costs)
            return
        self._scores[number] = (score, costs)
        for inner_number, repeat in self._repeats.pop(number, []):
            self.inner.tell(inner_number, repeat, score, costs)


def replay_regions(
    strategy: CoarseToFine | Enqueued, scores: dict[int, float | None]
) -> list[dict]:
    """The region of each round so far of the coarse-to-fine search `strategy` (new, as
    built from its config), whose finished trials scored `scores` (trial number ->
    score; None for a trial without one): its trials told again in order, as a resumed
    search tells them, up to the first one not finished."""
    number = 0
    while (suggestion := strategy.ask()) is not None and number + 1 in scores:
        number += 1
        strategy.tell(number, suggestion, scores[number])
    return strategy.regions
