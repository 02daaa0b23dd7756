"""The setup form as one table: every setting the form edits, with its label, its editor,
its config key and when it shows. SetupPanel builds the widgets from FIELDS and loads and
dumps configs through them; which optimizer or strategy uses which setting comes from
core, never a copy."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hyperdesk.core.config import DataConfig
from hyperdesk.core.data.sources import ALL, OFFICIAL, official_test_rows
from hyperdesk.core.formatting import typed_text
from hyperdesk.core.search.objectives import SCORE
from hyperdesk.core.search.registry import STRATEGY_TITLES, strategy_settings
from hyperdesk.core.training.network import ACTIVATIONS, DTYPES, INITS
from hyperdesk.core.training.optimizers import CONDITIONS, OPTIMIZERS
from hyperdesk.desktop_app.dialogs.remembered import (
    last_folder,
    recent,
    remember_folder,
    remember_recent,
)
from hyperdesk.desktop_app.setup.form_widgets import ComboBox, DoubleSpinBox, SpinBox
from hyperdesk.desktop_app.setup.space_editor import parse_number, parse_value

# How many samples the form lets a person ask for; the data itself says if it has fewer.
MAX_SAMPLES = 100_000_000
Values = dict[str, Any]  # the form's current values by config key


class FieldProblem(ValueError):
    """Text in an editor that cannot be read at all; the message says what to write."""


class Editor:
    """A widget that edits one config value: value() reads it (FieldProblem when the
    text cannot be read), set_value() shows one, on_change() hears every edit."""

    widget: QWidget

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def on_change(self, slot: Callable[..., None]) -> None:
        raise NotImplementedError

    def fit(self, values: Values) -> None:
        """Adjust to the other settings (an editor whose choices depend on them)."""


class WholeNumber(Editor):
    def __init__(self, low: int, high: int, special: str = ""):
        self.widget = SpinBox()
        self.widget.setRange(low, high)
        self.widget.setGroupSeparatorShown(True)
        self.widget.setSpecialValueText(special)

    def value(self) -> int:
        return self.widget.value()

    def set_value(self, value: int) -> None:
        self.widget.setValue(value)

    def on_change(self, slot) -> None:
        self.widget.valueChanged.connect(slot)


class SampleCount(WholeNumber):
    """A number of samples, or all of them: the box's lowest value reads "all"."""

    def __init__(self):
        super().__init__(0, MAX_SAMPLES, special=ALL)

    def value(self) -> int | str:
        return self.widget.value() or ALL

    def set_value(self, value: int | str) -> None:
        self.widget.setValue(0 if value == ALL else value)


class Fraction(Editor):
    def __init__(self, low: float, high: float, step: float, decimals: int = 3, special=""):
        self.widget = DoubleSpinBox()
        self.widget.setRange(low, high)
        self.widget.setDecimals(decimals)
        self.widget.setSingleStep(step)
        self.widget.setSpecialValueText(special)

    def value(self) -> float:
        # The spin box's binary float, rounded to what it shows: 0.1, not 0.1000000001.
        return round(self.widget.value(), 6)

    def set_value(self, value: float) -> None:
        self.widget.setValue(value)

    def on_change(self, slot) -> None:
        self.widget.valueChanged.connect(slot)


class TestSplit(Editor):
    """A fraction held out for the final test, or the test split a downloaded dataset
    ships with (offered only for those)."""

    def __init__(self):
        self.share = Fraction(0.0, 0.9, 0.05, special="none")
        self.fraction = self.share.widget
        self.official = QCheckBox()
        self.official.setObjectName("officialTestCheck")
        self.widget = QWidget()
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.fraction, 1)
        row.addWidget(self.official)

    def value(self) -> float | str:
        if self.official.isVisibleTo(self.widget) and self.official.isChecked():
            return OFFICIAL
        return self.share.value()

    def set_value(self, value: float | str) -> None:
        self.official.setChecked(value == OFFICIAL)
        if value != OFFICIAL:
            self.share.set_value(value)

    def on_change(self, slot) -> None:
        self.share.on_change(slot)
        self.official.toggled.connect(slot)

    def fit(self, values: Values) -> None:
        rows = official_test_rows(DataConfig(values["data.dataset"], values.get("data.source", "")))
        self.official.setVisible(bool(rows))
        self.official.setText(f"the official {rows:,} test images")
        self.fraction.setEnabled(not (rows and self.official.isChecked()))


