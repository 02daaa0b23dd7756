"""Whether a search fits in this machine's memory, estimated before anything is
allocated: a network a million units wide would otherwise be found out by each worker
asking for gigabytes at once."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hyperdesk.core.config import Config, ConfigError, hidden_widths
from hyperdesk.core.data.sources import data_shape
from hyperdesk.core.execution.runner import MAX_GROUP
from hyperdesk.core.machine import MIB, available_memory
from hyperdesk.core.search.space import ChoiceParam, Param

# Arrays an optimizer keeps per weight, besides the weight and its gradient.
OPTIMIZER_STATE = {"sgd": 0, "momentum": 1, "nesterov": 1, "adagrad": 1, "rmsprop": 1, "adam": 2}
# Per unit of a batch row: the layer's output, its activation's mask and the gradient
# flowing back.
ACTIVATION_COPIES = 3
EVALUATION_ROWS = 100  # evaluation runs this many rows at a time (at least)
# Room left for the interpreter, numpy, Qt and the rest of the machine.
HEADROOM = 0.8


@dataclass(frozen=True)
class MemoryEstimate:
    weights: int  # weights, gradients and optimizer state of one worker's trials
    activations: int  # one worker's batches in flight
    data: int  # the split, one copy that every worker maps (data.shared)
    workers: int

    @property
    def per_worker(self) -> int:
        return self.weights + self.activations

    @property
    def total(self) -> int:
        return self.per_worker * self.workers + self.data

    def text(self) -> str:
        if self.total < MIB:  # a small table read "0 MB"
            return "under 1 MB"
        per_worker = max(1, round(self.per_worker / MIB))
        data = f"{self.data / MIB:,.0f} MB of data shared, " if self.data >= MIB else ""
        return f"about {self.total / MIB:,.0f} MB ({data}{per_worker:,} MB per worker)"


def _largest(space: tuple[Param, ...], name: str, fixed):
    """The largest value `name` takes in a search (its fixed value when not searched)."""
    for param in space:
        if param.name == name:
            values = param.values if isinstance(param, ChoiceParam) else (param.low, param.high)
            return max(values, key=lambda value: OPTIMIZER_STATE.get(value, value))
    return fixed


def estimate(
    config: Config,
    workers: int,
    widths: tuple[int, ...] | None = None,
    batch: int | None = None,
    runs: int | None = None,
) -> MemoryEstimate:
    """The memory a search needs at its largest: the widest and deepest network, the
    largest batch and the optimizer with the most state that its space allows, stacked
    as a worker stacks trials (up to MAX_GROUP at once, each with all its runs).
    `widths`, `batch`, `runs`: in place of the search's, to see what each weighs."""
    space = config.search.space
    searched = {
        name: int(_largest(space, name, None))
        for name in ("hidden_units", "layers")
        if _largest(space, name, None) is not None
    }
    widths = widths or hidden_widths(config.model.hidden, searched)
    batch = batch or int(_largest(space, "batch_size", config.train.batch_size))
    optimizer = _largest(space, "optimizer", config.train.optimizer)
    itemsize = 8 if config.train.dtype == "float64" else 4
    features, classes = data_shape(config.data)
    sizes = [features, *widths, classes]
    weights = sum((fan_in + 1) * fan_out for fan_in, fan_out in itertools.pairwise(sizes))
    stacked = MAX_GROUP * (runs or config.runs)
    weight_bytes = weights * itemsize * (2 + OPTIMIZER_STATE[optimizer]) * stacked
    # A batch is at most the training set; evaluation runs EVALUATION_ROWS at a time.
    rows = max(min(batch, config.data.split_sizes()[0]), EVALUATION_ROWS)
    activation_bytes = rows * sum(sizes) * itemsize * ACTIVATION_COPIES * stacked
    data_bytes = config.data.sample_count * (features + 1) * itemsize
    return MemoryEstimate(weight_bytes, activation_bytes, data_bytes, workers)


def _heaviest_setting(config: Config, workers: int) -> str:
    """The setting whose reduction to a modest value would save the most memory: the
    one to name when a search does not fit."""
    names = {param.name for param in config.search.space}
    network = "search.space" if names & {"hidden_units", "layers"} else "model.hidden"
    candidates = {
        network: estimate(config, workers, widths=(100,)),
        "search.space" if "batch_size" in names else "train.batch_size": estimate(
            config, workers, batch=EVALUATION_ROWS
        ),
        "train.repeats" if config.train.repeats > 1 else "data.folds": estimate(
            config, workers, runs=1
        ),
    }
    return min(candidates, key=lambda key: candidates[key].total)


def check_memory(config: Config, workers: int) -> MemoryEstimate:
    """The estimate; ConfigError naming the setting that weighs most when the search
    cannot fit in the memory this machine has free."""
    needed = estimate(config, workers)
    available = available_memory()
    if available is None or needed.total <= HEADROOM * available:
        return needed
    largest = _heaviest_setting(config, workers)
    raise ConfigError(
        [
            (
                largest,
                f"this search needs {needed.text()} at its largest, and this machine has "
                f"{available / MIB:,.0f} MB free: use a smaller network or batch, or fewer "
                "worker processes",
            )
        ]
    )
