"""What the data holds, shown under the data source before Start: its size, the classes
with their counts as bars, an example image of each class or a table's first rows, how
the samples are split and scaled, and what was done to the file's contents."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hyperdesk.core.data.sources import DataSummary
from hyperdesk.desktop_app.widgets.pictures import example_pixmap

SHOWN_CLASSES = 10  # bars drawn; more classes are counted in a last line
BAR_COLOUR = QColor("#5b8fd1")
EXAMPLE_SIDE = 36  # pixels of each example image on screen
TEXT_STYLE = "color: #424242; font-size: 9pt;"


class ClassBars(QWidget):
    """One bar per class, as long as its share of the largest class, with its count."""

    def __init__(self):
        super().__init__()
        self.setObjectName("classBars")
        self.rows: list[tuple[str, int]] = []
        self.more = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_counts(self, classes: tuple[str, ...], counts: tuple[int, ...]) -> None:
        pairs = list(zip(classes, counts, strict=True))
        self.rows = pairs[:SHOWN_CLASSES]
        self.more = len(pairs) - len(self.rows)
        self.updateGeometry()
        self.update()

    def _line_height(self) -> int:
        return QFontMetrics(self.font()).height() + 2

    def sizeHint(self) -> QSize:
        return QSize(200, self._line_height() * (len(self.rows) + bool(self.more)))

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self.sizeHint().height())

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        metrics = QFontMetrics(self.font())
        line = self._line_height()
        name_width = min(
            max((metrics.horizontalAdvance(name) for name, _ in self.rows), default=0) + 6,
            self.width() // 3,
        )
        count_width = metrics.horizontalAdvance(f"{max((c for _, c in self.rows), default=0):,}")
        bar_room = max(self.width() - name_width - count_width - 8, 10)
        largest = max((count for _, count in self.rows), default=1) or 1
        painter.setPen(QColor("#424242"))
        for index, (name, count) in enumerate(self.rows):
            top = index * line
            text_rect = QRectF(0, top, name_width - 6, line)
            elided = metrics.elidedText(name, Qt.TextElideMode.ElideRight, name_width - 6)
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter, elided)
            length = bar_room * count / largest
            painter.fillRect(QRectF(name_width, top + 2, length, line - 4), BAR_COLOUR)
            painter.drawText(
                QRectF(name_width + length + 4, top, count_width + 4, line),
                Qt.AlignmentFlag.AlignVCenter,
                f"{count:,}",
            )
        if self.more:
            painter.drawText(
                QRectF(0, len(self.rows) * line, self.width(), line),
                Qt.AlignmentFlag.AlignVCenter,
                f"and {self.more} more classes",
            )


class DataPreview(QWidget):
    def __init__(self):
        super().__init__()
        self.setObjectName("dataPreview")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 2, 0, 2)
        column.setSpacing(4)
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.headline.setStyleSheet("font-size: 9pt; font-weight: 600;")
        self.bars = ClassBars()
        self.examples = QWidget()
        self.examples.setObjectName("dataExamples")
        self.example_row = QHBoxLayout(self.examples)
        self.example_row.setContentsMargins(0, 0, 0, 0)
        self.example_row.setSpacing(3)
        self.head = QTableWidget()
        self.head.setObjectName("dataHead")
        self.head.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.head.verticalHeader().setVisible(False)
        self.head.setStyleSheet("font-size: 8pt;")
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setStyleSheet(TEXT_STYLE)
        for widget in (self.headline, self.bars, self.examples, self.head, self.details):
            column.addWidget(widget)
        self.shown: DataSummary | None = None

    def show_summary(self, summary: DataSummary, details: list[str]) -> None:
        """Show `summary`, with `details` (the split, the scaling) under the notes."""
        self.details.setText("\n".join([*summary.notes, *details]))
        if summary is self.shown:  # the setup changed, not the data: pictures stay
            return
        self.shown = summary
        unit = "images" if summary.kind == "images" else "rows"
        self.headline.setText(summary.describe(unit))
        # A measurement has no classes to count.
        self.bars.setVisible(bool(summary.counts))
        self.bars.set_counts(summary.classes, summary.counts)
        self._show_examples(summary)
        self._show_head(summary.head)

    def _show_examples(self, summary: DataSummary) -> None:
        while self.example_row.count():
            item = self.example_row.takeAt(0)
            if item.widget() is not None:  # the last item is the stretch
                item.widget().setParent(None)  # gone now, not at the next event loop
        for name, image in zip(summary.classes, summary.examples, strict=False):
            label = QLabel()
            label.setPixmap(example_pixmap(image, EXAMPLE_SIDE))
            label.setToolTip(name)
            self.example_row.addWidget(label)
        self.example_row.addStretch()
        self.examples.setVisible(bool(summary.examples))

    def _show_head(self, head: tuple[tuple[str, ...], ...]) -> None:
        self.head.setVisible(bool(head))
        if not head:
            return
        header, rows = head[0], head[1:]
        self.head.setColumnCount(len(header))
        self.head.setRowCount(len(rows))
        self.head.setHorizontalHeaderLabels(list(header))
        for row, cells in enumerate(rows):
            for column, cell in enumerate(cells):
                self.head.setItem(row, column, QTableWidgetItem(cell))
        self.head.resizeColumnsToContents()
        self.head.resizeRowsToContents()
        height = self.head.horizontalHeader().height() + sum(
            self.head.rowHeight(row) for row in range(len(rows))
        )
        # Room for the horizontal scroll bar too: the columns rarely fit the setup's width.
        self.head.setFixedHeight(
            height
            + self.head.horizontalScrollBar().sizeHint().height()
            + 2 * self.head.frameWidth()
        )
