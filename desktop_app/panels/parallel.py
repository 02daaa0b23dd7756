"""Parallel coordinates of every searched parameter and the score; brushing an axis
filters the table. The score's axis runs from worst (bottom) to best (top) over the
range the trials reached (accuracy: 0 to 1), whichever way the metric is better."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor

from hyperdesk.core.config import Config
from hyperdesk.core.formatting import axis_text, log_ticks
from hyperdesk.core.search.space import ChoiceParam, Param
from hyperdesk.desktop_app.panels.base import (
    ACCURACY_MAP,
    SELECTED_COLOUR,
    Panel,
    ScoreScale,
    Selection,
    add_score_bar,
    make_plot,
)
from hyperdesk.desktop_app.run.results import SearchResults

AXIS_MARGIN = 0.45


AXIS_TICKS = 5  # labels along a parameter's axis, at most


COLOUR_STEPS = 10  # lines are drawn in this many shades of the accuracy colour map


SCORE_LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)  # where the score's axis is labelled


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
    is log) and one for the search's metric (ScoreScale: worst at the bottom); each
    finished trial is a line across them, coloured by its score. Each axis carries a
    band: drag its ends to keep only the trials inside, in the lines and in the table."""

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
        self.scale = ScoreScale()
        self.score_ticks: list[pg.TextItem] = []  # relabelled as the scores' range grows
        self.axis_items: list[Any] = []
        self.bands: list[pg.LinearRegionItem] = []
        self.results: SearchResults | None = None
        self.selection: Selection = ()
        self.matching: set[int] | None = None

    @property
    def names(self) -> list[str]:
        return [*self.space, self.scale.metric.short]

    def show_search(self, config: Config) -> None:
        for item in self.axis_items:
            self.plot.removeItem(item)
        self.axis_items, self.bands = [], []
        self.space = {param.name: param for param in config.search.space}
        self.scale = ScoreScale(config.metric)
        self.scale.show_on(self.bar)
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
        self.score_ticks = self.axis_items[-len(SCORE_LEVELS) :]
        for item in self.axis_items:
            self.plot.addItem(item)

    def _ticks(self, name: str) -> list[tuple[float, str]]:
        """(position on the axis, label): a few values along each axis, in its scale."""
        param = self.space.get(name)
        if param is None:
            return self._score_ticks()
        if isinstance(param, ChoiceParam):
            return [(param.to_unit(value), axis_text(value)) for value in param.values]
        if param.scale == "log":
            ticks = log_ticks(math.log10(param.low), math.log10(param.high), AXIS_TICKS)
            return [(param.to_unit(10.0**decade), label) for decade, label in ticks]
        values = [param.low + (param.high - param.low) * k / 4 for k in range(5)]
        return [(param.to_unit(value), axis_text(value)) for value in values]

    def _score_ticks(self) -> list[tuple[float, str]]:
        return [(level, f"{self.scale.value_at(level):.4g}") for level in SCORE_LEVELS]

    def _units(self, trial) -> list[float]:
        """A trial's position on every axis; NaN where a parameter does not apply."""
        units = []
        for name, param in self.space.items():
            value = trial.params.get(name)
            units.append(np.nan if value is None else float(param.to_unit(value)))
        score = np.nan if trial.score is None else self.scale.level(trial.score)
        return [*units, score]

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
        scale = ScoreScale.of(results)
        if scale != self.scale:  # a regression's range grew: its axis and colours follow
            self.scale = scale
            scale.show_on(self.bar)
            for tick, (_, label) in zip(self.score_ticks, self._score_ticks(), strict=True):
                tick.setText(label)
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
