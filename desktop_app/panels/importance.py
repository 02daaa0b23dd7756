"""Parameter importance: how much of the score's variation each searched parameter
explains, estimated in the helper process."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject
from PySide6.QtGui import QFont, QFontMetrics

from hyperdesk.core.config import Config
from hyperdesk.core.search.importance import MIN_TRIALS, parameter_importance
from hyperdesk.core.search.space import Param
from hyperdesk.desktop_app.panels.base import Panel, Selection, make_plot
from hyperdesk.desktop_app.run.helper import ImportanceEstimator
from hyperdesk.desktop_app.run.results import SearchResults


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
