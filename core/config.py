"""The session config: TOML in, validated dataclasses out, and back to TOML.

Every problem in a config is collected and reported at once, each with its key path
(`search.space.lr.low: log scale needs a value > 0`), so a person fixes them in one go.
"""

from __future__ import annotations

import difflib
import importlib.resources
import math
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import tomli_w

from hyperdesk.core.data.datasets import DATASETS
from hyperdesk.core.data.downloads import DOWNLOADS
from hyperdesk.core.data.images import COLOURS, MAX_IMAGE_SIDE
from hyperdesk.core.data.sources import (
    ALL,
    FORMATS,
    OFFICIAL,
    data_rows,
    data_shape,
    dataset_rows,
    official_test_rows,
)
from hyperdesk.core.data.splits import SCALES
from hyperdesk.core.data.tables import MISSING_RULES
from hyperdesk.core.search.objectives import CONSTRAINTS, OBJECTIVES, SCORE, TradeOff
from hyperdesk.core.search.registry import OPTUNA_STRATEGIES, STRATEGIES
from hyperdesk.core.search.space import (
    ChoiceParam,
    Param,
    RangeParam,
    SpaceError,
    point_problems,
)
from hyperdesk.core.search.strategies import SAMPLERS
from hyperdesk.core.training.network import ACTIVATIONS, DTYPES, INITS, NetworkSpec, flops_per_trial
from hyperdesk.core.training.optimizers import CONDITIONS, OPTIMIZERS
from hyperdesk.core.training.trainer import TrainSettings

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


# Without hidden widths to repeat, a searched layer count uses this width.
DEFAULT_WIDTH = 100


class ConfigError(ValueError):
    """Every problem found in a config, as (key path, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("\n".join(f"{path}: {message}" for path, message in problems))


# --- what each key accepts -------------------------------------------------------------


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
        if self.kind == "widths":
            if isinstance(value, list) and all(_is_int(width) and width >= 1 for width in value):
                return None
            return problem
        if self.kind == "size":
            sides_ok = all(_is_int(side) and 1 <= side <= MAX_IMAGE_SIDE for side in value)
            return (
                None if isinstance(value, list) and len(value) in (0, 2) and sides_ok else problem
            )
        if self.kind == "samples":
            return None if value == ALL or (_is_int(value) and value >= 1) else problem
        if self.kind == "test":
            return None if value == OFFICIAL or (_is_number(value) and 0 <= value < 1) else problem
        if self.kind == "kept":
            return None if value == ALL or (_is_int(value) and value >= 0) else problem
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
            if value in INITS or (_is_number(value) and value > 0):
                return None
            return problem
        if not _is_number(value) or (self.kind == "int" and not _is_int(value)):
            return problem
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return problem
        if self.high is not None and (value >= self.high if self.high_open else value > self.high):
            return problem
        return None


def shown(value: Any, limit: int = 60) -> str:
    """A value as a message quotes it: its repr, cut short when it is long."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text):,} characters)"


