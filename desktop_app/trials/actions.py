"""What a person does to a trial: a table of actions, each with its title, the condition
that enables it (written once, read by the table's right-click menu and the Search
menu alike) and what it does. Whether a trial's weights are kept is known from the
search shown (SearchResults.kept), so opening a menu never reads the session file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMainWindow, QMenu, QMessageBox

from hyperdesk.core.execution.user_code import output_of
from hyperdesk.core.model.model_file import default_model_name
from hyperdesk.core.trials import TrialStatus
from hyperdesk.desktop_app.dialogs.remembered import last_folder, remember_folder
from hyperdesk.desktop_app.dialogs.text_view import show_text
from hyperdesk.desktop_app.panels.inside import InsideFollower
from hyperdesk.desktop_app.run.controller import SearchController
from hyperdesk.desktop_app.run.search_model import SearchModel
from hyperdesk.desktop_app.sessions.actions import SessionActions
from hyperdesk.desktop_app.table.view import ResultsTable


@dataclass(frozen=True)
class TrialState:
    """What the actions' conditions ask of a trial and the window, read once per menu."""

    number: int
    chosen: tuple[int, ...]  # the trials it acts on with it (Search around)
    status: TrialStatus
    saved: bool  # the search is in a session file
    idle: bool  # no search runs
    busy: bool  # an evaluation, a model or a longer training is being made
    test_split: bool
    kept: bool  # its weights are kept
    runs: int  # folds or repeats per trial
    prunable: bool
    own_code: bool = False  # a function of the person's own trained it: its model is its own

    @property
    def finished_and_free(self) -> bool:
        """A finished trial of a saved search, with nothing else being trained from it."""
        return self.saved and self.status == TrialStatus.COMPLETE and not self.busy


@dataclass(frozen=True)
class TrialAction:
    key: str
    title: Callable[[TrialState], str]
    enabled: Callable[[TrialState], bool]
    # Said after the title when disabled for a reason a person cannot see (else "").
    why_not: Callable[[TrialState], str] = lambda trial: ""
    separator_after: bool = False
    # Whether the menu lists it at all: some actions are of one kind of search only.
    shown: Callable[[TrialState], bool] = lambda trial: True


def _its_own(trial: TrialState) -> str:
    """Why the network's actions are not offered for a function's trial."""
    return "your code's model is its own" if trial.own_code else ""


def _around(trial: TrialState) -> str:
    chosen = trial.chosen
    return f"trial {trial.number}" if len(chosen) == 1 else f"the {len(chosen)} selected trials"


TRIAL_ACTIONS = (
    TrialAction(
        "search_around",
        lambda t: f"Search around {_around(t)}…",
        lambda t: t.idle,
        separator_after=True,
    ),
    TrialAction(
        "prune",
        lambda t: f"Stop trial {t.number} (keep its epochs, mark it pruned)",
        lambda t: t.prunable,
    ),
    TrialAction(
        "output",
        lambda t: f"Output of trial {t.number}",
        lambda t: t.own_code and t.saved and t.status != TrialStatus.QUEUED,
        shown=lambda t: t.own_code,  # what a function of one's own printed
    ),
    TrialAction(
        "evaluate",
        lambda t: f"Evaluate trial {t.number} on the test split",
        lambda t: t.test_split and t.finished_and_free and not t.own_code,
        lambda t: _its_own(t) or ("" if t.test_split else "this search keeps none"),
    ),
    TrialAction(
        "look_inside",
        lambda t: f"Look inside trial {t.number}",
        lambda t: t.kept and t.saved and not t.own_code,
        lambda t: (
            _its_own(t) or ("its weights are not kept" if t.status == TrialStatus.COMPLETE else "")
        ),
    ),
    # Without kept weights it is offered a training from the start (train_longer asks).
    TrialAction(
        "train_longer",
        lambda t: f"Train trial {t.number} longer…",
        lambda t: t.runs == 1 and t.idle and t.finished_and_free and not t.own_code,
        _its_own,
    ),
    TrialAction("note", lambda t: f"Note on trial {t.number}…", lambda t: t.saved),
    TrialAction(
        "save_model",
        lambda t: f"Save trial {t.number} as a model…",
        lambda t: t.finished_and_free and not t.own_code,
        _its_own,
    ),
)
ACTIONS = {action.key: action for action in TRIAL_ACTIONS}


