"""The score over a grid of two parameters, as a heatmap."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from hyperdesk.core.config import Config
from hyperdesk.core.formatting import axis_text
from hyperdesk.core.trials import ACCURACY
from hyperdesk.desktop_app.panels.base import (
    ACCURACY_MAP,
    Panel,
    ScoreScale,
    Selection,
    make_plot,
)
from hyperdesk.desktop_app.run.results import SearchResults


class HeatmapPanel(Panel):
    """For a grid search over two parameters: the final validation accuracy of every grid
    point as a coloured cell with its value, blank until the point has run."""

    def __init__(self):
        self.plot = make_plot("heatmapPlot", "Final validation accuracy over the grid", "", "")
        self.plot.showGrid(False, False)
        self.plot.setMouseEnabled(False, False)
        self.image = pg.ImageItem()
        self.image.setColorMap(ACCURACY_MAP)
        # No colour bar: every cell shows its value, on the scatter's colour scale.
        self.plot.addItem(self.image)
        self.cell_labels: dict[tuple[int, int], pg.TextItem] = {}  # by (column, row)
        self.axes: tuple[tuple[str, list], tuple[str, list]] | None = None

    @staticmethod
    def applies(config: Config) -> bool:
        return config.search.strategy == "grid" and len(config.search.space) == 2

    def show_search(self, config: Config) -> None:
        for label in self.cell_labels.values():
            self.plot.removeItem(label)
        self.cell_labels = {}
        self.axes = None
        if not self.applies(config):
            return
        space, points = config.search.space, config.search.points
        # Each range may set its own number of points, as the grid strategy reads them.
        self.axes = tuple(
            (param.name, param.grid(getattr(param, "points", None) or points)) for param in space
        )
        item = self.plot.getPlotItem()
        for (name, values), axis in zip(self.axes, ("bottom", "left"), strict=True):
            item.setLabel(axis, name)
            item.getAxis(axis).setTicks([[(i, axis_text(v)) for i, v in enumerate(values)]])
        columns, rows = len(self.axes[0][1]), len(self.axes[1][1])
        self.image.setImage(np.full((columns, rows), np.nan), levels=(0, 1))
        self.image.setRect(QRectF(-0.5, -0.5, columns, rows))
        self.plot.setXRange(-0.5, columns - 0.5, padding=0.02)
        self.plot.setYRange(-0.5, rows - 0.5, padding=0.02)

    def refresh(self, results: SearchResults, selection: Selection) -> None:
        if self.axes is None:
            return
        (x_name, x_values), (y_name, y_values) = self.axes
        scores = np.full((len(x_values), len(y_values)), np.nan)
        for trial in results.trials.values():
            if trial.score is None:
                continue
            x_value, y_value = trial.params.get(x_name), trial.params.get(y_name)
            if x_value in x_values and y_value in y_values:
                scores[x_values.index(x_value), y_values.index(y_value)] = trial.score
        # Each cell's place on the colour map, 0 worst to 1 best (ScoreScale).
        scale = ScoreScale.of(results)
        levels = scale.level(scores)
        self.image.setImage(levels, levels=(0, 1))
        for cell, score in np.ndenumerate(scores):
            if np.isnan(score) or cell in self.cell_labels:
                continue  # not run yet, or labelled already: a grid point's score is final
            # Light text on the dark end of viridis, dark text on the light end.
            dark = levels[cell] < 0.6
            text = f"{score:.2f}" if scale.metric is ACCURACY else scale.metric.text(score)
            label = pg.TextItem(text, color="#ffffff" if dark else "#212121", anchor=(0.5, 0.5))
            label.setPos(*cell)
            self.plot.addItem(label)
            self.cell_labels[cell] = label
