"""The setup's editors for a training function of one's own ([code]): the file and the
function in it (the function's names read by the helper process, never by importing the
file here), and the values passed to it without being searched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from hyperdesk.core.config import ConfigError, parse_point
from hyperdesk.core.formatting import typed_text
from hyperdesk.desktop_app.dialogs.remembered import last_folder, remember_folder
from hyperdesk.desktop_app.setup.editors import Editor, FieldProblem, Text
from hyperdesk.desktop_app.setup.form_widgets import ComboBox

# What the function list holds before the helper has read the file.
NOT_READ = "(reading the file…)"


class CodePicker(Editor):
    """A Python file (typed or chosen) and one of its top-level functions: the entry
    "file.py:function"; empty: the built-in network."""

    def __init__(self):
        self.path = Text("none: Hyperdesk's own network")
        self.path.edit.setObjectName("codeFileEdit")
        self.path.edit.setClearButtonEnabled(True)
        self.functions = ComboBox()
        self.functions.setObjectName("codeFunctionCombo")
        self.functions.setToolTip("The function each trial calls: fit(params, trial)")
        choose = QPushButton("File…")
        choose.setObjectName("codeFileButton")
        choose.setToolTip("A Python file with a function fit(params, trial)")
        choose.clicked.connect(self._choose_file)
        self.widget = QWidget()
        column = QVBoxLayout(self.widget)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        column.addWidget(self.path.edit)
        row = QHBoxLayout()
        row.addWidget(choose)
        row.addWidget(self.functions, 1)
        column.addLayout(row)
        self.wanted = "fit"  # the function named by a loaded config, until the list comes

    @property
    def file(self) -> str:
        return self.path.value()

    def value(self) -> str:
        if not self.file:
            return ""
        function = self.functions.currentText()
        if not function or function == NOT_READ:
            function = self.wanted
        return f"{self.file}:{function}"

    def set_value(self, value: str) -> None:
        file, _, function = (value or "").rpartition(":")
        self.path.set_value(file)
        self.wanted = function or "fit"
        self.show_functions(None)

    def show_functions(self, names: list[str] | None) -> None:
        """The file's top-level functions (None: not read yet), the one wanted chosen."""
        self.functions.blockSignals(True)
        self.functions.clear()
        if names is None:
            self.functions.addItem(self.wanted if self.file else "")
        else:
            self.functions.addItems(names or [self.wanted])
            if self.wanted in names:
                self.functions.setCurrentText(self.wanted)
        self.functions.setEnabled(bool(self.file))
        self.functions.blockSignals(False)

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.widget,
            "Your training code",
            self.file or str(last_folder("code")),
            "Python files (*.py);;All files (*)",
        )
        if path:
            remember_folder("code", Path(path).parent)
            self.path.set_value(path)
            self.path.edit.textEdited.emit(path)

    def on_change(self, slot) -> None:
        self.path.on_change(slot)
        self.functions.currentIndexChanged.connect(slot)
        self.functions.currentIndexChanged.connect(self._remember_choice)

    def _remember_choice(self) -> None:
        if self.functions.currentText() and self.functions.isEnabled():
            self.wanted = self.functions.currentText()


class FixedValues(Text):
    """Values passed to the function unsearched, as NAME=VALUE pairs: epochs=20, depth=3."""

    def __init__(self):
        super().__init__("none, or e.g. epochs=20, depth=3")

    def value(self) -> dict[str, Any]:
        text = super().value()
        if not text:
            return {}
        try:
            return parse_point(text)
        except ConfigError as error:
            raise FieldProblem(error.problems[0][1]) from None

    def set_value(self, value: dict[str, Any]) -> None:
        super().set_value(", ".join(f"{k}={typed_text(v)}" for k, v in (value or {}).items()))
