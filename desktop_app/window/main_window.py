"""The Hyperdesk main window. It builds its parts and wires them; what they do lives in
them: the SearchModel (the search shown), the SearchController (what runs), the
SessionActions and SessionExports (files), the TrialActions (what is done to a trial),
the SetupChecks, the SessionFollower, the PanelSet (every panel, from the registry in
panels.registry), the results table and the status bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox

from hyperdesk.core import config as config_module
from hyperdesk.core.config import Config, ConfigError
from hyperdesk.core.data.downloads import needs_download
from hyperdesk.core.execution.ranges import ADDABLE
from hyperdesk.core.paths import distinct_name, sessions_dir
from hyperdesk.desktop_app.dialogs.download import DownloadDialog
from hyperdesk.desktop_app.dialogs.remembered import remember_recent
from hyperdesk.desktop_app.panels.export import export_widget
from hyperdesk.desktop_app.panels.inside import InsideFollower, InsidePanel
from hyperdesk.desktop_app.panels.registry import KINDS, PanelSet
from hyperdesk.desktop_app.run.controller import RunState, SearchController
from hyperdesk.desktop_app.run.follower import SessionFollower
from hyperdesk.desktop_app.run.helper import HelperProcess, ImportanceEstimator
from hyperdesk.desktop_app.run.search_model import SearchModel, SessionState
from hyperdesk.desktop_app.sessions.actions import RECENT_SESSIONS, SessionActions
from hyperdesk.desktop_app.sessions.browser import SessionBrowser
from hyperdesk.desktop_app.sessions.exports import SessionExports
from hyperdesk.desktop_app.setup.checks import SetupChecks
from hyperdesk.desktop_app.setup.cluster_probe import ClusterProbe
from hyperdesk.desktop_app.setup.column import SetupColumn
from hyperdesk.desktop_app.setup.editors import RECENT_DATA
from hyperdesk.desktop_app.setup.panel import SetupPanel
from hyperdesk.desktop_app.table.view import ResultsTable
from hyperdesk.desktop_app.trials.actions import TrialActions
from hyperdesk.desktop_app.window import docks
from hyperdesk.desktop_app.window.menus import add_action, build_menus
from hyperdesk.desktop_app.window.status_bar import SearchStatusBar


def default_config_text() -> str:
    return config_module.example_text("seed")


class MainWindow(QMainWindow):
    def __init__(self):
        super().__init__()
        self.setWindowTitle("Hyperdesk")
        self.model = SearchModel(self)
        self.controller = SearchController(self.model, self)
        self.follower = SessionFollower(self.model, self)
        self.helper = HelperProcess(self)
        self.panels = PanelSet(ImportanceEstimator(self.helper), self)
        self.panels.attach(self.model)
        self.child_of: Path | None = None  # set by "Search around the selected trials"
        self.download: DownloadDialog | None = None  # a dataset downloading before Start

        self.setup = SetupPanel()
        self.setup_column = column = SetupColumn(self.setup)
        self.start_button, self.resume_button = column.start_button, column.resume_button
        self.pause_button, self.stop_button = column.pause_button, column.stop_button
        self.checks = SetupChecks(self.setup, column, self.controller, self.helper, self)
        self.browser = SessionBrowser(sessions_dir())
        self.table = ResultsTable(self.model)
        self.setCentralWidget(self.table)
        self.setStatusBar(SearchStatusBar(self.model, self.controller))
        self.setup_dock, self.browser_dock = docks.left_docks(self, column, self.browser)
        self.panel_docks = docks.panel_docks(self, self.panels)
        self.inside = InsidePanel()
        self.inside_follower = InsideFollower(self.inside, self.model, self.helper, self)
        self.inside_dock = docks.inside_dock(self, self.inside, self.panel_docks["curves"])
        self.actions = SessionActions(self, self.model, self.controller, self.follower, self.helper)
        self.exports = SessionExports(self, self.model, self.panels, self.helper)
        self.trials = TrialActions(
            self,
            self.model,
            self.controller,
            self.table,
            self.actions,
            self.inside_follower,
            show_inside=self.inside_dock.raise_,
            session_name=lambda: self.setup.session_name,
        )
        self.cluster_probe = ClusterProbe(self)
        self.menu_actions = build_menus(self)
        self._wire()
        self.setup.workers_spin.setValue(len(self.controller.pool.workers))
        self.new_search()
        self.controller.measure_speed(self.helper)
        self._restore_geometry()

    def _wire(self) -> None:
        controller, actions, model = self.controller, self.actions, self.model
        browser = self.browser
        self.start_button.clicked.connect(self.start)
        self.resume_button.clicked.connect(controller.resume)
        self.pause_button.toggled.connect(controller.set_paused)
        self.stop_button.clicked.connect(controller.stop)
        self.setup.workers_spin.valueChanged.connect(controller.set_workers)
        self.checks.checked.connect(self._update_buttons)
        controller.stateChanged.connect(self._update_buttons)
        controller.stateChanged.connect(self._show_session_name)
        controller.searchEnded.connect(lambda _: browser.refresh())
        controller.failed.connect(self._search_failed)
        controller.dataFailed.connect(actions.data_failed)
        controller.refused.connect(self._start_refused)
        for signal, title in (
            (controller.evaluationFailed, "Cannot evaluate"),
            (controller.modelFailed, "Cannot make the model"),
            (controller.longerFailed, "Cannot train it longer"),
        ):
            signal.connect(lambda message, title=title: QMessageBox.warning(self, title, message))
        controller.longerStarted.connect(
            lambda number, epochs: self.statusBar().showMessage(
                f"Training trial {number} for {epochs} more epochs…"
            )
        )
        model.sessionChanged.connect(self._update_buttons)
        model.sessionChanged.connect(self._show_session_name)
        model.reset.connect(self._search_shown)
        browser.openRequested.connect(actions.open_file)
        browser.renameRequested.connect(actions.rename_session)
        browser.duplicateRequested.connect(actions.duplicate_session)
        browser.deleteRequested.connect(actions.delete_session)
        browser.revealRequested.connect(actions.reveal_session)
        browser.noteRequested.connect(lambda path: actions.write_note(path))
        browser.compareRequested.connect(actions.compare)
        browser.warmStartRequested.connect(actions.warm_start_from)
        # Once, at the first listing after a restart.
        browser.scanned.connect(actions.offer_resume, Qt.ConnectionType.SingleShotConnection)
        offer = self.setup_column.resume_offer
        offer.resumeClicked.connect(actions.resume_offered)
        offer.openClicked.connect(actions.open_file)
        model.sessionChanged.connect(lambda: model.session_path is None or offer.hide())
        actions.configLoaded.connect(self._config_loaded)
        actions.sessionsChanged.connect(browser.refresh)
        actions.sessionOpened.connect(browser.select)
        actions.sessionOpened.connect(self._restore_scatter_axes)
        actions.editRequested.connect(self.setup_dock.raise_)
        self.exports.exported.connect(self.statusBar().show_written)
        scatter = self.panels["scatter"]
        scatter.signals.trialClicked.connect(model.select)
        scatter.signals.trialsBrushed.connect(self.select_trials)
        self.panels["pareto"].signals.trialClicked.connect(model.select)
        self.panels["parallel"].brushed.connect(self.table.proxy.set_allowed)
        for combo in (scatter.x_combo, scatter.y_combo):
            combo.activated.connect(self._remember_scatter_axes)
        self.setup.connectRequested.connect(self.cluster_probe.probe)
        self.cluster_probe.found.connect(self.setup.show_cluster)
        data_button = self.statusBar().data_button
        data_button.clicked.connect(lambda: actions.data_failed(data_button.toolTip()))
        for kind, panel in self.panels:
            panel.plot.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            panel.plot.customContextMenuRequested.connect(
                lambda position, key=kind.key: self._panel_menu(key, position)
            )
        self.inside_dock.visibilityChanged.connect(self.inside_follower.set_visible)
        self.inside.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.inside.customContextMenuRequested.connect(self._inside_menu)

    def _restore_geometry(self) -> None:
        settings = QSettings()
        geometry = settings.value("window/geometry")
        self._sized_docks = False
        if geometry is not None:
            self.restoreGeometry(geometry)
            self._sized_docks = self.restoreState(settings.value("window/state", QByteArray()))
        else:
            # The first window fills the screen's free area, its frame included: at
            # 1366 x 768 a fixed 1360 x 760 window was taller than the screen and hid
            # the status bar.
            # (The geometry too, for a screen without a window manager to maximize.)
            self.setGeometry(self.screen().availableGeometry())
            self.setWindowState(Qt.WindowState.WindowMaximized)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._sized_docks:
            self._sized_docks = True
            # Once the window has its real size.
            QTimer.singleShot(
                0,
                lambda: docks.default_sizes(
                    self, self.setup_dock, self.panel_docks["curves"], self.panel_docks["scatter"]
                ),
            )

    # --- setting up ----------------------------------------------------------------------

    def new_search(self) -> None:
        """The seed experiment, as a new search not run yet (File > New search)."""
        if self.controller.idle:
            self.actions.show_new_search(config_module.loads(default_config_text()), "seed")
            self.setup_dock.raise_()

    def _config_loaded(self, config: Config, name: str, parent: Path | None) -> None:
        self.setup.load_config(config, name)
        self.child_of = parent

    def _search_shown(self) -> None:
        """Each panel's dock shows for the searches it applies to (the heatmap: a grid
        over two parameters; the trade-off: a search of two objectives), and its export
        is offered for them only, saying which."""
        config = self.model.config
        for kind, _ in self.panels:
            applies = kind.shown_for(config)
            self.panel_docks[kind.key].setVisible(applies)
            export = self.menu_actions.export_panels[kind.key]
            export.setEnabled(applies)
            export.setText(
                f"{kind.title} image…" + ("" if applies else f" (for {kind.shown_when})")
            )
        if KINDS["pareto"].shown_for(config):
            self.panel_docks["pareto"].raise_()  # what a trade-off search is for

    def _show_session_name(self) -> None:
        """The title names the search shown, and how it stands; the Sessions list marks it."""
        model, state = self.model, self.controller.state
        if not self.controller.idle:
            how = f" ({state.value})"
        elif model.session_path is None:
            how = " (not started)" if model.session_name else ""
        else:
            how = f" ({model.session_state.value})" if model.session_state.value else ""
        name = model.session_name or "New search"
        self.setWindowTitle(f"{name}{how} — Hyperdesk")
        self.browser.model.set_open(model.session_path)

    def _update_buttons(self) -> None:
        idle, state = self.controller.idle, self.model.session_state
        menu = self.menu_actions
        startable = idle and self.checks.startable
        active = self.controller.active
        paused = self.controller.state == RunState.PAUSED
        for button, action, enabled in (
            (self.start_button, menu.start, startable),
            (self.pause_button, menu.pause, active),
            (self.stop_button, menu.stop, active),
        ):
            button.setEnabled(enabled)
            action.setEnabled(enabled)
        menu.pause.setText("Resume" if paused else "Pause")
        menu.new.setEnabled(idle)
        self.setup_column.show_paused(paused)
        resumable = idle and state == SessionState.INTERRUPTED
        self.resume_button.setVisible(resumable)
        menu.resume.setEnabled(resumable)
        ran = idle and state in (SessionState.COMPLETE, SessionState.INTERRUPTED)
        menu.extend.setEnabled(ran)
        menu.add_trial.setEnabled(ran and self.model.config.search.strategy in ADDABLE)
        menu.save_as.setEnabled(self.model.session_path is not None)
        self.setup.setEnabled(idle)

    # --- running -------------------------------------------------------------------------

    def start(self) -> None:
        if not self.controller.idle:
            return
        try:
            config = self.setup.config()
        except ConfigError as error:
            self.setup.show_problems(error.problems)
            return
        # A child search (Search around the selected trials) is a new session by design.
        if self.child_of is None and not self.actions.confirm_start(config):
            return
        if needs_download(config.data.dataset, config.data.source):
            self._download_then_start(config.data.dataset)
            return
        parent, self.child_of = self.child_of, None
        if not self.setup.name_typed:
            taken = self.browser.model.names()
            if self.model.session_path is not None:  # the one shown, listed or not yet
                taken.append(self.model.session_name)
            self.setup.name_edit.setText(distinct_name(self.setup.session_name, taken))
        try:
            self.controller.start(config, self.setup.session_name, parent)
        except ConfigError as error:  # memory that was free when it was set up is not
            self.setup.show_problems(error.problems)
            return
        except OSError as error:
            QMessageBox.critical(self, "Cannot save sessions", str(error))
            return
        remember_recent(RECENT_SESSIONS, str(self.model.session_path))
        if config.data.source:
            remember_recent(RECENT_DATA, config.data.source)

    def _download_then_start(self, name: str) -> None:
        """Download `name` off the GUI thread behind a progress dialog with Cancel; Start
        again once it is here (nothing half-written is kept when cancelled)."""
        self.download = DownloadDialog(name, self)
        self.download.done.connect(self._downloaded)
        self.download.start()

    def _downloaded(self, problem: str) -> None:
        self.download = None
        if problem == "":
            self.start()
        elif problem != "cancelled":
            QMessageBox.warning(self, "Cannot download the data", problem)

    def _search_failed(self, message: str, details: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "The search failed",
            message,
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setDetailedText(details)
        box.setObjectName("failureDialog")
        box.open()

    def _start_refused(self, message: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Cannot start",
            f"{message}\n\nNo session was made: change the setup and Start again.",
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setObjectName("refusedDialog")
        box.open()

    # --- menus on panels -----------------------------------------------------------------

    def _panel_menu(self, key: str, position) -> None:
        menu = QMenu(self)
        add_action(menu, "Export image…", lambda: self.exports.export_panel_dialog(key))
        add_action(menu, "Export all panels…", self.exports.export_all_dialog)
        menu.exec(self.panels[key].plot.mapToGlobal(position))

    def _inside_menu(self, position) -> None:
        menu = QMenu(self)
        report = self.inside.report
        add_action(
            menu,
            "Export image…",
            lambda: self.exports.export_image_dialog(
                "the report",
                self.inside.file_name,
                lambda path, scale: export_widget(report, path, scale),
            ),
        ).setEnabled(report is not None)
        menu.exec(self.inside.mapToGlobal(position))

    # --- selection -----------------------------------------------------------------------

    def select_trials(self, numbers: list[int]) -> None:
        """Select these trials' rows (a rectangle brushed on the scatter): what "Search
        around the selected trials" narrows to."""
        self.table.select_numbers(numbers)
        if numbers:
            self.statusBar().showMessage(
                f"{len(numbers)} trials selected: Search > Search around the selected trials "
                "narrows the ranges to them"
            )

    # --- a session's panels as they were left ------------------------------------------

    def _remember_scatter_axes(self) -> None:
        path, scatter = self.model.session_path, self.panels["scatter"]
        if path is not None:
            axes = [scatter.x_combo.currentText(), scatter.y_combo.currentText()]
            QSettings().setValue(f"scatter/{path}", axes)

    def _restore_scatter_axes(self, path: Path) -> None:
        axes = QSettings().value(f"scatter/{path}")
        scatter = self.panels["scatter"]
        if isinstance(axes, list) and len(axes) == 2:
            for combo, name in zip((scatter.x_combo, scatter.y_combo), axes, strict=True):
                if combo.findText(name) >= 0:
                    combo.setCurrentText(name)

    # --- closing -------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.controller.idle:
            answer = QMessageBox.question(
                self,
                "A search is running",
                "Stop the search and close? Every finished epoch is saved; the session can "
                "be resumed later.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.shutdown()
        QSettings().setValue("window/geometry", self.saveGeometry())
        QSettings().setValue("window/state", self.saveState())
        event.accept()

    def shutdown(self) -> None:
        """Stop a running search and every thread and process the window started."""
        self.model.timer.stop()
        self.controller.shutdown()
        self.follower.shutdown()
        self.helper.shutdown()
        self.browser.shutdown()
        if self.download is not None:  # closed while a dataset downloads
            self.download.worker.cancel()
            self.download.thread.quit()
            self.download.thread.wait()
