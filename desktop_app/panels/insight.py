"""Panels that explain a search: parallel coordinates of every searched parameter and the
score (brushing an axis filters the table), parameter importance, the score over a
two-parameter grid as a heatmap, and a trade-off's front."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QFont, QFontMetrics
from PySide6.QtWidgets import QToolTip

from hyperdesk.core.config import Config
from hyperdesk.core.formatting import axis_text, cost_text, log_ticks, score_text, short_count
from hyperdesk.core.search.importance import MIN_TRIALS, parameter_importance
from hyperdesk.core.search.objectives import CONSTRAINTS, OBJECTIVE_TITLES
from hyperdesk.core.search.space import ChoiceParam, Param
from hyperdesk.desktop_app.panels.base import (
    ACCURACY_MAP,
    BEST_COLOUR,
    CORNERS,
    SELECTED_COLOUR,
    Panel,
    PointSignals,
    Selection,
    add_score_bar,
    legend_for,
    make_plot,
    place_legend,
    selection_marker,
    staircase,
)
from hyperdesk.desktop_app.run.helper import ImportanceEstimator
from hyperdesk.desktop_app.run.results import SearchResults

SCORE_AXIS = "val acc"
AXIS_MARGIN = 0.45
AXIS_TICKS = 5  # labels along a parameter's axis, at most
COLOUR_STEPS = 10  # lines are drawn in this many shades of the accuracy colour map
# A band narrower than this (in an axis's unit range) filters; the full band does not.
FULL_BAND = (0.001, 0.999)


def _static(plot: pg.PlotWidget) -> None:
    """A diagram, not a chart: no axes, no grid, no panning or zooming."""
    item = plot.getPlotItem()
    for axis in ("left", "bottom"):
        item.hideAxis(axis)
    item.showGrid(False, False)
    plot.setMouseEnabled(False, False)


def _within(units: list[float], bands: list[tuple[int, float, float]]) -> bool:
    """Whether a trial's axis positions lie inside every (axis, low, high) band."""
    return all(low <= units[axis] <= high for axis, low, high in bands)


