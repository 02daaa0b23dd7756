"""The best score so far against trials run."""

from __future__ import annotations

from PySide6.QtGui import QColor

from hyperdesk.core.trials import ACCURACY
from hyperdesk.desktop_app.panels.base import (
    BEST_COLOUR,
    CORNERS,
    Panel,
    Selection,
    fit_score_axis,
    legend_for,
    make_plot,
    pen,
    place_legend,
    staircase,
)
from hyperdesk.desktop_app.panels.scatter import selection_marker
from hyperdesk.desktop_app.run.results import SearchResults


class BestPanel(Panel):
    """The best final value of the search's metric so far (validation accuracy, or a
    regression's R², RMSE or MAE) against the trial number, over every trial's own."""

    def __init__(self):
        self.plot = make_plot("bestPlot", "Best so far", "Trial", "Final validation accuracy")
        self.metric = ACCURACY
        fit_score_axis(self.plot, ACCURACY, "Final validation accuracy")
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
        if results.metric is not self.metric:
            self.metric = results.metric
            fit_score_axis(self.plot, self.metric, f"Final {self.metric.title}")
        self.best.setData(*staircase(*results.best_so_far()))
        scored = [t for t in results.trials.values() if t.score is not None]
        self.trials.setData([t.number for t in scored], [t.score for t in scored])
        chosen = [results.trials[n] for n in selection if n in results.trials]
        chosen = [trial for trial in chosen if trial.score is not None]
        self.selected_point.setData([t.number for t in chosen], [t.score for t in chosen])
        self.legend_corner = place_legend(self.legend, [self.trials, self.best], self.legend_corner)
