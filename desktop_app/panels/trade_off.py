"""A trade-off: each trial at its size or training time and its score, the front of
the best score each cost buys, and trials over a limit marked beyond it."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QCursor
from PySide6.QtWidgets import QToolTip

from hyperdesk.core.config import Config
from hyperdesk.core.formatting import cost_text, log_ticks, short_count
from hyperdesk.core.search.objectives import CONSTRAINTS, OBJECTIVE_TITLES
from hyperdesk.desktop_app.panels.base import (
    BEST_COLOUR,
    CORNERS,
    Panel,
    Selection,
    legend_for,
    make_plot,
    place_legend,
    staircase,
)
from hyperdesk.desktop_app.panels.scatter import PointSignals, selection_marker
from hyperdesk.desktop_app.run.results import SearchResults


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
            f"Trial {trial.number}: {cost_text(self.cost, costs[self.cost])}, final "
            f"{trial.metric.short} {trial.metric.score_text(trial)}{over}",
        )
