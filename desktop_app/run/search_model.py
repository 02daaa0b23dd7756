"""The search the window shows, as an observable model: its config, its results, the
selected trial and the session it is saved in.

Every source of records feeds it by the same three methods (a trial started, an epoch,
a trial ended): a search running here (SearchController), a session another process
runs (SessionFollower), and a reopened file (show_search). Each record is stored once,
in SearchResults; what changed is told at most once a frame, so a fast search cannot
flood the views."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer, Signal

from hyperdesk.core.config import Config
from hyperdesk.core.execution.runner import TrialStart
from hyperdesk.core.storage.session import TrialRow
from hyperdesk.core.training.trainer import EpochRecord
from hyperdesk.core.trials import SearchState, TrialStatus
from hyperdesk.desktop_app.run.results import SearchResults

FRAME_MS = 33  # views hear of new records at most ~30 times a second


class SessionState(str, Enum):
    """The saved session the window shows, as its buttons and status bar see it."""

    NONE = ""  # a search not saved yet, or none
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"  # Resume finishes it
    FOLLOWING = "following"  # another process runs it: read-only, read as it grows

    @classmethod
    def of(cls, state: SearchState) -> SessionState:
        if state == SearchState.RUNNING:
            return cls.FOLLOWING
        if state == SearchState.COMPLETE:
            return cls.COMPLETE
        return (
            cls.INTERRUPTED if state in (SearchState.INTERRUPTED, SearchState.FAILED) else cls.NONE
        )


class SearchModel(QObject):
    reset = Signal()  # a new search: config and results replaced
    trialsChanged = Signal(object)  # {trial number} whose rows or curves changed
    trialsFinished = Signal()  # more trials have a result that stands
    selectionChanged = Signal(object)  # the selected trial numbers, a tuple
    sessionChanged = Signal()  # the session file or its state

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.config = Config()
        self.results = SearchResults([], 0, 1)
        self.selection: tuple[int, ...] = ()  # in the order chosen
        self.session_path: Path | None = None
        self.session_state = SessionState.NONE
        self.session_name = ""  # the shown search's name, saved or not
        self._changed: set[int] = set()
        self._finished_told = 0
        self.resets = 0  # how many times the views were rebuilt (tests: never per epoch)
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self.flush)
        self.timer.start()

    # --- a new search ------------------------------------------------------------------

    def show_search(self, config: Config, results: SearchResults) -> None:
        """Show another search (new, or read from a file): the views start again."""
        self.config, self.results = config, results
        self.selection = ()
        self._changed.clear()
        self._finished_told = results.trials_done
        self.resets += 1
        self.reset.emit()

    def set_session(self, path: Path | None, state: SessionState, name: str | None = None) -> None:
        self.session_path, self.session_state = path, state
        if name is not None:
            self.session_name = name
        self.sessionChanged.emit()

    # --- records, from whatever source -------------------------------------------------

    def trial_started(self, start: TrialStart) -> None:
        self.results.start(start)
        self._changed.add(start.number)

    def epoch_recorded(self, number: int, record: EpochRecord) -> None:
        self.results.add_epoch(number, record)
        self._changed.add(number)

    def trial_explained(self, number: int, details: tuple) -> None:
        """A training function's trial: (why it failed, its info, its own figures)."""
        self.results.trials[number].explain(*details)
        self._changed.add(number)

    def trial_info(self, number: int, info: dict) -> None:
        """What a function's running trial said of itself (trial.info), shown at once."""
        trial = self.results.trials[number]
        trial.info = {**(trial.info or {}), **info}
        self._changed.add(number)

    def trial_finished(self, number: int, status: TrialStatus) -> None:
        self.results.finish(number, status)
        self._changed.add(number)

    def states_kept(self, numbers: frozenset[int]) -> None:
        """The trials whose weights the session now keeps (read where the session is
        written, so that a trial's menu never reads the file on the GUI thread)."""
        self.results.kept = numbers

    def rows_read(self, rows: list[TrialRow], epochs: list[tuple[int, EpochRecord]]) -> None:
        """What a follower read of a session another process runs: trials it had not
        seen start, status changes end, and the epochs that come next are recorded."""
        for row in rows:
            known = self.results.trials.get(row.number)
            if known is None:
                self.trial_started(
                    TrialStart(row.number, row.params, row.round, row.seed, row.parameters)
                )
                known = self.results.trials[row.number]
            if known.status != row.status:
                self.trial_finished(row.number, row.status)
        for number, record in epochs:
            trial = self.results.trials.get(number)
            if trial is not None and record.epoch == trial.epoch_count + 1:
                self.epoch_recorded(number, record)

    def set_paused(self, paused: bool) -> None:
        """The search is paused (or goes on): its running trials say so."""
        self.results.paused = paused
        self._changed.update(trial.number for trial in self.results.running())

    def search_ended(self) -> None:
        """Trials still running when the search stopped are interrupted."""
        self._changed.update(self.results.interrupt_running())
        self.flush()

    def test_recorded(self, number: int, test_acc: float) -> None:
        trial = self.results.trials.get(number)
        if trial is not None:
            trial.test_acc = test_acc
            self._changed.add(number)

    def flush(self) -> None:
        """Tell the views what changed since the last frame."""
        if not self._changed:
            return
        changed, self._changed = self._changed, set()
        self.trialsChanged.emit(changed)
        done = self.results.trials_done
        if done != self._finished_told:
            self._finished_told = done
            self.trialsFinished.emit()

    # --- selection ---------------------------------------------------------------------

    @property
    def selected(self) -> int | None:
        """The trial chosen last (what Evaluate acts on), or None."""
        return self.selection[-1] if self.selection else None

    def select(self, number: int | None) -> None:
        """Highlight trial `number` alone everywhere (None: no trial)."""
        self.select_many(() if number is None else (number,))

    def select_many(self, numbers) -> None:
        """Highlight these trials everywhere; they are remembered per session for its
        reopening."""
        numbers = tuple(numbers)
        if numbers == self.selection:
            return
        self.selection = numbers
        if self.session_path is not None and numbers:
            QSettings().setValue(
                f"selection/{self.session_path}", ",".join(str(number) for number in numbers)
            )
        self.selectionChanged.emit(numbers)

    def remembered_selection(self) -> tuple[int, ...]:
        """The trials last selected in the shown session, in the order chosen."""
        if self.session_path is None:
            return ()
        kept = str(QSettings().value(f"selection/{self.session_path}", ""))
        # Kept as text: an INI settings file reads a list of one back as a string.
        return tuple(int(part) for part in kept.split(",") if part.strip().isdigit())
