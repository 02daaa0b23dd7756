"""The hyperparameters against each other, each trial a point coloured by its score:
click to select, Shift-drag a rectangle to select several."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QCursor, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from hyperdesk.core.config import Config, SearchConfig
from hyperdesk.core.formatting import parameter_text
from hyperdesk.core.search.registry import make_strategy
from hyperdesk.core.search.space import ChoiceParam, Param
from hyperdesk.core.search.strategies import replay_regions
from hyperdesk.core.trials import FINISHED, TrialStatus
from hyperdesk.desktop_app.panels.base import (
    ROUND_COLOURS,
    ROUND_SYMBOLS,
    SELECTED_COLOUR,
    Panel,
    ScoreScale,
    Selection,
    add_score_bar,
    make_plot,
)
from hyperdesk.desktop_app.run.results import SearchResults, Trial


class PointSignals(QObject):
    trialClicked = Signal(int)
    trialsBrushed = Signal(list)  # trial numbers inside a rectangle drawn with Shift

    def clicked(self, item, points, event=None) -> None:
        """A point clicked (a scatter item's sigPointsClicked): the trial its data names."""
        if len(points):
            self.trialClicked.emit(int(points[0].data()))


def selection_marker(plot: pg.PlotWidget, size: int, width: float) -> pg.PlotDataItem:
    """The ring drawn around the selected trials' points."""
    return plot.plot(
        pen=None,
        symbol="o",
        symbolSize=size,
        symbolBrush=None,
        symbolPen=pg.mkPen(SELECTED_COLOUR, width=width),
    )


class BrushViewBox(pg.ViewBox):
    """A view box where Shift + drag draws a rectangle (and reports it, in view
    coordinates) instead of panning."""

    def __init__(self):
        super().__init__()
        self.on_rectangle = None  # called with a QRectF when a Shift + drag ends
        # The rectangle drawn stays, in view coordinates, until the selection it made is
        # replaced: a person sees which region the selected trials came from.
        self.drawn = QGraphicsRectItem()
        outline = QPen(QColor(SELECTED_COLOUR), 1.5, Qt.PenStyle.DashLine)
        outline.setCosmetic(True)  # pixels wide, whatever the zoom
        self.drawn.setPen(outline)
        self.drawn.setBrush(QColor(230, 81, 0, 25))
        self.drawn.setZValue(-10)
        self.drawn.hide()
        self.addItem(self.drawn, ignoreBounds=True)

    def mouseDragEvent(self, event, axis=None) -> None:
        if not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            super().mouseDragEvent(event, axis)
            return
        event.accept()
        start, now = event.buttonDownPos(), event.pos()
        if event.isFinish():
            self.rbScaleBox.hide()
            corners = QRectF(self.mapToView(start), self.mapToView(now)).normalized()
            self.drawn.setRect(corners)
            self.drawn.show()
            if self.on_rectangle is not None:
                self.on_rectangle(corners)
        else:
            self.updateScaleBox(start, now)  # the view box's own rubber band


class ScatterPanel(Panel):
    """Two searched parameters against each other, coloured by final validation accuracy,
    on log axes where a parameter's scale is log."""

    def __init__(self):
        self.signals = PointSignals()
        self.space: dict[str, Param] = {}
        self.holder = QWidget()
        layout = QVBoxLayout(self.holder)
        layout.setContentsMargins(0, 0, 0, 0)
        chooser = QHBoxLayout()
        self.x_combo, self.y_combo = QComboBox(), QComboBox()
        self.x_combo.setObjectName("scatterXCombo")
        self.y_combo.setObjectName("scatterYCombo")
        for combo in (self.x_combo, self.y_combo):
            # Filled per search: the box grows to its longest name.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        chooser.addWidget(QLabel("x:"))
        chooser.addWidget(self.x_combo)
        chooser.addWidget(QLabel("y:"))
        chooser.addWidget(self.y_combo)
        chooser.addStretch()
        layout.addLayout(chooser)
        self.view_box = BrushViewBox()
        self.view_box.on_rectangle = self._brushed
        self.plot = make_plot("scatterPlot", "Hyperparameters", "", "", self.view_box)
        self.plot.setToolTip("Shift + drag: select the trials in a rectangle")
        layout.addWidget(self.plot)
        self.bar = add_score_bar(self.plot)
        self.scale = ScoreScale()
        self.points = self.plot.plot(pen=None, symbol="o", symbolSize=9)
        self.point_pen = pg.mkPen("#424242", width=0.8)
        self.pruned = self.plot.plot(
            pen=None,
            symbol="o",
            symbolSize=8,
            symbolBrush=None,
            symbolPen=pg.mkPen(QColor(120, 120, 120, 150), width=1.2),
        )
        self.diverged = self.plot.plot(
            pen=None,
            symbol="x",
            symbolSize=9,
            symbolPen=pg.mkPen("#c62828", width=2),
            symbolBrush=None,
        )
        self.selected_point = selection_marker(self.plot, 18, 3)
        self.round_legend = self.plot.addLegend(offset=(10, 10), labelTextSize="9pt")
        self.show_rounds = False
        self.legend_rounds = 0
        self.search: SearchConfig | None = None
        self.region_boxes: list[QGraphicsRectItem] = []  # round 1's region first
        self._regions: tuple | None = None  # (the scores they came from, the regions)
        self.points.sigPointsClicked.connect(self.signals.clicked)
        self.points.sigPointsHovered.connect(self._hovered)
        self.results: SearchResults | None = None
        self.selection: Selection = ()
        self.brushed: Selection | None = None  # what the rectangle drawn selected
        self.x_combo.currentIndexChanged.connect(self._axes_changed)
        self.y_combo.currentIndexChanged.connect(self._axes_changed)

    @property
    def widget(self) -> QWidget:
        return self.holder

    def show_search(self, config: Config) -> None:
        """The axis choosers list the searched parameters (the first two on x and y), and
        coarse-to-fine searches mark each round."""
        self.space = {param.name: param for param in config.search.space}
        self.results = None
        names = list(self.space)
        for combo in (self.x_combo, self.y_combo):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            combo.blockSignals(False)
        if len(names) > 1:
            self.y_combo.setCurrentIndex(1)
        self.round_legend.clear()
        self.round_legend.setVisible(False)  # an empty legend is a stray square
        self.legend_rounds = 0
        self.show_rounds = config.search.strategy == "coarse-to-fine"
        self.search = config.search
        self._regions = None
        for box in self.region_boxes:
            box.hide()
        for item in (self.points, self.pruned, self.diverged, self.selected_point):
            item.setData([], [])
        self._axes_changed()

    def _axes_changed(self) -> None:
        self.clear_rectangle()  # drawn on the axes shown before
        item = self.plot.getPlotItem()
        for combo, axis in ((self.x_combo, "bottom"), (self.y_combo, "left")):
            param = self.space.get(combo.currentText())
            item.setLabel(axis, combo.currentText())
            ticks = None
            if isinstance(param, ChoiceParam):
                ticks = [[(index, str(value)) for index, value in enumerate(param.values)]]
            item.getAxis(axis).setTicks(ticks)
        x_log, y_log = (self._is_log(combo.currentText()) for combo in (self.x_combo, self.y_combo))
        item.setLogMode(x=x_log, y=y_log)
        if self.results is not None:
            self.refresh(self.results, self.selection)
        # The view spans each parameter's range, before any trial and after: every point
        # falls inside it, and an empty search shows its axes, not a default 0 to 1.
        for combo, set_range in ((self.x_combo, item.setXRange), (self.y_combo, item.setYRange)):
            span = self._view_span(combo.currentText())
            if span is None:
                item.enableAutoRange()
            else:
                set_range(*span, padding=0.05)

    def _view_span(self, name: str) -> tuple[float, float] | None:
        param = self.space.get(name)
        if isinstance(param, ChoiceParam):
            return -0.5, len(param.values) - 0.5
        if param is None:
            return None
        if self._is_log(name):
            return math.log10(param.low), math.log10(param.high)
        return float(param.low), float(param.high)

    def _is_log(self, name: str) -> bool:
        param = self.space.get(name)
        return param is not None and getattr(param, "scale", "linear") == "log"

    def _coordinate(self, name: str, value: Any) -> float:
        param = self.space.get(name)
        if isinstance(param, ChoiceParam):
            return float(param.values.index(value)) if value in param.values else math.nan
        return float(value)

    def _xy(self, trials: list[Trial]) -> tuple[np.ndarray, np.ndarray]:
        x_name, y_name = self.x_combo.currentText(), self.y_combo.currentText()
        xs = [self._coordinate(x_name, t.params.get(x_name)) for t in trials]
        ys = [self._coordinate(y_name, t.params.get(y_name)) for t in trials]
        return np.array(xs, dtype=float), np.array(ys, dtype=float)

    def refresh(self, results: SearchResults, selection: Selection) -> None:
        self.results, self.selection = results, selection
        if self.brushed is not None and set(selection) != set(self.brushed):
            self.clear_rectangle()  # its selection was replaced
        if not self.space:
            return
        scored = [t for t in results.trials.values() if t.score is not None]
        scale = ScoreScale.of(results)
        if scale != self.scale:
            self.scale = scale
            scale.show_on(self.bar)
        x, y = self._xy(scored)
        symbols = [ROUND_SYMBOLS[(t.round - 1) % len(ROUND_SYMBOLS)] for t in scored]
        self.points.setData(
            x,
            y,
            data=[t.number for t in scored],
            # One symbol for a search of one round: pyqtgraph then draws every point
            # from one cached picture per colour.
            symbol=symbols if self.show_rounds else ROUND_SYMBOLS[0],
            symbolBrush=[scale.brush(t.score) for t in scored],
            symbolPen=self.point_pen,
        )
        # Trials stopped early have no final score: hollow grey, where they were.
        self.pruned.setData(
            *self._xy([t for t in results.trials.values() if t.status == TrialStatus.PRUNED])
        )
        diverged = [t for t in results.trials.values() if t.status == TrialStatus.DIVERGED]
        self.diverged.setData(*self._xy(diverged))
        chosen = [results.trials[n] for n in selection if n in results.trials]
        self.selected_point.setData(*self._xy(chosen))
        self._update_round_legend(results)
        self._draw_regions(results)

    def _draw_regions(self, results: SearchResults) -> None:
        """Each coarse-to-fine round's region on the axes shown, as the search computed
        it (its trials told again in order), in the round's colour, behind the points."""
        if not self.show_rounds:
            return
        # Its trials as the strategy numbers them: after those before the ranges changed.
        scores = {
            n - results.history: t.score
            for n, t in results.trials.items()
            if t.status in FINISHED and n > results.history
        }
        # Replayed only when the finished trials change: a redraw for another selection
        # or axis needs the same rounds.
        if self._regions is None or self._regions[0] != scores:
            self._regions = (scores, replay_regions(make_strategy(self.search), scores))
        regions = self._regions[1]
        x_name, y_name = self.x_combo.currentText(), self.y_combo.currentText()
        while len(self.region_boxes) < len(regions):
            colour = QColor(ROUND_COLOURS[len(self.region_boxes) % len(ROUND_COLOURS)])
            box = QGraphicsRectItem()
            box.setPen(pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine))
            fill = QColor(colour)
            fill.setAlpha(18)
            box.setBrush(QBrush(fill))
            box.setZValue(-10)
            self.plot.addItem(box)
            self.region_boxes.append(box)
        for index, box in enumerate(self.region_boxes):
            if index >= len(regions) or x_name not in regions[index]:
                box.hide()
                continue
            (left, right), (bottom, top) = (
                self._region_span(name, regions[index][name]) for name in (x_name, y_name)
            )
            box.setRect(QRectF(left, bottom, right - left, top - bottom))
            box.show()

    def _region_span(self, name: str, region) -> tuple[float, float]:
        """Where a round's region of parameter `name` lies on its axis: a unit interval
        of a range (in log10 on a log axis), or the values of a choice."""
        param = self.space[name]
        if isinstance(param, ChoiceParam):
            indices = [param.values.index(value) for value in region]
            return min(indices) - 0.4, max(indices) + 0.4
        ends = [float(param.from_unit(unit)) for unit in region]
        if self._is_log(name):
            ends = [math.log10(end) for end in ends]
        return ends[0], ends[1]

    def _update_round_legend(self, results: SearchResults) -> None:
        if not self.show_rounds:
            return
        rounds = max((t.round for t in results.trials.values()), default=0)
        while self.legend_rounds < rounds:
            self.legend_rounds += 1
            sample = pg.PlotDataItem(
                [],
                [],
                pen=None,
                symbolBrush="#9e9e9e",
                symbolPen=pg.mkPen(
                    ROUND_COLOURS[(self.legend_rounds - 1) % len(ROUND_COLOURS)], width=2
                ),
                symbol=ROUND_SYMBOLS[(self.legend_rounds - 1) % len(ROUND_SYMBOLS)],
            )
            self.round_legend.addItem(sample, f"round {self.legend_rounds}")
        self.round_legend.setVisible(self.legend_rounds > 0)

    def _describe(self, number: int) -> str:
        trial = self.results.trials[number]
        params = ", ".join(
            f"{name} {parameter_text(value, self._is_log(name))}"
            for name, value in trial.params.items()
        )
        return (
            f"Trial {number}: {params}; final {trial.metric.short} {trial.metric.score_text(trial)}"
        )

    def trials_in(self, rectangle: QRectF) -> list[int]:
        """Finished trials whose point lies in `rectangle` (view coordinates: log10 of
        the value on a log axis)."""
        if self.results is None:
            return []
        scored = [t for t in self.results.trials.values() if t.score is not None]
        x, y = self._xy(scored)
        if self._is_log(self.x_combo.currentText()):
            x = np.log10(x)
        if self._is_log(self.y_combo.currentText()):
            y = np.log10(y)
        inside = (
            (x >= rectangle.left())
            & (x <= rectangle.right())
            & (y >= rectangle.top())
            & (y <= rectangle.bottom())
        )
        return [trial.number for trial, chosen in zip(scored, inside, strict=True) if chosen]

    def _brushed(self, rectangle: QRectF) -> None:
        self.brushed = tuple(self.trials_in(rectangle))
        self.signals.trialsBrushed.emit(list(self.brushed))

    def clear_rectangle(self) -> None:
        self.brushed = None
        self.view_box.drawn.hide()

    def _hovered(self, item, points, event=None) -> None:
        if len(points) and self.results is not None:
            QToolTip.showText(QCursor.pos(), self._describe(int(points[0].data())))
        else:
            QToolTip.hideText()
