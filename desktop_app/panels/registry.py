"""The panel registry: every panel the window shows, once. Docks, the Export menu, the
panels' own right-click menus, "export all" and `hyperdesk export --plots` all loop
over PANELS, so a new panel is one line here and a class in plots.py or insight.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QStackedWidget

from hyperdesk.core.config import Config
from hyperdesk.core.search.importance import MIN_TRIALS
from hyperdesk.desktop_app.panels.base import Panel, Selection
from hyperdesk.desktop_app.panels.best import BestPanel
from hyperdesk.desktop_app.panels.curves import CurvesPanel
from hyperdesk.desktop_app.panels.heatmap import HeatmapPanel
from hyperdesk.desktop_app.panels.importance import ImportancePanel
from hyperdesk.desktop_app.panels.parallel import ParallelPanel
from hyperdesk.desktop_app.panels.scatter import ScatterPanel
from hyperdesk.desktop_app.panels.top import TopPanel
from hyperdesk.desktop_app.panels.trade_off import ParetoPanel
from hyperdesk.desktop_app.run.helper import ImportanceEstimator
from hyperdesk.desktop_app.run.results import SearchResults
from hyperdesk.desktop_app.run.search_model import SearchModel


def _always(config: Config) -> bool:
    return True


def _trained(results: SearchResults) -> bool:
    return any(trial.epoch_count for trial in results.trials.values())


def _finished(results: SearchResults) -> bool:
    return results.trials_done > 0


def _enough_for_importance(results: SearchResults) -> bool:
    return results.trials_done >= MIN_TRIALS


@dataclass(frozen=True)
class PanelKind:
    key: str
    title: str  # the dock's title and the menus' name for it
    file_name: str  # its file when every panel is exported into one folder
    make: Callable[[], Panel]
    # Redrawn on every epoch; the others show finished trials only, and redrawing them
    # on every epoch would take the CPU the workers train on.
    live: bool = False
    # Beside the learning curves (left) or beside the scatter (right), as tabs.
    side: str = "right"
    shown_for: Callable[[Config], bool] = _always
    # The searches it is for, said where it is offered for others (a greyed menu item).
    shown_when: str = ""
    # Until `ready` holds, the dock says what will appear and when, instead of empty axes.
    ready: Callable[[SearchResults], bool] = _finished
    waiting: str = ""


PANELS = (
    PanelKind(
        "curves",
        "Learning curves",
        "learning-curves",
        CurvesPanel,
        live=True,
        side="left",
        ready=_trained,
        waiting="Press Start: the learning curves of the running trials, the best trial "
        "and the one you select appear here, epoch by epoch.",
    ),
    PanelKind(
        "top",
        "Top 20",
        "top-20",
        TopPanel,
        side="left",
        waiting="The curves of the 20 best trials appear here as trials finish.",
    ),
    PanelKind(
        "scatter",
        "Scatter",
        "scatter",
        ScatterPanel,
        waiting="Each finished trial appears here as a point at its parameter values, "
        "coloured by its score. Click a point to select the trial; Shift-drag to select "
        "several.",
    ),
    PanelKind(
        "best",
        "Best so far",
        "best-so-far",
        BestPanel,
        waiting="The best score found so far, trial after trial, appears here as trials finish.",
    ),
    PanelKind(
        "parallel",
        "Parallel",
        "parallel-coordinates",
        ParallelPanel,
        waiting="Every finished trial appears here as a line across one axis per parameter "
        "and one for its score.",
    ),
    PanelKind(
        "importance",
        "Importance",
        "parameter-importance",
        ImportancePanel,
        ready=_enough_for_importance,
        waiting=f"How much of the score's variation each parameter explains appears here "
        f"once {MIN_TRIALS} trials have finished.",
    ),
    PanelKind(
        "heatmap",
        "Heatmap",
        "grid-heatmap",
        HeatmapPanel,
        shown_for=HeatmapPanel.applies,
        shown_when="a grid search of two parameters",
        waiting="The score at each point of the grid appears here as trials finish.",
    ),
    PanelKind(
        "pareto",
        "Trade-off",
        "accuracy-against-cost",
        ParetoPanel,
        # Beside the curves: the right group, with five tabs, cut their titles at 1366 px.
        side="left",
        shown_for=ParetoPanel.applies,
        shown_when="a trade-off search",
        waiting="Each finished trial appears here at its cost and its accuracy; the front "
        "(the most accurate trial for its cost) is drawn in green. Click a point to select "
        "the trial.",
    ),
)
KINDS = {kind.key: kind for kind in PANELS}


class PanelSet(QObject):
    """One of each panel, drawing one search. In the window it follows a SearchModel
    (attach); headless, draw() lays it out and draws it once."""

    def __init__(self, estimator: ImportanceEstimator | None = None, parent=None):
        super().__init__(parent)
        self.panels: dict[str, Panel] = {kind.key: kind.make() for kind in PANELS}
        # The window estimates importance in the background; headless, on refresh.
        if estimator is not None:
            self.panels["importance"].use_estimator(estimator)
        self.config = Config()
        self.model: SearchModel | None = None
        self.frames = {kind.key: PanelFrame(kind, self.panels[kind.key]) for kind in PANELS}

    def __getitem__(self, key: str) -> Panel:
        return self.panels[key]

    def __iter__(self) -> Iterator[tuple[PanelKind, Panel]]:
        return ((kind, self.panels[kind.key]) for kind in PANELS)

    def shown(self) -> dict[str, Panel]:
        """The panels this search has: what "export all" writes."""
        return {kind.key: panel for kind, panel in self if kind.shown_for(self.config)}

    def attach(self, model: SearchModel) -> None:
        self.model = model
        model.reset.connect(self._reset)
        model.trialsChanged.connect(self._trials_changed)
        model.trialsFinished.connect(self._redraw_finished)
        model.selectionChanged.connect(self._redraw_all)

    def draw(self, config: Config, results, selection: Selection = ()) -> None:
        """Lay the panels out for `config` and draw `results` once."""
        self.config = config
        for kind, panel in self:
            panel.show_search(config)
            self.frames[kind.key].wait()
            if kind.shown_for(config):
                self._refresh(kind, panel, results, selection)

    def _refresh(self, kind: PanelKind, panel: Panel, results, selection: Selection) -> None:
        panel.refresh(results, selection)
        self.frames[kind.key].check(results)

    def _reset(self) -> None:
        self.draw(self.model.config, self.model.results, self.model.selection)

    def _trials_changed(self, numbers: set[int]) -> None:
        for kind, panel in self:
            if kind.live:
                self._refresh(kind, panel, self.model.results, self.model.selection)

    def _redraw_finished(self) -> None:
        for kind, panel in self:
            if not kind.live and kind.shown_for(self.config):
                self._refresh(kind, panel, self.model.results, self.model.selection)

    def _redraw_all(self) -> None:
        for kind, panel in self:
            if kind.shown_for(self.config):
                self._refresh(kind, panel, self.model.results, self.model.selection)


class PanelFrame(QStackedWidget):
    """A panel's dock contents: the panel once it has something to draw, and before
    that a sentence saying what will appear (no axes of nothing)."""

    def __init__(self, kind: PanelKind, panel: Panel):
        super().__init__()
        self.kind = kind
        self.setObjectName(f"{kind.key}Frame")
        self.message = QLabel(kind.waiting)
        self.message.setObjectName(f"{kind.key}Waiting")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setMargin(24)
        self.message.setStyleSheet("color: #616161; font-size: 11pt; background: white;")
        self.panel_widget = panel.widget
        self.addWidget(self.message)
        self.addWidget(self.panel_widget)

    @property
    def waiting(self) -> bool:
        return self.currentIndex() == 0

    def wait(self) -> None:
        self.setCurrentIndex(0)

    def check(self, results: SearchResults) -> None:
        # Once a search has something to draw it keeps it: only a waiting frame looks.
        if self.waiting and self.kind.ready(results):
            self.setCurrentWidget(self.panel_widget)
