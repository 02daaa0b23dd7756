"""What a person does with session files and exports: open, open recent, save a copy,
rename, duplicate, delete, show in the file manager, and the export dialogs. Each asks
what it must with a dialog on the window and reports failures there; none of them
changes a file it was not asked to."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMainWindow, QMenu, QMessageBox

from hyperdesk.core import config as config_module
from hyperdesk.core.config import Config, ConfigError
from hyperdesk.core.data.datasets import DatasetError
from hyperdesk.core.data.sources import source_format
from hyperdesk.core.execution.ranges import add_trials, continue_with_ranges, only_ranges_differ
from hyperdesk.core.paths import SESSION_SUFFIX
from hyperdesk.core.search.registry import planned_trials
from hyperdesk.core.search.space import narrowed
from hyperdesk.core.storage.export import to_csv, to_json, write_text
from hyperdesk.core.storage.report import data_summary, write_report
from hyperdesk.core.storage.session import Session, SessionError, delete_session
from hyperdesk.desktop_app.dialogs.remembered import (
    last_folder,
    recent,
    remember_folder,
    remember_recent,
)
from hyperdesk.desktop_app.dialogs.run_first import ask_point
from hyperdesk.desktop_app.panels.export import SCALES, export_panels, export_plot, panel_files
from hyperdesk.desktop_app.panels.registry import KINDS, PanelSet
from hyperdesk.desktop_app.panels.rendering import render_session_panels
from hyperdesk.desktop_app.run.controller import SearchController
from hyperdesk.desktop_app.run.follower import SessionFollower
from hyperdesk.desktop_app.run.results import SearchResults
from hyperdesk.desktop_app.run.search_model import SearchModel, SessionState

RECENT_SESSIONS = "recent"  # the settings key of the sessions last opened


class SessionActions(QObject):
    configLoaded = Signal(object, str, object)  # Config, session name, parent session or None
    sessionsChanged = Signal()  # a file was renamed, deleted or written: list them again
    sessionOpened = Signal(object)  # the path of a session now shown
    editRequested = Signal()  # a new search was set up from another: show the setup
    exported = Signal(object)  # the files an export wrote
    relocateRequested = Signal(object)  # where the session's data is now, to be checked

    def __init__(
        self,
        window: QMainWindow,
        model: SearchModel,
        controller: SearchController,
        follower: SessionFollower,
        panels: PanelSet,
    ):
        super().__init__(window)
        self.window, self.model, self.controller = window, model, controller
        self.follower, self.panels = follower, panels

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
        selected = self.model.remembered_selection()
        if selected is not None and selected in results.trials:
            self.model.select(selected)
        self.sessionOpened.emit(path)
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
            self.relocateRequested.emit(Path(chosen))

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

    # --- exports -----------------------------------------------------------------------

    def export_panel_dialog(self, key: str) -> None:
        kind = KINDS[key]
        self.export_image_dialog(
            kind.title,
            kind.file_name,
            lambda path, scale: export_plot(self.panels[key].plot, path, scale),
        )

    def export_image_dialog(self, title: str, file_name: str, write) -> None:
        """Ask where (PNG or SVG) and, for a PNG, at what scale; `write(path, scale)`
        writes the image and returns its path."""
        default = last_folder("exports") / f"{file_name}.png"
        target, chosen = QFileDialog.getSaveFileName(
            self.window,
            f"Export {title}",
            str(default),
            "PNG image (*.png);;SVG image (*.svg)",
        )
        if not target:
            return
        remember_folder("exports", Path(target).parent)
        path = Path(target)
        if path.suffix.lower() not in (".png", ".svg"):
            path = path.with_suffix(".svg" if "SVG" in chosen else ".png")
        scale = 1
        if path.suffix.lower() == ".png":
            choice, accepted = QInputDialog.getItem(
                self.window, "Image size", "Scale:", [f"{s}x" for s in SCALES], 1, False
            )
            if not accepted:
                return
            scale = int(choice.rstrip("x"))
        try:
            self.exported.emit([write(path, scale)])
        except OSError as error:
            QMessageBox.warning(self.window, "Cannot export", f"{error}\nThe session is unchanged.")

    def export_all_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self.window, "Export every panel into", str(last_folder("exports"))
        )
        if not folder:
            return
        remember_folder("exports", Path(folder))
        choice, accepted = QInputDialog.getItem(
            self.window,
            "Format",
            "Write the panels as:",
            ["PNG 1x", "PNG 2x", "PNG 4x", "SVG"],
            1,
            False,
        )
        if not accepted:
            return
        fmt, scale = ("svg", 1) if choice == "SVG" else ("png", int(choice[4]))
        if not self.may_replace(panel_files(self.panels.shown(), Path(folder), fmt)):
            return
        try:
            self.exported.emit(export_panels(self.panels.shown(), Path(folder), fmt, scale))
        except OSError as error:
            QMessageBox.warning(self.window, "Cannot export", f"{error}\nThe session is unchanged.")

    def may_replace(self, paths: list[Path]) -> bool:
        """True when none of `paths` exists, or the person agrees to replace them."""
        existing = [path for path in paths if path.exists()]
        if not existing:
            return True
        names = ", ".join(path.name for path in existing[:4]) + ("…" if len(existing) > 4 else "")
        answer = QMessageBox.question(
            self.window,
            "Replace files?",
            f"{len(existing)} of these files exist already in {existing[0].parent}: {names}. "
            "Replace them?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _export_target(self, title: str, suffix: str, filters: str) -> tuple[Path | None, str]:
        """Where to export the shown session, as asked (its folder remembered), and the
        filter chosen; None without a session or when the person cancelled."""
        if self.model.session_path is None:
            QMessageBox.information(
                self.window, "Nothing to export", "Run or open a session first."
            )
            return None, ""
        target, chosen = QFileDialog.getSaveFileName(
            self.window,
            title,
            str(last_folder("exports") / f"{self.model.session_path.stem}{suffix}"),
            filters,
        )
        if not target:
            return None, ""
        remember_folder("exports", Path(target).parent)
        return Path(target), chosen

    def export_results_dialog(self) -> None:
        target, chosen = self._export_target(
            "Export results",
            ".csv",
            "CSV, one row per trial (*.csv);;JSON, with every epoch (*.json)",
        )
        if target is not None:
            self.export_results(target, "json" if "JSON" in chosen else "csv")

    def export_results(self, path: Path, fmt: str) -> None:
        if path.suffix.lower() not in (".csv", ".json"):
            path = path.with_suffix(f".{fmt}")
        render = to_json if path.suffix.lower() == ".json" else to_csv
        try:
            with Session.open(self.model.session_path, writable=False) as session:
                write_text(path, render(session))
            self.exported.emit([path])
        except (OSError, SessionError) as error:
            QMessageBox.warning(self.window, "Cannot export", f"{error}\nThe session is unchanged.")

    def export_report_dialog(self) -> None:
        """The shown session as one HTML file (hyperdesk report): asks where, asks
        before replacing, draws its panels offscreen."""
        target, _ = self._export_target(
            "Export report", ".html", "A web page, one file with its images (*.html)"
        )
        if target is None:
            return
        path = target if target.suffix.lower() == ".html" else Path(f"{target}.html")
        # (The file dialog asked before replacing a file it named; a suffix added here
        # names another, which is asked about now.)
        if path != target and not self.may_replace([path]):
            return
        # What the data holds is read in the helper process (a large file takes seconds);
        # the page is written when it answers (write_report_with).
        self.window.statusBar().showMessage(f"Writing the report {path.name}…")
        self.window.helper.request(
            ("report", self.model.session_path, path), data_summary, self.model.session_path
        )

    def write_report_with(self, key, summary) -> None:
        """The report asked for (`key`: "report", the session, the file), once the helper
        process has described its data (`summary`; None when that failed: it is read
        again here, and what goes wrong is said)."""
        _, session_path, path = key
        try:
            self.exported.emit([write_report(session_path, path, render_session_panels, summary)])
        except (OSError, SessionError, DatasetError) as error:
            QMessageBox.warning(self.window, "Cannot export", f"{error}\nThe session is unchanged.")

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