class ParallelPanel(QObject, Panel):
    """One vertical axis per searched parameter (in its own scale: log where the range
    is log) and one for the final validation accuracy; each finished trial is a line
    across them, coloured by its accuracy. Each axis carries a band: drag its ends to
    keep only the trials inside, in the lines and in the table."""

    brushed = Signal(object)  # trial numbers inside every narrowed band, or None

    def __init__(self):
        super().__init__()
        # The title says what it is, also in an exported image; how to use it is a tooltip.
        self.plot = make_plot("parallelPlot", "Parallel coordinates", "", "")
        self.plot.setToolTip(
            "Drag a band's ends to keep only the trials inside it, here and in the table"
        )
        _static(self.plot)
        self.bar = add_score_bar(self.plot)
        # Without a bottom axis the bar reaches the panel's edge: room for its "0".
        self.plot.getPlotItem().setContentsMargins(4, 4, 4, 12)
        self.outside = self.plot.plot(pen=pg.mkPen(QColor(176, 176, 176, 110), width=1))
        self.shades = []
        for step in range(COLOUR_STEPS):
            colour = ACCURACY_MAP.map(step / (COLOUR_STEPS - 1), mode="qcolor")
            # Poor trials faint, good ones solid: the good ones are what a person follows.
            colour.setAlphaF(0.3 + 0.7 * step / (COLOUR_STEPS - 1))
            self.shades.append(self.plot.plot(pen=pg.mkPen(colour, width=1.5)))
        self.selected_line = self.plot.plot(pen=pg.mkPen(SELECTED_COLOUR, width=3.5))
        self.space: dict[str, Param] = {}
        self.axis_items: list[Any] = []
        self.bands: list[pg.LinearRegionItem] = []
        self.results: SearchResults | None = None
        self.selection: Selection = ()
        self.matching: set[int] | None = None

    @property
    def names(self) -> list[str]:
        return [*self.space, SCORE_AXIS]

    def show_search(self, config: Config) -> None:
        for item in self.axis_items:
            self.plot.removeItem(item)
        self.axis_items, self.bands = [], []
        self.space = {param.name: param for param in config.search.space}
        self.results, self.matching = None, None
        count = len(self.names)
        left, right = -AXIS_MARGIN, count - 1 + AXIS_MARGIN
        self.plot.setXRange(left, right, padding=0)
        self.plot.setYRange(-0.08, 1.2, padding=0)
        for index, name in enumerate(self.names):
            line = pg.PlotDataItem([index, index], [0, 1], pen=pg.mkPen("#616161", width=1.2))
            title = pg.TextItem(name, color="#212121", anchor=(0.5, 0.0))
            title.setPos(index, 1.19)
            band = pg.LinearRegionItem(
                values=(0, 1),
                orientation="horizontal",
                bounds=(0, 1),
                span=(
                    (index - 0.09 - left) / (right - left),
                    (index + 0.09 - left) / (right - left),
                ),
                brush=QColor(31, 95, 191, 28),
                hoverBrush=QColor(31, 95, 191, 60),
            )
            band.setZValue(-5)
            band.sigRegionChangeFinished.connect(self._band_moved)
            self.bands.append(band)
            self.axis_items += [line, title, band]
            for unit, label in self._ticks(name):
                tick = pg.TextItem(label, color="#424242", anchor=(0, 0.5))
                tick.setPos(index + 0.1, unit)
                self.axis_items.append(tick)
        for item in self.axis_items:
            self.plot.addItem(item)

    def _ticks(self, name: str) -> list[tuple[float, str]]:
        """(position on the axis, label): a few values along each axis, in its scale."""
        param = self.space.get(name)
        if param is None:  # the score axis
            return [(share, f"{share:g}") for share in (0.0, 0.25, 0.5, 0.75, 1.0)]
        if isinstance(param, ChoiceParam):
            return [(param.to_unit(value), axis_text(value)) for value in param.values]
        if param.scale == "log":
            ticks = log_ticks(math.log10(param.low), math.log10(param.high), AXIS_TICKS)
            return [(param.to_unit(10.0**decade), label) for decade, label in ticks]
        values = [param.low + (param.high - param.low) * k / 4 for k in range(5)]
        return [(param.to_unit(value), axis_text(value)) for value in values]

    def _units(self, trial) -> list[float]:
        """A trial's position on every axis; NaN where a parameter does not apply."""
        units = []
        for name, param in self.space.items():
            value = trial.params.get(name)
            units.append(np.nan if value is None else float(param.to_unit(value)))
        return [*units, trial.score]

    def _lines(self, units: list[list[float]]) -> tuple[np.ndarray, np.ndarray]:
        """x and y of polylines through each trial's axis positions, separated by NaN."""
        if not units:
            return np.array([]), np.array([])
        x = np.tile(np.append(np.arange(len(self.names), dtype=float), np.nan), len(units))
        y = np.concatenate([np.append(positions, np.nan) for positions in units])
        return x, y

    def _narrowed(self) -> list[tuple[int, float, float]]:
        narrowed = []
        for index, band in enumerate(self.bands):
            low, high = band.getRegion()
            if low > FULL_BAND[0] or high < FULL_BAND[1]:
                narrowed.append((index, low, high))
        return narrowed

    def refresh(self, results: SearchResults, selection: Selection) -> None:
        self.results, self.selection = results, selection
        if not self.space:
            return
        units_of = {t.number: self._units(t) for t in results.trials.values()}
        scored = {n: units_of[n] for n, t in results.trials.items() if t.score is not None}
        narrowed = self._narrowed()
        inside = {n: units for n, units in scored.items() if _within(units, narrowed)}
        outside = [units for number, units in scored.items() if number not in inside]
        self.outside.setData(*self._lines(outside), connect="finite")
        # The score is the last axis: it picks each line's shade.
        steps = {
            n: min(int(units[-1] * COLOUR_STEPS), COLOUR_STEPS - 1) for n, units in inside.items()
        }
        for step, item in enumerate(self.shades):
            chosen = [units for n, units in inside.items() if steps[n] == step]
            item.setData(*self._lines(chosen), connect="finite")
        self.selected_line.setData(
            *self._lines([scored[n] for n in selection if n in scored]), connect="finite"
        )
        matching = None
        if narrowed:
            # Trials without a score (running, diverged, stopped) are judged on their
            # parameters alone: brushing a learning rate keeps its diverged trials too.
            score_axis = len(self.names) - 1
            parameter_bands = [band for band in narrowed if band[0] != score_axis]
            matching = set(inside) | {
                n
                for n, units in units_of.items()
                if n not in scored and _within(units, parameter_bands)
            }
        if matching != self.matching:
            self.matching = matching
            self.brushed.emit(matching)

    def _band_moved(self) -> None:
        if self.results is not None:
            self.refresh(self.results, self.selection)

    def clear_bands(self) -> None:
        for band in self.bands:
            band.setRegion((0, 1))