def _is_number(value: Any) -> bool:
    """A finite number: nan and inf (which TOML can write) are no setting's value."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value: Any) -> bool:
    return _is_number(value) and float(value).is_integer()


# A grid of more points than this is no search a person waits for.
MAX_GRID_POINTS = 1_000_000
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
    **{name: rule for name, rule in TRAIN_RULES.items() if name != "dtype"},
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
EARLY_STOPPING_RULES = {
    "rule": Rule("choice", ("none", "median", "asha", "hyperband")),
    "warmup": Rule("int", low=0),
    "startup": Rule("int", low=0),
    "min_epochs": POSITIVE_INT,
    "reduction": Rule("int", low=2),
}


# --- the config model ---------------------------------------------------------------------


@dataclass(frozen=True)
class DataConfig:
    dataset: str = "mnist-10k"
    # A file or folder of the person's own (data.sources): used instead of `dataset`.
    source: str = ""
    format: str = ""  # "": by the file's extension
    label: str = ""  # CSV: the class column (default: the last); NPZ: the array; IDX: its file
    features: str = ""  # NPZ: the array of features (default: X)
    missing: str = ""  # "": a missing value is an error; "drop" or "mean"
    scale: str = ""  # "": unit for images, standardize for tables
    colour: str = ""  # image folders: "gray" or "rgb" ("": rgb when any image has colour)
    image_size: tuple[int, ...] = ()  # image folders: (width, height); (): the most common
    # Test, validation and folds each hold the classes in their overall proportions.
    stratify: bool = True
    samples: int | str = 500  # or "all": every sample the data has
    validation: float = 0.2
    # A fraction of the samples kept for the final test, never seen by a search; or
    # "official": the test split a downloaded dataset ships with (the search samples
    # from the rest).
    test: float | str = 0.0
    # 1: one validation split; k >= 2: k-fold cross-validation of the non-test samples
    # (`validation` is then not used).
    folds: int = 1
    seed: int = 0

    @property
    def sample_count(self) -> int:
        """How many samples the search takes: `samples`, or with "all" as many as the
        data has (read for a file of the person's own, unless a summary told it)."""
        if self.samples == ALL:
            return data_rows(self) - official_test_rows(self)
        return self.samples

    @property
    def keeps_test(self) -> bool:
        """Whether some samples are kept apart for the final test."""
        return self.test == OFFICIAL or self.test > 0

    def split_sizes(self) -> tuple[int, int]:
        """(training, validation) sample counts of one run, as
        hyperdesk.core.data.splits.split_indices cuts them."""
        samples = self.sample_count
        rest = samples if self.test == OFFICIAL else samples - round(samples * self.test)
        n_val = rest // self.folds if self.folds > 1 else round(samples * self.validation)
        return rest - n_val, n_val

    def split_text(self) -> str:
        """How the samples are cut, as a person reads it."""
        n_train, n_val = self.split_sizes()
        if self.test == OFFICIAL:
            test = f", and the official {official_test_rows(self):,} for the final test"
        else:
            n_test = round(self.sample_count * self.test)
            test = f", {n_test:,} for the final test" if n_test else ""
        if self.folds > 1:
            return (
                f"{self.folds} folds of {n_val:,}: each trains on {n_train:,} and validates "
                f"on one{test}"
            )
        return f"{n_train:,} training, {n_val:,} validation{test}"


@dataclass(frozen=True)
class ModelConfig:
    hidden: tuple[int, ...] = (100,) * 6
    activation: str = "relu"
    init: str | float = "he"
    dropout: float = 0.0
    batchnorm: bool = False


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 50
    batch_size: int = 100
    optimizer: str = "sgd"
    lr: float = 0.01
    weight_decay: float = 0.0
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    rho: float = 0.99
    dtype: str = "float32"
    # Each configuration trains this many times with different seeds; its score is the
    # mean (the spread is shown beside it).
    repeats: int = 1


@dataclass(frozen=True)
class EarlyStopping:
    """Stopping poor trials early. median: stop a trial whose validation accuracy is
    below the median of earlier trials at the same epoch, after `warmup` epochs and
    once `startup` trials have finished. asha (successive halving) and hyperband: keep
    the best 1/`reduction` at each rung, the first after `min_epochs`."""

    rule: str = "none"
    warmup: int = 5
    startup: int = 5
    min_epochs: int = 5
    reduction: int = 3


@dataclass(frozen=True)
class SearchConfig:
    """`trials` is the number of draws for random search and the number per round for
    coarse-to-fine; `points` the grid points per range (a parameter may set its own)."""

    strategy: str = "random"
    trials: int = 20
    points: int = 5
    # How coarse-to-fine places a round's trials: a grid over the round's region, or
    # `trials` random draws in it.
    sampler: str = "grid"
    rounds: int = 3
    keep: float = 0.2
    margin: float = 0.1
    batch: int = 8
    seed: int = 0
    # The best trials whose final weights (and optimizer state) the session keeps, to
    # train them longer or look inside them: a number, 0 for none, or "all".
    keep_weights: int | str = 20
    early_stopping: EarlyStopping = field(default_factory=EarlyStopping)
    space: tuple[Param, ...] = field(default_factory=tuple)
    # Configurations to run first, as they are ([[search.enqueue]] tables, --enqueue).
    enqueue: tuple[dict[str, Any], ...] = ()
    # A TPE search's prior knowledge: the session whose finished trials it learns from,
    # and those trials as read when the search began ([[search.prior]] tables of
    # `params` and `score`), kept so that a resume replays what it knew.
    warm_start: str = ""
    prior: tuple[dict[str, Any], ...] = ()
    # Trials a session ran before its ranges last changed: kept and shown, never replayed;
    # this search numbers its own after them (core.execution.ranges).
    history: int = 0
    # What the search optimises: the validation accuracy, or it and a cost to keep low
    # ("params", "train_seconds"); and limits a trial must keep to ({"max_params": n}).
    # An Optuna search tells its sampler the result of a point it trained already,
    # instead of training the point again.
    skip_repeats: bool = True
    objectives: tuple[str, ...] = (SCORE,)
    constraints: dict[str, float] = field(default_factory=dict)

    @property
    def trade_off(self) -> TradeOff:
        return TradeOff(self.objectives, self.constraints)


@dataclass(frozen=True)
class RunConfig:
    """Where trials train: worker processes on this computer, or a Dask cluster at
    `address` ("tcp://HOST:8786", "tls://HOST:8786", or "local:N" for N processes that
    Hyperdesk starts), with TLS from these certificate files when they are given."""

    executor: str = "local"
    address: str = ""
    tls_ca: str = ""
    tls_cert: str = ""
    tls_key: str = ""


@dataclass(frozen=True)
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    run: RunConfig = field(default_factory=RunConfig)

    def trial_settings(self, params: dict[str, Any]) -> tuple[NetworkSpec, TrainSettings]:
        """The network and training settings of one trial: the config's fixed values
        with the trial's searched `params` put in their place; as many inputs and
        outputs as the data has features and classes."""
        input_size, output_size = data_shape(self.data)
        model = replace(self.model, **{k: v for k, v in params.items() if k in MODEL_RULES})
        train = replace(self.train, **{k: v for k, v in params.items() if k in TRAIN_RULES})
        network = NetworkSpec(
            input_size=input_size,
            hidden=hidden_widths(model.hidden, params),
            output_size=output_size,
            activation=model.activation,
            init=model.init,
            dropout=model.dropout,
            batchnorm=model.batchnorm,
            weight_decay=train.weight_decay,
            dtype=train.dtype,
        )
        settings = TrainSettings(
            epochs=train.epochs,
            batch_size=train.batch_size,
            optimizer=train.optimizer,
            lr=train.lr,
            momentum=train.momentum,
            beta1=train.beta1,
            beta2=train.beta2,
            rho=train.rho,
        )
        return network, settings

    def training_flops(self, epochs: float, inputs: int | None = None) -> float:
        """Floating-point operations of one trial's products over `epochs` epochs, with
        the configured hidden layers and `inputs` input features (default: the data's;
        see training.network.flops_per_trial)."""
        n_train, n_val = self.data.split_sizes()
        features, classes = data_shape(self.data)
        sizes = [features if inputs is None else inputs, *self.model.hidden, classes]
        return flops_per_trial(sizes, n_train, n_val, 1) * epochs * self.runs

    def expected_epochs(self) -> float:
        """The epochs one trial will train: the fixed setting, or the middle of a
        searched epochs range (what progress and time estimates go by)."""
        for param in self.search.space:
            if param.name == "epochs":
                if isinstance(param, ChoiceParam):
                    return sum(param.values) / len(param.values)
                return (param.low + param.high) / 2
        return self.train.epochs

    @property
    def runs(self) -> int:
        """How many networks train for one trial: one per fold and repeat."""
        return self.data.folds * self.train.repeats

    def to_dict(self) -> dict[str, Any]:
        search = asdict(replace(self.search, space=(), enqueue=(), prior=()))
        del search["space"]
        search["objectives"] = list(self.search.objectives)
        search["enqueue"] = [dict(point) for point in self.search.enqueue]
        search["prior"] = [dict(trial) for trial in self.search.prior]
        search["early_stopping"] = asdict(self.search.early_stopping)
        search["space"] = {param.name: param_to_dict(param) for param in self.search.space}
        model = asdict(self.model)
        model["hidden"] = list(self.model.hidden)
        data = asdict(self.data)
        data["image_size"] = list(self.data.image_size)
        return {
            "data": data,
            "model": model,
            "train": asdict(self.train),
            "search": search,
            "run": asdict(self.run),
        }

    def to_toml(self) -> str:
        return tomli_w.dumps(self.to_dict())


def hidden_widths(hidden: tuple[int, ...], params: dict[str, Any]) -> tuple[int, ...]:
    """The hidden layer widths once `hidden_units` (every layer this wide) and `layers`
    (this many layers) from `params` are applied to `hidden`."""
    widths = list(hidden)
    if "hidden_units" in params:
        widths = [params["hidden_units"]] * len(widths)
    if "layers" in params:
        widths = [widths[0] if widths else DEFAULT_WIDTH] * params["layers"]
    return tuple(widths)


def param_to_dict(param: Param) -> dict[str, Any]:
    if isinstance(param, ChoiceParam):
        return {"values": list(param.values)}
    table: dict[str, Any] = {"low": param.low, "high": param.high, "scale": param.scale}
    if param.points is not None:
        table["points"] = param.points
    return table


# --- reading ----------------------------------------------------------------------------


def _suggest(name: str, valid: Iterable[str]) -> str:
    valid = list(valid)
    if ALIASES.get(name) in valid:
        return f"; did you mean {ALIASES[name]!r}?"
    close = difflib.get_close_matches(name, valid, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _read_section(
    raw: dict[str, Any],
    section: str,
    rules: dict[str, Rule],
    problems: list[tuple[str, str]],
    extra_keys: tuple[str, ...] = (),
) -> dict[str, Any]:
    table = raw.get(section, {})
    if not isinstance(table, dict):
        problems.append((section, f"must be a table of settings, got {shown(table)}"))
        return {}
    values = {}
    for key, value in table.items():
        path = f"{section}.{key}"
        if key in extra_keys:
            continue
        if key not in rules:
            valid = [*rules, *extra_keys]
            problems.append(
                (path, f"unknown key{_suggest(key, valid)} (valid: {', '.join(valid)})")
            )
            continue
        problem = rules[key].check(value)
        if problem:
            problems.append((path, problem))
            continue
        rule = rules[key]
        if rule.kind == "int" or (rule.kind in ("samples", "kept") and value != ALL):
            value = int(value)
        elif rule.kind == "float" or (rule.kind == "test" and value != OFFICIAL):
            value = float(value)
        elif rule.kind in ("widths", "size"):
            value = tuple(int(width) for width in value)
        values[key] = value
    return values


def _read_param(name: str, table: Any) -> Param:
    """One search-space entry; raises SpaceError with every problem in it."""
    if not isinstance(table, dict):
        raise SpaceError([("", "must be a table with low/high/scale or values")])
    rule = SEARCHABLE[name]
    problems = []
    for key in table:
        if key not in SPACE_KEYS:
            problems.append(
                (key, f"unknown key{_suggest(key, SPACE_KEYS)} (valid: {', '.join(SPACE_KEYS)})")
            )
    if "values" in table:
        values = table["values"]
        if not isinstance(values, list):
            raise SpaceError([*problems, ("values", f"must be a list, got {shown(values)}")])
        for key in ("low", "high", "scale"):
            if key in table:
                problems.append((key, "give either values or a low/high range, not both"))
        for index, value in enumerate(values):
            problem = rule.check(value)
            if problem:
                problems.append((f"values[{index}]", problem))
        if problems:
            raise SpaceError(problems)
        return ChoiceParam(name, tuple(values))
    if rule.kind not in ("int", "float"):
        raise SpaceError(
            [*problems, ("values", f"{name} is categorical: list its values, {rule.describe()}")]
        )
    for key in ("low", "high"):
        if key not in table:
            problems.append((key, "missing (a range needs low and high, or give values)"))
        elif not _is_number(table[key]):
            problems.append((key, f"must be a finite number, got {shown(table[key])}"))
    scale = table.get("scale", "linear")
    points = table.get("points")
    if points is not None and not (_is_int(points) and points >= 2):
        problems.append(("points", f"must be a whole number >= 2, got {shown(points)}"))
    if problems:
        raise SpaceError(problems)
    try:
        param = RangeParam(
            name,
            table["low"],
            table["high"],
            scale,
            integer=rule.kind == "int",
            points=None if points is None else int(points),
        )
    except SpaceError as error:
        problems = list(error.problems)
    # Range ends must also be values the setting itself accepts (no dropout of 1.5).
    ends = Rule(
        "float", low=rule.low, high=rule.high, low_open=rule.low_open, high_open=rule.high_open
    )
    for key in ("low", "high"):
        problem = ends.check(table[key])
        if problem and not any(field == key for field, _ in problems):
            problems.append((key, problem.replace("must be", f"{name} must be")))
    if problems:
        raise SpaceError(problems)
    return param


def from_dict(raw: dict[str, Any]) -> Config:
    """Validate a config read from TOML; raises ConfigError listing every problem."""
    problems: list[tuple[str, str]] = []
    sections = ("data", "model", "train", "search", "run")
    for key in raw:
        if key not in sections:
            problems.append(
                (key, f"unknown section{_suggest(key, sections)} (valid: {', '.join(sections)})")
            )
    data = _read_section(raw, "data", DATA_RULES, problems)
    model = _read_section(raw, "model", MODEL_RULES, problems)
    train = _read_section(raw, "train", TRAIN_RULES, problems)
    run = _read_section(raw, "run", RUN_RULES, problems)
    search = _read_section(
        raw,
        "search",
        SEARCH_RULES,
        problems,
        extra_keys=("space", "early_stopping", "enqueue", "prior", "constraints"),
    )
    if "objectives" in search:
        search["objectives"] = tuple(search["objectives"])
    raw_search = raw.get("search") if isinstance(raw.get("search"), dict) else {}
    early = _read_section(raw_search, "early_stopping", EARLY_STOPPING_RULES, problems)
    constraints = _read_section(raw_search, "constraints", CONSTRAINT_RULES, problems)
    problems[:] = [
        (f"search.{path}" if path.startswith(("early_stopping", "constraints")) else path, message)
        for path, message in problems
    ]
    space: list[Param] = []
    raw_space = (
        raw.get("search", {}).get("space", {}) if isinstance(raw.get("search"), dict) else {}
    )
    if not isinstance(raw_space, dict):
        problems.append(("search.space", "must be a table of [search.space.NAME] tables"))
        raw_space = {}
    for name, table in raw_space.items():
        path = f"search.space.{name}"
        if name not in SEARCHABLE:
            problems.append(
                (
                    path,
                    f"unknown setting{_suggest(name, SEARCHABLE)} "
                    f"(searchable: {', '.join(SEARCHABLE)})",
                )
            )
            continue
        try:
            space.append(_read_param(name, table))
        except SpaceError as error:
            problems.extend(
                (f"{path}.{key}" if key else path, message) for key, message in error.problems
            )
    enqueue = _read_enqueued(raw_search.get("enqueue", []), tuple(space), problems)
    config = None
    if not problems:
        config = Config(
            DataConfig(**data),
            ModelConfig(**model),
            TrainConfig(**train),
            SearchConfig(
                **search,
                early_stopping=EarlyStopping(**early),
                space=tuple(space),
                enqueue=enqueue,
                prior=_read_prior(raw_search.get("prior", []), problems),
                constraints=constraints,
            ),
            RunConfig(**run),
        )
        problems.extend(_cross_checks(config))
    if problems:
        raise ConfigError(problems)
    return config


def _read_enqueued(
    raw: Any, space: tuple[Param, ...], problems: list[tuple[str, str]]
) -> tuple[dict[str, Any], ...]:
    """The [[search.enqueue]] tables, each a point of the search space."""
    if not isinstance(raw, list) or not all(isinstance(point, dict) for point in raw):
        problems.append(
            ("search.enqueue", "must be [[search.enqueue]] tables of searched settings")
        )
        return ()
    for index, point in enumerate(raw, start=1):
        problems.extend(
            (f"search.enqueue[{index}].{name}", message)
            for name, message in point_problems(space, point)
        )
    return tuple(raw)


def _read_prior(raw: Any, problems: list[tuple[str, str]]) -> tuple[dict[str, Any], ...]:
    """The [[search.prior]] tables a warm-started search stored: `params` and `score`."""
    if isinstance(raw, list) and all(
        isinstance(trial, dict)
        and isinstance(trial.get("params"), dict)
        and isinstance(trial.get("score"), int | float)
        for trial in raw
    ):
        return tuple(raw)
    problems.append(("search.prior", "must be [[search.prior]] tables of params and score"))
    return ()


def _split_checks(config: Config) -> list[tuple[str, str]]:
    """Whether the data has the samples asked for, and the split leaves both parts some."""
    problems = []
    official = official_test_rows(config.data)
    if config.data.test == OFFICIAL and not official:
        where = Path(config.data.source).name if config.data.source else config.data.dataset
        return [
            (
                "data.test",
                f'"{OFFICIAL}" is the test split that {" and ".join(DOWNLOADS)} ship with; '
                f"{where} has none: give a fraction to hold out, such as 0.2",
            )
        ]
    size = dataset_rows(config.data.dataset)
    if config.data.test == OFFICIAL:
        size -= official
    if not config.data.source and config.data.sample_count > size:
        kept = f" beside its {official:,} test samples" if config.data.test == OFFICIAL else ""
        problems.append(
            (
                "data.samples",
                f"{config.data.dataset} has {size:,} samples{kept}, asked for "
                f"{config.data.samples:,}",
            )
        )
    n_train, n_val = config.data.split_sizes()
    if config.data.folds > 1 and not (n_val >= 1 and n_train >= 1):
        problems.append(
            (
                "data.folds",
                f"{config.data.folds} folds of {n_train + n_val} samples (after the test "
                "split) leave a fold without validation samples; use fewer folds",
            )
        )
    elif config.data.folds == 1 and not (n_val >= 1 and n_train >= 1):
        problems.append(
            (
                "data.validation",
                f"{config.data.validation} of "
                f"{config.data.samples} samples leaves {n_val} for validation and "
                f"{n_train} for training; both need at least one",
            )
        )
    return problems


def run_problems(run: RunConfig) -> list[tuple[str, str]]:
    """A Dask executor needs an address it can reach, and TLS files come as a set."""
    problems = []
    if run.executor == "dask" and not dask_address_valid(run.address):
        problems.append(
            (
                "run.address",
                f"the Dask scheduler: tcp://HOST:PORT or tls://HOST:PORT (e.g. "
                f"tcp://127.0.0.1:8786), or local:N for N processes on this computer; "
                f"got {shown(run.address)}",
            )
        )
    given = [name for name in TLS_FILES if getattr(run, name)]
    if run.executor == "dask" and run.address.startswith("tls://") and not given:
        problems.append(
            ("run.tls_ca", "a tls:// scheduler needs tls_ca, tls_cert and tls_key (PEM files)")
        )
    elif given and len(given) < 3:
        missing = [name for name in TLS_FILES if name not in given]
        problems.append(
            (f"run.{missing[0]}", "TLS needs all three of tls_ca, tls_cert and tls_key")
        )
    return problems


def dask_address_valid(address: str) -> bool:
    """Whether `address` names a scheduler (tcp:// or tls:// with a host and a port) or
    a local cluster (local:N, N >= 1)."""
    scheme, separator, rest = address.partition("://")
    if separator:
        host, colon, port = rest.rpartition(":")
        return scheme in ("tcp", "tls") and bool(host) and bool(colon) and port.isdigit()
    count = address.removeprefix(LOCAL_CLUSTER)
    return address.startswith(LOCAL_CLUSTER) and count.isdigit() and int(count) >= 1


def _cross_checks(config: Config) -> list[tuple[str, str]]:
    """Problems that involve more than one key."""
    problems = []
    # With "all" of a file's rows, how many there are is known once it is read: the
    # split is checked then (reading it here could be slow, and on the window's thread).
    if not (config.data.source and config.data.samples == ALL):
        problems.extend(_split_checks(config))
    searched = {param.name: param for param in config.search.space}
    for name, (setting, allowed) in CONDITIONS.items():
        if name in searched and setting not in searched:
            fixed = getattr(config.train, setting)
            if fixed not in allowed:
                problems.append(
                    (
                        f"search.space.{name}",
                        f"applies only when {setting} is {' or '.join(allowed)}, and "
                        f"train.{setting} is {fixed!r}",
                    )
                )
    if config.search.warm_start and config.search.strategy != "tpe":
        problems.append(
            (
                "search.warm_start",
                f'only TPE learns from earlier trials; set search.strategy = "tpe" (it is '
                f"{config.search.strategy!r})",
            )
        )
    problems.extend(run_problems(config.run))
    if config.search.trials == 0 and not (config.search.history and config.search.enqueue):
        problems.append(
            (
                "search.trials",
                "must be a whole number >= 1 (0 only when a session goes on with "
                "configurations of your own to run)",
            )
        )
    if config.search.trade_off.several and config.search.strategy == "coarse-to-fine":
        problems.append(
            (
                "search.objectives",
                "coarse-to-fine narrows on the best scores and a trade-off has no single best: "
                'use search.strategy = "nsga2" or "tpe" (or random, grid, sobol)',
            )
        )
    if config.search.constraints and not config.search.trade_off.several:
        problems.append(
            (
                "search.constraints",
                f'limits apply to a trade-off: set search.objectives = ["{SCORE}", "params"] '
                '(or "train_seconds")',
            )
        )
    if config.search.strategy == "grid" and config.search.space:
        # Counted before a grid is built: a million points per range over two ranges
        # would be 10^12 combinations in memory.
        size = math.prod(
            len(param.values)
            if isinstance(param, ChoiceParam)
            else (param.points or config.search.points)
            for param in config.search.space
        )
        if size > MAX_GRID_POINTS:
            problems.append(
                (
                    "search.points",
                    f"this grid has {size:,} points; a grid search runs at most "
                    f"{MAX_GRID_POINTS:,} (fewer points per range, or random search)",
                )
            )
    if config.search.strategy in ("grid", *OPTUNA_STRATEGIES) and not config.search.space:
        problems.append(
            ("search.space", f"a {config.search.strategy} search needs at least one parameter")
        )
    return problems


def loads(
    text: str,
    overrides: Iterable[str] = (),
    folder: Path | None = None,
    enqueue: Iterable[str] = (),
) -> Config:
    """Parse TOML text, apply KEY=VALUE overrides, add the `enqueue` configurations
    (`lr=0.01,weight_decay=1e-6`) to run first, validate. A relative data file is found
    from `folder` (the config file's) when the text names it, from the working directory
    when an override does: a session records where it really is."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([("(file)", f"not valid TOML: {error}")]) from None
    except RecursionError:  # arrays or tables nested thousands deep
        raise ConfigError([("(file)", "nested too deeply to be a Hyperdesk config")]) from None
    _anchor_data_files(raw, folder or Path.cwd())
    apply_overrides(raw, overrides)
    _anchor_data_files(raw, Path.cwd())
    for point in enqueue:
        search = raw.setdefault("search", {})
        if isinstance(search, dict) and isinstance(search.setdefault("enqueue", []), list):
            search["enqueue"].append(parse_point(point))
    return from_dict(raw)


def parse_point(text: str) -> dict[str, Any]:
    """`lr=0.01,weight_decay=1e-6` as {"lr": 0.01, "weight_decay": 1e-06}. ConfigError
    (naming --enqueue) for a part that is not NAME=VALUE."""
    point = {}
    for part in text.split(","):
        name, separator, value = part.partition("=")
        if not separator or not name.strip():
            raise ConfigError(
                [("--enqueue", f"{part!r}: give NAME=VALUE pairs, e.g. lr=0.01,weight_decay=1e-6")]
            )
        point[name.strip()] = _parse_value(value.strip())
    return point


def _anchor_data_files(raw: dict[str, Any], folder: Path) -> None:
    data = raw.get("data")
    if not isinstance(data, dict):
        return
    keys = ["source"] + (["label"] if data.get("format") == "idx" else [])
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
            data[key] = str(folder / value)


def example_names() -> list[str]:
    """The example configs bundled with Hyperdesk (resources/examples), by name."""
    folder = importlib.resources.files("hyperdesk.resources.examples")
    return sorted(
        item.name[: -len(".toml")] for item in folder.iterdir() if item.name.endswith(".toml")
    )


def loads_stored(text: str) -> Config:
    """A config a session stored. One stored before a setting existed says nothing of
    it, and its search goes on as it began: the plain shuffle it had before splits were
    stratified, the random rounds before coarse-to-fine had grid rounds, the repeated
    points before Optuna searches skipped them."""
    try:
        raw = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return loads(text)  # the message says what is wrong
    if isinstance(raw.get("data"), dict):
        raw["data"].setdefault("stratify", False)
    # One stored before coarse-to-fine had grid rounds drew its rounds at random, and
    # one stored before Optuna searches skipped repeated points trained them.
    if isinstance(raw.get("search"), dict):
        raw["search"].setdefault("sampler", "random")
        raw["search"].setdefault("skip_repeats", False)
    return from_dict(raw)


def example_config(name: str, overrides: Iterable[str] = (), enqueue: Iterable[str] = ()) -> Config:
    """A bundled example config; a data file it names lies beside it."""
    # The folder of the example's own file: a frozen build serves the package as a
    # MultiplexedPath, whose str() is no path, while each file in it is a real one.
    toml = importlib.resources.files("hyperdesk.resources.examples") / f"{name}.toml"
    return loads(example_text(name), overrides, Path(str(toml)).parent, enqueue)


def example_text(name: str) -> str:
    """The TOML text of a bundled example config."""
    if name not in example_names():
        raise ConfigError(
            [
                (
                    "--example",
                    f"no example called {name!r}; choose one of {', '.join(example_names())}",
                )
            ]
        )
    return (importlib.resources.files("hyperdesk.resources.examples") / f"{name}.toml").read_text()


# A config is a few hundred bytes; anything this large is some other file.
MAX_CONFIG_BYTES = 1 << 20


def load(path: Path, overrides: Iterable[str] = (), enqueue: Iterable[str] = ()) -> Config:
    path = Path(path)
    try:
        # Only a regular file: reading a named pipe or a device would wait forever.
        if path.exists() and not path.is_file():
            raise ConfigError([(str(path), "is not a regular file: give a TOML config file")])
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(
                [(str(path), f"is {path.stat().st_size:,} bytes: not a config (a few KB)")]
            )
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError([(str(path), f"cannot be read: {error.strerror or error}")]) from None
    except UnicodeDecodeError:
        raise ConfigError([(str(path), "is not text: a config is a UTF-8 TOML file")]) from None
    return loads(text, overrides, path.resolve().parent, enqueue)


def _parse_value(text: str) -> Any:
    """A TOML value (`1e-3`, `[50, 50]`, `true`, `"adam"`); bare words are strings."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except (tomllib.TOMLDecodeError, RecursionError):
        return text  # validation then says what the key accepts


def apply_overrides(raw: dict[str, Any], overrides: Iterable[str]) -> None:
    """Set dotted keys (`search.trials=10`) in a raw config dict, in place."""
    problems = []
    for override in overrides:
        key, separator, text = override.partition("=")
        key = key.strip()
        if not separator or not key:
            problems.append((override, "an override is KEY=VALUE, e.g. search.trials=10"))
            continue
        *parents, leaf = key.split(".")
        table = raw
        for part in parents:
            table = table.setdefault(part, {})
            if not isinstance(table, dict):
                problems.append((key, f"{part!r} is not a table"))
                break
        else:
            table[leaf] = _parse_value(text.strip())
    if problems:
        raise ConfigError(problems)
