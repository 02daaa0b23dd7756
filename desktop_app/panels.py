"""The panel registry: every panel the window shows, once. Docks, the Export menu, the
panels' own right-click menus, "export all" and `hyperdesk export --plots` all loop
over PANELS, so a new panel is one line here and a class in plots.py or insight.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from PySide6.QtCore import QObject

from hyperdesk.core.config import Config
from hyperdesk.desktop_app.insight import HeatmapPanel, ImportancePanel, ParallelPanel
from hyperdesk.desktop_app.plots import BestPanel, CurvesPanel, Panel, ScatterPanel, TopPanel
from hyperdesk.desktop_app.search_model import SearchModel
from hyperdesk.desktop_app.worker import ImportanceEstimator


def _always(config: Config) -> bool:
    return True


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


PANELS = (
    PanelKind("curves", "Learning curves", "learning-curves", CurvesPanel, live=True, side="left"),
    PanelKind("top", "Top 20", "top-20", TopPanel, side="left"),
    PanelKind("scatter", "Scatter", "scatter", ScatterPanel),
    PanelKind("best", "Best so far", "best-so-far", BestPanel),
    PanelKind("parallel", "Parallel", "parallel-coordinates", ParallelPanel),
    PanelKind("importance", "Importance", "parameter-importance", ImportancePanel),
    PanelKind("heatmap", "Heatmap", "grid-heatmap", HeatmapPanel, shown_for=HeatmapPanel.applies),
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

    def draw(self, config: Config, results, selected: int | None = None) -> None:
        """Lay the panels out for `config` and draw `results` once."""
        self.config = config
        for kind, panel in self:
            panel.show_search(config)
            if kind.shown_for(config):
                panel.refresh(results, selected)

    def _reset(self) -> None:
        self.draw(self.model.config, self.model.results, self.model.selected)

    def _trials_changed(self, numbers: set[int]) -> None:
        for kind, panel in self:
            if kind.live:
                panel.refresh(self.model.results, self.model.selected)

    def _redraw_finished(self) -> None:
        for kind, panel in self:
            if not kind.live and kind.shown_for(self.config):
                panel.refresh(self.model.results, self.model.selected)

    def _redraw_all(self) -> None:
        for kind, panel in self:
            if kind.shown_for(self.config):
                panel.refresh(self.model.results, self.model.selected)
