"""Sessions compared (core.comparison), as the Sessions tab's Compare shows them: the
verdict, the best score so far of each against trials and against epochs trained, the
best trials side by side, and every trial of every session in one scatter."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from hyperdesk.core.comparison import Comparison
from hyperdesk.core.trials import ACCURACY
from hyperdesk.desktop_app.panels.base import (
    SELECTED_COLOURS,
    ScoreScale,
    legend_for,
    make_plot,
    staircase,
)
from hyperdesk.desktop_app.widgets.wrapping import breakable

SESSION_COLOURS = SELECTED_COLOURS[1:]  # none of them the best trial's green


def _plot(name: str, title: str, x_label: str, y_label: str) -> pg.PlotWidget:
    plot = make_plot(name, title, x_label, y_label)
    legend_for(plot)
    plot.setMinimumSize(360, 240)
    return plot


SESSION_SYMBOLS = ("o", "s", "t", "d")  # circle, square, triangle, diamond


class CompareDialog(QDialog):
    def __init__(self, comparison: Comparison, parent=None):
        super().__init__(parent)
        self.setObjectName("compareDialog")
        self.setWindowTitle(f"{len(comparison.sides)} sessions compared")
        self.comparison = comparison
        layout = QVBoxLayout(self)
        self.verdict = QLabel(comparison.verdict)
        self.verdict.setObjectName("compareVerdict")
        self.verdict.setWordWrap(True)
        self.verdict.setStyleSheet("font-size: 11pt; font-weight: 600;")
        layout.addWidget(self.verdict)
        grid = QGridLayout()
        best = f"Best {comparison.metric.short}"  # "Best val acc", "Best val RMSE"
        self.by_trials = _plot("byTrials", "Best so far, trial by trial", "Trial", best)
        self.by_epochs = _plot(
            "byEpochs", "Best so far, against the work done", "Epochs trained", best
        )
        self.scatter = self._scatter()
        self.table = self._table()
        grid.addWidget(self.by_trials, 0, 0)
        grid.addWidget(self.by_epochs, 0, 1)
        grid.addWidget(self.table, 1, 0)
        grid.addWidget(self.scatter, 1, 1)
        layout.addLayout(grid, 1)
        for index, side in enumerate(comparison.sides):
            pen = pg.mkPen(SESSION_COLOURS[index % len(SESSION_COLOURS)], width=2)
            for plot, points in (
                (self.by_trials, side.by_trials),
                (self.by_epochs, side.by_epochs),
            ):
                x, y = staircase([p[0] for p in points], [p[1] for p in points])
                plot.plot(x, y, pen=pen, name=side.name)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(1000, 720)

    def _table(self) -> QTableWidget:
        rows = self.comparison.table()
        table = QTableWidget(len(rows) - 1, len(rows[0]) - 1)
        table.setObjectName("compareTable")
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setHorizontalHeaderLabels(list(rows[0][1:]))
        table.setVerticalHeaderLabels([row[0] for row in rows[1:]])
        for row, cells in enumerate(rows[1:]):
            for column, text in enumerate(cells[1:]):
                item = QTableWidgetItem(breakable(text))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(text)
                table.setItem(row, column, item)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # A long cell (the data: its file, samples and split) wraps onto more lines in a
        # taller row, not cut off at the column's edge.
        table.setWordWrap(True)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        return table

    def _scatter(self) -> pg.PlotWidget:
        """Every finished trial of every session at its first two parameters (those of
        the first session), in its session's colour, larger for a better score."""
        sides = self.comparison.sides
        names = [n for side in sides for params, _ in side.points for n in params]
        x_name, y_name = [*dict.fromkeys(names), "", ""][:2]
        plot = _plot("byParameters", "Every trial, by session", x_name, y_name)
        logs = set(sides[0].log_params)
        plot.setLogMode(x=x_name in logs, y=y_name in logs)
        # Sized by score: accuracy as it is, a regression's figure over the range reached.
        values = [v for side in sides for _, v in side.points if v is not None]
        metric = self.comparison.metric
        scale = (
            ScoreScale(metric)
            if metric is ACCURACY or not values
            else ScoreScale(metric, min(values), max(values))
        )
        for index, side in enumerate(sides):
            chosen = [
                (params[x_name], params[y_name], score)
                for params, score in side.points
                if _numeric(params.get(x_name)) and _numeric(params.get(y_name))
            ]
            if not chosen:
                continue
            x, y, scores = zip(*chosen, strict=True)
            sizes = [6 + 10 * (0.0 if score is None else scale.level(score)) for score in scores]
            colour = SESSION_COLOURS[index % len(SESSION_COLOURS)]
            # Sessions of one seed try the same points: the first is drawn filled, each
            # other as an outline of its own shape, so a point hides no session's.
            plot.plot(
                np.array(x, float),
                np.array(y, float),
                pen=None,
                symbol=SESSION_SYMBOLS[index % len(SESSION_SYMBOLS)],
                symbolSize=[size + 4 * bool(index) for size in sizes],
                symbolBrush=colour if index == 0 else None,
                symbolPen=pg.mkPen("w") if index == 0 else pg.mkPen(colour, width=2),
                name=side.name,
            )
        return plot


def _numeric(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