class Choice(Editor):
    """One of `choices`: (label, value) pairs, or values shown as they are."""

    def __init__(self, choices):
        self.widget = ComboBox()
        for choice in choices:
            label, value = choice if isinstance(choice, tuple) else (choice, choice)
            self.widget.addItem(label, value)

    def value(self) -> Any:
        return self.widget.currentData()

    def set_value(self, value: Any) -> None:
        self.widget.setCurrentIndex(self.widget.findData(value))

    def on_change(self, slot) -> None:
        self.widget.currentIndexChanged.connect(slot)


class Objectives(Choice):
    """What the search optimises: the accuracy alone, or it against one cost."""

    def __init__(self):
        super().__init__(
            (
                ("Accuracy", SCORE),
                ("Accuracy and size (parameters)", "params"),
                ("Accuracy and training time", "train_seconds"),
            )
        )

    def value(self) -> list[str]:
        cost = self.widget.currentData()
        return [SCORE] if cost == SCORE else [SCORE, cost]

    def set_value(self, value: list[str]) -> None:
        super().set_value(value[-1])


class SizeLimit(Editor):
    """The most parameters a trial's network may have ([search.constraints] max_params);
    the lowest value reads "no limit". A config's other limits are kept as they are."""

    def __init__(self):
        self.spin = WholeNumber(0, 1_000_000_000, special="no limit")
        self.widget = self.spin.widget
        self.widget.setSingleStep(1000)
        self.others: dict[str, float] = {}

    def value(self) -> dict[str, float]:
        limit = self.spin.value()
        return {**self.others, **({"max_params": limit} if limit else {})}

    def set_value(self, value: dict[str, float]) -> None:
        self.others = {name: limit for name, limit in value.items() if name != "max_params"}
        self.spin.set_value(int(value.get("max_params", 0)))

    def on_change(self, slot) -> None:
        self.spin.on_change(slot)


class ChoiceOrNumber(Editor):
    """A named choice or a number typed in (the init: he, xavier, or a fixed std)."""

    def __init__(self, name: str, choices):
        self.name = name
        self.widget = ComboBox()
        self.widget.setEditable(True)
        self.widget.addItems(list(choices))

    def value(self) -> Any:
        return parse_value(self.name, self.widget.currentText())

    def set_value(self, value: Any) -> None:
        self.widget.setCurrentText(typed_text(value))

    def on_change(self, slot) -> None:
        self.widget.currentTextChanged.connect(slot)


class Widths(Editor):
    """Layer widths separated by commas."""

    def __init__(self):
        self.widget = QLineEdit()

    def value(self) -> list[int]:
        tokens = [token.strip() for token in self.widget.text().split(",") if token.strip()]
        widths = [parse_number(token) for token in tokens]
        if None in widths:
            raise FieldProblem("write whole numbers separated by commas, e.g. 100, 100, 100")
        return widths

    def set_value(self, value) -> None:
        self.widget.setText(", ".join(str(width) for width in value))

    def on_change(self, slot) -> None:
        self.widget.textEdited.connect(slot)


class Text(Editor):
    """Free text (a column's name); empty means the default the tooltip names."""

    def __init__(self, placeholder: str):
        self.edit = self.widget = QLineEdit()
        self.edit.setPlaceholderText(placeholder)

    def value(self) -> str:
        return self.edit.text().strip()

    def set_value(self, value: str) -> None:
        self.edit.setText(value)

    def on_change(self, slot) -> None:
        self.edit.textEdited.connect(slot)


