"""The search space editor: one row per hyperparameter, searched (a range with a
Linear | Log toggle, or a list of choices) or fixed, each with a strip that previews
where the strategy's first trials fall."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hyperdesk.core import config as config_module
from hyperdesk.core.config import (
    SEARCHABLE,
    SEARCHABLE_TITLES,
    TRAIN_RULES,
    hidden_widths,
)
from hyperdesk.core.formatting import typed_text
from hyperdesk.core.search.space import Param, RangeParam
from hyperdesk.core.training.network import ACTIVATIONS, INITS
from hyperdesk.core.training.optimizers import CONDITIONS, OPTIMIZERS
from hyperdesk.desktop_app.setup.form_widgets import ComboBox, SpinBox
from hyperdesk.desktop_app.widgets.wrapping import breakable

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
# The add chooser's entries for a training function's own parameters.
NEW_PARAMETER, NEW_LIST = "(a parameter of one's own)", "(a list of one's own)"


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
    """One value of a setting (or of a function's parameter, any name) as typed: a
    number, true/false, or a word."""
    text = text.strip()
    if name not in SEARCHABLE or SEARCHABLE[name].kind == "bool":
        return {"true": True, "false": False}.get(text.lower(), text)
    number = parse_number(text)
    return text if number is None else number


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
        # A long path wraps instead of widening the setup column.
        self.setText(breakable(reason or ""))
        self.setToolTip(reason or "")
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

    def __init__(self, name: str, removable: bool, own_code: bool = False, listed: bool = False):
        """`own_code`: a parameter of a person's training function (fixed, it goes to
        [code.fixed]), a list of values when `listed`, else a range."""
        super().__init__()
        self.name = name
        self.own_code = own_code
        if own_code:
            self.categorical = listed
        else:
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
        self.points_spin = SpinBox()
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
        self.condition.setVisible(name in CONDITIONS and not own_code)

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
            self.range_texts = (", ".join(typed_text(v) for v in table["values"]), "")
        else:
            self.range_texts = (typed_text(table["low"]), typed_text(table["high"]))
            self.log_button.setChecked(table.get("scale") == "log")
            self.linear_button.setChecked(table.get("scale") != "log")
            self.points_spin.setValue(table.get("points") or self.points_spin.value())
        self.fixed_text = typed_text(fixed_value)
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
        if not self.searched and self.own_code:
            text = self.low_edit.text()
            if not text.strip():
                problems.append((f"code.fixed.{self.name}", "needs a value"))
                return
            raw.setdefault("code", {}).setdefault("fixed", {})[self.name] = parse_value(
                self.name, text
            )
            return
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
            f"code.fixed.{self.name}",
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
        self.add_combo = ComboBox()
        self.add_combo.setObjectName("addParameterCombo")
        self.add_combo.activated.connect(self._add_chosen)
        layout.addWidget(self.add_combo)
        self.rows: dict[str, SpaceRow] = {}
        self.grid_strategy = False
        self.optimizers: set[str] = set()
        self.own_code = False  # the rows are a training function's parameters
        self._refresh_add_combo()

    def set_own_code(self, own_code: bool) -> None:
        """Offer a function's parameters (any name) or the network's settings."""
        if own_code != self.own_code:
            self.own_code = own_code
            self._refresh_add_combo()

    def _refresh_add_combo(self) -> None:
        """Every setting not searched yet, by its name and key; one the optimizers this
        search can use would ignore is listed disabled, with the reason."""
        self.add_combo.blockSignals(True)
        self.add_combo.clear()
        self.add_combo.addItem("Add a parameter to search…")
        if self.own_code:
            self.add_combo.addItem("A parameter of your function (its name)…", NEW_PARAMETER)
            self.add_combo.addItem("A list of values (its name)…", NEW_LIST)
            self.add_combo.blockSignals(False)
            return
        items = self.add_combo.model()
        for name in SEARCHABLE:
            if name in self.rows:
                continue
            label = f"{SEARCHABLE_TITLES[name]} ({name})"
            unused = self._unused_reason(name)
            self.add_combo.addItem(label if unused is None else f"{label}: {unused}", name)
            if unused is not None:
                item = items.item(self.add_combo.count() - 1)
                item.setEnabled(False)
                item.setToolTip(f"{SEARCHABLE_TITLES[name]} is {unused}")
        self.add_combo.blockSignals(False)

    def _unused_reason(self, name: str) -> str | None:
        if name not in CONDITIONS or not self.optimizers:
            return None
        _, users = CONDITIONS[name]
        if self.optimizers & set(users):
            return None
        return f"used only by {' or '.join(users)}"

    def set_optimizers(self, optimizers: set[str]) -> None:
        """The optimizers this search can train with (the fixed one, or those searched)."""
        if optimizers != self.optimizers:
            self.optimizers = optimizers
            self._refresh_add_combo()

    def _add_chosen(self, index: int) -> None:
        name = self.add_combo.itemData(index)
        self.add_combo.setCurrentIndex(0)
        if name in (NEW_PARAMETER, NEW_LIST):
            self._add_own(listed=name == NEW_LIST)
        elif name:
            self.add_row(name, True, NEW_ROW_DEFAULTS[name], None)
            self.changed.emit()

    def _add_own(self, listed: bool) -> None:
        """Ask for the name of a function's parameter and add its row."""
        name, chosen = QInputDialog.getText(
            self, "A parameter of your function", "Its name in params (e.g. max_depth):"
        )
        name = name.strip()
        if not chosen or not name:
            return
        if not name.isidentifier() or name in self.rows:
            reason = "is already searched" if name in self.rows else "is not a Python name"
            QMessageBox.warning(self, "Not added", f"{name!r} {reason}.")
            return
        table = {"values": ["a", "b"]} if listed else {"low": 1, "high": 10, "scale": "linear"}
        self.add_row(name, True, table, None)
        self.changed.emit()

    def add_row(self, name: str, searched: bool, table: dict[str, Any], fixed: Any) -> SpaceRow:
        if self.own_code:
            row = SpaceRow(name, removable=True, own_code=True, listed="values" in table)
        else:
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
