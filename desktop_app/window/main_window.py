"""The Hyperdesk main window. It builds its parts and wires them; what they do lives in
them: the SearchModel (the search shown), the SearchController (what runs), the
SessionActions (files and exports), the SessionFollower, the PanelSet (every panel, from
the registry in panels.py), the setup panel, the results table and the status bar."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QWidget,
)

from hyperdesk.core import config as config_module
from hyperdesk.core.comparison import Comparison, compare_or_reason
from hyperdesk.core.config import Config, ConfigError
from hyperdesk.core.data.datasets import DatasetError
from hyperdesk.core.data.downloads import needs_download
from hyperdesk.core.data.sources import (
    DataSummary,
    data_key,
    preview_data,
    remember_shape,
    shape_known,
)
from hyperdesk.core.execution.ranges import ADDABLE
from hyperdesk.core.execution.relocation import data_problem, relocate_file
from hyperdesk.core.model.model_file import SUFFIX
from hyperdesk.core.paths import distinct_name, sessions_dir
from hyperdesk.core.storage.session import Session, SessionError
from hyperdesk.core.trials import TrialStatus
from hyperdesk.desktop_app.dialogs.about import show_about
from hyperdesk.desktop_app.dialogs.download import DownloadDialog
from hyperdesk.desktop_app.dialogs.quick_start import show_quick_start
from hyperdesk.desktop_app.dialogs.remembered import last_folder, remember_folder, remember_recent
from hyperdesk.desktop_app.panels.export import export_widget
from hyperdesk.desktop_app.panels.inside import InsideFollower, InsidePanel
from hyperdesk.desktop_app.panels.registry import KINDS, PanelSet
from hyperdesk.desktop_app.run.controller import RunState, SearchController
from hyperdesk.desktop_app.run.follower import SessionFollower
from hyperdesk.desktop_app.run.search_model import SearchModel, SessionState
from hyperdesk.desktop_app.run.threads import HelperProcess, ImportanceEstimator
from hyperdesk.desktop_app.sessions.actions import RECENT_SESSIONS, SessionActions
from hyperdesk.desktop_app.sessions.browser import SessionBrowser
from hyperdesk.desktop_app.sessions.compare import CompareDialog
from hyperdesk.desktop_app.setup.cluster_probe import ClusterProbe
from hyperdesk.desktop_app.setup.column import SetupColumn
from hyperdesk.desktop_app.setup.fields import RECENT_DATA
from hyperdesk.desktop_app.setup.panel import SetupPanel
from hyperdesk.desktop_app.table.view import ResultsTable
from hyperdesk.desktop_app.window.status_bar import SearchStatusBar

MOVABLE = QDockWidget.DockWidgetFeature.DockWidgetMovable
FLOATABLE = QDockWidget.DockWidgetFeature.DockWidgetFloatable
# As in debuggers and IDEs: F5 runs, Shift+F5 stops; F6 pauses and resumes.
START_KEY = QKeySequence("F5")
PAUSE_KEY = QKeySequence("F6")
STOP_KEY = QKeySequence("Shift+F5")


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
        self.estimator = ImportanceEstimator(self.helper)
        self.panels = PanelSet(self.estimator, self)
        self.panels.attach(self.model)
        self.actions = SessionActions(self, self.model, self.controller, self.follower, self.panels)
        self.child_of: Path | None = None  # set by "Search around the selected trials"
        self.setup_problems: list[tuple[str, str]] = []  # what keeps Start disabled
        self.data_pending = False  # the person's data file is being read
        self.download: DownloadDialog | None = None  # a dataset downloading before Start
        self.previews_asked: dict[tuple, object] = {}  # data key -> its DataConfig
        self.data_summaries: dict[tuple, DataSummary] = {}  # data key -> what it holds
        self.data_errors: dict[tuple, str] = {}  # data key -> why it cannot be used

        self.setup = SetupPanel()
        self.browser = SessionBrowser(sessions_dir())
        self.table = ResultsTable(self.model)
        self.setCentralWidget(self.table)
        self.setStatusBar(SearchStatusBar(self.model, self.controller))
        self._build_setup_dock()
        self.panel_docks = self._build_panel_docks()
        self.inside = InsidePanel()
        self.inside_follower = InsideFollower(self.inside, self.model, self.helper, self)
        self.inside_dock = self._build_inside_dock()
        self._build_menus()
        self._wire()
        self.setup.workers_spin.setValue(len(self.controller.pool.workers))
        self.new_search()
        self.controller.measure_speed(self.helper)
        self._restore_geometry()

    # --- building ------------------------------------------------------------------------

    def _dock(self, title: str, name: str, widget: QWidget, features) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(features)
        return dock

    def _build_setup_dock(self) -> None:
        column = self.setup_column = SetupColumn(self.setup)
        self.start_button, self.resume_button = column.start_button, column.resume_button
        self.pause_button, self.stop_button = column.pause_button, column.stop_button
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        self.setup_dock = self._dock("Search setup", "setupDock", column, MOVABLE)
        self.browser_dock = self._dock("Sessions", "sessionsDock", self.browser, MOVABLE)
        self.addDockWidget(left, self.setup_dock)
        self.addDockWidget(left, self.browser_dock)
        self.tabifyDockWidget(self.setup_dock, self.browser_dock)
        self.setup_dock.raise_()

    def _build_panel_docks(self) -> dict[str, QDockWidget]:
        """One dock per panel of the registry: the left ones tabbed behind the learning
        curves, the right ones behind the scatter, the two groups side by side."""
        docks: dict[str, QDockWidget] = {}
        for kind, panel in self.panels:
            frame = self.panels.frames[kind.key]
            dock = self._dock(kind.title, f"{kind.key}Dock", frame, MOVABLE | FLOATABLE)
            docks[kind.key] = dock
            dock.visibilityChanged.connect(panel.visibility_changed)
            panel.plot.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            panel.plot.customContextMenuRequested.connect(
                lambda position, key=kind.key: self._panel_menu(key, position)
            )
        # Split before tabbing: a dock split off a tabbed one would join its tabs.
        first = {
            side: next(docks[k.key] for k, _ in self.panels if k.side == side)
            for side in ("left", "right")
        }
        self.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, first["left"])
        self.splitDockWidget(first["left"], first["right"], Qt.Orientation.Horizontal)
        for kind, _ in self.panels:
            if docks[kind.key] is not first[kind.side]:
                self.tabifyDockWidget(first[kind.side], docks[kind.key])
        for dock in first.values():
            dock.raise_()
        self.setCorner(Qt.Corner.TopLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        return docks

    def _build_inside_dock(self) -> QDockWidget:
        """The Inside panel, a tab beside the learning curves (the wider group: its
        tables need the room, and a sixth tab beside the scatter cut their titles)."""
        dock = self._dock("Inside", "insideDock", self.inside, MOVABLE | FLOATABLE)
        self.tabifyDockWidget(self.panel_docks["curves"], dock)
        self.panel_docks["curves"].raise_()
        dock.visibilityChanged.connect(self.inside_follower.set_visible)
        self.inside.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.inside.customContextMenuRequested.connect(self._inside_menu)
        return dock

    def _action(self, menu, label: str, slot, shortcut=None) -> QAction:
        action = QAction(label, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        actions = self.actions
        file_menu = self.menuBar().addMenu("&File")
        self.new_action = self._action(
            file_menu, "New search", self.new_search, QKeySequence.StandardKey.New
        )
        self._action(file_menu, "Open…", actions.choose_file, QKeySequence.StandardKey.Open)
        recent = file_menu.addMenu("Open Recent")
        recent.setObjectName("recentMenu")
        recent.aboutToShow.connect(lambda: actions.fill_recent_menu(recent))
        self.save_as_action = self._action(
            file_menu, "Save As…", actions.save_as, QKeySequence.StandardKey.SaveAs
        )
        file_menu.addSeparator()
        export_menu = file_menu.addMenu("Export")
        for kind, _ in self.panels:
            self._action(
                export_menu,
                f"{kind.title} image…",
                lambda _=False, key=kind.key: actions.export_panel_dialog(key),
            )
        export_menu.addSeparator()
        self._action(export_menu, "All panels…", actions.export_all_dialog)
        self._action(export_menu, "Results (CSV or JSON)…", actions.export_results_dialog)
        self._action(export_menu, "Report (HTML)…", actions.export_report_dialog)
        file_menu.addSeparator()
        self._action(file_menu, "Quit", self.close, QKeySequence.StandardKey.Quit)
        search_menu = self.menuBar().addMenu("&Search")
        self.start_action = self._action(search_menu, "Start", self.start, START_KEY)
        self.pause_action = self._action(search_menu, "Pause", self.pause_button.toggle, PAUSE_KEY)
        self.stop_action = self._action(search_menu, "Stop", self.controller.stop, STOP_KEY)
        for button, what, key in (
            (self.start_button, "Start the search", START_KEY),
            (self.pause_button, "Pause or resume the search", PAUSE_KEY),
            (self.stop_button, "Stop the search, keeping every finished epoch", STOP_KEY),
        ):
            button.setToolTip(f"{what} ({key.toString()})")
        self.resume_action = self._action(search_menu, "Resume", self.controller.resume)
        self.extend_action = self._action(search_menu, "Extend…", actions.extend_dialog)
        self.add_trial_action = self._action(
            search_menu, "Add a trial to this session…", actions.add_trial_dialog
        )
        self._action(
            search_menu, "Search around the selected trials…", self.search_around_selection
        )
        self._action(search_menu, "Evaluate on test", lambda: self.evaluate())
        self._action(search_menu, "Save model…", lambda: self.save_model())
        help_menu = self.menuBar().addMenu("&Help")
        self._action(
            help_menu,
            "Quick start",
            lambda: show_quick_start(self),
            QKeySequence.StandardKey.HelpContents,
        )
        self._action(help_menu, "About Hyperdesk", lambda: show_about(self))
        self._action(help_menu, "About Qt", lambda: QMessageBox.aboutQt(self))

    def _wire(self) -> None:
        controller, actions, model = self.controller, self.actions, self.model
        self.start_button.clicked.connect(self.start)
        self.resume_button.clicked.connect(controller.resume)
        self.pause_button.toggled.connect(controller.set_paused)
        self.stop_button.clicked.connect(controller.stop)
        self.setup.changed.connect(self._setup_changed)
        self.setup.workers_spin.valueChanged.connect(controller.set_workers)
        controller.stateChanged.connect(self._update_buttons)
        controller.speedMeasured.connect(self._setup_changed)
        self.helper.done.connect(self._helper_answered)
        controller.searchEnded.connect(lambda _: self.browser.refresh())
        controller.failed.connect(self._search_failed)
        controller.dataFailed.connect(self.actions.data_failed)
        self.actions.relocateRequested.connect(self._relocate)
        controller.evaluationFailed.connect(
            lambda message: QMessageBox.warning(self, "Cannot evaluate", message)
        )
        controller.modelFailed.connect(
            lambda message: QMessageBox.warning(self, "Cannot make the model", message)
        )
        controller.modelSaved.connect(self._model_saved)
        controller.longerFailed.connect(
            lambda message: QMessageBox.warning(self, "Cannot train it longer", message)
        )
        controller.longerStarted.connect(
            lambda number, epochs: self.statusBar().showMessage(
                f"Training trial {number} for {epochs} more epochs…"
            )
        )
        controller.trainedLonger.connect(self._trained_longer)
        model.sessionChanged.connect(self._update_buttons)
        model.sessionChanged.connect(self._show_session_name)
        controller.stateChanged.connect(self._show_session_name)
        self.browser.openRequested.connect(actions.open_file)
        self.browser.renameRequested.connect(actions.rename_session)
        self.browser.duplicateRequested.connect(actions.duplicate_session)
        self.browser.deleteRequested.connect(actions.delete_session)
        self.browser.revealRequested.connect(actions.reveal_session)
        self.browser.noteRequested.connect(lambda path: self.write_note(path=path))
        self.browser.compareRequested.connect(self.compare_sessions)
        self.browser.warmStartRequested.connect(self.warm_start_from)
        actions.configLoaded.connect(self._config_loaded)
        actions.sessionsChanged.connect(self.browser.refresh)
        actions.sessionOpened.connect(self.browser.select)
        actions.editRequested.connect(self.setup_dock.raise_)
        actions.exported.connect(self.statusBar().show_written)
        model.reset.connect(self._search_shown)
        scatter = self.panels["scatter"].signals
        scatter.trialClicked.connect(model.select)
        self.panels["pareto"].signals.trialClicked.connect(model.select)
        self.cluster_probe = ClusterProbe(self)
        self.setup.connectRequested.connect(self.cluster_probe.probe)
        self.cluster_probe.found.connect(self.setup.show_cluster)
        scatter.trialsBrushed.connect(self.select_trials)
        self.panels["parallel"].brushed.connect(self.table.proxy.set_allowed)
        scatter_panel = self.panels["scatter"]
        for combo in (scatter_panel.x_combo, scatter_panel.y_combo):
            combo.activated.connect(self._remember_scatter_axes)
        actions.sessionOpened.connect(self._restore_scatter_axes)
        actions.sessionOpened.connect(self._check_session_data)
        self.statusBar().data_button.clicked.connect(
            lambda: self.actions.data_failed(self.statusBar().data_button.toolTip())
        )
        self.table.menuRequested.connect(self._fill_trial_menu)

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
            # Once the window has its real size: plots above get 55% of the height.
            QTimer.singleShot(0, self._default_dock_sizes)

    def _default_dock_sizes(self) -> None:
        right = self.width() - self.setup_dock.width()
        curves, scatter = self.panel_docks["curves"], self.panel_docks["scatter"]
        self.resizeDocks(
            [curves, scatter], [int(right * 0.55), int(right * 0.45)], Qt.Orientation.Horizontal
        )
        self.resizeDocks([curves], [int(self.height() * 0.55)], Qt.Orientation.Vertical)

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
        over two parameters; the trade-off: a search of two objectives)."""
        for kind, _ in self.panels:
            self.panel_docks[kind.key].setVisible(kind.shown_for(self.model.config))
        if KINDS["pareto"].shown_for(self.model.config):
            self.panel_docks["pareto"].raise_()  # what a trade-off search is for

    def _setup_changed(self) -> None:
        config, problems = self.setup.read()  # on every keystroke: read once
        if config is not None:  # where a resume runs too: a session can go on elsewhere
            self.controller.executor = config.run
        cost = ""
        self.data_pending = False
        if config is not None and not shape_known(config.data):
            # A file of the person's own is read in the helper process, never here.
            key = data_key(config.data) or ("missing", config.data.source)
            self.setup.show_data_preview(None, None)  # not another data's preview
            if key in self.data_errors:
                problems, config = [("data.source", self.data_errors[key])], None
            else:
                self.data_pending = True
                cost = f"Reading {Path(config.data.source).name}…"
                self._ask_preview(key, config.data)
                config = None
        if config is not None:
            self._show_data_preview(config.data)
            try:
                cost = self.controller.cost_text(config)
            except ConfigError as error:  # it would not fit in this machine's memory
                problems, config = error.problems, None
            except DatasetError as error:  # the file named cannot be used as it is
                problems, config = [("data.source", str(error))], None
        self.setup_problems = problems
        self.setup.show_problems(problems)
        self.setup.show_preview(config)
        self.setup_column.show_check(len(problems), cost)
        self._update_buttons()

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

    def _check_session_data(self, path: Path) -> None:
        """A reopened session's own data file is checked (in the helper process: it may
        be large) to be where it was and the same, so a moved file is said at once."""
        if self.model.config.data.source:
            self.helper.request(("data check", path), data_problem, path)

    def _helper_answered(self, key, result) -> None:
        """An answer of the helper process to one of this window's requests, whose key
        starts with what was asked; the speed and importance estimates take theirs."""
        handlers = {
            "preview": self._preview_made,
            "data check": self._data_checked,
            "relocate": self._relocated,
            "compare": self._compared,
            "report": self.actions.write_report_with,
        }
        if isinstance(key, tuple) and key[0] in handlers:
            handlers[key[0]](key, result)

    def _data_checked(self, key, problem) -> None:
        if key[1] == self.model.session_path and problem:
            self.statusBar().show_data_problem(problem)

    def warm_start_from(self, path: Path) -> None:
        """A new TPE search with the setup of the session at `path`, that begins knowing
        its trials (read at Start: core.execution.warm_start)."""
        if not self.controller.idle:
            return
        try:
            with Session.open(path, writable=False) as session:
                config, name = session.config, session.name
        except SessionError as error:
            QMessageBox.warning(self, "Cannot warm start from it", str(error))
            return
        search = replace(config.search, strategy="tpe", warm_start=str(path), prior=(), enqueue=())
        self.actions.show_new_search(replace(config, search=search), f"{name} warm")
        self.setup_dock.raise_()

    def compare_sessions(self, paths: list[Path]) -> None:
        """Read the sessions in the helper process (large ones take a moment), then show
        them side by side."""
        self.statusBar().showMessage(f"Comparing {len(paths)} sessions…")
        self.helper.request(("compare", tuple(paths)), compare_or_reason, paths)

    def _compared(self, key, result) -> None:
        self.statusBar().clearMessage()
        if not isinstance(result, Comparison):
            QMessageBox.warning(self, "Cannot compare", result or "They cannot be read.")
            return
        CompareDialog(result, self).open()

    def _relocate(self, source: Path) -> None:
        """Check, in the helper process, that `source` holds the shown session's data;
        _relocated then resumes or says why not."""
        self.statusBar().showMessage(f"Checking {source.name}…")
        self.helper.request(("relocate", source), relocate_file, self.model.session_path, source)

    def _relocated(self, key, problem) -> None:
        self.statusBar().clearMessage()
        if problem or problem is None:
            QMessageBox.warning(self, "Not the session's data", problem or "It cannot be read.")
            return
        self.actions.open_session(self.model.session_path)
        self.controller.resume()

    def _show_data_preview(self, data) -> None:
        """The preview of the data `data` names: known, asked of the helper process (a
        dataset only once downloaded: Start downloads it), or hidden."""
        key = data_key(data)
        summary = self.data_summaries.get(key)
        if (
            summary is None
            and key is not None
            and key not in self.data_errors
            and key not in self.previews_asked  # asked already: no stat of the cache again
            and not needs_download(data.dataset, data.source)
        ):
            self._ask_preview(key, data)
        self.setup.show_data_preview(summary, data)

    def _ask_preview(self, key: tuple, data) -> None:
        if key not in self.previews_asked:
            self.previews_asked[key] = data
            self.helper.request(("preview", key), preview_data, data)

    def _preview_made(self, key, result) -> None:
        data = self.previews_asked.pop(key[1], None)
        if isinstance(result, DataSummary) and data is not None:
            remember_shape(data, result)
            self.data_summaries[key[1]] = result
        else:  # pinned to the source field when it is a file of the person's own
            self.data_errors[key[1]] = result or "cannot be read (see the terminal's message)"
        self._setup_changed()

    def _update_buttons(self) -> None:
        idle, state = self.controller.idle, self.model.session_state
        startable = idle and not self.setup_problems and not self.data_pending
        active = self.controller.active
        paused = self.controller.state == RunState.PAUSED
        for button, action, enabled in (
            (self.start_button, self.start_action, startable),
            (self.pause_button, self.pause_action, active),
            (self.stop_button, self.stop_action, active),
        ):
            button.setEnabled(enabled)
            action.setEnabled(enabled)
        self.pause_action.setText("Resume" if paused else "Pause")
        self.new_action.setEnabled(idle)
        self.setup_column.show_paused(paused)
        resumable = idle and state == SessionState.INTERRUPTED
        self.resume_button.setVisible(resumable)
        self.resume_action.setEnabled(resumable)
        ran = idle and state in (SessionState.COMPLETE, SessionState.INTERRUPTED)
        self.extend_action.setEnabled(ran)
        self.add_trial_action.setEnabled(ran and self.model.config.search.strategy in ADDABLE)
        self.save_as_action.setEnabled(self.model.session_path is not None)
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

    def evaluate(self, number: int | None = None) -> None:
        """Test trial `number` (default: the selected one, else the best) on the held-out
        split; the result goes into the session and the table's Test acc column."""
        if self.model.session_path is None or not self.model.results.test:
            QMessageBox.information(
                self,
                "No test split",
                "This search keeps no test split. Set a Test fraction under Data before "
                "starting a search: its trials can then be evaluated on samples no search "
                "has seen.",
            )
            return
        if number is None:
            best = self.model.results.best()
            number = self.model.selected
            if number is None and best is not None:
                number = best.number
        if number is None or self.controller.evaluating:
            return
        self.controller.evaluate(number)

    def save_model(self, number: int | None = None) -> None:
        """Train trial `number` (default: the selected one, else the best) on every
        sample its search saw and save it as a model file, chosen here."""
        if number is None:
            best = self.model.results.best()
            number = self.model.selected or (best.number if best is not None else None)
        if self.model.session_path is None or number is None:
            QMessageBox.information(
                self, "No trial yet", "A model is made from a finished trial of a search."
            )
            return
        if self.controller.evaluating:
            return
        name = f"{self.model.session_path.stem}-trial{number}{SUFFIX}"
        suggested = last_folder("exports") / name
        chosen, _ = QFileDialog.getSaveFileName(
            self, f"Save trial {number} as a model", str(suggested), f"Models (*{SUFFIX})"
        )
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix != SUFFIX:
            path = path.with_name(path.name + SUFFIX)
        remember_folder("exports", path.parent)
        self.controller.save_model(number, path)

    def train_longer(self, number: int) -> None:
        """Ask how many more epochs, then train trial `number` on from its kept state;
        without one, offer to train it again from the start."""
        if self.controller.evaluating or self.model.session_path is None:
            return
        retrain = not self._state_kept(number)
        if retrain:
            keep = self.model.config.search.keep_weights
            asked = QMessageBox.question(
                self,
                "Its weights are not kept",
                f"Trial {number}'s weights are not kept (this session keeps those of its "
                f"best {keep} trials). Train it again from the start, to its epochs and as "
                "many more? With the same seed its first epochs come out as they did.",
            )
            if asked != QMessageBox.StandardButton.Yes:
                return
        epochs, chosen = QInputDialog.getInt(
            self,
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
        self.inside_dock.raise_()

    def _model_saved(self, final) -> None:
        """The model just saved, looked inside: its report and mistakes on the test split."""
        self.inside_dock.raise_()
        self.inside_follower.show_model(final, self.controller.model_path)

    def _inside_menu(self, position) -> None:
        menu = QMenu(self)
        report = self.inside.report
        self._action(
            menu,
            "Export image…",
            lambda: self.actions.export_image_dialog(
                "the report",
                self.inside.file_name,
                lambda path, scale: export_widget(report, path, scale),
            ),
        ).setEnabled(report is not None)
        menu.exec(self.inside.mapToGlobal(position))

    def write_note(self, number: int | None = None, path: Path | None = None) -> None:
        """Ask for a note on trial `number` of the shown session, or on the session at
        `path`, and write it (a few bytes: at once, here)."""
        path = path or self.model.session_path
        if path is None:
            return
        try:
            with Session.open(path, writable=False) as session:
                notes = {row.number: row.note for row in session.trials()}
                current, name = (
                    (session.note if number is None else notes.get(number, "")),
                    session.name,
                )
            what = f"trial {number} of {name}" if number is not None else name
            text, chosen = QInputDialog.getMultiLineText(
                self, "Note", f"A note on {what} (searchable, exported with the results):", current
            )
            if not chosen or text.strip() == current:
                return
            with Session.open(path) as session:
                session.set_note(text, number)
        except SessionError as error:
            QMessageBox.warning(self, "Cannot write the note", str(error))
            return
        if number is not None and path == self.model.session_path:
            self.model.results.trials[number].note = text.strip()
            self.model.trialsChanged.emit({number})
        self.browser.refresh()

    def _state_kept(self, number: int) -> bool:
        """Whether the shown session keeps trial `number`'s weights (one small query of
        the file, asked when its menu opens)."""
        if self.model.session_path is None:
            return False
        try:
            with Session.open(self.model.session_path, writable=False) as session:
                return number in session.kept_states()
        except SessionError:
            return False

    def _trained_longer(self, number: int, records) -> None:
        """Show the session again with the trial's new epochs, it still selected."""
        self.actions.open_session(self.model.session_path)
        self.model.select(number)
        last = records[-1] if records else None
        self.statusBar().showMessage(
            f"Trial {number} now has {last.epoch} epochs: validation accuracy {last.val_acc:.3f}"
            if last is not None
            else f"Trial {number}: no new epoch"
        )

    # --- menus on trials and panels ------------------------------------------------------

    def _fill_trial_menu(self, menu: QMenu, number: int) -> None:
        """What can be done to the trial right-clicked (and the others selected with it),
        each item enabled when it applies."""
        chosen = self.table.selected_numbers()
        if number not in chosen:
            chosen = [number]
        around = f"trial {number}" if len(chosen) == 1 else f"the {len(chosen)} selected trials"
        self._action(
            menu,
            f"Search around {around}…",
            lambda: self.actions.child_search(chosen, self.setup.session_name),
        ).setEnabled(self.controller.idle)
        menu.addSeparator()
        self._action(
            menu,
            f"Stop trial {number} (keep its epochs, mark it pruned)",
            lambda: self.controller.prune(number),
        ).setEnabled(self.controller.can_prune(number))
        trial = self.model.results.trials[number]
        evaluate = self._action(
            menu, f"Evaluate trial {number} on the test split", lambda: self.evaluate(number)
        )
        if not self.model.results.test:
            evaluate.setText(f"{evaluate.text()} (this search keeps none)")
        evaluate.setEnabled(
            self.model.results.test
            and self.model.session_path is not None
            and trial.status == TrialStatus.COMPLETE
            and not self.controller.evaluating
        )
        kept = self._state_kept(number)
        look = self._action(menu, f"Look inside trial {number}", lambda: self.look_inside(number))
        look.setEnabled(kept and self.model.session_path is not None)
        if not kept and trial.status == TrialStatus.COMPLETE:
            look.setText(f"{look.text()} (its weights are not kept)")
        longer = self._action(
            menu, f"Train trial {number} longer…", lambda: self.train_longer(number)
        )
        # Without kept weights it is offered a training from the start (train_longer asks).
        longer.setEnabled(
            self.model.config.runs == 1
            and self.controller.idle
            and self.model.session_path is not None
            and trial.status == TrialStatus.COMPLETE
            and not self.controller.evaluating
        )
        self._action(menu, f"Note on trial {number}…", lambda: self.write_note(number)).setEnabled(
            self.model.session_path is not None
        )
        self._action(
            menu, f"Save trial {number} as a model…", lambda: self.save_model(number)
        ).setEnabled(
            self.model.session_path is not None
            and trial.status == TrialStatus.COMPLETE
            and not self.controller.evaluating
        )

    def _panel_menu(self, key: str, position) -> None:
        menu = QMenu(self)
        self._action(menu, "Export image…", lambda: self.actions.export_panel_dialog(key))
        self._action(menu, "Export all panels…", self.actions.export_all_dialog)
        menu.exec(self.panels[key].plot.mapToGlobal(position))

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

    def search_around_selection(self) -> None:
        """A child search around the trials selected in the table."""
        self.actions.child_search(self.table.selected_numbers(), self.setup.session_name)

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
