"""What a search's settings must agree on among themselves: the strategy's own rules
(a grid's size, a space for grid and Optuna searches, TPE for a warm start, a single
best for coarse-to-fine, limits only with a trade-off). Each problem names its key."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from hyperdesk.core.search.objectives import SCORE, size_unchanged
from hyperdesk.core.search.registry import OPTUNA_STRATEGIES
from hyperdesk.core.search.space import ChoiceParam

if TYPE_CHECKING:  # the config's schema sits above the search in core's layers
    from hyperdesk.core.config import SearchConfig

# A grid is built in memory: a million points per range over two ranges would be 10^12.
MAX_GRID_POINTS = 1_000_000


def search_problems(search: SearchConfig) -> list[tuple[str, str]]:
    """(key path, message) for each rule of the search's strategy it breaks."""
    problems = []
    if search.warm_start and search.strategy != "tpe":
        problems.append(
            (
                "search.warm_start",
                f'only TPE learns from earlier trials; set search.strategy = "tpe" (it is '
                f"{search.strategy!r})",
            )
        )
    if search.trials == 0 and not (search.history and search.enqueue):
        problems.append(
            (
                "search.trials",
                "must be a whole number >= 1 (0 only when a session goes on with "
                "configurations of your own to run)",
            )
        )
    if search.trade_off.several and search.strategy == "coarse-to-fine":
        problems.append(
            (
                "search.objectives",
                "coarse-to-fine narrows on the best scores and a trade-off has no single best: "
                'use search.strategy = "nsga2" or "tpe" (or random, grid, sobol)',
            )
        )
    unchanged = size_unchanged(param.name for param in search.space)
    if "params" in search.objectives and unchanged and not search.history:
        problems.append(
            ("search.objectives", f"accuracy and size: every trial is one size ({unchanged})")
        )
    if search.constraints and not search.trade_off.several:
        problems.append(
            (
                "search.constraints",
                f'limits apply to a trade-off: set search.objectives = ["{SCORE}", "params"] '
                '(or "train_seconds")',
            )
        )
    if search.strategy == "grid" and search.space:
        # Counted before a grid is built: a million points per range over two ranges
        # would be 10^12 combinations in memory.
        size = math.prod(
            len(param.values) if isinstance(param, ChoiceParam) else (param.points or search.points)
            for param in search.space
        )
        if size > MAX_GRID_POINTS:
            problems.append(
                (
                    "search.points",
                    f"this grid has {size:,} points; a grid search runs at most "
                    f"{MAX_GRID_POINTS:,} (fewer points per range, or random search)",
                )
            )
    if search.strategy in ("grid", *OPTUNA_STRATEGIES) and not search.space:
        problems.append(
            ("search.space", f"a {search.strategy} search needs at least one parameter")
        )
    return problems
