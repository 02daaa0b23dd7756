"""The setup form as one table: every setting the form edits, with its label, its editor
(setup.editors), its config key and when it shows. SetupPanel builds the widgets from
FIELDS and loads and dumps configs through them; which optimizer or strategy uses
which setting comes from core, never a copy."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hyperdesk.core.data.sources import ALL, OFFICIAL
from hyperdesk.core.data.tables import AUTO, CLASSIFICATION, REGRESSION
from hyperdesk.core.search.registry import STRATEGY_TITLES, strategy_settings
from hyperdesk.core.training.network import ACTIVATIONS, DTYPES, INITS
from hyperdesk.core.training.optimizers import CONDITIONS, OPTIMIZERS
from hyperdesk.desktop_app.setup.code_editors import CodePicker, FixedValues
from hyperdesk.desktop_app.setup.editors import (
    Choice,
    ChoiceOrNumber,
    Editor,
    Fraction,
    ImageSize,
    LabelPicker,
    Objectives,
    RankingMetric,
    SampleCount,
    SizeLimit,
    SourcePicker,
    Switch,
    TestSplit,
    Text,
    Values,
    WholeNumber,
    Widths,
)


def used_by_optimizer(setting: str) -> Callable[[Values], bool]:
    """Shown only for the optimizers that use `setting` (core's CONDITIONS)."""
    switch, allowed = CONDITIONS[setting]
    return lambda values: values[f"train.{switch}"] in allowed


def used_by_strategy(setting: str) -> Callable[[Values], bool]:
    """Shown only for the strategies (and coarse-to-fine samplers) that use `setting`
    (core's registry)."""
    return lambda values: (
        setting
        in strategy_settings(values["search.strategy"], values.get("search.sampler", "grid"))
    )


def always(values: Values) -> bool:
    return True


def on_dask(values: Values) -> bool:
    return values.get("run.executor") == "dask"


def trade_off(values: Values) -> bool:
    return len(values.get("search.objectives", ())) > 1


def own_code(values: Values) -> bool:
    """Trials run a training function of the person's own ([code])."""
    return bool(values.get("code.entry"))


def built_in(values: Values) -> bool:
    """Trials train Hyperdesk's own network."""
    return not own_code(values)


def own_data(values: Values) -> bool:
    return bool(values.get("data.source"))


def image_folder(values: Values) -> bool:
    return own_data(values) and Path(values["data.source"]).expanduser().is_dir()


def own_file(values: Values) -> bool:
    """A file (CSV, NPZ, IDX): a label column, array or file names the classes."""
    return own_data(values) and not image_folder(values)


def csv_file(values: Values) -> bool:
    return own_file(values) and values["data.source"].lower().endswith(".csv")


@dataclass(frozen=True)
class Field:
    key: str  # its place in the config: "train.epochs"
    label: str
    make: Callable[[], Editor]
    tooltip: str = ""
    object_name: str = ""
    shown: Callable[[Values], bool] = always
    enabled: Callable[[Values], bool] = always

    @property
    def section(self) -> str:
        return self.key.split(".")[0]

    @property
    def setting(self) -> str:
        """Its name as a search space row would name it."""
        return self.key.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[Field, ...]
    # What a folded section says in its header; None: the section never folds.
    summary: Callable[[Values], str] | None = None


def data_summary(values: Values) -> str:
    split = (
        f"{values['data.folds']}-fold"
        if values.get("data.folds", 1) > 1
        else f"validation {values.get('data.validation', 0):g}"
    )
    test = values.get("data.test")
    test = f", test {test}" if test == OFFICIAL else f", test {test:g}" if test else ""
    source = values.get("data.source")
    where = Path(source).name if source else values.get("data.dataset", "")
    samples = values.get("data.samples", 0)
    count = "all" if samples == ALL else f"{samples:,}"
    return f"{where}, {count} samples, {split}{test}"


def model_summary(values: Values) -> str:
    if own_code(values):
        file, _, function = values["code.entry"].rpartition(":")
        return f"your code: {Path(file).name}, {function}()"
    hidden = values.get("model.hidden") or []
    shape = (
        f"{len(hidden)} x {hidden[0]}"
        if len(set(hidden)) == 1
        else " / ".join(str(width) for width in hidden)
    )
    return f"{shape or 'no hidden layers'} {values.get('model.activation', '')}"


def run_summary(values: Values) -> str:
    if on_dask(values):
        return f"Dask cluster at {values.get('run.address') or '(no address yet)'}"
    return "this computer's worker processes"


def training_summary(values: Values) -> str:
    return (
        f"{values.get('train.epochs', 0)} epochs, batch {values.get('train.batch_size', 0)}, "
        f"{values.get('train.optimizer', '')}"
    )


SECTIONS = (
    Section(
        "Strategy",
        (
            Field(
                "search.strategy",
                "Method",
                lambda: Choice([(title, name) for name, title in STRATEGY_TITLES.items()]),
                object_name="strategyCombo",
            ),
            Field(
                "search.metric",
                "Rank by",
                RankingMetric,
                "What ranks the trials: accuracy for classes; for a measured number "
                "validation R² (higher is better, the default), RMSE or MAE (lower is "
                "better, in the label's units)",
                object_name="metricCombo",
                shown=built_in,
            ),
            Field(
                "search.objectives",
                "Optimise",
                Objectives,
                "Accuracy alone, or accuracy against what the model costs: no single best "
                "trial then, but a front of them (the Trade-off panel), each the most "
                "accurate for its cost. Evolutionary (NSGA-II) and Bayesian (TPE) learn it",
                object_name="objectivesCombo",
            ),
            Field(
                "search.constraints",
                "Most parameters",
                SizeLimit,
                "A trial whose network has more parameters is over the limit: kept, but "
                "never on the front",
                object_name="sizeLimitSpin",
                shown=trade_off,
            ),
            Field(
                "search.sampler",
                "Rounds are",
                lambda: Choice((("Grids", "grid"), ("Random draws", "random"))),
                "Grids: each round a grid of the points per range over where the best "
                "trials so far lie (the method as described); random draws: that many "
                "trials drawn there",
                object_name="samplerCombo",
                shown=used_by_strategy("sampler"),
            ),
            Field(
                "search.trials",
                "Trials",
                lambda: WholeNumber(1, 100_000),
                object_name="trialsSpin",
                shown=used_by_strategy("trials"),
            ),
            Field(
                "search.points",
                "Points per range",
                lambda: WholeNumber(2, 100),
                shown=used_by_strategy("points"),
            ),
            Field(
                "search.rounds",
                "Rounds",
                lambda: WholeNumber(1, 100),
                shown=used_by_strategy("rounds"),
            ),
            Field(
                "search.keep",
                "Keep fraction",
                lambda: Fraction(0.01, 1.0, 0.05),
                shown=used_by_strategy("keep"),
            ),
            Field(
                "search.batch",
                "Batch",
                lambda: WholeNumber(1, 1000),
                "Trials proposed together before their results are used; the search is "
                "the same whatever the number of worker processes",
                shown=used_by_strategy("batch"),
            ),
            Field(
                "search.early_stopping.rule",
                "Early stopping",
                lambda: Choice(
                    (
                        ("None", "none"),
                        ("Median rule", "median"),
                        ("Successive halving (ASHA)", "asha"),
                        ("Hyperband", "hyperband"),
                    )
                ),
                "Stop poor trials early; a stopped trial keeps its epochs and is marked pruned",
                "earlyStoppingCombo",
            ),
            Field("search.seed", "Search seed", lambda: WholeNumber(0, 2**31 - 1)),
        ),
    ),
    Section(
        "Data",
        (
            Field(
                "data.dataset",
                "Dataset",
                lambda: Choice(
                    (
                        ("MNIST, bundled (10,000 images)", "mnist-10k"),
                        ("MNIST (70,000 images, downloaded once)", "mnist"),
                        ("Fashion-MNIST (70,000 images, downloaded once)", "fashion-mnist"),
                    )
                ),
                enabled=lambda values: not own_data(values),
            ),
            Field(
                "data.source",
                "Your data",
                SourcePicker,
                "A CSV table (a header row; the last column holds the classes unless "
                "Label says otherwise), an NPZ file (arrays X and y), an IDX images file, "
                "or a folder with a subfolder of images per class",
            ),
            Field(
                "data.label",
                "Label",
                LabelPicker,
                "The column (CSV) or array (NPZ) holding the classes; for IDX, the labels file",
                shown=own_file,
            ),
            Field(
                "data.task",
                "Predict",
                lambda: Choice(
                    (
                        ("as the label looks", AUTO),
                        ("a class", CLASSIFICATION),
                        ("a number (regression)", REGRESSION),
                    )
                ),
                "As the label looks: words or a few whole numbers are classes, other "
                "numbers a measurement to predict (regression)",
                object_name="taskCombo",
                shown=own_file,
            ),
            Field(
                "data.missing",
                "Missing values",
                lambda: Choice(
                    (("are an error", ""), ("leave those rows out", "drop"), ("fill in", "mean"))
                ),
                "Filled in: numbers with the mean of the training rows; a missing word is "
                "none of its column's words",
                shown=csv_file,
            ),
            Field(
                "data.scale",
                "Scaling",
                lambda: Choice(
                    (
                        ("automatic", ""),
                        ("standardize", "standardize"),
                        ("to 0..1", "unit"),
                        ("none", "none"),
                    )
                ),
                "Fitted on the training rows only (per fold). Automatic: 0..1 for images, "
                "standardized for tables",
                shown=own_data,
            ),
            Field(
                "data.colour",
                "Colour",
                lambda: Choice((("automatic", ""), ("gray", "gray"), ("RGB", "rgb"))),
                "Automatic: RGB when any image has colour, else gray",
                shown=image_folder,
            ),
            Field(
                "data.image_size",
                "Image size",
                ImageSize,
                "Every image is resized to this width x height; empty: the size most of them have",
                shown=image_folder,
            ),
            Field(
                "data.samples",
                "Samples",
                SampleCount,
                'How many samples the search takes; "all" (the lowest value): every one',
            ),
            Field(
                "data.test",
                "Test fraction",
                TestSplit,
                "Samples held out for a final test that no search sees: evaluate a chosen "
                "trial on them with Search > Evaluate on test. MNIST and Fashion-MNIST can "
                "keep their official test images instead",
            ),
            Field(
                "data.validation",
                "Validation fraction",
                lambda: Fraction(0.01, 0.99, 0.05),
                # With k folds, every fold takes its turn as validation: no fraction to set.
                enabled=lambda values: values["data.folds"] == 1,
            ),
            Field(
                "data.folds",
                "Cross-validation folds",
                lambda: WholeNumber(1, 20, special="off (one validation split)"),
                "k-fold cross-validation: each trial trains k times, each fold validating "
                "once; its score is the mean, shown with its spread",
            ),
            Field(
                "data.stratify",
                "Stratified",
                lambda: Switch("every split keeps the class proportions"),
                "Test, validation and each fold hold the classes in their overall proportions",
            ),
            Field("data.seed", "Data seed", lambda: WholeNumber(0, 2**31 - 1)),
        ),
        summary=data_summary,
    ),
    Section(
        "Model",
        (
            Field(
                "code.entry",
                "Your training code",
                CodePicker,
                "A Python file whose function fit(params, trial) trains your own model for "
                "each trial: see 'Your own training code' in the README",
            ),
            Field(
                "code.metric",
                "Ranked by",
                lambda: Text("val_acc"),
                "The figure your function reports that ranks the trials",
                "codeMetricEdit",
                shown=own_code,
            ),
            Field(
                "code.direction",
                "Better is",
                lambda: Choice((("higher", "maximize"), ("lower", "minimize"))),
                object_name="codeDirectionCombo",
                shown=own_code,
            ),
            Field(
                "code.fixed",
                "Fixed values",
                FixedValues,
                "Passed to your function in params beside the searched ones",
                "codeFixedEdit",
                shown=own_code,
            ),
            Field(
                "model.hidden",
                "Hidden layers",
                Widths,
                "Widths of the hidden layers, e.g. 100, 100, 100",
                "hiddenEdit",
                shown=built_in,
            ),
            Field("model.activation", "Activation", lambda: Choice(ACTIVATIONS), shown=built_in),
            Field(
                "model.init",
                "Init",
                lambda: ChoiceOrNumber("init", INITS),
                "he, xavier, or a number: a fixed standard deviation",
                shown=built_in,
            ),
            Field("model.dropout", "Dropout", lambda: Fraction(0.0, 0.95, 0.05), shown=built_in),
            Field(
                "model.batchnorm",
                "Batch norm",
                lambda: Switch("before each activation"),
                shown=built_in,
            ),
        ),
        summary=model_summary,
    ),
    Section(
        "Training",
        (
            Field("train.epochs", "Epochs", lambda: WholeNumber(1, 10_000)),
            Field("train.batch_size", "Batch size", lambda: WholeNumber(1, 10_000)),
            Field(
                "train.repeats",
                "Repeats",
                lambda: WholeNumber(1, 20),
                "Train each configuration this many times with different seeds; its score "
                "is the mean, shown with its spread",
            ),
            Field(
                "train.optimizer",
                "Optimizer",
                lambda: Choice(OPTIMIZERS),
                object_name="optimizerCombo",
            ),
            Field(
                "train.momentum",
                "Momentum",
                lambda: Fraction(0.0, 0.999, 0.05),
                shown=used_by_optimizer("momentum"),
            ),
            Field(
                "train.beta1",
                "Adam beta1",
                lambda: Fraction(0.0, 0.999, 0.01),
                shown=used_by_optimizer("beta1"),
            ),
            Field(
                "train.beta2",
                "Adam beta2",
                lambda: Fraction(0.0, 0.9999, 0.001, decimals=4),
                shown=used_by_optimizer("beta2"),
            ),
            Field(
                "train.rho",
                "RMSprop rho",
                lambda: Fraction(0.0, 0.999, 0.01),
                shown=used_by_optimizer("rho"),
            ),
            Field("train.dtype", "Precision", lambda: Choice(DTYPES)),
        ),
        summary=training_summary,
    ),
    Section(
        "Where it runs",
        (
            Field(
                "run.executor",
                "Run on",
                lambda: Choice((("This computer", "local"), ("Dask cluster", "dask"))),
                "Where the trials train: worker processes here, or the workers of a Dask "
                "cluster (Hyperdesk installed on each, with hyperdesk[dask]). The results "
                "are the same",
                object_name="executorCombo",
            ),
            Field(
                "run.address",
                "Scheduler",
                lambda: Text("tcp://HOST:8786, or local:2"),
                "The Dask scheduler's address (dask scheduler prints it), tls://… with the "
                "certificates below, or local:N for N processes Hyperdesk starts here",
                object_name="daskAddressEdit",
                shown=on_dask,
            ),
            Field(
                "run.tls_ca",
                "TLS CA",
                lambda: Text("none: not encrypted"),
                "The certificate authority's file (PEM) that signed the cluster's "
                "certificates; with TLS certificate and TLS key, the traffic is encrypted "
                "and only holders of a certificate may connect",
                shown=on_dask,
            ),
            Field("run.tls_cert", "TLS certificate", lambda: Text("none"), shown=on_dask),
            Field("run.tls_key", "TLS key", lambda: Text("none"), shown=on_dask),
        ),
        summary=run_summary,
    ),
)


FIELDS = {field.key: field for section in SECTIONS for field in section.fields}


def workers_editor() -> WholeNumber:
    """Not part of the search: how many trials train at once. Results do not depend on
    it, so it is kept with the window's settings, not in the session."""
    editor = WholeNumber(1, 4 * (os.cpu_count() or 1))
    editor.widget.setObjectName("workersSpin")
    editor.widget.setToolTip(
        "Trials trained at once, each in its own process (default: one per core). "
        "The results do not depend on it."
    )
    return editor
