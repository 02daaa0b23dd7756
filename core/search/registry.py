"""The table of search strategies: each name and how to build it from a search config.
The Optuna-based ones load Optuna only when a search uses them (its import takes a
noticeable fraction of a second)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from hyperdesk.core.search.strategies import (
    CoarseToFine,
    Enqueued,
    GridSearch,
    RandomSearch,
    Strategy,
)

if TYPE_CHECKING:  # the config describes a search; search never needs the config itself
    from hyperdesk.core.config import SearchConfig


def _optuna(name: str) -> Callable[[SearchConfig], Strategy]:
    def build(search: SearchConfig) -> Strategy:
        module = importlib.import_module("hyperdesk.core.search.optuna_strategies")
        return module.optuna_strategy(
            name,
            search.space,
            search.seed,
            search.trials,
            search.batch,
            search.prior,
            search.trade_off,
            search.skip_repeats,
        )

    return build


STRATEGIES: dict[str, Callable[[SearchConfig], Strategy]] = {
    "grid": lambda search: GridSearch(search.space, search.seed, search.points),
    "random": lambda search: RandomSearch(search.space, search.seed, search.trials),
    "coarse-to-fine": lambda search: CoarseToFine(
        search.space,
        search.seed,
        search.trials,
        search.rounds,
        search.keep,
        search.margin,
        search.sampler,
        search.points,
    ),
    "tpe": _optuna("tpe"),
    "sobol": _optuna("sobol"),
    "nsga2": _optuna("nsga2"),
}
# What each strategy is called where a person chooses one, and the search settings it
# reads (a form shows only those).
STRATEGY_TITLES = {
    "grid": "Grid",
    "random": "Random",
    "coarse-to-fine": "Coarse-to-fine",
    "tpe": "Bayesian (TPE)",
    "sobol": "Quasi-random (Sobol)",
    "nsga2": "Evolutionary (NSGA-II)",
}
STRATEGY_SETTINGS = {
    "grid": ("points",),
    "random": ("trials",),
    "coarse-to-fine": ("sampler", "points", "trials", "rounds", "keep", "margin"),
    "tpe": ("trials", "batch"),
    "sobol": ("trials", "batch"),
    "nsga2": ("trials", "batch"),
}
# Strategies whose trials come from an Optuna sampler: their size is the trials asked
# for, and their first trials fall where random draws would.
OPTUNA_STRATEGIES = ("tpe", "sobol", "nsga2")


HISTORY_SEED_STEP = 1_000_003  # a prime: the seeds after each change of ranges differ

# Settings of coarse-to-fine that one of its samplers does not read.
UNREAD_BY_SAMPLER = {"grid": ("trials",), "random": ("points",)}


def strategy_settings(strategy: str, sampler: str) -> tuple[str, ...]:
    """The search settings a search with this strategy (and sampler) reads."""
    unread = UNREAD_BY_SAMPLER.get(sampler, ()) if strategy == "coarse-to-fine" else ()
    return tuple(name for name in STRATEGY_SETTINGS[strategy] if name not in unread)


def make_strategy(search: SearchConfig) -> Strategy:
    try:
        build = STRATEGIES[search.strategy]
    except KeyError:
        raise ValueError(f"unknown strategy {search.strategy!r}") from None
    if search.history:
        # A session that went on with other ranges: its new draws must not repeat the
        # same random sequence (a random search would give every trial before it its
        # weight decay again), yet stay fixed by the seed for a resume.
        search = replace(search, seed=search.seed + HISTORY_SEED_STEP * search.history)
    strategy = build(search)
    if search.enqueue or search.prior:  # never train again what was trained
        return Enqueued(strategy, search.enqueue, search.prior)
    return strategy


def planned_trials(search: SearchConfig) -> int:
    """How many trials a search will run, without building its strategy (an Optuna
    study for tpe and sobol)."""
    if search.strategy in OPTUNA_STRATEGIES:
        return search.trials + len(search.enqueue)
    return make_strategy(search).planned


def preview_strategy(search: SearchConfig) -> Strategy:
    """A cheap stand-in that proposes where a search's first trials fall: the strategy
    itself, or random draws for tpe (its first trials are random) and sobol."""
    if search.strategy in OPTUNA_STRATEGIES:
        return RandomSearch(search.space, search.seed, search.trials)
    return make_strategy(search)
