"""The config model: a frozen dataclass per section ([train] is the trainer's own
TrainSettings), the whole Config, and what a trial's settings are made of."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import tomli_w

from hyperdesk.core.config.rules import DEFAULT_WIDTH, MODEL_RULES, TRAIN_RULES, ConfigError
from hyperdesk.core.data.sources import (
    ALL,
    OFFICIAL,
    data_rows,
    data_shape,
    data_task,
    official_test_rows,
)
from hyperdesk.core.search.objectives import SCORE, TradeOff
from hyperdesk.core.search.space import (
    ChoiceParam,
    Param,
)
from hyperdesk.core.training.network import NetworkSpec, flops_per_trial
from hyperdesk.core.training.settings import TrainSettings
from hyperdesk.core.trials import METRICS, TASK_METRICS, Metric


@dataclass(frozen=True)
class DataConfig:
    dataset: str = "mnist-10k"
    # A file or folder of the person's own (data.sources): used instead of `dataset`.
    source: str = ""
    format: str = ""  # "": by the file's extension
    label: str = ""  # CSV: the class column (default: the last); NPZ: the array; IDX: its file
    features: str = ""  # NPZ: the array of features (default: X)
    missing: str = ""  # "": a missing value is an error; "drop" or "mean"
    # "auto": a label of continuous values (or of many different numbers) is a
    # measurement to predict (regression), any other names classes.
    task: str = "auto"
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
    # What ranks the trials: "" is validation accuracy (a regression's: validation R²).
    metric: str = ""
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
class CodeConfig:
    """A person's own training function that each trial runs instead of the built-in
    network (core.execution.user_code): `entry` is "/abs/file.py:function" (a file
    given relative to its config is anchored there) or "package.module:function";
    `metric` the reported figure that ranks the trials, better as `direction` says;
    `fixed` the values passed beside the searched ones. "" entry: the built-in network."""

    entry: str = ""
    metric: str = "val_acc"
    direction: str = "maximize"
    timeout: float = 0.0
    fixed: dict[str, Any] = field(default_factory=dict)

    @property
    def file(self) -> str:
        """The entry's file ("x.py", or any path), "" for a module name."""
        where = self.entry.rpartition(":")[0]
        return where if where.endswith(".py") or "/" in where or os.sep in where else ""

    @property
    def function(self) -> str:
        return self.entry.rpartition(":")[2]

    @property
    def name(self) -> str:
        """What a person calls it: "train.py:fit", the file without its folder."""
        where = os.path.basename(self.file) if self.file else self.entry.rpartition(":")[0]
        return f"{where}:{self.function}"

    def text(self) -> str:
        """The function, its fixed values and what ranks its trials, in a sentence."""
        fixed = ", ".join(f"{name}={value}" for name, value in self.fixed.items())
        better = "higher" if self.direction == "maximize" else "lower"
        return (
            f"{self.name}(){f' with {fixed}' if fixed else ''}, ranked by its {self.metric} "
            f"({better} is better)"
        )


@dataclass(frozen=True)
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainSettings = field(default_factory=TrainSettings)
    search: SearchConfig = field(default_factory=SearchConfig)
    run: RunConfig = field(default_factory=RunConfig)
    code: CodeConfig = field(default_factory=CodeConfig)

    @property
    def own_code(self) -> bool:
        """Whether its trials run a person's own training function ([code])."""
        return bool(self.code.entry)

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
            task=data_task(self.data),
        )
        return network, train

    def training_flops(self, epochs: float, inputs: int | None = None) -> float:
        """Floating-point operations of one trial's products over `epochs` epochs, with
        the configured hidden layers and `inputs` input features (default: the data's;
        see training.network.flops_per_trial)."""
        n_train, n_val = self.data.split_sizes()
        features, classes = data_shape(self.data)
        sizes = [features if inputs is None else inputs, *self.model.hidden, classes]
        return flops_per_trial(sizes, n_train, n_val, 1) * epochs * self.runs

    def expected_epochs(self) -> float:
        """The epochs one trial will train: the fixed setting (a function's
        code.fixed epochs, 1 without), or the middle of a searched epochs range (what
        progress and time estimates go by)."""
        for param in self.search.space:
            if param.name == "epochs":
                if isinstance(param, ChoiceParam):
                    return sum(param.values) / len(param.values)
                return (param.low + param.high) / 2
        if self.own_code:
            return self.code_epochs or 1
        return self.train.epochs

    @property
    def code_epochs(self) -> int | None:
        """The most epochs a function's trial reports: code.fixed epochs, or the top
        of a searched epochs range; None when neither says."""
        for param in self.search.space:
            if param.name == "epochs":
                top = max(param.values) if isinstance(param, ChoiceParam) else param.high
                return int(top) if isinstance(top, int | float) else None
        epochs = self.code.fixed.get("epochs")
        return epochs if isinstance(epochs, int) and not isinstance(epochs, bool) else None

    def resolved(self) -> Config:
        """This config with data.task and search.metric as the data makes them ("auto"
        and "" decided): what a session stores, so that it never reads its data again
        to know how its trials rank. ConfigError as `metric` says."""
        if self.own_code:  # no data of Hyperdesk's to decide anything by
            return self
        decided = replace(self, data=replace(self.data, task=data_task(self.data)))
        return replace(decided, search=replace(self.search, metric=decided.metric.name))

    @property
    def metric(self) -> Metric:
        """What ranks this search's trials: search.metric, or the task's default
        (validation accuracy; a regression's validation R²). ConfigError when the
        metric is not a figure of the data's task."""
        if self.own_code:
            named = METRICS.get(self.code.metric)
            higher = self.code.direction == "maximize"
            if named is not None and named.higher_is_better == higher:
                return named
            return Metric(self.code.metric, self.code.metric, self.code.metric, higher)
        task = data_task(self.data)
        allowed = TASK_METRICS[task]
        name = self.search.metric or allowed[0]
        if name not in allowed:
            raise ConfigError(
                [
                    (
                        "search.metric",
                        f"{name} is not a figure of a {task}; choose " + " or ".join(allowed),
                    )
                ]
            )
        return METRICS[name]

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
        if self.own_code:  # the function's: no data, network or training of ours
            return {"code": asdict(self.code), "search": search, "run": asdict(self.run)}
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
