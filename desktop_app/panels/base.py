"""What every panel shares: the Panel interface, colours and line styles, the score's
colour map, axes that fit their labels, legends placed clear of the data, and the
plot every panel draws in. A panel owns one PlotWidget whose items are made once and
then only given new data (setData), never cleared and replotted."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QWidget,
)

from hyperdesk.core.config import Config
from hyperdesk.core.formatting import log_ticks
from hyperdesk.core.trials import ACCURACY, Metric
from hyperdesk.desktop_app.run.results import SearchResults, Trial

VALIDATION_STYLE = Qt.PenStyle.SolidLine


TRAINING_STYLE = Qt.PenStyle.DashLine


BEST_COLOUR = "#1b7f3b"


SELECTED_COLOUR = "#e65100"


# Selected trials compared in the learning curves, each in its own colour: none of them
# near the best trial's green or the running trials' blues.
SELECTED_COLOURS = (
    SELECTED_COLOUR,
    "#8e24aa",
    "#6d4c41",
    "#c2185b",
    "#546e7a",
    "#9e9d24",
    "#d32f2f",
    "#00897b",
)


RUNNING_COLOURS = ("#1f5fbf", "#6a3fb5", "#00838f", "#ad1457")


TRIAL_COLOUR = "#37474f"


ACCURACY_MAP = pg.colormap.get("viridis")


ROUND_SYMBOLS = ("o", "t", "s", "d", "star", "h", "p", "+")


# Each coarse-to-fine round's region and legend symbol, round 1 first: none of them the
# selection's orange or near the accuracy colours' greens and yellows.
ROUND_COLOURS = ("#455a64", "#1565c0", "#8e24aa", "#c62828", "#00838f", "#6d4c41")


Selection = tuple[int, ...]


class Panel:
    """What the window, its menus and both exporters know of a panel (desktop_app.panels
    lists them): the plot it draws in, the widget its dock holds, how it lays itself out
    for a search, and how it redraws."""

    plot: pg.PlotWidget

    @property
    def widget(self) -> QWidget:
        """What the panel's dock shows: the plot, or the plot with its controls."""
        return self.plot

    def show_search(self, config: Config) -> None:
        """Lay out for a new search (its axes, its parameters); most panels need nothing."""

    def visibility_changed(self, visible: bool) -> None:
        """Its dock was shown or hidden (a tab chosen); most panels need nothing."""

    def refresh(self, results: SearchResults, selection: Selection) -> None:
        """Draw `results`, highlighting every trial in `selection` (numbers, in the order
        they were chosen)."""
        raise NotImplementedError


ACCURACY_SHADES = 64  # a shade per 1/64 of accuracy: no eye tells them apart finer


@functools.cache
def _shade(level: int) -> QBrush:
    return pg.mkBrush(ACCURACY_MAP.map(level / (ACCURACY_SHADES - 1), mode="qcolor"))


@dataclass(frozen=True)
class ScoreScale:
    """How scores become colours: accuracy over 0..1; a regression's figure over the
    range its trials reached, the better end at the colour map's bright end whichever
    way is better (a low RMSE is bright)."""

    metric: Metric = ACCURACY
    low: float = 0.0
    high: float = 1.0

    @classmethod
    def of(cls, results: SearchResults) -> ScoreScale:
        scores = [t.score for t in results.trials.values() if t.score is not None]
        if results.metric is ACCURACY or not scores:
            return cls(results.metric)
        return cls(results.metric, min(scores), max(scores))

    def level(self, score: float | np.ndarray) -> float | np.ndarray:
        """Where `score` (or each of an array's, NaN staying NaN) falls, 0 (worst) to 1
        (best)."""
        span = self.high - self.low
        fraction = np.clip((np.asarray(score, dtype=float) - self.low) / (span or 1.0), 0, 1)
        if span <= 0:
            fraction = np.where(np.isnan(fraction), np.nan, 1.0)
        levels = fraction if self.metric.higher_is_better else 1.0 - fraction
        return float(levels) if levels.ndim == 0 else levels

    def value_at(self, level: float) -> float:
        """The score at `level` (0 worst, 1 best): level()'s inverse."""
        share = level if self.metric.higher_is_better else 1.0 - level
        return self.low + share * (self.high - self.low)

    def brush(self, score: float) -> QBrush:
        """The brush of a point scored `score`; brushes are shared, so thousands of
        points cost a few dozen brushes."""
        return _shade(round(self.level(score) * (ACCURACY_SHADES - 1)))

    def show_on(self, bar: pg.ColorBarItem) -> None:
        """`bar` shows this scale: its values, which end is better, the metric's name."""
        colours = ACCURACY_MAP
        if not self.metric.higher_is_better:  # the bright end at the low values
            # A copy: pyqtgraph's maps are shared, and reverse() turns one in place.
            colours = pg.colormap.get("viridis", skipCache=True)
            colours.reverse()
        bar.setColorMap(colours)
        bar.setLevels((self.low, self.high) if self.high > self.low else (self.low, self.low + 1))
        bar.getAxis("left").setLabel(f"final {self.metric.short}")  # where add_score_bar put it


