"""The left side of the window: data, model, training, the search space and the strategy.

The panel turns its editors into a raw config dict and lets hyperdesk.core.config validate it, so
the window and the command line accept exactly the same searches. Each problem is shown
at the editor its key path names: a red outline, a tooltip and a line underneath.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict
from typing import Any

from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hyperdesk.core import config as config_module
from hyperdesk.core.config import (
    DATASET_SIZES,
    SEARCHABLE,
    TRAIN_RULES,
    Config,
    ConfigError,
    hidden_widths,
    param_to_dict,
)
from hyperdesk.core.search.registry import preview_strategy
from hyperdesk.core.search.space import Param, RangeParam
from hyperdesk.core.training.network import ACTIVATIONS, DTYPES, INITS
from hyperdesk.core.training.optimizers import CONDITIONS, OPTIMIZERS

# What a newly added row searches, before the person edits it.
NEW_ROW_DEFAULTS: dict[str, dict[str, Any]] = {
    "lr": {"low": 1e-6, "high": 1e-2, "scale": "log"},
    "weight_decay": {"low": 1e-8, "high": 1e-4, "scale": "log"},
    "momentum": {"low": 0.5, "high": 0.99, "scale": "linear"},
    "beta1": {"low": 0.8, "high": 0.99, "scale": "linear"},
    "beta2": {"low": 0.99, "high": 0.9999, "scale": "linear"},
    "rho": {"low": 0.9, "high": 0.999, "scale": "linear"},
    "batch_size": {"low": 16, "high": 256, "scale": "log"},
    "epochs": {"low": 10, "high": 100, "scale": "linear"},
    "dropout": {"low": 0.0, "high": 0.5, "scale": "linear"},
    "hidden_units": {"low": 16, "high": 512, "scale": "log"},
    "layers": {"low": 1, "high": 8, "scale": "linear"},
    "optimizer": {"values": list(OPTIMIZERS)},
    "activation": {"values": list(ACTIVATIONS)},
    "batchnorm": {"values": [False, True]},
    "init": {"values": list(INITS)},
}
# Rows the editor always shows: the product's two headline hyperparameters.
STANDING_ROWS = ("lr", "weight_decay")
STRATEGY_LABELS = (
    ("Grid", "grid"),
    ("Random", "random"),
    ("Coarse-to-fine", "coarse-to-fine"),
    ("Bayesian (TPE)", "tpe"),
    ("Quasi-random (Sobol)", "sobol"),
)
PREVIEW_SAMPLES = 30
SETUP_STYLE = """
*[invalid="true"] { border: 1px solid #c62828; border-radius: 3px; }
QToolButton:checked { background: #1f5fbf; color: white; border: 1px solid #174a94; }
"""


def section_of(name: str) -> str:
    return "train" if name in TRAIN_RULES else "model"


def parse_number(text: str) -> float | int | None:
    """Plain or scientific notation (`0.001`, `1e-3`); whole numbers come back as int."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return None
    return value


def parse_value(name: str, text: str) -> Any:
    """One value of a setting as typed: a number, true/false, or a word."""
    text = text.strip()
    if SEARCHABLE[name].kind == "bool":
        return {"true": True, "false": False}.get(text.lower(), text)
    number = parse_number(text)
    return text if number is None else number


def format_number(value: Any) -> str:
    """A value as a person would type it: 0.01, 1e-06, 100, true."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return repr(value)  # exact: reading the text back gives the same float
    return str(value)


def mark_invalid(widget: QWidget, reason: str | None) -> None:
    widget.setProperty("invalid", reason is not None)
    widget.setToolTip(reason or "")
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class FieldError(QLabel):
    """The line under an editor that says what is wrong with it."""

    def __init__(self):
        super().__init__()
        self.setWordWrap(True)
        self.setStyleSheet("color: #c62828; font-size: 9pt;")
        self.hide()

    def show_reason(self, reason: str | None) -> None:
        self.setText(reason or "")
        self.setVisible(bool(reason))


class PreviewStrip(QWidget):
    """A thin axis in the parameter's scale, with a tick where each of the next samples
    falls (and faint decade marks on a log scale)."""

    def __init__(self):
        super().__init__()
        self.setMinimumHeight(16)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.positions: list[float] = []
        self.decades: list[float] = []
        self.setToolTip("Where the next samples fall, on the chosen scale")

    def show_samples(self, positions: list[float], decades: list[float]) -> None:
        self.positions, self.decades = positions, decades
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = QRectF(self.rect()).adjusted(4, 2, -4, -2)
        middle = area.center().y()
        painter.setPen(QPen(QColor("#bdbdbd"), 1))
        painter.drawLine(area.left(), middle, area.right(), middle)
        for decade in self.decades:
            x = area.left() + decade * area.width()
            painter.drawLine(x, middle - 3, x, middle + 3)
        painter.setPen(QPen(QColor(31, 95, 191, 170), 1.5))
        for position in self.positions:
            x = area.left() + position * area.width()
            painter.drawLine(x, area.top(), x, area.bottom())
        painter.end()


class SpaceRow(QFrame):
    """One hyperparameter: a search checkbox, low and high (or one fixed value, or a list
    of values for a categorical setting), the Linear | Log toggle, grid points, a preview
    strip and a remove button."""

    changed = Signal()
    removeRequested = Signal(str)

    def __init__(self, name: str, removable: bool):
        super().__init__()
        self.name = name
        self.categorical = SEARCHABLE[name].kind in ("choice", "bool")
        self.setObjectName(f"spaceRow_{name}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QGridLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setHorizontalSpacing(6)
        layout.setVerticalSpacing(3)

        self.search_box = QCheckBox(name)
        self.search_box.setObjectName(f"search_{name}")
        self.search_box.setToolTip("Checked: search this setting. Unchecked: a fixed value.")
        self.low_edit = QLineEdit()
        self.low_edit.setObjectName(f"low_{name}")
        self.high_edit = QLineEdit()
        self.high_edit.setObjectName(f"high_{name}")
        self.dash = QLabel("to")
        for edit in (self.low_edit, self.high_edit):
            edit.setMinimumWidth(64)
        self.linear_button = QToolButton()
        self.linear_button.setText("Linear")
        self.log_button = QToolButton()
        self.log_button.setText("Log")
        self.scale_group = QButtonGroup(self)
        for button in (self.linear_button, self.log_button):
            button.setCheckable(True)
            button.setAutoRaise(False)
            self.scale_group.addButton(button)
        self.linear_button.setObjectName(f"linear_{name}")
        self.log_button.setObjectName(f"log_{name}")
        self.linear_button.setChecked(True)
        scale = QHBoxLayout()
        scale.setSpacing(0)
        scale.addWidget(self.linear_button)
        scale.addWidget(self.log_button)
        self.remove_button = QToolButton()
        self.remove_button.setText("✕")
        self.remove_button.setToolTip(f"Remove {name} from the search")
        self.remove_button.setVisible(removable)
        self.points_label = QLabel("points")
        self.points_spin = QSpinBox()
        self.points_spin.setObjectName(f"points_{name}")
        self.points_spin.setRange(2, 50)
        self.points_spin.setValue(5)
        self.preview = PreviewStrip()
        self.error = FieldError()
        self.error.setObjectName(f"error_{name}")
        self.condition = QLabel()
        if name in CONDITIONS:
            setting, allowed = CONDITIONS[name]
            self.condition.setText(f"used only when {setting} is {' or '.join(allowed)}")
            self.condition.setStyleSheet("color: #6b6b6b; font-size: 9pt;")
        self.condition.setVisible(name in CONDITIONS)

        layout.addWidget(self.search_box, 0, 0)
        layout.addWidget(self.low_edit, 0, 1)
        layout.addWidget(self.dash, 0, 2)
        layout.addWidget(self.high_edit, 0, 3)
        layout.addLayout(scale, 0, 4)
        layout.addWidget(self.remove_button, 0, 5)
        layout.addWidget(self.points_label, 1, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.points_spin, 1, 1)
        layout.addWidget(self.preview, 1, 2, 1, 4)
        layout.addWidget(self.error, 2, 0, 1, 6)
        layout.addWidget(self.condition, 3, 0, 1, 6)
        layout.setColumnStretch(1, 1)
        layout.setColumnStretch(3, 1)

        self.fixed_text = ""
        self.range_texts = ("", "")
        self.grid_strategy = False
        self.search_box.toggled.connect(self._search_toggled)
        self.log_button.clicked.connect(self._log_clicked)
        self.linear_button.clicked.connect(self._linear_clicked)
        self.remove_button.clicked.connect(lambda: self.removeRequested.emit(self.name))
        for edit in (self.low_edit, self.high_edit):
            edit.textEdited.connect(self._edited)
        self.points_spin.valueChanged.connect(self._edited)
        self.scale_note: str | None = None

    # --- state in and out ---------------------------------------------------------

    def load(self, searched: bool, table: dict[str, Any], fixed_value: Any) -> None:
        """Show a searched range or value list (`table`, as in the config) or a fixed
        value, without emitting changed."""
        self.blockSignals(True)
        if "values" in table:
            self.range_texts = (", ".join(format_number(v) for v in table["values"]), "")
        else:
            self.range_texts = (format_number(table["low"]), format_number(table["high"]))
            self.log_button.setChecked(table.get("scale") == "log")
            self.linear_button.setChecked(table.get("scale") != "log")
            self.points_spin.setValue(table.get("points") or self.points_spin.value())
        self.fixed_text = format_number(fixed_value)
        self.search_box.setChecked(searched)
        self._show_texts()
        self.blockSignals(False)

    @property
    def searched(self) -> bool:
        return self.search_box.isChecked()

    @property
    def scale(self) -> str:
        return "log" if self.log_button.isChecked() else "linear"

    def _show_texts(self) -> None:
        if self.searched:
            self.low_edit.setText(self.range_texts[0])
            self.high_edit.setText(self.range_texts[1])
        else:
            self.low_edit.setText(self.fixed_text)
        self._update_visibility()

    def set_grid(self, grid: bool) -> None:
        self.grid_strategy = grid
        self._update_visibility()

    def _update_visibility(self) -> None:
        ranged = self.searched and not self.categorical
        self.high_edit.setVisible(ranged)
        self.dash.setVisible(ranged)
        self.linear_button.setVisible(ranged)
        self.log_button.setVisible(ranged)
        self.points_label.setVisible(ranged and self.grid_strategy)
        self.points_spin.setVisible(ranged and self.grid_strategy)
        self.preview.setVisible(self.searched)
        if self.searched and self.categorical:
            self.low_edit.setPlaceholderText("values, separated by commas")
        else:
            self.low_edit.setPlaceholderText("value" if not self.searched else "low")
        self.high_edit.setPlaceholderText("high")

    def _search_toggled(self, searched: bool) -> None:
        # Keep what was typed in the other mode, so toggling back restores it.
        if searched:
            self.fixed_text = self.low_edit.text()
        else:
            self.range_texts = (self.low_edit.text(), self.high_edit.text())
        self._show_texts()
        self.changed.emit()

    def _edited(self, *args) -> None:
        self.scale_note = None
        self.changed.emit()

    def _log_clicked(self) -> None:
        low, high = parse_number(self.low_edit.text()), parse_number(self.high_edit.text())
        blocking = [
            f"{label} is {value:g}"
            for label, value in (("low", low), ("high", high))
            if isinstance(value, int | float) and value <= 0
        ]
        if blocking:
            # Refuse rather than change the range behind the person's back.
            self.linear_button.setChecked(True)
            self.scale_note = (
                f"Log scale needs low and high above 0 ({', '.join(blocking)}); "
                "set a positive range first."
            )
        else:
            self.scale_note = None
        self.changed.emit()

    def _linear_clicked(self) -> None:
        self.scale_note = None
        self.changed.emit()

    def contribute(self, raw: dict[str, Any], problems: list[tuple[str, str]]) -> None:
        """Put this row into a raw config dict; what cannot even be read goes to
        `problems` with its key path."""
        if not self.searched:
            text = self.low_edit.text()
            path = f"{section_of(self.name)}.{self.name}"
            if self.name in ("hidden_units", "layers"):
                path = f"model.{self.name}"
            if not text.strip():
                problems.append((path, "needs a value"))
                return
            value = parse_value(self.name, text)
            if self.name in ("hidden_units", "layers"):
                rule = SEARCHABLE[self.name]
                problem = rule.check(value)
                if problem:
                    problems.append((path, problem))
                    return
                model = raw.setdefault("model", {})
                hidden = tuple(model.get("hidden", config_module.ModelConfig.hidden))
                model["hidden"] = list(hidden_widths(hidden, {self.name: int(value)}))
            else:
                raw.setdefault(section_of(self.name), {})[self.name] = value
            return
        base = f"search.space.{self.name}"
        table: dict[str, Any] = {}
        if self.categorical:
            tokens = [token for token in self.low_edit.text().split(",") if token.strip()]
            table["values"] = [parse_value(self.name, token) for token in tokens]
        else:
            for key, edit in (("low", self.low_edit), ("high", self.high_edit)):
                value = parse_number(edit.text())
                if value is None:
                    shown = edit.text().strip()
                    problems.append(
                        (
                            f"{base}.{key}",
                            f"{shown!r} is not a number (write it as 0.001 or 1e-3)"
                            if shown
                            else "needs a value",
                        )
                    )
                else:
                    table[key] = value
            table["scale"] = self.scale
            if self.grid_strategy:
                table["points"] = self.points_spin.value()
        raw.setdefault("search", {}).setdefault("space", {})[self.name] = table

    def show_problems(self, problems: dict[str, str]) -> None:
        """Mark the editors whose key paths have problems; `problems` maps path to
        message, for the paths that concern this row."""
        low_keys = (
            f"search.space.{self.name}.low",
            f"search.space.{self.name}.values",
            f"search.space.{self.name}",
            f"{section_of(self.name)}.{self.name}",
            f"model.{self.name}",
        )
        low_reasons = [
            problems[key]
            for key in problems
            if key in low_keys or key.startswith(f"search.space.{self.name}.values[")
        ]
        high_reasons = [
            problems[key] for key in (f"search.space.{self.name}.high",) if key in problems
        ]
        scale_reasons = [
            problems[key] for key in (f"search.space.{self.name}.scale",) if key in problems
        ]
        points_reasons = [
            problems[key] for key in (f"search.space.{self.name}.points",) if key in problems
        ]
        low, high = parse_number(self.low_edit.text()), parse_number(self.high_edit.text())
        if self.searched and low is not None and high is not None and low >= high:
            # An upside-down range is wrong at both ends: outline both.
            mark_invalid(self.low_edit, "; ".join(low_reasons + high_reasons))
        else:
            mark_invalid(self.low_edit, "; ".join(low_reasons) or None)
        mark_invalid(self.high_edit, "; ".join(high_reasons) or None)
        mark_invalid(self.points_spin, "; ".join(points_reasons) or None)
        lines = []
        for label, reasons in (
            (
                "low"
                if self.searched and not self.categorical
                else "value"
                if not self.searched
                else "values",
                low_reasons,
            ),
            ("high", high_reasons),
            ("scale", scale_reasons),
            ("points", points_reasons),
        ):
            lines += [f"{label}: {reason}" for reason in reasons]
        if self.scale_note:
            lines.insert(0, self.scale_note)
        self.error.show_reason("\n".join(lines) or None)

    def show_preview(self, param: Param | None, values: list[Any]) -> None:
        if param is None:
            self.preview.show_samples([], [])
            return
        positions = [param.to_unit(value) for value in values]
        decades = []
        if isinstance(param, RangeParam) and param.scale == "log":
            first, last = math.ceil(math.log10(param.low)), math.floor(math.log10(param.high))
            decades = [param.to_unit(10.0**k) for k in range(first, last + 1)]
        self.preview.show_samples(positions, decades)


class SpaceEditor(QWidget):
    """The search-space rows and an "Add parameter" chooser."""

    changed = Signal()

    def __init__(self):
        super().__init__()
        self.setObjectName("spaceEditor")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout = QVBoxLayout()
        self.rows_layout.setSpacing(4)
        layout.addLayout(self.rows_layout)
        self.add_combo = QComboBox()
        self.add_combo.setObjectName("addParameterCombo")
        self.add_combo.activated.connect(self._add_chosen)
        layout.addWidget(self.add_combo)
        self.rows: dict[str, SpaceRow] = {}
        self.grid_strategy = False
        self._refresh_add_combo()

    def _refresh_add_combo(self) -> None:
        self.add_combo.blockSignals(True)
        self.add_combo.clear()
        self.add_combo.addItem("Add a parameter to search…")
        for name in SEARCHABLE:
            if name not in self.rows:
                self.add_combo.addItem(name, name)
        self.add_combo.blockSignals(False)

    def _add_chosen(self, index: int) -> None:
        name = self.add_combo.itemData(index)
        if name:
            self.add_row(name, True, NEW_ROW_DEFAULTS[name], None)
            self.changed.emit()
        self.add_combo.setCurrentIndex(0)

    def add_row(self, name: str, searched: bool, table: dict[str, Any], fixed: Any) -> SpaceRow:
        row = SpaceRow(name, removable=name not in STANDING_ROWS)
        if fixed is None:
            fixed = table["values"][0] if "values" in table else table["low"]
        row.load(searched, table, fixed)
        row.set_grid(self.grid_strategy)
        row.changed.connect(self.changed)
        row.removeRequested.connect(self.remove_row)
        self.rows[name] = row
        self.rows_layout.addWidget(row)
        self._refresh_add_combo()
        return row

    def remove_row(self, name: str) -> None:
        row = self.rows.pop(name)
        row.setParent(None)
        row.deleteLater()
        self._refresh_add_combo()
        self.changed.emit()

    def clear(self) -> None:
        for name in list(self.rows):
            row = self.rows.pop(name)
            row.setParent(None)
            row.deleteLater()
        self._refresh_add_combo()

    def set_grid(self, grid: bool) -> None:
        self.grid_strategy = grid
        for row in self.rows.values():
            row.set_grid(grid)


def _spin(low: int, high: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setGroupSeparatorShown(True)
    return spin


def _fraction(low: float, high: float, step: float) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(low, high)
    spin.setDecimals(3)
    spin.setSingleStep(step)
    return spin


class VerticalScrollArea(QScrollArea):
    """Scrolls up and down only, and is never narrower than what it holds, so no editor
    is clipped at the right."""

    def __init__(self):
        super().__init__()
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def setWidget(self, widget: QWidget) -> None:
        super().setWidget(widget)
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        # When what it holds needs a new layout (rows added, fonts styled), the dock
        # around it must learn the new minimum width.
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)

    def minimumSizeHint(self):
        hint = super().minimumSizeHint()
        if self.widget() is not None:
            hint.setWidth(
                self.widget().minimumSizeHint().width()
                + self.verticalScrollBar().sizeHint().width()
                + 2 * self.frameWidth()
            )
        return hint


class SetupPanel(QWidget):
    """Everything that defines a search. `changed` fires on every edit; `problems()` and
    `config()` read the editors through core.config."""

    changed = Signal()

    def __init__(self):
        super().__init__()
        self.setStyleSheet(SETUP_STYLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.fields: dict[str, tuple[QWidget, FieldError]] = {}
        self.form_rows: dict[str, tuple[QFormLayout, QWidget]] = {}

        name_form = QFormLayout()
        self.name_edit = QLineEdit("seed")
        self.name_edit.setObjectName("nameEdit")
        name_form.addRow("Session name", self.name_edit)
        layout.addLayout(name_form)

        data = QGroupBox("Data")
        data_form = QFormLayout(data)
        data_form.addRow("Dataset", QLabel("MNIST, bundled (10,000 images)"))
        self.samples_spin = _spin(1, DATASET_SIZES["mnist-10k"])
        self.validation_spin = _fraction(0.01, 0.99, 0.05)
        self.data_seed_spin = _spin(0, 2**31 - 1)
        self.test_spin = _fraction(0.0, 0.9, 0.05)
        self.test_spin.setSpecialValueText("none")
        self.test_spin.setToolTip(
            "Samples held out for a final test that no search sees: evaluate a chosen "
            "trial on them with Search > Evaluate on test"
        )
        self.folds_spin = _spin(1, 20)
        self.folds_spin.setSpecialValueText("off (one validation split)")
        self.folds_spin.setToolTip(
            "k-fold cross-validation: each trial trains k times, each fold validating "
            "once; its score is the mean, shown with its spread"
        )
        self._add_field(data_form, "Samples", "data.samples", self.samples_spin)
        self._add_field(data_form, "Test fraction", "data.test", self.test_spin)
        self._add_field(data_form, "Validation fraction", "data.validation", self.validation_spin)
        self._add_field(data_form, "Cross-validation folds", "data.folds", self.folds_spin)
        self._add_field(data_form, "Data seed", "data.seed", self.data_seed_spin)
        # With k folds, every fold takes its turn as validation: no fraction to set.
        self.folds_spin.valueChanged.connect(
            lambda folds: self.validation_spin.setEnabled(folds == 1)
        )
        layout.addWidget(data)

        model = QGroupBox("Model")
        model_form = QFormLayout(model)
        self.hidden_edit = QLineEdit()
        self.hidden_edit.setObjectName("hiddenEdit")
        self.hidden_edit.setToolTip("Widths of the hidden layers, e.g. 100, 100, 100")
        self.activation_combo = QComboBox()
        self.activation_combo.addItems(list(ACTIVATIONS))
        self.init_combo = QComboBox()
        self.init_combo.setEditable(True)
        self.init_combo.addItems(list(INITS))
        self.init_combo.setToolTip("he, xavier, or a number: a fixed standard deviation")
        self.dropout_spin = _fraction(0.0, 0.95, 0.05)
        self.batchnorm_box = QCheckBox("before each activation")
        self._add_field(model_form, "Hidden layers", "model.hidden", self.hidden_edit)
        self._add_field(model_form, "Activation", "model.activation", self.activation_combo)
        self._add_field(model_form, "Init", "model.init", self.init_combo)
        self._add_field(model_form, "Dropout", "model.dropout", self.dropout_spin)
        self._add_field(model_form, "Batch norm", "model.batchnorm", self.batchnorm_box)
        layout.addWidget(model)

        training = QGroupBox("Training")
        train_form = QFormLayout(training)
        self.epochs_spin = _spin(1, 10_000)
        self.batch_spin = _spin(1, 10_000)
        self.optimizer_combo = QComboBox()
        self.optimizer_combo.setObjectName("optimizerCombo")
        self.optimizer_combo.addItems(list(OPTIMIZERS))
        self.momentum_spin = _fraction(0.0, 0.999, 0.05)
        self.beta1_spin = _fraction(0.0, 0.999, 0.01)
        self.beta2_spin = _fraction(0.0, 0.9999, 0.001)
        self.beta2_spin.setDecimals(4)
        self.rho_spin = _fraction(0.0, 0.999, 0.01)
        self.dtype_combo = QComboBox()
        self.dtype_combo.addItems(list(DTYPES))
        self.repeats_spin = _spin(1, 20)
        self.repeats_spin.setToolTip(
            "Train each configuration this many times with different seeds; its score is "
            "the mean, shown with its spread"
        )
        self._add_field(train_form, "Epochs", "train.epochs", self.epochs_spin)
        self._add_field(train_form, "Batch size", "train.batch_size", self.batch_spin)
        self._add_field(train_form, "Repeats", "train.repeats", self.repeats_spin)
        self._add_field(train_form, "Optimizer", "train.optimizer", self.optimizer_combo)
        self._add_field(train_form, "Momentum", "train.momentum", self.momentum_spin)
        self._add_field(train_form, "Adam beta1", "train.beta1", self.beta1_spin)
        self._add_field(train_form, "Adam beta2", "train.beta2", self.beta2_spin)
        self._add_field(train_form, "RMSprop rho", "train.rho", self.rho_spin)
        self._add_field(train_form, "Precision", "train.dtype", self.dtype_combo)
        layout.addWidget(training)

        space = QGroupBox("Search space")
        space_layout = QVBoxLayout(space)
        self.space_editor = SpaceEditor()
        space_layout.addWidget(self.space_editor)
        self.space_error = FieldError()
        space_layout.addWidget(self.space_error)
        layout.addWidget(space)

        strategy = QGroupBox("Strategy")
        strategy_form = QFormLayout(strategy)
        self.strategy_combo = QComboBox()
        self.strategy_combo.setObjectName("strategyCombo")
        for label, value in STRATEGY_LABELS:
            self.strategy_combo.addItem(label, value)
        self.trials_spin = _spin(1, 100_000)
        self.trials_spin.setObjectName("trialsSpin")
        self.points_spin = _spin(2, 100)
        self.rounds_spin = _spin(1, 100)
        self.keep_spin = _fraction(0.01, 1.0, 0.05)
        self.ask_batch_spin = _spin(1, 1000)
        self.ask_batch_spin.setToolTip(
            "Trials proposed together before their results are used; the search is the "
            "same whatever the number of worker processes"
        )
        self.search_seed_spin = _spin(0, 2**31 - 1)
        strategy_form.addRow("Method", self.strategy_combo)
        self._add_field(strategy_form, "Trials", "search.trials", self.trials_spin)
        self._add_field(strategy_form, "Points per range", "search.points", self.points_spin)
        self._add_field(strategy_form, "Rounds", "search.rounds", self.rounds_spin)
        self._add_field(strategy_form, "Keep fraction", "search.keep", self.keep_spin)
        self._add_field(strategy_form, "Batch", "search.batch", self.ask_batch_spin)
        self.early_combo = QComboBox()
        self.early_combo.setObjectName("earlyStoppingCombo")
        for label, value in (
            ("None", "none"),
            ("Median rule", "median"),
            ("Successive halving (ASHA)", "asha"),
            ("Hyperband", "hyperband"),
        ):
            self.early_combo.addItem(label, value)
        self.early_combo.setToolTip(
            "Stop poor trials early; a stopped trial keeps its epochs and is marked pruned"
        )
        self._add_field(
            strategy_form, "Early stopping", "search.early_stopping.rule", self.early_combo
        )
        self.early_stopping = config_module.EarlyStopping()
        self._add_field(strategy_form, "Search seed", "search.seed", self.search_seed_spin)
        # Not part of the search: how many trials train at once. Results do not depend
        # on it, so it is kept with the window's settings, not in the session.
        self.workers_spin = _spin(1, 4 * (os.cpu_count() or 1))
        self.workers_spin.setObjectName("workersSpin")
        self.workers_spin.setToolTip(
            "Trials trained at once, each in its own process (default: one per core). "
            "The results do not depend on it."
        )
        strategy_form.addRow("Worker processes", self.workers_spin)
        self.margin = config_module.SearchConfig.margin
        layout.addWidget(strategy)
        layout.addStretch()

        for spin in (
            self.samples_spin,
            self.test_spin,
            self.folds_spin,
            self.repeats_spin,
            self.validation_spin,
            self.data_seed_spin,
            self.dropout_spin,
            self.epochs_spin,
            self.batch_spin,
            self.momentum_spin,
            self.beta1_spin,
            self.beta2_spin,
            self.rho_spin,
            self.trials_spin,
            self.points_spin,
            self.rounds_spin,
            self.keep_spin,
            self.ask_batch_spin,
            self.search_seed_spin,
        ):
            spin.valueChanged.connect(self._edited)
        for combo in (
            self.activation_combo,
            self.optimizer_combo,
            self.dtype_combo,
            self.strategy_combo,
            self.early_combo,
        ):
            combo.currentIndexChanged.connect(self._edited)
        self.init_combo.currentTextChanged.connect(self._edited)
        self.hidden_edit.textEdited.connect(self._edited)
        self.name_edit.textEdited.connect(self._edited)
        self.batchnorm_box.toggled.connect(self._edited)
        self.space_editor.changed.connect(self._edited)
        self.load_config(Config(), "seed")

    def _add_field(self, form: QFormLayout, label: str, path: str, editor: QWidget) -> None:
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(editor)
        error = FieldError()
        column.addWidget(error)
        form.addRow(label, holder)
        self.fields[path] = (editor, error)
        self.form_rows[path] = (form, holder)

    def _edited(self, *args) -> None:
        self._update_visibility()
        self.changed.emit()

    # --- config in ----------------------------------------------------------------

    def load_config(self, config: Config, name: str) -> None:
        """Show `config` in the editors, emitting changed once at the end."""
        widgets = [self, *self.findChildren(QWidget)]
        blocked = [widget.blockSignals(True) for widget in widgets]
        self.name_edit.setText(name)
        self.samples_spin.setValue(config.data.samples)
        self.validation_spin.setValue(config.data.validation)
        self.test_spin.setValue(config.data.test)
        self.folds_spin.setValue(config.data.folds)
        self.validation_spin.setEnabled(config.data.folds == 1)
        self.data_seed_spin.setValue(config.data.seed)
        self.repeats_spin.setValue(config.train.repeats)
        self.hidden_edit.setText(", ".join(str(width) for width in config.model.hidden))
        self.activation_combo.setCurrentText(config.model.activation)
        self.init_combo.setCurrentText(format_number(config.model.init))
        self.dropout_spin.setValue(config.model.dropout)
        self.batchnorm_box.setChecked(config.model.batchnorm)
        self.epochs_spin.setValue(config.train.epochs)
        self.batch_spin.setValue(config.train.batch_size)
        self.optimizer_combo.setCurrentText(config.train.optimizer)
        self.momentum_spin.setValue(config.train.momentum)
        self.beta1_spin.setValue(config.train.beta1)
        self.beta2_spin.setValue(config.train.beta2)
        self.rho_spin.setValue(config.train.rho)
        self.dtype_combo.setCurrentText(config.train.dtype)
        search = config.search
        self.strategy_combo.setCurrentIndex(
            [value for _, value in STRATEGY_LABELS].index(search.strategy)
        )
        self.trials_spin.setValue(search.trials)
        self.points_spin.setValue(search.points)
        self.rounds_spin.setValue(search.rounds)
        self.keep_spin.setValue(search.keep)
        self.ask_batch_spin.setValue(search.batch)
        self.early_stopping = search.early_stopping
        self.early_combo.setCurrentIndex(self.early_combo.findData(search.early_stopping.rule))
        self.search_seed_spin.setValue(search.seed)
        self.margin = search.margin
        self.space_editor.clear()
        self.space_editor.set_grid(search.strategy == "grid")
        searched = {param.name: param for param in search.space}
        for name in [*STANDING_ROWS, *(n for n in searched if n not in STANDING_ROWS)]:
            param = searched.get(name)
            fixed = getattr(config.train, name, None)
            if fixed is None:
                fixed = getattr(config.model, name, None)
            table = NEW_ROW_DEFAULTS[name] if param is None else param_to_dict(param)
            self.space_editor.add_row(name, param is not None, table, fixed)
        for widget, was_blocked in zip(widgets, blocked, strict=True):
            widget.blockSignals(was_blocked)
        self._edited()

    def _update_visibility(self) -> None:
        strategy = self.strategy_combo.currentData()
        optimizer = self.optimizer_combo.currentText()
        in_space = set(self.space_editor.rows)
        visible = {
            "search.trials": strategy != "grid",
            "search.batch": strategy in ("tpe", "sobol"),
            "search.points": strategy == "grid",
            "search.rounds": strategy == "coarse-to-fine",
            "search.keep": strategy == "coarse-to-fine",
            "train.momentum": optimizer in ("momentum", "nesterov"),
            "train.beta1": optimizer == "adam",
            "train.beta2": optimizer == "adam",
            "train.rho": optimizer == "rmsprop",
        }
        # A setting with a row in the search space is set there, not here.
        for path in self.form_rows:
            if path.split(".")[1] in in_space:
                visible[path] = False
        for path, shown in visible.items():
            form, holder = self.form_rows[path]
            form.setRowVisible(holder, shown)
        self.form_rows["search.trials"][0].labelForField(
            self.form_rows["search.trials"][1]
        ).setText("Trials per round" if strategy == "coarse-to-fine" else "Trials")
        self.space_editor.set_grid(strategy == "grid")

    # --- config out ---------------------------------------------------------------

    def raw_config(self) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """The editors as a raw config dict, and the problems of text that could not be
        read at all (each with its key path)."""
        problems: list[tuple[str, str]] = []
        widths = [token.strip() for token in self.hidden_edit.text().split(",") if token.strip()]
        hidden = [parse_number(token) for token in widths]
        raw: dict[str, Any] = {
            "data": {
                "dataset": "mnist-10k",
                "samples": self.samples_spin.value(),
                "validation": round(self.validation_spin.value(), 6),
                "test": round(self.test_spin.value(), 6),
                "folds": self.folds_spin.value(),
                "seed": self.data_seed_spin.value(),
            },
            "model": {
                "activation": self.activation_combo.currentText(),
                "init": parse_value("init", self.init_combo.currentText()),
                "dropout": round(self.dropout_spin.value(), 6),
                "batchnorm": self.batchnorm_box.isChecked(),
            },
            "train": {
                "epochs": self.epochs_spin.value(),
                "batch_size": self.batch_spin.value(),
                "optimizer": self.optimizer_combo.currentText(),
                "momentum": round(self.momentum_spin.value(), 6),
                "beta1": round(self.beta1_spin.value(), 6),
                "beta2": round(self.beta2_spin.value(), 6),
                "rho": round(self.rho_spin.value(), 6),
                "dtype": self.dtype_combo.currentText(),
                "repeats": self.repeats_spin.value(),
            },
            "search": {
                "strategy": self.strategy_combo.currentData(),
                "trials": self.trials_spin.value(),
                "points": self.points_spin.value(),
                "rounds": self.rounds_spin.value(),
                "keep": round(self.keep_spin.value(), 6),
                "batch": self.ask_batch_spin.value(),
                # The rule is edited here; its settings come from the loaded config.
                "early_stopping": {
                    **asdict(self.early_stopping),
                    "rule": self.early_combo.currentData(),
                },
                "margin": self.margin,
                "seed": self.search_seed_spin.value(),
                "space": {},
            },
        }
        if None in hidden:
            problems.append(
                ("model.hidden", "write whole numbers separated by commas, e.g. 100, 100, 100")
            )
        else:
            raw["model"]["hidden"] = hidden
        for row in self.space_editor.rows.values():
            row.contribute(raw, problems)
        return raw, problems

    def problems(self) -> list[tuple[str, str]]:
        raw, problems = self.raw_config()
        if not problems:
            try:
                config_module.from_dict(raw)
            except ConfigError as error:
                problems = error.problems
        return problems

    def config(self) -> Config:
        """The search the editors describe; raises ConfigError when they have problems."""
        raw, problems = self.raw_config()
        if problems:
            raise ConfigError(problems)
        return config_module.from_dict(raw)

    @property
    def session_name(self) -> str:
        return self.name_edit.text().strip() or "session"

    def show_problems(self, problems: list[tuple[str, str]]) -> None:
        by_path: dict[str, str] = {}
        for path, message in problems:
            by_path[path] = f"{by_path[path]}; {message}" if path in by_path else message
        for path, (editor, error) in self.fields.items():
            mark_invalid(editor, by_path.get(path))
            error.show_reason(by_path.get(path))
        for row in self.space_editor.rows.values():
            row.show_problems(by_path)
        self.space_error.show_reason(by_path.get("search.space"))

    def show_preview(self, config: Config | None) -> None:
        """Tick each searched row's strip where the strategy's next samples fall."""
        samples: list[dict[str, Any]] = []
        if config is not None and config.search.space:
            strategy = preview_strategy(config.search)
            while len(samples) < PREVIEW_SAMPLES and (suggestion := strategy.ask()):
                samples.append(suggestion.params)
        params = {param.name: param for param in config.search.space} if config else {}
        for name, row in self.space_editor.rows.items():
            param = params.get(name)
            row.show_preview(param, [s[name] for s in samples if name in s])