class ImportancePanel(QObject, Panel):
    """How much of the variation in the score (final validation accuracy) each searched
    parameter explains, estimated by Optuna's PED-ANOVA, as bars in percent, most
    important on top.

    Without an estimator (headless export) it computes on refresh. With one (the
    window) it asks it in the background, one estimate at a time and only while the
    panel shows: an estimate wanted meanwhile is marked due and asked for later."""

    def __init__(self):
        super().__init__()
        self.plot = make_plot(
            "importancePlot",
            "Parameter importance",
            "Share of the score's variation explained",
            "",
        )
        # One unit on the axis and on the bars: percent.
        self.plot.getAxis("bottom").setTicks(
            [[(share, f"{share:.0%}") for share in (0.0, 0.25, 0.5, 0.75, 1.0)]]
        )
        self.plot.setMouseEnabled(False, False)
        self.plot.showGrid(x=True, y=False, alpha=0.15)
        self.bars = pg.BarGraphItem(x0=[], y=[], width=[], height=0.5, brush="#1f5fbf")
        self.plot.addItem(self.bars)
        self.note = pg.TextItem("", color="#616161", anchor=(0.5, 0.5))
        self.plot.addItem(self.note)
        self.value_labels: list[pg.TextItem] = []
        self.plot.setXRange(0, 1.08, padding=0)  # room for the "100%" tick's label
        self.shown: dict[str, float] = {}
        self.space: tuple[Param, ...] = ()
        self.scored: list[tuple[dict, float]] = []
        self.estimator: ImportanceEstimator | None = None
        self.due = False  # an estimate is wanted that was not asked for yet
        self.showing = False  # its dock is the tab on top (told by visibility_changed)
        self.asked_for: tuple[Param, ...] | None = None  # the space of the one running
        self.estimated: tuple[Param, ...] | None = None  # the space self.scored is for

    def use_estimator(self, estimator: ImportanceEstimator) -> None:
        self.estimator = estimator
        estimator.computed.connect(self._computed)

    def show_search(self, config: Config) -> None:
        self.space = config.search.space
        self.estimated = None
        self.show_importance({}, 0)

    def refresh(self, results: SearchResults, selection: Selection) -> None:
        scored = [
            (trial.params, trial.score)
            for trial in results.trials.values()
            if trial.score is not None
        ]
        if scored == self.scored and self.estimated == self.space:
            return  # no new result (a selection moved): the estimate stands
        self.scored = scored
        self.estimated = self.space
        if self.estimator is None:
            self.show_importance(parameter_importance(self.space, self.scored), len(self.scored))
            return
        self.due = True
        self._ask()

    def _ask(self) -> None:
        if self.asked_for is not None or not self.showing:
            return
        self.due = False
        self.asked_for = self.space
        self.estimator.request(self.space, self.scored)

    def _computed(self, importance: dict[str, float], finished: int) -> None:
        if self.asked_for == self.space:  # not for a search since left
            self.show_importance(importance, finished)
        self.asked_for = None
        if self.due:
            self._ask()

    def visibility_changed(self, visible: bool) -> None:
        # Shown again (its tab chosen): the estimate that came due while hidden.
        self.showing = visible
        if visible and self.due:
            self._ask()

    def show_importance(self, importance: dict[str, float], finished: int) -> None:
        self.shown = importance
        for label in self.value_labels:
            self.plot.removeItem(label)
        self.value_labels = []
        left = self.plot.getAxis("left")
        if not importance:
            self.bars.setOpts(x0=[], y=[], width=[])
            left.setTicks([[]])
            self.plot.setYRange(0, 1, padding=0)
            self.note.setText(f"Importance needs {MIN_TRIALS} finished trials ({finished} so far)")
            self.note.setPos(0.54, 0.5)
            return
        self.note.setText("")
        names = list(importance)  # most important first: drawn at the top
        positions = np.arange(len(names))[::-1].astype(float)
        values = np.array([importance[name] for name in names])
        self.bars.setOpts(x0=np.zeros(len(names)), y=positions, width=values, height=0.5)
        left.setTicks([[(float(y), name) for y, name in zip(positions, names, strict=True)]])
        # Wide enough for the longest name at once: the axis grows to fit its labels only
        # after a first paint, too late for an export drawn without a display.
        metrics = QFontMetrics(left.style.get("tickFont") or QFont())
        left.setWidth(max(metrics.horizontalAdvance(name) for name in names) + 14)
        for y, value in zip(positions, values, strict=True):
            # The share at the bar's end: inside a long bar, just after a short one.
            inside = value > 0.8
            label = pg.TextItem(
                f"{value:.0%}",
                color="#ffffff" if inside else "#212121",
                anchor=(1, 0.5) if inside else (0, 0.5),
            )
            label.setPos(float(value) + (-0.01 if inside else 0.01), float(y))
            self.plot.addItem(label)
            self.value_labels.append(label)
        self.plot.setYRange(-0.6, len(names) - 0.4, padding=0)


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
        self.image.setImage(scores, levels=(0, 1))
        for cell, score in np.ndenumerate(scores):
            if np.isnan(score) or cell in self.cell_labels:
                continue  # not run yet, or labelled already: a grid point's score is final
            # Light text on the dark end of viridis, dark text on the light end.
            label = pg.TextItem(
                f"{score:.2f}", color="#ffffff" if score < 0.6 else "#212121", anchor=(0.5, 0.5)
            )
            label.setPos(*cell)
            self.plot.addItem(label)
            self.cell_labels[cell] = label