END_LABEL_ROOM = 30  # pixels a tick label may reach past either end of an x axis


class ValueAxis(pg.AxisItem):
    """An axis whose log scale reads well: decades, or 1-2-5 steps inside a decade, all
    in one notation (pyqtgraph put 10^-5 beside 0.0001, and left a span of less than a
    decade with one tick or none)."""

    def __init__(self, orientation: str, **kwargs):
        self.log_labels: dict[float, str] = {}  # the ticks tickValues chose, for tickStrings
        super().__init__(orientation, **kwargs)

    def boundingRect(self):
        # A label at either end may reach a little past the axis (1e-06 at its left).
        # pyqtgraph allows that only on axes without a grid, and hid the label instead.
        rect = super().boundingRect()
        if self.orientation in ("top", "bottom"):
            return rect.adjusted(-END_LABEL_ROOM, 0, END_LABEL_ROOM, 0)
        return rect

    def tickValues(self, minVal, maxVal, size):
        if not self.logMode or self._tickLevels is not None:
            return super().tickValues(minVal, maxVal, size)
        most = max(2, int(size / (70 if self.orientation in ("top", "bottom") else 40)))
        self.log_labels = dict(log_ticks(minVal, maxVal, most))
        return [(1.0, list(self.log_labels))]

    def tickStrings(self, values, scale, spacing):
        if not self.logMode or self._tickLevels is not None:
            return super().tickStrings(values, scale, spacing)
        return [self.log_labels.get(value, "") for value in values]


# Where a legend may sit: (x, y) of the view's corner, 0 left or top, 1 right or bottom.
CORNERS = ((1, 1), (0, 0), (1, 0), (0, 1))


LEGEND_MARGIN = 10  # pixels between a legend and the frame


def place_legend(legend: pg.LegendItem, items: list[pg.PlotDataItem], corner: tuple) -> tuple:
    """Anchor `legend` in the corner of its view that the data of `items` crosses least
    (`corner`, where it is now, wins a tie, so it does not jump about); the corner."""
    view_box = legend.parentItem()
    (x0, x1), (y0, y1) = view_box.viewRange()
    pixel_x, pixel_y = view_box.viewPixelSize()
    size = legend.boundingRect()
    width = (size.width() + LEGEND_MARGIN) * pixel_x
    height = (size.height() + LEGEND_MARGIN) * pixel_y
    data = [item.getData() for item in items]
    xs = np.concatenate([x for x, _ in data if x is not None] or [np.empty(0)])
    ys = np.concatenate([y for _, y in data if y is not None] or [np.empty(0)])

    def crossings(where: tuple) -> int:
        left = x0 if where[0] == 0 else x1 - width
        bottom = y1 - height if where[1] == 0 else y0  # y grows upwards in the view
        inside = (xs >= left) & (xs <= left + width) & (ys >= bottom) & (ys <= bottom + height)
        return int(np.count_nonzero(inside))

    best = min(CORNERS, key=lambda where: (crossings(where), where != corner))
    if best != corner:
        offset = tuple(LEGEND_MARGIN if end == 0 else -LEGEND_MARGIN for end in best)
        legend.anchor(itemPos=best, parentPos=best, offset=offset)
    return best


