"""The dialog that asks for a configuration to run first (Add trial…): a value for each
searched setting, checked against its range before it is taken."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from hyperdesk.core.config import parse_point
from hyperdesk.core.formatting import parameter_text
from hyperdesk.core.search.space import ChoiceParam, Param, point_problems

RUN_FIRST = (
    "Add a trial to run first",
    "Its settings, run as they are before the strategy's trials:",
)


class RunFirstDialog(QDialog):
    def __init__(self, space: tuple[Param, ...], parent=None, words: tuple[str, str] = RUN_FIRST):
        super().__init__(parent)
        self.setObjectName("runFirstDialog")
        title, lead = words
        self.setWindowTitle(title)
        self.space = space
        self.point: dict[str, Any] | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(lead))
        form = QFormLayout()
        self.fields: dict[str, QLineEdit | QComboBox] = {}
        for param in space:
            if isinstance(param, ChoiceParam):
                field = QComboBox()
                for value in param.values:
                    field.addItem(str(value), value)
                hint = ", ".join(str(value) for value in param.values)
            else:
                # The middle of the range in its scale: on a log scale, the geometric one.
                field = QLineEdit(parameter_text(param.from_unit(0.5), param.scale == "log"))
                log = param.scale == "log"
                hint = f"{parameter_text(param.low, log)} to {parameter_text(param.high, log)}"
            field.setObjectName(f"runFirst_{param.name}")
            field.setToolTip(hint)
            form.addRow(f"{param.name} ({hint})", field)
            self.fields[param.name] = field
        layout.addLayout(form)
        self.problem = QLabel()
        self.problem.setObjectName("runFirstProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b71c1c;")
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def _check(self) -> None:
        """Take the point when every value fits its setting; else say what does not."""
        texts = []
        for name, field in self.fields.items():
            if isinstance(field, QComboBox):
                texts.append(f"{name}={json.dumps(field.currentData())}")  # TOML reads it
            else:
                texts.append(f"{name}={field.text().strip()}")
        point = parse_point(",".join(texts))
        problems = point_problems(self.space, point)
        if problems:
            self.problem.setText("\n".join(f"{name}: {message}" for name, message in problems))
            return
        self.point = point
        self.accept()


def ask_point(
    parent, space: tuple[Param, ...], words: tuple[str, str] = RUN_FIRST
) -> dict[str, Any] | None:
    """A configuration of `space` the person typed, or None when they cancelled;
    `words`: the dialog's title and the line above its fields."""
    dialog = RunFirstDialog(space, parent, words)
    return dialog.point if dialog.exec() else None
