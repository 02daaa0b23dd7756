"""A trained network looked inside: its confusion matrix (counts, or each true class's row
as shares) with class names on both axes, each class's precision, recall and F1, the
accuracy with its uncertainty, and for image data its most confident mistakes. The
window's Inside panel shows one; `hyperdesk export --plots` draws them as images."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QCheckBox,
    QDialog,
    QGridLayout,
    QHeaderView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hyperdesk.core.model.inspection import Inspection, RegressionLook
from hyperdesk.core.model.model_file import Model
from hyperdesk.desktop_app.panels.inside_regression import RegressionReportView
from hyperdesk.desktop_app.widgets.pictures import example_pixmap

# Cells shade from white to this blue as their share of the row grows.
FULL = QColor("#3f72b8")


CELL_PADDING = 8  # pixels beside a matrix cell's widest text
FIGURE_WIDTH = 72
GALLERY_SIDE = 56  # pixels of a mistake's thumbnail
ENLARGED_SIDE = 280
PRINTED_GAP = 16  # pixels beside each printed mistake
MISTAKES = (
    "The most confident mistakes, worst first (true → predicted, the probability given "
    "to the wrong class"
)


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


def _fit_whole(table: QTableWidget) -> None:
    """Size `table` to show every cell: a scrolled part of a confusion matrix hides it."""
    table.resizeRowsToContents()
    frame = 2 * table.frameWidth()
    width = table.verticalHeader().sizeHint().width() + frame
    width += sum(table.columnWidth(column) for column in range(table.columnCount()))
    height = table.horizontalHeader().sizeHint().height() + frame
    height += sum(table.rowHeight(row) for row in range(table.rowCount()))
    table.setFixedSize(width, height)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)


def _shade(share: float) -> QColor:
    white = QColor("white")
    mix = [
        round(w + (f - w) * share)
        for w, f in zip(white.getRgb()[:3], FULL.getRgb()[:3], strict=True)
    ]
    return QColor(*mix)


class ReportView(QWidget):
    """`headline` (what was looked inside), then its class report on the split it was
    measured on, and, for image data, its most confident mistakes (click one to enlarge)."""

    def __init__(self, headline: str, inspection: Inspection, parent=None):
        super().__init__(parent)
        self.setObjectName("reportView")
        self.report = report = inspection.report
        layout = QVBoxLayout(self)
        summary = QLabel(
            f"{headline} On the {inspection.on}: accuracy <b>{report.accuracy:.3f} ± "
            f"{report.accuracy_error:.3f}</b> ({report.samples:,} samples; ± one binomial "
            "standard error)"
        )
        summary.setObjectName("reportSummary")
        summary.setWordWrap(True)
        layout.addWidget(summary)
        self.shares = QCheckBox("Each row as shares of its class")
        self.shares.toggled.connect(self._fill_matrix)
        layout.addWidget(self.shares)
        k = len(report.classes)
        # Cells as wide as their widest text, counts or shares: a panel beside the
        # scatter has room for ten classes of 3-digit counts, not of a fixed width.
        # Each column as wide as its class's name too (seen cut: "enig" for benign).
        metrics = self.fontMetrics()
        widest = max(
            metrics.horizontalAdvance(text)
            for text in (f"{report.confusion.max():,}", "0.00", *report.classes)
        )
        self.matrix = _table(k, k, "confusionMatrix", max(widest + CELL_PADDING, 28))
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
        # One above the other: a panel is narrower than it is tall.
        for title, table in (
            ("Confusion matrix: rows true, columns predicted", self.matrix),
            ("Each class", self.per_class),
        ):
            layout.addWidget(QLabel(title))
            layout.addWidget(table)
        self.gallery = self._gallery(inspection)
        self.gallery_caption = QLabel(f"{MISTAKES}; click one to enlarge)")
        self.gallery_caption.setWordWrap(True)
        if self.gallery is not None:
            layout.addWidget(self.gallery_caption)
            layout.addWidget(self.gallery)
        layout.addStretch(1)
        self._fitted = False

    def showEvent(self, event) -> None:
        # Sized once shown: before, rows have the height of a font not yet applied.
        if not self._fitted:
            self._fitted = True
            for table in (self.matrix, self.per_class):
                _fit_whole(table)
        super().showEvent(event)

    def as_printed(self) -> None:
        """For a picture of it (a report, an exported image): no control to click, and
        every mistake shown instead of a list to scroll. Call once it is laid out."""
        self.shares.hide()
        if self.gallery is None:
            return
        self.gallery_caption.setText(f"{MISTAKES})")  # nothing to click on paper
        # A grid of every mistake, as many a row as the tables are wide, instead of a
        # list whose later rows would be cut off.
        printed = QWidget()
        printed.setObjectName("mistakesPrinted")
        grid = QGridLayout(printed)
        grid.setContentsMargins(0, 0, 0, 0)
        width = max(self.matrix.width(), self.per_class.width())
        per_row = max(1, width // (GALLERY_SIDE + PRINTED_GAP))
        for index in range(self.gallery.count()):
            item = self.gallery.item(index)
            picture = QLabel()
            picture.setPixmap(example_pixmap(item.data(Qt.ItemDataRole.UserRole), GALLERY_SIDE))
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            caption = QLabel(item.text().replace(" (", "\n("))
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            row, column = divmod(index, per_row)
            grid.addWidget(picture, 2 * row, column)
            grid.addWidget(caption, 2 * row + 1, column)
        self.layout().replaceWidget(self.gallery, printed)
        self.gallery.hide()

    def _gallery(self, inspection: Inspection) -> QListWidget | None:
        if not len(inspection.pictures):
            return None
        classes = self.report.classes
        gallery = QListWidget()
        gallery.setObjectName("mistakesGallery")
        gallery.setViewMode(QListView.ViewMode.IconMode)
        gallery.setIconSize(QSize(GALLERY_SIDE, GALLERY_SIDE))
        gallery.setResizeMode(QListView.ResizeMode.Adjust)
        gallery.setMovement(QListView.Movement.Static)
        gallery.setSpacing(4)
        for mistake, image in zip(inspection.mistakes, inspection.pictures, strict=True):
            text = (
                f"{classes[mistake.true]} → {classes[mistake.predicted]} ({mistake.confidence:.2f})"
            )
            item = QListWidgetItem(QIcon(example_pixmap(image, GALLERY_SIDE)), text)
            item.setData(Qt.ItemDataRole.UserRole, image)
            gallery.addItem(item)
        # Two rows and a half, so that it reads as a list to scroll.
        gallery.setFixedHeight(GALLERY_SIDE * 5 // 2 + 90)
        gallery.itemClicked.connect(self._enlarge)
        return gallery

    def _enlarge(self, item: QListWidgetItem) -> None:
        enlarged = QDialog(self)
        enlarged.setObjectName("enlargedMistake")
        enlarged.setWindowTitle(item.text())
        column = QVBoxLayout(enlarged)
        picture = QLabel()
        picture.setPixmap(example_pixmap(item.data(Qt.ItemDataRole.UserRole), ENLARGED_SIDE))
        column.addWidget(picture)
        column.addWidget(QLabel(item.text()))
        enlarged.open()

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


def look_view(headline: str, look: Inspection | RegressionLook) -> QWidget:
    """The report of a look inside: a classifier's or a regression's."""
    if isinstance(look, RegressionLook):
        return RegressionReportView(headline, look)
    return ReportView(headline, look)


def model_headline(model: Model, path: Path) -> str:
    """What the report of a model just saved at `path` is of."""
    details = model.details
    return (
        f"<b>{path.name}</b>: trial {details['trial']}'s model, trained on "
        f"{details['train_samples']:,} samples."
    )
