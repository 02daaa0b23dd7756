"""The live panels. Each owns one PlotWidget whose items are made once and then only
given new data (setData), never cleared and replotted."""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QCursor, QFont, QPen
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
from hyperdesk.core.formatting import log_ticks, parameter_text, score_text
from hyperdesk.core.search.registry import make_strategy
from hyperdesk.core.search.space import ChoiceParam, Param
from hyperdesk.core.search.strategies import replay_regions
from hyperdesk.core.trials import FINISHED, TrialStatus
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


def accuracy_brush(score: float) -> QBrush:
    """The brush of a point scored `score` on the accuracy colour map; brushes are
    shared, so thousands of points cost a few dozen brushes."""
    return _shade(round(min(max(score, 0.0), 1.0) * (ACCURACY_SHADES - 1)))


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
    """The colour scale of the score (final validation accuracy), right of the plot."""
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


def staircase(xs, ys) -> tuple[np.ndarray, np.ndarray]:
    """Points of a best-so-far line drawn as steps: each value holds until the next."""
    if not len(xs):
        return np.array([]), np.array([])
    return np.repeat(xs, 2)[1:], np.repeat(ys, 2)[:-1]


def pen(colour: str, style: Qt.PenStyle = VALIDATION_STYLE, width: float = 2.0) -> Any:
    return pg.mkPen(colour, width=width, style=style)


def epoch_axis(trial: Trial) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    epochs = np.array([record.epoch for record in trial.records], dtype=float)
    val = np.array([record.val_acc for record in trial.records], dtype=float)
    train = np.array([record.train_acc for record in trial.records], dtype=float)
    return epochs, val, train


def spread_band(trial: Trial) -> tuple[np.ndarray, np.ndarray] | None:
    """(mean - std, mean + std) of the validation accuracy per epoch, for a trial of
    several runs (folds, repeats); None for a trial of one run."""
    if not trial.records or trial.records[0].val_acc_std is None:
        return None
    val = np.array([record.val_acc for record in trial.records], dtype=float)
    std = np.array([record.val_acc_std for record in trial.records], dtype=float)
    return val - std, val + std