class ImageSize(Text):
    """Width x height in pixels; empty: the most common size among the images."""

    def __init__(self):
        super().__init__("the most common size")

    def value(self) -> list[int]:
        text = super().value()
        if not text:
            return []
        sides = [parse_number(side.strip()) for side in text.replace(",", "x").split("x")]
        if len(sides) != 2 or None in sides:
            raise FieldProblem("write width x height in pixels, e.g. 28 x 28, or leave it empty")
        return sides

    def set_value(self, value) -> None:
        self.edit.setText(" x ".join(str(side) for side in value))


RECENT_DATA = "data/recent"  # the settings key of the data files last searched


class SourcePicker(Text):
    """A person's own data: a file (CSV, NPZ, IDX) or a folder of class subfolders,
    typed, chosen, or taken again from the recent ones; empty: the Dataset above."""

    def __init__(self):
        super().__init__("none: the dataset above")
        self.widget = QWidget()
        self.edit.setObjectName("sourceEdit")
        self.edit.setClearButtonEnabled(True)
        self.recent_button = QToolButton()
        self.recent_button.setObjectName("recentDataButton")
        self.recent_button.setText("Recent")
        self.recent_button.setToolTip("Data files and folders searched before")
        self.recent_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.recent_menu = QMenu(self.recent_button)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.recent_button.setMenu(self.recent_menu)
        file_button, folder_button = QPushButton("File…"), QPushButton("Folder…")
        file_button.setObjectName("sourceFileButton")
        folder_button.setObjectName("sourceFolderButton")
        file_button.setToolTip("A CSV table, an NPZ file or an IDX images file")
        folder_button.setToolTip("A folder with one subfolder of images per class")
        file_button.clicked.connect(self._choose_file)
        folder_button.clicked.connect(self._choose_folder)
        # The path on a line of its own: beside three buttons it showed a dozen letters.
        column = QVBoxLayout(self.widget)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        column.addWidget(self.edit)
        row = QHBoxLayout()
        for button in (file_button, folder_button, self.recent_button):
            row.addWidget(button)
        row.addStretch()
        column.addLayout(row)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        sources = recent(RECENT_DATA)
        for source in sources:
            action = self.recent_menu.addAction(source)
            action.setEnabled(Path(source).exists())  # moved or deleted since: shown, greyed
            action.triggered.connect(lambda _=False, chosen=source: self._chosen(chosen))
        if not sources:
            self.recent_menu.addAction("(no data of your own searched yet)").setEnabled(False)

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.widget,
            "Your data",
            self.edit.text() or str(last_folder("data")),
            "Tables and arrays (*.csv *.npz *.gz *-ubyte);;All files (*)",
        )
        self._chosen(path)

    def _choose_folder(self) -> None:
        start = self.edit.text() or str(last_folder("data"))
        self._chosen(QFileDialog.getExistingDirectory(self.widget, "A folder of images", start))

    def _chosen(self, path: str) -> None:
        if path:
            remember_recent(RECENT_DATA, path)
            remember_folder("data", Path(path).parent)
            self.edit.setText(path)
            self.edit.textEdited.emit(path)


class Switch(Editor):
    def __init__(self, text: str):
        self.widget = QCheckBox(text)

    def value(self) -> bool:
        return self.widget.isChecked()

    def set_value(self, value: bool) -> None:
        self.widget.setChecked(value)

    def on_change(self, slot) -> None:
        self.widget.toggled.connect(slot)


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
                lambda: Text("the last column"),
                "The column (CSV) or array (NPZ) holding the classes; for IDX, the labels file",
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
                "model.hidden",
                "Hidden layers",
                Widths,
                "Widths of the hidden layers, e.g. 100, 100, 100",
                "hiddenEdit",
            ),
            Field("model.activation", "Activation", lambda: Choice(ACTIVATIONS)),
            Field(
                "model.init",
                "Init",
                lambda: ChoiceOrNumber("init", INITS),
                "he, xavier, or a number: a fixed standard deviation",
            ),
            Field("model.dropout", "Dropout", lambda: Fraction(0.0, 0.95, 0.05)),
            Field("model.batchnorm", "Batch norm", lambda: Switch("before each activation")),
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
