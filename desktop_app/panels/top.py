"""The top trials as small multiples: each one's learning curves in a grid of plots."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from hyperdesk.desktop_app.panels.base import (
    SELECTED_COLOUR,
    TRAINING_STYLE,
    VALIDATION_STYLE,
    Panel,
    Selection,
    epoch_axis,
    make_plot,
    pen,
)
from hyperdesk.desktop_app.run.results import SearchResults


class TopPanel(Panel):
    """The textbook's figure: the 20 best trials as small multiples, val solid and train
    dashed, each with y from 0 to 1, ranked by final validation accuracy."""

    COLUMNS, ROWS = 5, 4
    GAP_X, GAP_Y = 0.12, 0.32

    def __init__(self):
        self.plot = make_plot("topPlot", "Top 20 (solid: validation, dashed: training)", "", "")
        item = self.plot.getPlotItem()
        for axis in ("left", "bottom"):
            item.hideAxis(axis)
        item.showGrid(False, False)
        self.plot.setMouseEnabled(False, False)
        self.frames = self.plot.plot(pen=pg.mkPen("#9e9e9e", width=1), connect="finite")
        self.midlines = self.plot.plot(
            pen=pg.mkPen("#e0e0e0", width=1, style=Qt.PenStyle.DotLine), connect="finite"
        )
        self.highlight = self.plot.plot(pen=pg.mkPen(SELECTED_COLOUR, width=2.5))
        self.val_items, self.train_items, self.labels = [], [], []
        font = QFont()
        font.setPointSize(8)
        for _ in range(self.COLUMNS * self.ROWS):
            self.train_items.append(self.plot.plot(pen=pen("#2e7d32", TRAINING_STYLE, 1.2)))
            self.val_items.append(self.plot.plot(pen=pen("#1f5fbf", VALIDATION_STYLE, 1.6)))
            label = pg.TextItem("", color="#212121", anchor=(0, 1))
            label.setFont(font)
            self.plot.addItem(label)
            self.labels.append(label)
        self.framed = -1  # cells framed so far
        # A fixed view of all 20 cells, whatever the curves and labels hold.
        self.plot.getPlotItem().getViewBox().disableAutoRange()
        width = self.COLUMNS * (1 + self.GAP_X) - self.GAP_X
        self.plot.setXRange(-0.02, width + 0.02, padding=0)
        self.plot.setYRange(-0.05, self.ROWS * (1 + self.GAP_Y), padding=0)

    def origin(self, cell: int) -> tuple[float, float]:
        column, row = cell % self.COLUMNS, cell // self.COLUMNS
        return column * (1 + self.GAP_X), (self.ROWS - 1 - row) * (1 + self.GAP_Y)

    def _rectangle(self, cell: int) -> tuple[list[float], list[float]]:
        x0, y0 = self.origin(cell)
        return [x0, x0 + 1, x0 + 1, x0, x0], [y0, y0, y0 + 1, y0 + 1, y0]

    def _draw_frames(self, count: int) -> None:
        """Frames for the first `count` cells: a rank no trial holds yet draws nothing."""
        xs, ys, mx, my = [], [], [], []
        for cell in range(count):
            x, y = self._rectangle(cell)
            xs += [*x, math.nan]
            ys += [*y, math.nan]
            x0, y0 = self.origin(cell)
            mx += [x0, x0 + 1, math.nan]
            my += [y0 + 0.5, y0 + 0.5, math.nan]
        self.frames.setData(xs, ys)
        self.midlines.setData(mx, my)

    def refresh(self, results: SearchResults, selection: Selection) -> None:
        ranking = results.ranked()[: self.COLUMNS * self.ROWS]
        if len(ranking) != self.framed:
            self.framed = len(ranking)
            self._draw_frames(self.framed)
        frames: tuple[list[float], list[float]] = ([], [])
        for cell in range(self.COLUMNS * self.ROWS):
            x0, y0 = self.origin(cell)
            if cell >= len(ranking):
                self.val_items[cell].setData([], [])
                self.train_items[cell].setData([], [])
                self.labels[cell].setText("")
                continue
            trial = ranking[cell]
            epochs, val, train = epoch_axis(trial)
            span = max(trial.params.get("epochs", results.epochs_per_trial), len(epochs)) - 1
            x = x0 + (epochs - 1) / span if span > 0 else x0 + 0.5 + 0 * epochs
            self.val_items[cell].setData(x, y0 + val)
            self.train_items[cell].setData(x, y0 + train)
            self.labels[cell].setText(
                f"{cell + 1}. #{trial.number}  {trial.metric.score_text(trial)}"
            )
            # Just above the cell's frame, in the gap between rows.
            self.labels[cell].setPos(x0, y0 + 1 + self.GAP_Y * 0.05)
            if trial.number in selection:
                xs, ys = self._rectangle(cell)
                frames[0].extend([*xs, np.nan])
                frames[1].extend([*ys, np.nan])
        self.highlight.setData(*frames, connect="finite")
