"""The Inside panel: the report (desktop_app.model_report) of the trial selected, from its
kept weights, or of the model just saved; until there is one, a sentence saying why not.
InsideFollower keeps it on the selection, asking the helper process for each look."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QStackedWidget, QWidget

from hyperdesk.core.execution.final_model import FinalModel
from hyperdesk.core.execution.look_inside import inspect_trial
from hyperdesk.core.model.inspection import Inspection, RegressionLook
from hyperdesk.core.trials import TrialStatus
from hyperdesk.desktop_app.panels.inside_report import look_view, model_headline
from hyperdesk.desktop_app.run.helper import HelperProcess
from hyperdesk.desktop_app.run.search_model import SearchModel

NOTHING_SELECTED = (
    "Select a finished trial to look inside it: its confusion matrix, each class's "
    "precision, recall and F1, and, for images, its most confident mistakes (for a "
    "regression, its predictions against the actual values and its worst ones). A search "
    "keeps the weights of its best trials for this (search.keep_weights)."
)
Look = Inspection | RegressionLook
UNFINISHED = {
    TrialStatus.QUEUED: "has not started",
    TrialStatus.RUNNING: "is still training",
    TrialStatus.INTERRUPTED: "was interrupted (a resume trains it again)",
}


class InsidePanel(QStackedWidget):
    """A sentence (what will appear, or why it cannot) or a report, scrolled when the
    dock is smaller than the report's tables."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("insidePanel")
        self.message = QLabel(NOTHING_SELECTED)
        self.message.setObjectName("insideMessage")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setMargin(24)
        self.message.setStyleSheet("color: #616161; font-size: 11pt; background: white;")
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.addWidget(self.message)
        self.addWidget(self.scroll)
        self.shown: tuple | None = None  # what the report is of, as show_report was told
        self.file_name = ""  # the report's name as an exported image

    @property
    def report(self) -> QWidget | None:
        """The report shown, if one is."""
        return self.scroll.widget() if self.currentWidget() is self.scroll else None

    def say(self, text: str) -> None:
        self.shown = None
        self.message.setText(text)
        self.setCurrentWidget(self.message)

    def show_report(self, what: tuple, file_name: str, headline: str, look: Look) -> None:
        """Show `look` under `headline`; `what` names it, so that showing what is shown
        again does not rebuild it (the shares box and the scroll stay as they were)."""
        if what == self.shown and self.report is not None:
            return
        self.shown, self.file_name = what, file_name
        self.scroll.setWidget(look_view(headline, look))  # the old view is deleted
        self.setCurrentWidget(self.scroll)


class InsideFollower(QObject):
    """Shows the selected trial in an InsidePanel while the panel is visible: its look
    inside is made in the helper process once per trial and epoch count (the session
    keeps it too), and a selection made while the panel is hidden is looked at when it
    shows."""

    def __init__(self, panel: InsidePanel, model: SearchModel, helper: HelperProcess, parent):
        super().__init__(parent)
        self.panel, self.model, self.helper = panel, model, helper
        self.visible = False
        self.stale = True  # the selection changed since the panel last followed it
        self.showing_model = False  # a saved model's look, kept until the selection changes
        self.looks: dict[tuple, Look | str] = {}  # (session, trial, epochs) -> look
        self.asked: set[tuple] = set()
        model.selectionChanged.connect(self._selection_changed)
        model.reset.connect(self._selection_changed)

    def set_visible(self, visible: bool) -> None:
        self.visible = visible
        if visible and self.stale:
            self.follow()

    def _selection_changed(self) -> None:
        self.stale = True
        if self.visible:
            self.follow()

    def follow(self) -> None:
        """Show the selected trial's look inside, asking for it when it is not known."""
        self.stale = self.showing_model = False
        number, path = self.model.selected, self.model.session_path
        trial = self.model.results.trials.get(number) if number is not None else None
        if trial is None or path is None:
            self.panel.say(NOTHING_SELECTED)
            return
        if trial.status in UNFINISHED:
            self.panel.say(f"Trial {number} {UNFINISHED[trial.status]}: select a finished trial.")
            return
        key = (path, number, trial.epoch_count)
        look = self.looks.get(key)
        if isinstance(look, Inspection | RegressionLook):
            headline = f"<b>Trial {number}</b> after {key[2]} epochs, from its kept weights."
            self.panel.show_report(key, f"inside-trial-{number}", headline, look)
        elif look is not None:
            self.panel.say(f"Trial {number}: {look}")
        else:
            self.panel.say(f"Looking inside trial {number}…")
            if key not in self.asked:
                self.asked.add(key)
                self.helper.request(
                    inspect_trial,
                    path,
                    number,
                    then=lambda look: self._answered(key, look),
                    failed=lambda reason: self._answered(key, reason),
                )

    def _answered(self, key: tuple, look: Look | str) -> None:
        """The look inside (or why there is none) at `key`: session, trial, epochs."""
        self.asked.discard(key)
        self.looks[key] = look
        # (A look asked before a model was saved does not replace the model's.)
        selected = key[:2] == (self.model.session_path, self.model.selected)
        if self.visible and selected and not self.showing_model:
            self.follow()

    def show_model(self, final: FinalModel, path: Path) -> None:
        """The look inside a model just saved at `path`, until the selection changes."""
        self.stale, self.showing_model = False, True
        headline = model_headline(final.model, path)
        self.panel.show_report(("model", path), f"{path.stem}-report", headline, final.look)