def legend_for(plot: pg.PlotWidget) -> pg.LegendItem:
    """A legend on a white card, first in the bottom-right corner (CORNERS[0])."""
    return plot.addLegend(
        offset=(-LEGEND_MARGIN, -LEGEND_MARGIN),
        labelTextSize="9pt",
        brush=pg.mkBrush(255, 255, 255, 215),
        pen=pg.mkPen("#bdbdbd"),
    )


def add_score_bar(plot: pg.PlotWidget) -> pg.ColorBarItem:
    """The colour scale of the score (final validation accuracy; ScoreScale.show_on
    shows a regression's), right of the plot."""
    bar = pg.ColorBarItem(
        values=(0, 1), colorMap=ACCURACY_MAP, interactive=False, label="final val acc", width=14
    )
    plot.getPlotItem().layout.addItem(bar, 2, 3)
    return bar


def make_plot(
    name: str, title: str, x_label: str, y_label: str, view_box: pg.ViewBox | None = None
) -> pg.PlotWidget:
    axes = {side: ValueAxis(side) for side in ("left", "bottom")}
    plot = pg.PlotWidget(viewBox=view_box, axisItems=axes)
    plot.setObjectName(name)
    plot.setTitle(title, size="11pt")
    plot.setLabel("bottom", x_label)
    plot.setLabel("left", y_label)
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.setMenuEnabled(False)
    for axis in ("left", "bottom"):
        # Values are shown as they are (1e-06), never rescaled into a "(x1e-06)" label.
        plot.getAxis(axis).enableAutoSIPrefix(False)
    return plot


def fit_score_axis(plot: pg.PlotWidget, metric: Metric, label: str) -> None:
    """The left axis for values of `metric`, labelled `label`: 0..1 for accuracy; fitted
    to the values for a regression's figures (R² falls below 0 for a poor fit, errors
    are in the label's units)."""
    box = plot.getPlotItem().getViewBox()
    plot.setLabel("left", label)
    if metric is ACCURACY:
        box.setLimits(yMin=-0.05, yMax=1.05)
        plot.setYRange(0, 1, padding=0.02)
    else:
        box.setLimits(yMin=None, yMax=None)
        box.enableAutoRange(axis="y")


def staircase(xs, ys) -> tuple[np.ndarray, np.ndarray]:
    """Points of a best-so-far line drawn as steps: each value holds until the next."""
    if not len(xs):
        return np.array([]), np.array([])
    return np.repeat(xs, 2)[1:], np.repeat(ys, 2)[:-1]


def pen(colour: str, style: Qt.PenStyle = VALIDATION_STYLE, width: float = 2.0) -> Any:
    return pg.mkPen(colour, width=width, style=style)


def epoch_axis(trial: Trial, name: str = "") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(epochs, validation figure, training figure) of figure `name` (default: the
    trial's search metric: its accuracies, or a regression's R², RMSE or MAE); the
    training figure is NaN for a figure without a train_ twin (a function's own)."""
    name = name or trial.metric.name
    training = f"train_{name.removeprefix('val_')}" if name.startswith("val_") else ""
    epochs = np.array([record.epoch for record in trial.records], dtype=float)
    # (A function's own figure by any name; NaN where an epoch did not report it.)
    val = np.array([record.figure(name) for record in trial.records], dtype=float)
    train = np.array([record.figure(training) for record in trial.records], dtype=float)
    return epochs, val, train


def spread_band(trial: Trial) -> tuple[np.ndarray, np.ndarray] | None:
    """(mean - std, mean + std) of the search metric's validation figure per epoch, for
    a trial of several runs (folds, repeats); None for a trial of one run."""
    name = trial.metric.name
    if not trial.records or trial.records[0].figure(f"{name}_std") is None:
        return None
    val = np.array([getattr(record, name) for record in trial.records], dtype=float)
    std = np.array([getattr(record, f"{name}_std") for record in trial.records], dtype=float)
    return val - std, val + std
