"""A saved model, looked inside: its confusion matrix (counts, or each true class's row as
shares) with class names on both axes, each class's precision, recall and F1, and the
accuracy with its uncertainty, on the test split (or the samples it trained on)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from hyperdesk.core.model.inspection import ClassReport
from hyperdesk.core.model.model_file import Model

# Cells shade from white to this blue as their share of the row grows.
FULL = QColor("#3f72b8")


MATRIX_CELL = 48  # pixels: square enough to read as a grid, wide enough for "1,234"
FIGURE_WIDTH = 80


def _table(rows: int, columns: int, name: str, width: int) -> QTableWidget:
    """A read-only grid exactly as large as its cells (no empty area to scroll)."""
    table = QTableWidget(rows, columns)
    table.setObjectName(name)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.horizontalHeader().setDefaultSectionSize(width)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
    return table


def _shade(share: float) -> QColor:
    white = QColor("white")
    mix = [
        round(w + (f - w) * share)
        for w, f in zip(white.getRgb()[:3], FULL.getRgb()[:3], strict=True)
    ]
    return QColor(*mix)


class ModelReportDialog(QDialog):
    def __init__(self, model: Model, path: Path, parent=None):
        super().__init__(parent)
        self.setObjectName("modelReportDialog")
        details = model.details
        inspection = details["inspection"]
        self.report = ClassReport.from_dict(inspection)
        self.setWindowTitle(f"Trial {details['trial']}'s model")
        layout = QVBoxLayout(self)
        report = self.report
        summary = QLabel(
            f"<b>{path.name}</b>, trained on {details['train_samples']:,} samples. On the "
            f"{inspection['on']}: accuracy <b>{report.accuracy:.3f} ± "
            f"{report.accuracy_error:.3f}</b> ({report.samples:,} samples; ± one binomial "
            "standard error)"
        )
        summary.setWordWrap(True)
        layout.addWidget(summary)
        self.shares = QCheckBox("Each row as shares of its class")
        self.shares.toggled.connect(self._fill_matrix)
        layout.addWidget(self.shares)
        k = len(report.classes)
        self.matrix = _table(k, k, "confusionMatrix", MATRIX_CELL)
        self.matrix.setHorizontalHeaderLabels(list(report.classes))
        self.matrix.setVerticalHeaderLabels(list(report.classes))
        self._fill_matrix()
        self.per_class = _table(k, 4, "perClassTable", FIGURE_WIDTH)
        self.per_class.setHorizontalHeaderLabels(["Precision", "Recall", "F1", "Samples"])
        self.per_class.setVerticalHeaderLabels(list(report.classes))
        for row in range(k):
            figures = (report.precision[row], report.recall[row], report.f1[row])
            texts = [f"{value:.3f}" for value in figures] + [f"{report.support[row]:,}"]
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.per_class.setItem(row, column, item)
        tables = QGridLayout()
        tables.addWidget(QLabel("Confusion matrix: rows true, columns predicted"), 0, 0)
        tables.addWidget(QLabel("Each class"), 0, 1)
        tables.addWidget(self.matrix, 1, 0, Qt.AlignmentFlag.AlignTop)
        tables.addWidget(self.per_class, 1, 1, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(tables)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.adjustSize()

    def _fill_matrix(self) -> None:
        shares = self.report.normalised()
        counts = self.report.confusion
        for row in range(len(counts)):
            for column in range(len(counts)):
                share = shares[row, column]
                text = f"{share:.2f}" if self.shares.isChecked() else f"{counts[row, column]:,}"
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setBackground(_shade(share))
                if share > 0.55:  # dark cells get light text
                    item.setForeground(QColor("white"))
                self.matrix.setItem(row, column, item)
