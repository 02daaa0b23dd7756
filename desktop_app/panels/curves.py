"""The learning curves: the running trials, the best so far and the selected ones, each
trial's validation (solid) and training (dashed) accuracy against epochs; for a training
function of one's own, any figure it reports (the one that ranks first)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from hyperdesk.core.training.trainer import PASS, RUNNING
from hyperdesk.core.trials import ACCURACY, Metric, TrialStatus
from hyperdesk.desktop_app.panels.base import (
    BEST_COLOUR,
    CORNERS,
    RUNNING_COLOURS,
    SELECTED_COLOURS,
    TRAINING_STYLE,
    VALIDATION_STYLE,
    Panel,
    Selection,
    epoch_axis,
    fit_score_axis,
    legend_for,
    make_plot,
    pen,
    place_legend,
    spread_band,
)
from hyperdesk.desktop_app.run.results import SearchResults, Trial

# Under the epochs, short enough for a panel beside the scatter (a longer label was cut):
# how the dashed training figures were measured; the tooltip says it whole.
EPOCH_LABELS = {
    RUNNING: "Epoch (dashed: training, running)",
    PASS: "Epoch (dashed: training, after each)",
}
LABEL_MARGIN = 90  # pixels beside the label: the left axis and its numbers
LINES_TOOLTIP = {
    RUNNING: "Solid: validation. Dashed: training, the mean over each epoch's steps as they "
    'ran (train.train_metrics = "running").',
    PASS: "Solid: validation. Dashed: training, measured on the whole training set after "
    'each epoch (train.train_metrics = "pass").',
}


class CurvesPanel(Panel):
    """Validation (solid) and training (dashed) accuracy (a regression's figure of its
    search metric) per epoch of the running trials,
    the best trial and the selected ones: several selected trials are compared, each in
    its own colour, without the running ones. A trial of several runs (k folds, repeats) is
    drawn as the mean of its runs, in a band of one standard deviation."""

    def __init__(self):
        # The title short (a longer one was cut at the panel's width); what the lines
        # are is said under the epochs.
        self.plot = make_plot("curvesPlot", "Learning curves", "", "Accuracy")
        self._label_epochs(RUNNING)
        self.metric = ACCURACY
        fit_score_axis(self.plot, ACCURACY, "Accuracy")
        # A function's figures: which one the curves draw (its metric first).
        self.figure_combo = QComboBox()
        self.figure_combo.setObjectName("curvesFigureCombo")
        self.figure_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.figure_combo.currentIndexChanged.connect(self._figure_chosen)
        self.figure_row = QWidget()
        row = QHBoxLayout(self.figure_row)
        row.setContentsMargins(4, 0, 0, 0)
        row.addWidget(QLabel("Figure:"))
        row.addWidget(self.figure_combo)
        row.addStretch()
        self.figure_row.setVisible(False)
        self.holder = QWidget()
        column = QVBoxLayout(self.holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.figure_row)
        column.addWidget(self.plot)
        self.results: SearchResults | None = None
        self.selection: Selection = ()
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

    @property
    def widget(self) -> QWidget:
        return self.holder

    def show_search(self, config) -> None:
        """Say how the dashed training figures were measured (train.train_metrics)."""
        measured = RUNNING if config.own_code else config.train.train_metrics
        self._label_epochs(measured)
        self.plot.setToolTip(LINES_TOOLTIP[measured])

    def _label_epochs(self, measured: str) -> None:
        """The label under the epochs, and the drawing at least as wide as it and the
        legend read with it (as the longer title kept it): an export of a narrow dock cut
        both. The dock itself may be narrower; it then shows the drawing's left part."""
        self.plot.setLabel("bottom", EPOCH_LABELS[measured])
        width = self.plot.fontMetrics().horizontalAdvance(EPOCH_LABELS[measured])
        self.plot.getPlotItem().setMinimumWidth(width + LABEL_MARGIN)

    @property
    def figure(self) -> str:
        """The figure drawn: the search's metric, or one a person chose."""
        return self.figure_combo.currentText() or self.metric.name

    def _figure_chosen(self) -> None:
        if self.results is not None:
            self._fit_axis()
            self.refresh(self.results, self.selection)

    def _fit_axis(self) -> None:
        if self.figure == self.metric.name:
            title = self.metric.title.removeprefix("validation ")
            fit_score_axis(self.plot, self.metric, title[:1].upper() + title[1:])
        else:  # a figure of its own: fitted to its values, never accuracy's 0..1
            fit_score_axis(
                self.plot, Metric(self.figure, self.figure, self.figure, True), self.figure
            )

    def _offer_figures(self, results: SearchResults, trials: list[Trial]) -> None:
        """A function's search offers every figure its drawn trials reported."""
        self.figure_row.setVisible(results.own_code)
        if not results.own_code:
            return
        names = {self.metric.name}
        for trial in trials:
            if trial.records:
                names |= set(trial.records[-1].figures())
        # Validation figures stand for their training twins, drawn dashed beside them.
        names = {n for n in names if not (n.startswith("train_") and f"val_{n[6:]}" in names)}
        offered = [self.metric.name, *sorted(names - {self.metric.name})]
        present = [self.figure_combo.itemText(i) for i in range(self.figure_combo.count())]
        if offered != present:
            chosen = self.figure
            self.figure_combo.blockSignals(True)
            self.figure_combo.clear()
            self.figure_combo.addItems(offered)
            self.figure_combo.setCurrentText(chosen if chosen in offered else offered[0])
            self.figure_combo.blockSignals(False)

    def refresh(self, results: SearchResults, selection: Selection) -> None:
        self.results, self.selection = results, selection
        if results.metric is not self.metric:  # accuracy, or a regression's figure
            self.metric = results.metric
            self._fit_axis()
        best = results.best()
        wanted: dict[str, tuple[Trial, str] | None] = dict.fromkeys(self.slots)
        if best is not None:
            wanted["best"] = (
                best,
                f"best: trial {best.number} ({results.metric.score_text(best)})",
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
                else f" ({trial.metric.score_text(trial)})"
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
        self._offer_figures(results, [entry[0] for entry in wanted.values() if entry])
        figure = self.figure
        for slot, (val_item, train_item) in self.slots.items():
            entry = wanted[slot]
            low_item, high_item, fill = self.bands[slot]
            band = None if entry is None else spread_band(entry[0])
            fill.setVisible(band is not None)
            if entry is None:
                val_item.setData([], [])
                train_item.setData([], [])
            else:
                epochs, val, train = epoch_axis(entry[0], figure)
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