class ParetoPanel(Panel):
    """For a trade-off search: each finished trial at its cost (parameters on a log
    axis, or training seconds) and its final validation accuracy. The front is drawn in
    green and joined by the best accuracy each cost buys; trials over a limit are grey
    crosses beside the limit's line. Click a point to select its trial."""

    def __init__(self):
        self.signals = PointSignals()
        self.plot = make_plot("paretoPlot", "Trade-off", "", "Final validation accuracy")
        self.plot.setYRange(0, 1, padding=0.02)
        self.trials = self.plot.plot(
            pen=None,
            symbol="o",
            symbolSize=7,
            symbolBrush=QColor(84, 110, 122, 140),
            symbolPen=None,
        )
        # pyqtgraph's "x" is a filled shape: grey inside as well as around.
        self.over = self.plot.plot(
            pen=None,
            symbol="x",
            symbolSize=8,
            symbolPen=pg.mkPen("#9e9e9e", width=1.5),
            symbolBrush=QColor("#9e9e9e"),
        )
        self.front_line = self.plot.plot(pen=pg.mkPen(BEST_COLOUR, width=1.5))
        self.front = self.plot.plot(
            pen=None,
            symbol="o",
            symbolSize=10,
            symbolBrush=QColor(BEST_COLOUR),
            symbolPen=pg.mkPen("#ffffff", width=1),
        )
        self.selected_point = selection_marker(self.plot, 17, 2.5)
        # The limit is named in the title: a label on the line met the legend.
        self.limit = pg.InfiniteLine(
            angle=90, pen=pg.mkPen("#c62828", width=1.2, style=Qt.PenStyle.DashLine)
        )
        self.plot.addItem(self.limit)
        self.legend = legend_for(self.plot)
        self.legend.addItem(self.front, "front")
        self.legend.addItem(self.trials, "other trials")
        self.legend.addItem(self.over, "over the limit")
        self.legend_corner = CORNERS[0]
        self.cost = "params"
        self.results: SearchResults | None = None
        for item in (self.trials, self.front, self.over):
            item.sigPointsClicked.connect(self.signals.clicked)
            item.sigPointsHovered.connect(self._hovered)

    @staticmethod
    def applies(config: Config) -> bool:
        return config.search.trade_off.several

    def show_search(self, config: Config) -> None:
        trade_off = config.search.trade_off
        self.cost = trade_off.objectives[-1] if trade_off.several else "params"
        self.plot.setLabel("bottom", OBJECTIVE_TITLES[self.cost])
        # Sizes span orders of magnitude (a few thousand to millions): a log axis.
        self.plot.getPlotItem().setLogMode(x=self.cost == "params", y=False)
        self.plot.getAxis("bottom").setTicks(None)  # (a size axis sets its own)
        limits = [
            limit for name, limit in trade_off.constraints.items() if CONSTRAINTS[name] == self.cost
        ]
        # Short: a title wider than the dock widens the plot past its edge.
        title = f"Accuracy against {'size' if self.cost == 'params' else 'training time'}"
        if limits:
            at = min(limits)
            self.limit.setPos(math.log10(at) if self.cost == "params" else at)
            title += f", limit {at:,.0f}"
        self.limit.setVisible(bool(limits))
        self.plot.setTitle(title, size="11pt")
        for item in (self.trials, self.over, self.front, self.front_line, self.selected_point):
            item.setData([], [])

    def refresh(self, results: SearchResults, selection: Selection) -> None:
        self.results = results
        front = results.front()
        # Each finished trial's costs, summed from its epochs once per redraw.
        costs = {n: t.costs for n, t in results.trials.items() if t.score is not None}
        over = [n for n, cost in costs.items() if not results.trade_off.feasible(cost)]
        kept = [n for n in costs if n not in front and n not in over]
        on = sorted(front, key=lambda n: costs[n][self.cost])
        for item, numbers in ((self.trials, kept), (self.over, over), (self.front, on)):
            item.setData(*self._xy(results, costs, numbers), data=numbers)
        self.front_line.setData(*staircase(*self._xy(results, costs, on)))
        if self.cost == "params" and costs:  # 2k, 10k, 100k rather than 1e+04
            sizes = [math.log10(max(cost["params"], 1.0)) for cost in costs.values()]
            ticks = log_ticks(min(sizes), max(sizes))
            self.plot.getAxis("bottom").setTicks(
                [[(position, short_count(10**position)) for position, _ in ticks]]
            )
        chosen = [n for n in selection if n in costs]
        self.selected_point.setData(*self._xy(results, costs, chosen))
        self.legend_corner = place_legend(
            self.legend, [self.trials, self.over, self.front], self.legend_corner
        )

    def _xy(self, results: SearchResults, costs: dict, numbers) -> tuple[np.ndarray, np.ndarray]:
        xs = [max(costs[n][self.cost], 1e-9) for n in numbers]  # a log axis has no 0
        ys = [results.trials[n].score for n in numbers]
        return np.array(xs, dtype=float), np.array(ys, dtype=float)

    def _hovered(self, item, points, event=None) -> None:
        if not len(points) or self.results is None:
            QToolTip.hideText()
            return
        trial = self.results.trials[int(points[0].data())]
        costs = trial.costs
        over = "" if self.results.trade_off.feasible(costs) else " (over the limit)"
        QToolTip.showText(
            QCursor.pos(),
            f"Trial {trial.number}: {cost_text(self.cost, costs[self.cost])}, final val acc "
            f"{score_text(trial)}{over}",
        )
