"""The setup form's editors: each makes its widget, shows a value and reads it back,
raising FieldProblem with a sentence when what is typed is not valid."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
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
from hyperdesk.core.trials import METRICS, TASK_METRICS
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


class RankingMetric(Choice):
    """What ranks the trials ([search] metric): the task's own, or a figure of the
    task's; those of the other task greyed out once the data's task is known."""

    def __init__(self):
        super().__init__([("The task's own", ""), *((m.heading, n) for n, m in METRICS.items())])

    def offer(self, task: str, settled: bool) -> None:
        """Offer the metrics of `task` ("classification" or "regression"). Once the
        task is `settled` (the data was read), a choice of the other task's goes back to
        the task's own; until then a loaded config's choice is kept."""
        allowed = TASK_METRICS[task]
        model = self.widget.model()
        for index in range(1, self.widget.count()):
            model.item(index).setEnabled(self.widget.itemData(index) in allowed)
        default = METRICS[allowed[0]].heading
        self.widget.setItemText(0, f"{default} (the task's own)")
        if settled and self.value() and self.value() not in allowed:
            self.set_value("")


class Objectives(Choice):
    """What the search optimises: the ranking metric alone, or it against one cost.
    Against the size only when something searched changes it."""

    def __init__(self):
        super().__init__((("", SCORE), ("", "params"), ("", "train_seconds")))
        self.score, self.unchanged = "", ""
        self.show_metric("Validation accuracy")

    def show_metric(self, title: str) -> None:
        """Name the score the search ranks by (`title`: "Validation R²") in each choice."""
        self.score = title
        self.widget.setItemText(0, title)
        self.widget.setItemText(2, f"{title} and training time")
        self._label_size()

    def offer_size(self, unchanged: str) -> None:
        """Offer the trade-off against size, or grey it out saying why (`unchanged`,
        core's size_unchanged of what is searched)."""
        self.unchanged = unchanged
        item = self.widget.model().item(self.widget.findData("params"))
        item.setEnabled(not unchanged)
        item.setToolTip(f"Every trial would be one size: {unchanged}" if unchanged else "")
        self._label_size()

    def _label_size(self) -> None:
        size = f"{self.score} and size (parameters)"
        if self.unchanged:
            size += ": search layers or units first"
        self.widget.setItemText(self.widget.findData("params"), size)

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


class LabelPicker(Editor):
    """The column (CSV) or array (NPZ) holding the classes, picked from the file's own
    names once the helper has read them (typing a name's first letters jumps to it), the
    default preselected; typed while they are not known, and for an IDX labels file."""

    def __init__(self):
        self.widget = ComboBox()
        # A long column name is elided, not a wider setup column.
        self.widget.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.widget.setMinimumContentsLength(12)
        self.default = ""  # the name an empty label means
        self.show_names((), "")

    def show_names(self, names: tuple[str, ...], default: str) -> None:
        """List `names` (none: a text field), keeping the value shown if it is one."""
        kept = self.value()
        self.default = default
        blocked = self.widget.blockSignals(True)
        self.widget.clear()
        self.widget.setEditable(not names)
        if names:
            self.widget.addItems(names)
        else:
            self.widget.lineEdit().setPlaceholderText("the last column")
        self.widget.blockSignals(blocked)
        self.set_value(kept)

    def value(self) -> str:
        text = self.widget.currentText().strip()
        return "" if text == self.default else text

    def set_value(self, value: str) -> None:
        chosen = value or self.default
        if self.widget.isEditable():
            self.widget.setEditText(value)
            return
        if self.widget.findText(chosen) < 0:  # a name the file lacks: shown, its problem said
            self.widget.addItem(chosen)
        self.widget.setCurrentText(chosen)

    def on_change(self, slot) -> None:
        self.widget.currentTextChanged.connect(slot)


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
