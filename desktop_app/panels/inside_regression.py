"""A regression looked inside: its figures with their standard errors, what it predicted
against the actual values (the diagonal is a perfect fit), its errors against what it
predicted (a pattern there is something the network missed), how its errors spread,
and its worst predictions with their rows' values. The Inside panel shows one;
`hyperdesk export --plots` draws them as images."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hyperdesk.core.model.inspection import RegressionLook
from hyperdesk.desktop_app.panels.base import TRIAL_COLOUR, make_plot, pen

PLOT_HEIGHT = 250
# Points drawn of each sample plot: more than this many are a cloud either way, and
# pyqtgraph's drawing time grows with each.
POINTS_DRAWN = 5000
BINS = 30
POINT_BRUSH = pg.mkBrush(55, 71, 79, 110)  # TRIAL_COLOUR, see-through where points pile up
GUIDE = "#9e9e9e"
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _drawn(look: RegressionLook) -> np.ndarray:
    """Which samples the plots draw: all of them, or an even spread of POINTS_DRAWN."""
    if look.samples <= POINTS_DRAWN:
        return np.arange(look.samples)
    return np.linspace(0, look.samples - 1, POINTS_DRAWN).round().astype(int)


class RegressionReportView(QWidget):
    """`headline` (what was looked inside), then the regression's figures on the split
    they were measured on, three plots of its predictions and its worst ones."""

    def __init__(self, headline: str, look: RegressionLook, parent=None):
        super().__init__(parent)
        self.setObjectName("regressionReportView")
        self.look = look
        layout = QVBoxLayout(self)
        drawn = _drawn(look)
        shown = (
            ""
            if len(drawn) == look.samples
            else f"; the plots draw {len(drawn):,} of them, evenly spread"
        )
        summary = QLabel(
            f"{headline} On the {look.on} ({look.samples:,} samples{shown}): "
            f"RMSE <b>{look.rmse:.4g}</b> ± {look.standard_error('val_rmse'):.2g}, "
            f"MAE <b>{look.mae:.4g}</b> ± {look.standard_error('val_mae'):.2g}, "
            f"R² <b>{look.r2:.3f}</b> ± {look.standard_error('val_r2'):.3f} "
            f"(± one standard error, from the spread of the errors; errors are predicted "
            f"minus actual {look.label})"
        )
        summary.setObjectName("reportSummary")
        summary.setWordWrap(True)
        layout.addWidget(summary)
        actual, predicted = look.actual[drawn], look.predicted[drawn]
        errors = predicted - actual
        self.fit = self._plot(
            "predictedAgainstActual",
            "Predicted against actual",
            "On the dashed diagonal a prediction is exactly right.",
            f"actual {look.label}",
            f"predicted {look.label}",
        )
        low = float(min(actual.min(), predicted.min()))
        high = float(max(actual.max(), predicted.max()))
        self.fit.plot([low, high], [low, high], pen=pen(GUIDE, Qt.PenStyle.DashLine, 1.5))
        self._points(self.fit, actual, predicted)
        self.errors = self._plot(
            "errorsAgainstPredicted",
            "Errors against predicted",
            "Errors scattered evenly about zero are noise; a curve or a funnel is "
            "something the network missed.",
            f"predicted {look.label}",
            "error",
        )
        self.errors.addLine(y=0, pen=pen(GUIDE, Qt.PenStyle.DashLine, 1.5))
        self._points(self.errors, predicted, errors)
        self.spread = self._plot(
            "errorHistogram",
            "How the errors spread",
            "",
            "error",
            "samples",
        )
        counts, edges = np.histogram(look.residuals, bins=BINS)
        self.spread.plot(
            edges, counts, stepMode="center", fillLevel=0, brush=POINT_BRUSH, pen=pen(TRIAL_COLOUR)
        )
        self.spread.addLine(x=0, pen=pen(GUIDE, Qt.PenStyle.DashLine, 1.5))
        caption = QLabel(
            "The worst predictions, furthest off first: each sample's row in the data as "
            "read (1 is the first after the header) and its first columns"
        )
        caption.setWordWrap(True)
        layout.addWidget(caption)
        self.worst = self._worst_table(look)
        layout.addWidget(self.worst)
        layout.addStretch(1)

    def _plot(
        self, name: str, title: str, reading: str, x_label: str, y_label: str
    ) -> pg.PlotWidget:
        """A plot under `reading` (how to read it, wrapped to the panel's width: a
        plot's own title never wraps, and a long one would widen the panel)."""
        if reading:
            caption = QLabel(reading)
            caption.setWordWrap(True)
            self.layout().addWidget(caption)
        plot = make_plot(name, title, x_label, y_label)
        plot.setFixedHeight(PLOT_HEIGHT)
        self.layout().addWidget(plot)
        return plot

    def _points(self, plot: pg.PlotWidget, xs: np.ndarray, ys: np.ndarray) -> None:
        plot.plot(
            xs, ys, pen=None, symbol="o", symbolSize=5, symbolPen=None, symbolBrush=POINT_BRUSH
        )

    def _worst_table(self, look: RegressionLook) -> QTableWidget:
        names = [name for name, _ in look.worst[0].values] if look.worst else []
        headers = ["Row", "Actual", "Predicted", "Error", *names]
        table = QTableWidget(len(look.worst), len(headers))
        table.setObjectName("worstPredictions")
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for row, worst in enumerate(look.worst):
            texts = [
                f"{worst.row + 1:,}",
                f"{worst.actual:.4g}",
                f"{worst.predicted:.4g}",
                f"{worst.predicted - worst.actual:+.4g}",
                *(value for _, value in worst.values),
            ]
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if column < 4:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                table.setItem(row, column, item)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.resizeRowsToContents()
        # Every row shown: the panel scrolls, not the table inside it.
        rows = sum(table.rowHeight(row) for row in range(table.rowCount()))
        header = table.horizontalHeader().sizeHint().height()
        scroll_bar = table.horizontalScrollBar().sizeHint().height()
        table.setFixedHeight(rows + header + scroll_bar + 2 * table.frameWidth())
        table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        return table

    def as_printed(self) -> None:
        """For a picture of it: nothing changes (it has no controls); the table as wide
        as its columns, not cut at the panel's width."""
        header = self.worst.horizontalHeader()
        width = sum(header.sectionSize(c) for c in range(self.worst.columnCount()))
        self.worst.setMinimumWidth(width + 2 * self.worst.frameWidth())
