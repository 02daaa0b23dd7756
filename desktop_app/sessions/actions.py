"""What a person does with session files: open, open recent, save a copy, rename,
duplicate, delete, show in the file manager, a note, a warm start, compare, and point a
session at its moved data. Each asks what it must with a dialog on the window and
reports failures there; none of them changes a file it was not asked to."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMainWindow, QMenu, QMessageBox

from hyperdesk.core import config as config_module
from hyperdesk.core.comparison import Comparison, compare_sessions
from hyperdesk.core.config import Config, ConfigError
from hyperdesk.core.data.sources import source_format
from hyperdesk.core.execution.ranges import add_trials, continue_with_ranges, only_ranges_differ
from hyperdesk.core.execution.relocation import check_session_data, relocate_session
from hyperdesk.core.paths import SESSION_SUFFIX
from hyperdesk.core.search.registry import planned_trials
from hyperdesk.core.search.space import narrowed
from hyperdesk.core.storage.session import (
    Session,
    SessionError,
    SessionSummary,
    delete_session,
)
from hyperdesk.core.trials import SearchState
from hyperdesk.desktop_app.dialogs.remembered import (
    last_folder,
    recent,
    remember_folder,
    remember_recent,
)
from hyperdesk.desktop_app.dialogs.run_first import ask_point
from hyperdesk.desktop_app.run.controller import SearchController
from hyperdesk.desktop_app.run.follower import SessionFollower
from hyperdesk.desktop_app.run.helper import HelperProcess
from hyperdesk.desktop_app.run.results import SearchResults
from hyperdesk.desktop_app.run.search_model import SearchModel, SessionState
from hyperdesk.desktop_app.sessions.compare import CompareDialog

RECENT_SESSIONS = "recent"  # the settings key of the sessions last opened


class SessionActions(QObject):
    configLoaded = Signal(object, str, object)  # Config, session name, parent session or None
    sessionsChanged = Signal()  # a file was renamed, deleted or written: list them again
    sessionOpened = Signal(object)  # the path of a session now shown
    editRequested = Signal()  # a new search was set up from another: show the setup
    noteWritten = Signal(object, object)  # the session's path, the trial's number or None

    def __init__(
        self,
        window: QMainWindow,
        model: SearchModel,
        controller: SearchController,
        follower: SessionFollower,
        helper: HelperProcess,
    ):
        super().__init__(window)
        self.window, self.model, self.controller = window, model, controller
        self.follower, self.helper = follower, helper

    # --- opening -----------------------------------------------------------------------

    def load_config_file(self, path: Path) -> None:
        """Show a TOML config as a new search, everywhere: the editors, and the panels
        and table laid out for it (they showed the previous session). ConfigError if it
        has problems."""
        self.show_new_search(config_module.load(path), Path(path).stem)

    def show_new_search(self, config: Config, name: str) -> None:
        """Show `config` as a search not run yet, everywhere: the editors, and the panels
        and table laid out for it, empty."""
        self.configLoaded.emit(config, name, None)
        self.model.show_search(
            config, SearchResults.for_config(config, planned_trials(config.search))
        )
        self.model.set_session(None, SessionState.NONE, name)

    def open_session(self, path: Path) -> None:
        """Show a saved session as it was: its setup, table, panels and selection.
        SessionError if the file is not a readable session (it is left untouched)."""
        path = Path(path)
        with Session.open(path, writable=False) as session:
            config = session.config
            planned = session.planned
            results = SearchResults.from_session(session, config, planned)
            name = session.name
            state = session.status()
            elsewhere = session.owner_elsewhere()
            last_rowid = session.last_epoch_rowid()
        self.configLoaded.emit(config, name, None)
        self.model.show_search(config, results)
        self.follower.follow_from(last_rowid)
        self.model.set_session(path, SessionState.of(state), name)
        remember_recent(RECENT_SESSIONS, str(path))
        self.model.select_many(
            number for number in self.model.remembered_selection() if number in results.trials
        )
        self.sessionOpened.emit(path)
        if config.data.source:  # a file of the person's: still there, still the same?
            self.helper.request(
                check_session_data,
                path,
                then=lambda _: None,  # it is: nothing to say
                failed=lambda problem: self._data_problem(path, problem),
            )
        if elsewhere is not None and self.ask_take_over(elsewhere):
            self.controller.resume(take_over=True)

    def ask_take_over(self, owner: str) -> bool:
        """A search on another computer is said to run the shown session; this one
        cannot tell whether it still does. True: take it over; False: follow it."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Running on another computer",
            f"{self.model.session_path.name} says a search on {owner} runs it. This "
            "computer cannot tell whether it still does.\n\nIf that search is gone (its "
            "computer crashed or was switched off), take the session over to finish it "
            "here. If it still runs, both would write the same file and mix their "
            "trials: follow it instead.",
            parent=self.window,
        )
        box.setObjectName("takeOverDialog")
        take = box.addButton("Take over", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Follow it", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is take

    def open_file(self, path: Path) -> None:
        """Open a session or a config, whichever `path` is, saying why when it is
        neither."""
        path = Path(path)
        if not self.controller.idle:
            QMessageBox.information(
                self.window,
                "A search is running",
                "Stop the running search before opening another.",
            )
            return
        try:
            if path.suffix == ".toml":
                self.load_config_file(path)
            else:
                self.open_session(path)
        except (ConfigError, SessionError) as error:
            QMessageBox.warning(self.window, "Cannot open", str(error))

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.window,
            "Open a session or a config",
            str(last_folder("sessions")),
            f"Sessions and configs (*{SESSION_SUFFIX} *.toml);;All files (*)",
        )
        if path:
            remember_folder("sessions", Path(path).parent)
            self.open_file(Path(path))

    def fill_recent_menu(self, menu: QMenu) -> None:
        menu.clear()
        opened = recent(RECENT_SESSIONS)
        for entry in opened:
            menu.addAction(entry).triggered.connect(
                lambda _=False, p=entry: self.open_file(Path(p))
            )
        if not opened:
            menu.addAction("(nothing opened yet)").setEnabled(False)

    # --- the session's file ------------------------------------------------------------

    def save_as(self) -> None:
        source = self.model.session_path
        if source is None:
            return
        target, _ = QFileDialog.getSaveFileName(
            self.window,
            "Save a copy of the session",
            str(last_folder("exports") / source.name),
            f"Session (*{SESSION_SUFFIX})",
        )
        if not target:
            return
        remember_folder("exports", Path(target).parent)
        try:
            with Session.open(source, writable=False) as session:
                session.copy_to(Path(target))
        except (OSError, sqlite3.Error, SessionError) as error:
            QMessageBox.warning(self.window, "Cannot save", f"{target}:\n{error}")

    def rename_session(self, path: Path) -> None:
        with Session.open(path, writable=False) as session:
            current = session.name
        name, accepted = QInputDialog.getText(self.window, "Rename session", "Name:", text=current)
        if accepted and name.strip():
            try:
                with Session.open(path) as session:
                    session.rename(name.strip())
            except (SessionError, sqlite3.Error) as error:
                QMessageBox.warning(self.window, "Cannot rename", str(error))
                return
            if self.model.session_path == path:
                self.model.set_session(path, self.model.session_state, name.strip())
            self.sessionsChanged.emit()

    def duplicate_session(self, path: Path) -> None:
        """Its setup in the editors, as a new search to edit or run again."""
        try:
            with Session.open(path, writable=False) as session:
                config = session.config
                name = session.name
        except (SessionError, ConfigError) as error:
            QMessageBox.warning(self.window, "Cannot duplicate", str(error))
            return
        self.configLoaded.emit(config, f"{name} copy", None)
        self.editRequested.emit()

    def delete_session(self, path: Path) -> None:
        answer = QMessageBox.question(
            self.window,
            "Delete session",
            f"Delete {path.name} and every trial in it? This cannot be undone.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            delete_session(path)
        except (SessionError, OSError) as error:
            QMessageBox.warning(self.window, "Cannot delete", str(error))
            return
        if self.model.session_path == path:
            self.model.set_session(None, SessionState.NONE)
        self.sessionsChanged.emit()

    def reveal_session(self, path: Path) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))

    def confirm_start(self, config: Config) -> bool:
        """Whether to start `config` as a new search. Asked when it is the search the
        window shows, finished: starting it again silently reran the same trials and
        cleared the view. Extend is offered instead."""
        shown = self.model.session_path
        if shown is None or self.model.session_state not in (
            SessionState.COMPLETE,
            SessionState.INTERRUPTED,
        ):
            return True
        try:  # as a session stores it: its data's task and metric decided
            config = config.resolved()
        except ConfigError:
            return True  # Start says what is wrong
        if config != self.model.config:
            if not only_ranges_differ(config, self.model.config):
                return True
            choice = self.ask_continue(self.model.session_name)
            if choice == "continue":
                self.continue_with(config)
            return choice == "new"
        if self.model.session_state != SessionState.COMPLETE:
            return True
        choice = self.ask_run_again(shown.name)
        if choice == "extend":
            self.extend_dialog()
        return choice == "again"

    def ask_continue(self, name: str) -> str | None:
        """'continue', 'new' or None (cancelled): the ranges of the shown session's
        search were changed."""
        return self._choose(
            "continueDialog",
            "Other ranges",
            f"Go on in {name} with these ranges? Its trials stay (those outside the new "
            "ranges are marked, none is run again) and the search learns from those "
            "inside. Or start a new session.",
            ("Continue in it", "continue"),
            ("New session", "new"),
        )

    def continue_with(self, config: Config) -> None:
        """The shown session goes on with `config`'s ranges (core.execution.ranges)."""
        path = self.model.session_path
        try:
            continue_with_ranges(path, config)
        except (ConfigError, SessionError) as error:
            QMessageBox.warning(self.window, "Cannot go on in it", str(error))
            return
        self.open_session(path)
        self.controller.resume()

    def ask_run_again(self, name: str) -> str | None:
        """'again', 'extend' or None (cancelled)."""
        return self._choose(
            "runAgainDialog",
            "This search has run",
            f"{name} holds this search already. Run it again as a new session (the same "
            "trials, to the same results), or extend it with more trials?",
            ("Run again", "again"),
            ("Extend…", "extend"),
        )

    def _choose(self, name: str, title: str, text: str, accept, other) -> str | None:
        """Ask `text`: the key of the (label, key) button `accept` or `other` chosen,
        None for Cancel."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=self.window)
        box.setObjectName(name)
        first = box.addButton(accept[0], QMessageBox.ButtonRole.AcceptRole)
        second = box.addButton(other[0], QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return {first: accept[1], second: other[1]}.get(box.clickedButton())

    # --- the last search, interrupted --------------------------------------------------

    def offer_resume(self, entries: list) -> None:
        """Once, at the first listing of the sessions: when the newest stopped before its
        end (the window or the computer closed mid-search) and nothing else is shown yet,
        offer to resume it on the first screen."""
        newest = next((entry for entry in entries if isinstance(entry, SessionSummary)), None)
        shown = self.model.session_path is not None or not self.controller.idle
        if newest is None or shown or newest.status != SearchState.INTERRUPTED:
            return
        self.window.setup_column.resume_offer.offer(newest)

    def resume_offered(self, path: Path) -> None:
        self.open_file(path)
        if self.model.session_path == path and self.model.session_state == SessionState.INTERRUPTED:
            self.controller.resume()

    # --- a session whose data moved ----------------------------------------------------

    def data_failed(self, message: str) -> None:
        """The session's data is not where it was, or not what it was: say so, and offer
        to locate it (checked to be the same data, then the search goes on)."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "The session's data",
            f"{message}\n\nEvery finished trial is kept in the session.",
            parent=self.window,
        )
        box.setObjectName("dataDialog")
        locate = None
        if self.model.config.data.source:
            locate = box.addButton("Locate data…", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.exec()
        if locate is not None and box.clickedButton() is locate:
            self.locate_data()

    def locate_data(self) -> None:
        data = self.model.config.data
        if source_format(data.source, data.format) == "images":
            chosen = QFileDialog.getExistingDirectory(self.window, "Where the images are now")
        else:
            chosen, _ = QFileDialog.getOpenFileName(
                self.window, f"Where {Path(data.source).name} is now", str(last_folder("exports"))
            )
        if chosen:
            self.relocate(Path(chosen))

    def _data_problem(self, path: Path, problem: str) -> None:
        if path == self.model.session_path:
            self.window.statusBar().show_data_problem(problem)

    def relocate(self, source: Path) -> None:
        """Check, in the helper process, that `source` holds the shown session's data,
        then point the session at it and resume; say why not otherwise."""
        self.window.statusBar().showMessage(f"Checking {source.name}…")
        session_path = self.model.session_path
        self.helper.request(
            relocate_session,
            session_path,
            source,
            then=lambda _: self._relocated(session_path),
            failed=self._not_relocated,
        )

    def _relocated(self, session_path: Path) -> None:
        self.window.statusBar().clearMessage()
        self.open_session(session_path)
        self.controller.resume()

    def _not_relocated(self, problem: str) -> None:
        self.window.statusBar().clearMessage()
        QMessageBox.warning(self.window, "Not the session's data", problem)

    # --- notes, warm starts and comparisons --------------------------------------------

    def write_note(self, path: Path | None = None, number: int | None = None) -> None:
        """Ask for a note on trial `number` of the session at `path` (default: the one
        shown), or on the session itself, and write it (a few bytes: at once, here)."""
        path = path or self.model.session_path
        if path is None:
            return
        try:
            with Session.open(path, writable=False) as session:
                notes = {row.number: row.note for row in session.trials()}
                current = session.note if number is None else notes.get(number, "")
                name = session.name
            what = f"trial {number} of {name}" if number is not None else name
            text, chosen = QInputDialog.getMultiLineText(
                self.window,
                "Note",
                f"A note on {what} (searchable, exported with the results):",
                current,
            )
            if not chosen or text.strip() == current:
                return
            with Session.open(path) as session:
                session.set_note(text, number)
        except SessionError as error:
            QMessageBox.warning(self.window, "Cannot write the note", str(error))
            return
        if number is not None and path == self.model.session_path:
            self.model.results.trials[number].note = text.strip()
            self.model.trialsChanged.emit({number})
        self.sessionsChanged.emit()

    def warm_start_from(self, path: Path) -> None:
        """A new TPE search with the setup of the session at `path`, that begins knowing
        its trials (read at Start: core.execution.warm_start)."""
        if not self.controller.idle:
            return
        try:
            with Session.open(path, writable=False) as session:
                config, name = session.config, session.name
        except SessionError as error:
            QMessageBox.warning(self.window, "Cannot warm start from it", str(error))
            return
        search = replace(config.search, strategy="tpe", warm_start=str(path), prior=(), enqueue=())
        self.show_new_search(replace(config, search=search), f"{name} warm")
        self.editRequested.emit()

    def compare(self, paths: list[Path]) -> None:
        """Read the sessions in the helper process (large ones take a moment), then show
        them side by side."""
        self.window.statusBar().showMessage(f"Comparing {len(paths)} sessions…")
        self.helper.request(compare_sessions, paths, then=self._compared, failed=self._not_compared)

    def _compared(self, comparison: Comparison) -> None:
        self.window.statusBar().clearMessage()
        CompareDialog(comparison, self.window).open()

    def _not_compared(self, problem: str) -> None:
        self.window.statusBar().clearMessage()
        QMessageBox.warning(self.window, "Cannot compare", problem)

    # --- growing the search ------------------------------------------------------------

    def extend_dialog(self) -> None:
        if not self.controller.idle or self.model.session_path is None:
            return
        search = self.model.config.search
        if search.strategy == "grid":
            QMessageBox.information(
                self.window,
                "A grid is complete",
                "A grid search runs every point it has. To search more finely, duplicate "
                "the session and give the grid more points.",
            )
            return
        if search.strategy == "coarse-to-fine":
            question, more, so_far = "Rounds to add:", 1, f"{search.rounds} rounds"
        else:
            question, more, so_far = "Trials to add:", 20, f"{search.trials} trials"
        dialog = QInputDialog(self.window)
        dialog.setObjectName("extendDialog")
        dialog.setWindowTitle("Extend the search")
        dialog.setInputMode(QInputDialog.InputMode.IntInput)
        dialog.setLabelText(f"{question}\n(to {self.model.session_name}, which has {so_far})")
        dialog.setIntRange(1, 100_000)
        dialog.setIntValue(more)
        # Wide enough for its title in the frame a window manager draws around it.
        dialog.setMinimumWidth(380)
        if dialog.exec():
            self.extend_search(dialog.intValue())

    def add_trial_dialog(self) -> None:
        """Ask a configuration of the shown session's space and train it in the session
        (numbered after its trials), nothing else."""
        if not self.controller.idle or self.model.session_path is None:
            return
        words = (
            "Add a trial to this session",
            f"Its settings, trained now in {self.model.session_name}:",
        )
        point = ask_point(self.window, self.model.config.search.space, words)
        if point is None:
            return
        try:
            add_trials(self.model.session_path, [point])
        except (ConfigError, SessionError) as error:
            QMessageBox.warning(self.window, "Cannot add the trial", str(error))
            return
        self.open_session(self.model.session_path)
        self.controller.resume()

    def extend_search(self, added: int) -> None:
        """Add trials (random) or rounds (coarse-to-fine), then run what is new."""
        try:
            self.controller.extend(added)
        except SessionError as error:
            QMessageBox.warning(self.window, "Cannot extend", str(error))
            return
        self.open_session(self.model.session_path)
        self.controller.resume()

    def child_search(self, numbers: list[int], name: str) -> None:
        """A child search: the shown one's setup, its ranges narrowed to the span of
        trials `numbers`; its session will name the shown one as its parent."""
        chosen = [self.model.results.trials[number].params for number in numbers]
        if not chosen or not self.controller.idle:
            return
        config = self.model.config
        search = replace(config.search, space=narrowed(config.search.space, chosen))
        self.configLoaded.emit(
            replace(config, search=search), f"{name} child", self.model.session_path
        )
        self.editRequested.emit()
