"""What each key of a config accepts: a Rule per key, by section, and the error that
lists every problem found, each with its key path."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any

from hyperdesk.core.data.datasets import DATASETS
from hyperdesk.core.data.images import COLOURS, MAX_IMAGE_SIDE
from hyperdesk.core.data.sources import (
    ALL,
    FORMATS,
    OFFICIAL,
)
from hyperdesk.core.data.splits import SCALES
from hyperdesk.core.data.tables import MISSING_RULES, TASKS
from hyperdesk.core.formatting import shown
from hyperdesk.core.search.objectives import CONSTRAINTS, OBJECTIVES, SCORE
from hyperdesk.core.search.registry import STRATEGIES
from hyperdesk.core.search.strategies import SAMPLERS
from hyperdesk.core.training.network import ACTIVATIONS, DTYPES, INITS
from hyperdesk.core.training.optimizers import OPTIMIZERS
from hyperdesk.core.training.trainer import TRAIN_METRICS
from hyperdesk.core.trials import METRICS

if sys.version_info >= (3, 11):
    pass
else:
    pass


# Without hidden widths to repeat, a searched layer count uses this width.
DEFAULT_WIDTH = 100


class ConfigError(ValueError):
    """Every problem found in a config, as (key path, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("\n".join(f"{path}: {message}" for path, message in problems))


@dataclass(frozen=True)
class Rule:
    """What one config key accepts. `kind` is int, float, choice, bool, widths or init."""

    kind: str
    choices: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def describe(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(repr(choice) for choice in self.choices)
        if self.kind == "bool":
            return "true or false"
        if self.kind == "widths":
            return "a list of whole numbers >= 1"
        if self.kind == "size":
            return (
                f"[width, height] in pixels, each 1 to {MAX_IMAGE_SIDE:,}, or [] for the most "
                "common size"
            )
        if self.kind == "text":
            return "text in quotes"
        if self.kind == "value":
            return "a number, true or false, or text in quotes"
        if self.kind == "samples":
            return 'a whole number >= 1, or "all"'
        if self.kind == "test":
            return f'a number >= 0 and < 1, or "{OFFICIAL}"'
        if self.kind == "kept":
            return f'a whole number >= 0, or "{ALL}"'
        if self.kind == "init":
            return f"one of {', '.join(repr(name) for name in INITS)} or a number > 0"
        if self.kind == "objectives":
            costs = " or ".join(f'"{name}"' for name in OBJECTIVES if name != SCORE)
            return f'["{SCORE}"], or ["{SCORE}", X] to trade accuracy off against X: {costs}'
        noun = "a whole number" if self.kind == "int" else "a number"
        bounds = []
        if self.low is not None:
            bounds.append(f"{'>' if self.low_open else '>='} {self.low:g}")
        if self.high is not None:
            bounds.append(f"{'<' if self.high_open else '<='} {self.high:g}")
        return noun + (" " + " and ".join(bounds) if bounds else "")

    def check(self, value: Any) -> str | None:
        """None when `value` is acceptable, else what would be."""
        problem = f"must be {self.describe()}, got {shown(value)}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"must be a finite number: {self.describe()}, got {shown(value)}"
        if self.kind == "choice":
            return None if value in self.choices and type(value) is not bool else problem
        if self.kind == "bool":
            return None if isinstance(value, bool) else problem
        if self.kind == "text":
            return None if isinstance(value, str) else problem
        if self.kind == "value":
            return None if isinstance(value, str | bool) or is_number(value) else problem
        if self.kind == "widths":
            if isinstance(value, list) and all(is_int(width) and width >= 1 for width in value):
                return None
            return problem
        if self.kind == "size":
            sides_ok = all(is_int(side) and 1 <= side <= MAX_IMAGE_SIDE for side in value)
            return (
                None if isinstance(value, list) and len(value) in (0, 2) and sides_ok else problem
            )
        if self.kind == "samples":
            return None if value == ALL or (is_int(value) and value >= 1) else problem
        if self.kind == "test":
            return None if value == OFFICIAL or (is_number(value) and 0 <= value < 1) else problem
        if self.kind == "kept":
            return None if value == ALL or (is_int(value) and value >= 0) else problem
        if self.kind == "objectives":
            valid = (
                isinstance(value, list)
                and len(value) in (1, 2)
                and value[0] == SCORE
                and all(name in OBJECTIVES for name in value[1:])
                and len(set(value)) == len(value)
            )
            return None if valid else problem
        if self.kind == "init":
            if value in INITS or (is_number(value) and value > 0):
                return None
            return problem
        if not is_number(value) or (self.kind == "int" and not is_int(value)):
            return problem
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return problem
        if self.high is not None and (value >= self.high if self.high_open else value > self.high):
            return problem
        return None


def is_number(value: Any) -> bool:
    """A finite number: nan and inf (which TOML can write) are no setting's value."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def is_int(value: Any) -> bool:
    return is_number(value) and float(value).is_integer()


# A grid of more points than this is no search a person waits for.
FRACTION = Rule("float", low=0, high=1, high_open=True)


POSITIVE_INT = Rule("int", low=1)


SEED = Rule("int", low=0)


DATA_RULES = {
    "dataset": Rule("choice", DATASETS),
    # A person's own file or folder; the keys after it say how to read it.
    "source": Rule("text"),
    "format": Rule("choice", FORMATS),
    "label": Rule("text"),
    "features": Rule("text"),
    "missing": Rule("choice", MISSING_RULES),
    "task": Rule("choice", TASKS),
    "scale": Rule("choice", SCALES),
    "colour": Rule("choice", COLOURS),
    "image_size": Rule("size"),
    "stratify": Rule("bool"),
    "samples": Rule("samples"),
    "validation": Rule("float", low=0, high=1, low_open=True, high_open=True),
    "test": Rule("test"),
    "folds": POSITIVE_INT,
    "seed": SEED,
}


MODEL_RULES = {
    "hidden": Rule("widths"),
    "activation": Rule("choice", tuple(ACTIVATIONS)),
    "init": Rule("init"),
    "dropout": FRACTION,
    "batchnorm": Rule("bool"),
}


TRAIN_RULES = {
    "epochs": POSITIVE_INT,
    "batch_size": POSITIVE_INT,
    "optimizer": Rule("choice", OPTIMIZERS),
    "lr": Rule("float", low=0, low_open=True),
    "weight_decay": Rule("float", low=0),
    "momentum": FRACTION,
    "beta1": FRACTION,
    "beta2": FRACTION,
    "rho": FRACTION,
    "dtype": Rule("choice", DTYPES),
    "repeats": POSITIVE_INT,
    "train_metrics": Rule("choice", TRAIN_METRICS),
}


SEARCH_RULES = {
    "strategy": Rule("choice", STRATEGIES),
    # 0 only for a session that goes on with trials of a person's own (_cross_checks).
    "trials": Rule("int", low=0),
    "points": Rule("int", low=2),
    "rounds": POSITIVE_INT,
    "sampler": Rule("choice", SAMPLERS),
    "warm_start": Rule("text"),
    "history": Rule("int", low=0),
    # What ranks the trials ("": validation accuracy, or a regression's validation R²).
    "metric": Rule("choice", ("", *METRICS)),
    "keep": Rule("float", low=0, high=1, low_open=True),
    "margin": Rule("float", low=0),
    "batch": POSITIVE_INT,
    "seed": SEED,
    "keep_weights": Rule("kept"),
    "skip_repeats": Rule("bool"),
    "objectives": Rule("objectives"),
}


# [search.constraints]: limits a trial must keep to, or it is infeasible; a count of
# parameters is whole, seconds are not.
CONSTRAINT_RULES = {
    name: POSITIVE_INT if measure == "params" else Rule("float", low=0, low_open=True)
    for name, measure in CONSTRAINTS.items()
}


# Settings a search space can name: every scalar model and training setting, plus two
# that reshape `model.hidden` (all layers one width; a number of layers).
SEARCHABLE: dict[str, Rule] = {
    **{name: rule for name, rule in TRAIN_RULES.items() if name not in ("dtype", "train_metrics")},
    **{name: rule for name, rule in MODEL_RULES.items() if name not in ("hidden", "init")},
    "init": Rule("choice", INITS),
    "hidden_units": POSITIVE_INT,
    "layers": POSITIVE_INT,
}


# What a person calls each searchable setting (the key is what configs and tables say).
SEARCHABLE_TITLES = {
    "lr": "Learning rate",
    "weight_decay": "Weight decay",
    "epochs": "Epochs",
    "batch_size": "Batch size",
    "optimizer": "Optimizer",
    "momentum": "Momentum",
    "beta1": "Adam beta1",
    "beta2": "Adam beta2",
    "rho": "RMSprop rho",
    "repeats": "Repeats",
    "activation": "Activation",
    "dropout": "Dropout",
    "batchnorm": "Batch norm",
    "init": "Weight init",
    "hidden_units": "Units per hidden layer",
    "layers": "Hidden layers",
}


# Names people type for a setting that difflib would not match to ours.
ALIASES = {
    "learning_rate": "lr",
    "wd": "weight_decay",
    "l2": "weight_decay",
    "lambda": "weight_decay",
    "batch": "batch_size",
    "width": "hidden_units",
    "units": "hidden_units",
    "depth": "layers",
}


SPACE_KEYS = ("low", "high", "scale", "values", "points")


# A [run] address of a LocalCluster Hyperdesk starts: "local:N" for N processes.
LOCAL_CLUSTER = "local:"


TLS_FILES = ("tls_ca", "tls_cert", "tls_key")


# [run]: where trials train. Not part of what a search is: a session resumes anywhere.
RUN_RULES = {
    "executor": Rule("choice", ("local", "dask")),
    "address": Rule("text"),
    **{name: Rule("text") for name in TLS_FILES},
}


# [code]: a person's own training function, run for each trial (core.execution.user_code).
DIRECTIONS = ("maximize", "minimize")
CODE_RULES = {
    # "file.py:function" (a file relative to the config) or "package.module:function".
    "entry": Rule("text"),
    # The reported figure that ranks the trials, and which way is better.
    "metric": Rule("text"),
    "direction": Rule("choice", DIRECTIONS),
    # A trial silent (no report) for longer is ended and marked failed; 0: never.
    "timeout": Rule("float", low=0),
}


# A [code] search's parameters are the function's: any name, any plain value.
CODE_PARAM = Rule("value")


EARLY_STOPPING_RULES = {
    "rule": Rule("choice", ("none", "median", "asha", "hyperband")),
    "warmup": Rule("int", low=0),
    "startup": Rule("int", low=0),
    "min_epochs": POSITIVE_INT,
    "reduction": Rule("int", low=2),
}