class TrialActions(QObject):
    """Does the actions of TRIAL_ACTIONS to the trials of the search shown."""

    def __init__(
        self,
        window: QMainWindow,
        model: SearchModel,
        controller: SearchController,
        table: ResultsTable,
        sessions: SessionActions,
        inside: InsideFollower,
        show_inside: Callable[[], None],
        session_name: Callable[[], str],
    ):
        super().__init__(window)
        self.window, self.model, self.controller = window, model, controller
        self.table, self.sessions, self.inside = table, sessions, inside
        self.show_inside, self.session_name = show_inside, session_name
        controller.modelSaved.connect(self._model_saved)
        controller.trainedLonger.connect(self._trained_longer)
        table.menuRequested.connect(self.fill_menu)

    def state_of(self, number: int) -> TrialState:
        chosen = self.table.selected_numbers()
        results = self.model.results
        return TrialState(
            number=number,
            chosen=tuple(chosen if number in chosen else [number]),
            status=results.trials[number].status,
            saved=self.model.session_path is not None,
            idle=self.controller.idle,
            busy=self.controller.evaluating,
            test_split=results.test,
            kept=number in results.kept,
            runs=self.model.config.runs,
            prunable=self.controller.can_prune(number),
            own_code=results.own_code,
        )

    def fill_menu(self, menu: QMenu, number: int) -> None:
        """The right-clicked trial's actions (and the others selected with it), each
        enabled when it applies."""
        trial = self.state_of(number)
        for action in TRIAL_ACTIONS:
            if not action.shown(trial):
                continue
            enabled = action.enabled(trial)
            reason = "" if enabled else action.why_not(trial)
            item = QAction(action.title(trial) + (f" ({reason})" if reason else ""), menu)
            item.setEnabled(enabled)
            item.triggered.connect(lambda _=False, key=action.key: self.do(key, trial))
            menu.addAction(item)
            if action.separator_after:
                menu.addSeparator()

    def do(self, key: str, trial: TrialState) -> None:
        handlers = {
            "search_around": lambda: self.search_around(list(trial.chosen)),
            "prune": lambda: self.controller.prune(trial.number),
            "evaluate": lambda: self.evaluate(trial.number),
            "look_inside": lambda: self.look_inside(trial.number),
            "train_longer": lambda: self.train_longer(trial.number),
            "note": lambda: self.sessions.write_note(number=trial.number),
            "output": lambda: self.show_output(trial.number),
            "save_model": lambda: self.save_model(trial.number),
        }
        handlers[key]()

    def show_output(self, number: int) -> None:
        """What trial `number` of a function printed, read by the helper process."""
        self.sessions.helper.request(
            output_of,
            self.model.session_path,
            number,
            then=lambda text: show_text(self.window, f"Output of trial {number}", text),
            failed=lambda reason: show_text(self.window, f"Output of trial {number}", reason),
        )

    def _chosen_or_best(self) -> int | None:
        """The trial the Search menu acts on: the selected one, else the best."""
        best = self.model.results.best()
        if self.model.selected is not None:
            return self.model.selected
        return best.number if best is not None else None

    def _allowed(self, key: str, number: int) -> bool:
        return number in self.model.results.trials and ACTIONS[key].enabled(self.state_of(number))

    def search_around(self, numbers: list[int] | None = None) -> None:
        """A child search around `numbers` (default: the trials selected in the table)."""
        chosen = self.table.selected_numbers() if numbers is None else numbers
        self.sessions.child_search(chosen, self.session_name())

    def evaluate(self, number: int | None = None) -> None:
        """Test trial `number` (default: the selected one, else the best) on the held-out
        split; the result goes into the session and the table's Test acc column."""
        if self.model.session_path is None or not self.model.results.test:
            QMessageBox.information(
                self.window,
                "No test split",
                "This search keeps no test split. Set a Test fraction under Data before "
                "starting a search: its trials can then be evaluated on samples no search "
                "has seen.",
            )
            return
        number = self._chosen_or_best() if number is None else number
        if number is not None and self._allowed("evaluate", number):
            self.controller.evaluate(number)

    def save_model(self, number: int | None = None) -> None:
        """Train trial `number` (default: the selected one, else the best) on every
        sample its search saw and save it as a model file, chosen here."""
        number = self._chosen_or_best() if number is None else number
        if self.model.session_path is None or number is None:
            QMessageBox.information(
                self.window, "No trial yet", "A model is made from a finished trial of a search."
            )
            return
        if not self._allowed("save_model", number):
            return
        suggested = last_folder("exports") / default_model_name(self.model.session_path, number)
        chosen, _ = QFileDialog.getSaveFileName(
            self.window,
            f"Save trial {number} as a model",
            str(suggested),
            f"Models (*{suggested.suffix})",
        )
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix != suggested.suffix:
            path = path.with_name(path.name + suggested.suffix)
        remember_folder("exports", path.parent)
        self.controller.save_model(number, path)

    def train_longer(self, number: int) -> None:
        """Ask how many more epochs, then train trial `number` on from its kept state;
        without one, offer to train it again from the start."""
        if not self._allowed("train_longer", number):
            return
        retrain = number not in self.model.results.kept
        if retrain:
            keep = self.model.config.search.keep_weights
            asked = QMessageBox.question(
                self.window,
                "Its weights are not kept",
                f"Trial {number}'s weights are not kept (this session keeps those of its "
                f"best {keep} trials). Train it again from the start, to its epochs and as "
                "many more? With the same seed its first epochs come out as they did.",
            )
            if asked != QMessageBox.StandardButton.Yes:
                return
        epochs, chosen = QInputDialog.getInt(
            self.window,
            f"Train trial {number} longer",
            "More epochs (its curve goes on; the records are those of one longer run):",
            self.model.config.train.epochs // 2 or 1,
            1,
            100_000,
        )
        if chosen:
            self.controller.train_longer(number, epochs, retrain)

    def look_inside(self, number: int) -> None:
        """Trial `number`'s class report and mistakes, in the Inside panel."""
        self.model.select(number)
        self.show_inside()

    def _model_saved(self, final) -> None:
        """The model just saved, looked inside: its report and mistakes on the test split."""
        self.show_inside()
        self.inside.show_model(final, self.controller.model_path)

    def _trained_longer(self, number: int, records) -> None:
        """Show the session again with the trial's new epochs, it still selected."""
        self.sessions.open_session(self.model.session_path)
        self.model.select(number)
        last = records[-1] if records else None
        self.window.statusBar().showMessage(
            f"Trial {number} now has {last.epoch} epochs: validation accuracy {last.val_acc:.3f}"
            if last is not None
            else f"Trial {number}: no new epoch"
        )