class CurvesPanel(Panel):
    """Validation (solid) and training (dashed) accuracy per epoch of the running trials,
    the best trial and the selected ones: several selected trials are compared, each in
    its own colour, without the running ones. A trial of several runs (k folds, repeats) is
    drawn as the mean of its runs, in a band of one standard deviation."""

    def __init__(self):
        self.plot = make_plot(
            "curvesPlot",
            "Learning curves (solid: validation, dashed: training)",
            "Epoch",
            "Accuracy",
        )
        self.plot.setYRange(0, 1, padding=0.02)
        self.plot.getPlotItem().getViewBox().setLimits(yMin=-0.05, yMax=1.05)
        self.legend = legend_for(self.plot)
        self.legend_corner = CORNERS[0]  # where addLegend's offset put it
        slots = [("best", BEST_COLOUR)]
        slots += [(f"selected {index}", colour) for index, colour in enumerate(SELECTED_COLOURS)]
        slots += [(f"running {index}", colour) for index, colour in enumerate(RUNNING_COLOURS)]
        self.slots: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        self.bands: dict[str, tuple[pg.PlotCurveItem, pg.PlotCurveItem, pg.FillBetweenItem]] = {}
        self.shown: dict[str, tuple[int, str] | None] = {}
        for slot, colour in slots:
            # Bare curves (a PlotDataItem without a pen drops its data): only the fill
            # between them is drawn.
            low, high = pg.PlotCurveItem(), pg.PlotCurveItem()
            fill = pg.FillBetweenItem(low, high, brush=pg.mkBrush(QColor(colour).lighter(170)))
            fill.setOpacity(0.45)
            fill.setVisible(False)
            self.plot.addItem(fill)
            self.bands[slot] = (low, high, fill)
            train = self.plot.plot(pen=pen(colour, TRAINING_STYLE, 1.5))
            val = self.plot.plot(pen=pen(colour, VALIDATION_STYLE, 2.2))
            self.slots[slot] = (val, train)
            self.shown[slot] = None

    def refresh(self, results: SearchResults, selection: Selection) -> None:
        best = results.best()
        wanted: dict[str, tuple[Trial, str] | None] = dict.fromkeys(self.slots)
        if best is not None:
            wanted["best"] = (
                best,
                f"best: trial {best.number} ({score_text(best)})",
            )
        chosen = [
            results.trials[number]
            for number in selection
            if number in results.trials and (best is None or number != best.number)
        ]
        for index, trial in enumerate(chosen[: len(SELECTED_COLOURS)]):
            state = (
                f" ({trial.status})"
                if trial.status in (TrialStatus.PRUNED, TrialStatus.DIVERGED)
                else f" ({score_text(trial)})"
                if trial.score is not None
                else ""
            )
            wanted[f"selected {index}"] = (trial, f"trial {trial.number}{state}")
        drawn = {*selection, *([best.number] if best is not None else [])}
        running = [t for t in results.running() if t.number not in drawn]
        if len(selection) > 1:  # comparing: only what was chosen (and the best)
            running = []
        for index, trial in enumerate(running[: len(RUNNING_COLOURS)]):
            wanted[f"running {index}"] = (
                trial,
                f"{results.shown_status(trial)}: trial {trial.number}",
            )
        for slot, (val_item, train_item) in self.slots.items():
            entry = wanted[slot]
            low_item, high_item, fill = self.bands[slot]
            band = None if entry is None else spread_band(entry[0])
            fill.setVisible(band is not None)
            if entry is None:
                val_item.setData([], [])
                train_item.setData([], [])
            else:
                epochs, val, train = epoch_axis(entry[0])
                val_item.setData(epochs, val)
                train_item.setData(epochs, train)
                # A trial stopped early is drawn faint: its curve ends where it was cut.
                faint = 0.35 if entry[0].status == TrialStatus.PRUNED else 1.0
                val_item.setOpacity(faint)
                train_item.setOpacity(faint)
                if band is not None:
                    low_item.setData(epochs, band[0])
                    high_item.setData(epochs, band[1])
            label = None if entry is None else entry[1]
            if label != (self.shown[slot] and self.shown[slot][1]):
                self.legend.removeItem(val_item)
                if label is not None:
                    self.legend.addItem(val_item, label)
            self.shown[slot] = None if entry is None else (entry[0].number, label)
        drawn = [item for pair in self.slots.values() for item in pair]
        self.legend_corner = place_legend(self.legend, drawn, self.legend_corner)


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
            self.labels[cell].setText(f"{cell + 1}. #{trial.number}  {trial.final_val_acc:.2f}")
            # Just above the cell's frame, in the gap between rows.
            self.labels[cell].setPos(x0, y0 + 1 + self.GAP_Y * 0.05)
            if trial.number in selection:
                xs, ys = self._rectangle(cell)
                frames[0].extend([*xs, np.nan])
                frames[1].extend([*ys, np.nan])
        self.highlight.setData(*frames, connect="finite")


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
        x, y = self._xy(scored)
        symbols = [ROUND_SYMBOLS[(t.round - 1) % len(ROUND_SYMBOLS)] for t in scored]
        self.points.setData(
            x,
            y,
            data=[t.number for t in scored],
            # One symbol for a search of one round: pyqtgraph then draws every point
            # from one cached picture per colour.
            symbol=symbols if self.show_rounds else ROUND_SYMBOLS[0],
            symbolBrush=[accuracy_brush(t.score) for t in scored],
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
        return f"Trial {number}: {params}; final val acc {score_text(trial)}"

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


class BestPanel(Panel):
    """The best final validation accuracy so far against the trial number, over every
    trial's own result."""

    def __init__(self):
        self.plot = make_plot("bestPlot", "Best so far", "Trial", "Final validation accuracy")
        self.plot.setYRange(0, 1, padding=0.02)
        self.trials = self.plot.plot(
            pen=None,
            symbol="o",
            symbolSize=5,
            symbolBrush=QColor(120, 120, 120, 110),
            symbolPen=None,
            name="each trial",
        )
        self.best = self.plot.plot(pen=pen(BEST_COLOUR, width=2.5), name="best so far")
        self.selected_point = selection_marker(self.plot, 13, 2.5)
        self.legend = legend_for(self.plot)
        self.legend.addItem(self.trials, "each trial")
        self.legend.addItem(self.best, "best so far")
        self.legend_corner = CORNERS[0]

    def refresh(self, results: SearchResults, selection: Selection) -> None:
        self.best.setData(*staircase(*results.best_so_far()))
        scored = [t for t in results.trials.values() if t.score is not None]
        self.trials.setData([t.number for t in scored], [t.score for t in scored])
        chosen = [results.trials[n] for n in selection if n in results.trials]
        chosen = [trial for trial in chosen if trial.score is not None]
        self.selected_point.setData([t.number for t in chosen], [t.score for t in chosen])
        self.legend_corner = place_legend(self.legend, [self.trials, self.best], self.legend_corner)
