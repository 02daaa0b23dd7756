"""The Hyperdesk main window: setup on the left, live panels and the results table on the
right, a search running on a QThread."""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QObject,
    QSettings,
    Qt,
    QThread,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from hyperdesk.core import config as config_module
from hyperdesk.core.config import Config, ConfigError
from hyperdesk.core.execution.control import RunControl
from hyperdesk.core.execution.pool import TrialPool
from hyperdesk.core.execution.runner import TrialStart, default_workers, new_session_path
from hyperdesk.core.formatting import clock, score_text
from hyperdesk.core.search.registry import planned_trials
from hyperdesk.core.search.space import ChoiceParam, RangeParam, narrowed
from hyperdesk.core.storage.export import to_csv, to_json, write_text
from hyperdesk.core.storage.paths import HOME_VARIABLE, SESSION_SUFFIX, sessions_dir
from hyperdesk.core.storage.session import Session, SessionError, delete_session
from hyperdesk.core.training.trainer import EpochRecord
from hyperdesk.core.trials import SearchState, TrialStatus
from hyperdesk.desktop_app.about import show_about
from hyperdesk.desktop_app.browser import SessionBrowser
from hyperdesk.desktop_app.insight import HeatmapPanel, ImportancePanel, ParallelPanel
from hyperdesk.desktop_app.panel_export import PANEL_FILES, SCALES, export_panels, export_plot
from hyperdesk.desktop_app.plots import BestPanel, CurvesPanel, ScatterPanel, TopPanel
from hyperdesk.desktop_app.results import SearchResults, TrialState
from hyperdesk.desktop_app.setup_panel import SetupPanel
from hyperdesk.desktop_app.table_model import (
    SORT_ROLE,
    TRIAL_ROLE,
    ResultsTableModel,
    ResultsTableView,
    TrialFilterProxy,
)
from hyperdesk.desktop_app.worker import (
    EvaluationWorker,
    ImportanceWorker,
    NewSession,
    SearchWorker,
)

FRAME_MS = 33  # refresh the panels at most ~30 times a second
FOLLOW_MS = 1000  # how often a session run elsewhere is read again
RECENT = 8
FOLLOWING = "following"
IDLE, RUNNING, PAUSED, STOPPING = "idle", "running", "paused", "stopping"


def default_config_text() -> str:
    return config_module.example_text("seed")


def planned_epochs_per_trial(config: Config) -> float:
    """The epochs one trial will train: the fixed setting, or the middle of a searched
    epochs range (the progress bar's estimate)."""
    for param in config.search.space:
        if param.name == "epochs":
            if isinstance(param, ChoiceParam):
                return sum(param.values) / len(param.values)
            return (param.low + param.high) / 2
    return config.train.epochs


class VerticalScrollArea(QScrollArea):
    """Scrolls up and down only, and is never narrower than what it holds, so no editor
    is clipped at the right."""

    def __init__(self):
        super().__init__()
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def setWidget(self, widget: QWidget) -> None:
        super().setWidget(widget)
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        # When what it holds needs a new layout (rows added, fonts styled), the dock
        # around it must learn the new minimum width.
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)

    def minimumSizeHint(self):
        hint = super().minimumSizeHint()
        if self.widget() is not None:
            hint.setWidth(
                self.widget().minimumSizeHint().width()
                + self.verticalScrollBar().sizeHint().width()
                + 2 * self.frameWidth()
            )
        return hint


class SessionFollower(QObject):
    """Lives on a background thread: reads what another process added to a session."""

    updated = Signal(object, object, object, int, str)  # path, trials, epochs, rowid, status

    @Slot(object, int)
    def poll(self, path: Path, rowid: int) -> None:
        try:
            with Session.open(path, writable=False) as session:
                # Status, then trials, then epochs: when the status says the search
                # ended, what is read after it is everything it wrote, and every epoch
                # read belongs to a trial already read.
                status = session.status()
                trials = session.trials()
                epochs, newest = session.epochs_since(rowid)
                self.updated.emit(path, trials, epochs, newest, status)
        except (SessionError, sqlite3.Error):
            return  # gone or mid-write: the next poll tries again


class MainWindow(QMainWindow):
    searchFinished = Signal(str)  # complete, interrupted or failed
    evaluated = Signal(object)  # core.execution.evaluation.TestResult
    importanceRequested = Signal(object, object)  # search space, [(params, score)]
    followRequested = Signal(object, int)

    def __init__(self):
        super().__init__()
        self.setWindowTitle("Hyperdesk")
        self.state = IDLE
        self.thread: QThread | None = None
        self.worker: SearchWorker | None = None
        self.session_path: Path | None = None
        self.pending: list[tuple] = []
        self.changed_trials: set[int] = set()
        self._drawn_finished: tuple = ()
        self.child_of: Path | None = None  # set by "Search around the selected trials"
        self.evaluation_thread: QThread | None = None
        self.selected: int | None = None
        self.run_started = 0.0
        self.epochs_at_start = 0
        self.config = Config()
        # Worker processes start with the window, so Start begins training at once.
        workers = int(QSettings().value("engine/workers", default_workers()))
        self.pool = TrialPool(workers, RunControl())

        self.setup = SetupPanel()
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("startButton")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setObjectName("pauseButton")
        self.pause_button.setCheckable(True)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopButton")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setObjectName("resumeButton")
        self.resume_button.setToolTip("Finish the trials this session did not complete")
        self.start_button.setDefault(True)
        self._build_setup_dock()
        self.browser = SessionBrowser(sessions_dir())
        browser_dock = QDockWidget("Sessions", self)
        browser_dock.setObjectName("sessionsDock")
        browser_dock.setWidget(self.browser)
        browser_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, browser_dock)
        self.tabifyDockWidget(self.setup_dock, browser_dock)
        self.setup_dock.raise_()
        self.browser_dock = browser_dock
        self.browser.openRequested.connect(self.open_file)
        self.browser.renameRequested.connect(self.rename_session)
        self.browser.duplicateRequested.connect(self.duplicate_session)
        self.browser.deleteRequested.connect(self.delete_session)
        self.browser.revealRequested.connect(self.reveal_session)
        self.session_state = ""  # complete, interrupted, running elsewhere, or "" (none)
        self.follower = SessionFollower()
        self.follow_thread = QThread(self)
        self.follower.moveToThread(self.follow_thread)
        self.followRequested.connect(self.follower.poll)
        self.follower.updated.connect(self._followed)
        self.follow_thread.start()
        # One estimate at a time, and only while its tab shows: `due` marks one wanted
        # while another runs or the tab is hidden; `space` is what the running one is for.
        self._importance_busy = self._importance_due = False
        self._importance_space: tuple | None = None
        self.importance_worker = ImportanceWorker()
        self.importance_thread = QThread(self)
        self.importance_worker.moveToThread(self.importance_thread)
        self.importanceRequested.connect(self.importance_worker.compute)
        self.importance_worker.computed.connect(self._on_importance)
        self.importance_thread.start()
        self.follow_timer = QTimer(self)
        self.follow_timer.setInterval(FOLLOW_MS)
        self.follow_timer.timeout.connect(self._request_follow)
        self.last_rowid = 0

        self.curves = CurvesPanel()
        self.top = TopPanel()
        self.scatter = ScatterPanel()
        self.best_panel = BestPanel()
        self.parallel = ParallelPanel()
        self.importance = ImportancePanel()
        self.heatmap = HeatmapPanel()
        self.results = SearchResults([], 0, 1)
        self.table_model = ResultsTableModel(self.results, set())
        self.proxy = TrialFilterProxy(self)
        self.parallel.brushed.connect(self.proxy.set_allowed)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setSourceModel(self.table_model)
        self._build_results_area()
        self._build_plot_docks()
        self._build_status_bar()
        self._build_menus()

        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._refresh)
        self.timer.start()

        self.start_button.clicked.connect(self.start)
        self.pause_button.toggled.connect(self.set_paused)
        self.stop_button.clicked.connect(self.stop)
        self.resume_button.clicked.connect(self.resume_search)
        self.setup.changed.connect(self._setup_changed)
        self.setup.workers_spin.setValue(len(self.pool.workers))
        self.setup.workers_spin.valueChanged.connect(self._workers_changed)
        self.scatter.signals.trialClicked.connect(self.select_trial)
        self.scatter.signals.trialsBrushed.connect(self.select_trials)
        seed = config_module.loads(default_config_text())
        self.setup.load_config(seed, "seed")
        # The panels and the table are laid out for the loaded search before it starts.
        self._show_search(seed, SearchResults.for_config(seed, planned_trials(seed.search)))
        self._update_buttons()
        self._restore_geometry()

    # --- layout -------------------------------------------------------------------

    def _build_setup_dock(self) -> None:
        scroll = VerticalScrollArea()
        scroll.setWidget(self.setup)
        self.setup_scroll = scroll
        self.problem_label = QLabel()
        self.problem_label.setObjectName("problemLabel")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #c62828;")
        self.cost_label = QLabel()
        self.cost_label.setObjectName("costLabel")
        self.cost_label.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.start_button, self.resume_button, self.pause_button, self.stop_button):
            button.setMinimumHeight(30)
            buttons.addWidget(button)
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 6)
        column.addWidget(scroll)
        column.addWidget(self.cost_label)
        column.addWidget(self.problem_label)
        column.addLayout(buttons)
        dock = QDockWidget("Search setup", self)
        dock.setObjectName("setupDock")
        dock.setWidget(holder)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.setup_dock = dock

    def _build_results_area(self) -> None:
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("filterEdit")
        self.filter_edit.setPlaceholderText("Filter trials: status, number or value…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = ResultsTableView()
        self.table.setObjectName("resultsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows can be chosen, to start a child search around them.
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.selectionModel().selectionChanged.connect(self._table_selection_changed)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._table_menu)
        area = QWidget()
        column = QVBoxLayout(area)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.filter_edit)
        column.addWidget(self.table)
        self.setCentralWidget(area)

    def _build_plot_docks(self) -> None:
        def dock(title: str, name: str, widget: QWidget) -> QDockWidget:
            holder = QDockWidget(title, self)
            holder.setObjectName(name)
            holder.setWidget(widget)
            holder.setFeatures(
                QDockWidget.DockWidgetFeature.DockWidgetMovable
                | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            )
            return holder

        self.curves_dock = dock("Learning curves", "curvesDock", self.curves.plot)
        self.top_dock = dock("Top 20", "topDock", self.top.plot)
        self.scatter_dock = dock("Scatter", "scatterDock", self.scatter.widget)
        self.best_dock = dock("Best so far", "bestDock", self.best_panel.plot)
        self.parallel_dock = dock("Parallel", "parallelDock", self.parallel.plot)
        self.importance_dock = dock("Importance", "importanceDock", self.importance.plot)
        self.heatmap_dock = dock("Heatmap", "heatmapDock", self.heatmap.plot)
        top_area = Qt.DockWidgetArea.TopDockWidgetArea
        self.addDockWidget(top_area, self.curves_dock)
        self.splitDockWidget(self.curves_dock, self.scatter_dock, Qt.Orientation.Horizontal)
        self.tabifyDockWidget(self.curves_dock, self.top_dock)
        for insight in (self.best_dock, self.parallel_dock, self.importance_dock):
            self.tabifyDockWidget(self.scatter_dock, insight)
        self.tabifyDockWidget(self.scatter_dock, self.heatmap_dock)
        self.heatmap_dock.hide()  # shown for two-parameter grid searches
        self.importance_dock.visibilityChanged.connect(
            lambda visible: visible and self._importance_due and self._request_importance()
        )
        self.curves_dock.raise_()
        self.scatter_dock.raise_()
        self.panel_docks = {
            "curves": self.curves_dock,
            "top": self.top_dock,
            "scatter": self.scatter_dock,
            "best": self.best_dock,
            "parallel": self.parallel_dock,
            "importance": self.importance_dock,
            "heatmap": self.heatmap_dock,
        }
        self.setCorner(Qt.Corner.TopLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)

    def _build_status_bar(self) -> None:
        self.progress = QProgressBar()
        self.progress.setObjectName("progressBar")
        self.progress.setMaximumWidth(260)
        self.progress.setFormat("%v / %m epochs")
        self.progress.setValue(0)
        self.trials_label = QLabel("No search yet")
        self.time_label = QLabel("")
        self.best_label = QLabel("")
        self.session_label = QLabel("")
        self.session_label.setObjectName("sessionLabel")
        bar = self.statusBar()
        bar.addWidget(self.progress)
        bar.addWidget(self.trials_label)
        bar.addWidget(self.time_label)
        bar.addPermanentWidget(self.session_label)
        bar.addPermanentWidget(self.best_label)

    def _action(self, menu, label: str, slot, shortcut=None, name: str | None = None) -> QAction:
        action = QAction(label, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        if name:
            action.setObjectName(name)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "Open…", self._choose_file, QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu("Open Recent")
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.save_as_action = self._action(
            file_menu, "Save As…", self._save_as, QKeySequence.StandardKey.SaveAs
        )
        file_menu.addSeparator()
        export_menu = file_menu.addMenu("Export")
        for key, dock in self.panel_docks.items():
            self._action(
                export_menu,
                f"{dock.windowTitle()} image…",
                lambda _=False, k=key: self.export_panel_dialog(k),
            )
        export_menu.addSeparator()
        self._action(export_menu, "All panels…", self.export_all_dialog)
        self._action(export_menu, "Results (CSV or JSON)…", self.export_results_dialog)
        file_menu.addSeparator()
        self._action(file_menu, "Quit", self.close, QKeySequence.StandardKey.Quit)
        search_menu = self.menuBar().addMenu("&Search")
        self._action(search_menu, "Start", self.start)
        self._action(search_menu, "Stop", self.stop)
        self.resume_action = self._action(search_menu, "Resume", self.resume_search)
        self.extend_action = self._action(search_menu, "Extend…", self.extend_dialog)
        self._action(
            search_menu, "Search around the selected trials…", self.search_around_selection
        )
        self._action(search_menu, "Evaluate on test", lambda: self.evaluate())
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "About Hyperdesk", lambda: show_about(self))
        self._action(help_menu, "About Qt", lambda: QMessageBox.aboutQt(self))
        for key, plot in self.panel_plots().items():
            plot.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            plot.customContextMenuRequested.connect(
                lambda position, k=key: self._panel_menu(k, position)
            )

    def panel_plots(self) -> dict:
        return {
            "curves": self.curves.plot,
            "top": self.top.plot,
            "scatter": self.scatter.plot,
            "best": self.best_panel.plot,
            "parallel": self.parallel.plot,
            "importance": self.importance.plot,
            "heatmap": self.heatmap.plot,
        }

    def exportable_plots(self) -> dict:
        """The panels that "export all" writes: the heatmap only for a search it shows."""
        plots = self.panel_plots()
        if self.heatmap_dock.isHidden():
            del plots["heatmap"]
        return plots

    def _panel_menu(self, key: str, position) -> None:
        menu = QMenu(self)
        self._action(menu, "Export image…", lambda: self.export_panel_dialog(key))
        self._action(menu, "Export all panels…", self.export_all_dialog)
        menu.exec(self.panel_plots()[key].mapToGlobal(position))

    def _restore_geometry(self) -> None:
        settings = QSettings()
        geometry = settings.value("window/geometry")
        self._sized_docks = False
        if geometry is not None:
            self.restoreGeometry(geometry)
            self._sized_docks = self.restoreState(settings.value("window/state", QByteArray()))
        else:
            self.resize(1360, 760)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._sized_docks:
            self._sized_docks = True
            # Once the window has its real size: plots above get 55% of the height.
            QTimer.singleShot(0, self._default_dock_sizes)

    def _default_dock_sizes(self) -> None:
        right = self.width() - self.setup_dock.width()
        self.resizeDocks(
            [self.curves_dock, self.scatter_dock],
            [int(right * 0.55), int(right * 0.45)],
            Qt.Orientation.Horizontal,
        )
        self.resizeDocks([self.curves_dock], [int(self.height() * 0.55)], Qt.Orientation.Vertical)

    # --- setting up ---------------------------------------------------------------

    def load_config_file(self, path: Path) -> None:
        """Show a TOML config in the editors; ConfigError if it has problems."""
        self.setup.load_config(config_module.load(path), Path(path).stem)
        self.child_of = None

    def open_session(self, path: Path) -> None:
        """Show a saved session as it was: its setup, table, panels and selection.
        SessionError if the file is not a readable session (it is left untouched)."""
        path = Path(path)
        with Session.open(path, writable=False) as session:
            config = config_module.loads(session.config_toml)
            planned = int(session.meta.get("planned_trials", "0") or 0)
            results = SearchResults.from_session(session, config, planned)
            name = session.name
            status = session.status()
            _, self.last_rowid = session.epochs_since(0)
        self.setup.load_config(config, name)
        self.child_of = None
        self._show_search(config, results)
        self.session_path = path
        self.session_state = FOLLOWING if status == SearchState.RUNNING else status
        if self.session_state == FOLLOWING:
            self.follow_timer.start()
        else:
            self.follow_timer.stop()
        self._remember_recent(path)
        selected = QSettings().value(f"selection/{path}")
        if selected is not None and int(selected) in results.trials:
            self.select_trial(int(selected))
        self.browser.select(path)
        self._update_buttons()

    def open_file(self, path: Path) -> None:
        """Open a session or a config, whichever `path` is, saying why when it is
        neither."""
        path = Path(path)
        if self.state != IDLE:
            QMessageBox.information(
                self, "A search is running", "Stop the running search before opening another."
            )
            return
        try:
            if path.suffix == ".toml":
                self.load_config_file(path)
            else:
                self.open_session(path)
        except (ConfigError, SessionError) as error:
            QMessageBox.warning(self, "Cannot open", str(error))

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open a session or a config",
            str(sessions_dir()),
            f"Sessions and configs (*{SESSION_SUFFIX} *.toml);;All files (*)",
        )
        if path:
            self.open_file(Path(path))

    def _remember_recent(self, path: Path) -> None:
        settings = QSettings()
        recent = [p for p in (settings.value("recent", []) or []) if p != str(path)]
        settings.setValue("recent", [str(path), *recent][:RECENT])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = QSettings().value("recent", []) or []
        for entry in recent:
            self._action(self.recent_menu, entry, lambda _=False, p=entry: self.open_file(Path(p)))
        if not recent:
            self.recent_menu.addAction("(nothing opened yet)").setEnabled(False)

    def _save_as(self) -> None:
        if self.session_path is None:
            return
        target, _ = QFileDialog.getSaveFileName(
            self,
            "Save a copy of the session",
            str(Path.home() / self.session_path.name),
            f"Session (*{SESSION_SUFFIX})",
        )
        if not target:
            return
        try:
            with Session.open(self.session_path, writable=False) as session:
                session.copy_to(Path(target))
        except (OSError, sqlite3.Error, SessionError) as error:
            QMessageBox.warning(self, "Cannot save", f"{target}:\n{error}")

    def rename_session(self, path: Path) -> None:
        with Session.open(path, writable=False) as session:
            current = session.name
        name, accepted = QInputDialog.getText(self, "Rename session", "Name:", text=current)
        if accepted and name.strip():
            try:
                with Session.open(path) as session:
                    session.rename(name.strip())
            except (SessionError, sqlite3.Error) as error:
                QMessageBox.warning(self, "Cannot rename", str(error))
            self.browser.refresh()

    def duplicate_session(self, path: Path) -> None:
        """Its setup in the editors, as a new search to edit or run again."""
        try:
            with Session.open(path, writable=False) as session:
                config = config_module.loads(session.config_toml)
                name = session.name
        except (SessionError, ConfigError) as error:
            QMessageBox.warning(self, "Cannot duplicate", str(error))
            return
        self.setup.load_config(config, f"{name} copy")
        self.child_of = None
        self.setup_dock.raise_()

    def delete_session(self, path: Path) -> None:
        answer = QMessageBox.question(
            self,
            "Delete session",
            f"Delete {path.name} and every trial in it? This cannot be undone.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            delete_session(path)
        except (SessionError, OSError) as error:
            QMessageBox.warning(self, "Cannot delete", str(error))
            return
        if self.session_path == path:
            self.session_path, self.session_state = None, ""
            self._update_buttons()
        self.browser.refresh()

    def reveal_session(self, path: Path) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))

    # --- resuming, extending, following ---------------------------------------------

    def resume_search(self) -> None:
        """Finish an interrupted session's search in this window."""
        if self.state != IDLE or self.session_path is None:
            return
        self.session_state = ""
        self._start_worker(self.session_path)

    def extend_dialog(self) -> None:
        if self.state != IDLE or self.session_path is None:
            return
        search = self.config.search
        if search.strategy == "grid":
            QMessageBox.information(
                self,
                "A grid is complete",
                "A grid search runs every point it has. To search more finely, duplicate "
                "the session and give the grid more points.",
            )
            return
        if search.strategy == "coarse-to-fine":
            question, more = "Rounds to add:", 1
        else:
            question, more = "Trials to add:", 20
        added, accepted = QInputDialog.getInt(self, "Extend the search", question, more, 1, 100_000)
        if accepted:
            self.extend_search(added)

    def extend_search(self, added: int) -> None:
        """Add trials (random) or rounds (coarse-to-fine), then run what is new."""
        key = "rounds" if self.config.search.strategy == "coarse-to-fine" else "trials"
        search = replace(self.config.search, **{key: getattr(self.config.search, key) + added})
        config = replace(self.config, search=search)
        try:
            with Session.open(self.session_path) as session:
                session.extend(config.to_toml(), planned_trials(search))
        except (SessionError, sqlite3.Error) as error:
            QMessageBox.warning(self, "Cannot extend", str(error))
            return
        self.open_session(self.session_path)
        self.resume_search()

    def _request_follow(self) -> None:
        if self.session_path is not None:
            self.followRequested.emit(self.session_path, self.last_rowid)

    def _followed(self, path: Path, trials: list, epochs: list, rowid: int, status: str) -> None:
        if path != self.session_path or self.session_state != FOLLOWING:
            return
        self.last_rowid = rowid
        for row in trials:
            known = self.results.trials.get(row.number)
            if known is None:
                self.results.trials[row.number] = TrialState(
                    row.number, row.params, row.round, row.status
                )
            elif known.status != row.status:
                known.status = row.status
            else:
                continue
            self.changed_trials.add(row.number)
        for number, record in epochs:
            trial = self.results.trials.get(number)
            if trial is not None and record.epoch == len(trial.records) + 1:
                trial.records.append(record)
                self.changed_trials.add(number)
        if status != SearchState.RUNNING:
            self.follow_timer.stop()
            self.session_state = status
            self._update_buttons()

    # --- exporting ------------------------------------------------------------------

    def export_panel_dialog(self, key: str) -> None:
        title = self.panel_docks[key].windowTitle()
        default = Path.home() / f"{PANEL_FILES[key]}.png"
        target, chosen = QFileDialog.getSaveFileName(
            self, f"Export {title}", str(default), "PNG image (*.png);;SVG image (*.svg)"
        )
        if not target:
            return
        path = Path(target)
        if path.suffix.lower() not in (".png", ".svg"):
            path = path.with_suffix(".svg" if "SVG" in chosen else ".png")
        scale = 1
        if path.suffix.lower() == ".png":
            choice, accepted = QInputDialog.getItem(
                self, "Image size", "Scale:", [f"{s}x" for s in SCALES], 1, False
            )
            if not accepted:
                return
            scale = int(choice.rstrip("x"))
        try:
            export_plot(self.panel_plots()[key], path, scale)
        except OSError as error:
            QMessageBox.warning(self, "Cannot export", f"{error}\nThe session is unchanged.")

    def export_all_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export every panel into", str(Path.home()))
        if not folder:
            return
        choice, accepted = QInputDialog.getItem(
            self,
            "Format",
            "Write the panels as:",
            ["PNG 1x", "PNG 2x", "PNG 4x", "SVG"],
            1,
            False,
        )
        if not accepted:
            return
        fmt, scale = ("svg", 1) if choice == "SVG" else ("png", int(choice[4]))
        try:
            export_panels(self.exportable_plots(), Path(folder), fmt, scale)
        except OSError as error:
            QMessageBox.warning(self, "Cannot export", f"{error}\nThe session is unchanged.")

    def export_results_dialog(self) -> None:
        if self.session_path is None:
            QMessageBox.information(self, "Nothing to export", "Run or open a session first.")
            return
        target, chosen = QFileDialog.getSaveFileName(
            self,
            "Export results",
            str(Path.home() / f"{self.session_path.stem}.csv"),
            "CSV, one row per trial (*.csv);;JSON, with every epoch (*.json)",
        )
        if target:
            self.export_results(Path(target), "json" if "JSON" in chosen else "csv")

    def export_results(self, path: Path, fmt: str) -> None:
        if path.suffix.lower() not in (".csv", ".json"):
            path = path.with_suffix(f".{fmt}")
        render = to_json if path.suffix.lower() == ".json" else to_csv
        try:
            with Session.open(self.session_path, writable=False) as session:
                write_text(path, render(session))
        except (OSError, SessionError) as error:
            QMessageBox.warning(self, "Cannot export", f"{error}\nThe session is unchanged.")

    def _choose_config(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open config", "", "Config (*.toml)")
        if path:
            try:
                self.load_config_file(Path(path))
            except ConfigError as error:
                QMessageBox.warning(self, "Config has problems", f"{path}:\n\n{error}")

    def _setup_changed(self) -> None:
        problems = self.setup.problems()
        self.setup.show_problems(problems)
        count = len(problems)
        self.problem_label.setText(
            "" if not count else f"Fix {count} problem{'s' * (count > 1)} above to start."
        )
        config = None if problems else self.setup.config()
        self.setup.show_preview(config)
        self.cost_label.setText("" if config is None else self._cost(config))
        self._update_buttons()

    def _cost(self, config: Config) -> str:
        """The search's size, and how long it should take at the speed this machine
        showed in its last search."""
        trials = planned_trials(config.search)
        epochs_per_trial = planned_epochs_per_trial(config)
        epochs = round(trials * epochs_per_trial)
        flops = trials * config.training_flops(epochs_per_trial)
        try:
            rate = float(QSettings().value("engine/gflops", 0.0))
        except (TypeError, ValueError):  # a settings file edited by hand
            rate = 0.0
        eta = f", about {clock(flops / 1e9 / rate)} here" if rate > 0 else ""
        if config.runs > 1:  # every trial trains once per fold and repeat
            return f"{trials:,} trials x {config.runs} runs, {epochs * config.runs:,} epochs{eta}"
        return f"{trials:,} trials, {epochs:,} epochs{eta}"

    def _workers_changed(self, workers: int) -> None:
        """A new pool of that size; the spin box is disabled while a search runs."""
        QSettings().setValue("engine/workers", workers)
        self.pool.close()
        self.pool = TrialPool(workers, RunControl())

    def _update_buttons(self) -> None:
        idle = self.state == IDLE
        self.start_button.setEnabled(idle and not self.setup.problems())
        self.pause_button.setEnabled(self.state in (RUNNING, PAUSED))
        self.stop_button.setEnabled(self.state in (RUNNING, PAUSED))
        resumable = idle and self.session_state == SearchState.INTERRUPTED
        self.resume_button.setVisible(resumable)
        self.resume_action.setEnabled(resumable)
        self.extend_action.setEnabled(
            idle and self.session_state in (SearchState.COMPLETE, SearchState.INTERRUPTED)
        )
        self.save_as_action.setEnabled(self.session_path is not None)
        self.setup.setEnabled(idle)
        labels = {
            SearchState.INTERRUPTED: "Interrupted: Resume finishes it",
            SearchState.COMPLETE: "Complete",
            FOLLOWING: "Running in another process: following it, read-only",
        }
        name = "" if self.session_path is None else self.session_path.name
        state = labels.get(self.session_state, "")
        self.session_label.setText(f"{name}  {state}" if state and idle else "")

    # --- running ------------------------------------------------------------------

    def start(self) -> None:
        if self.state != IDLE:
            return
        try:
            config = self.setup.config()
        except ConfigError as error:
            self.setup.show_problems(error.problems)
            return
        name = self.setup.session_name
        folder = sessions_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if not os.access(folder, os.W_OK):
                raise PermissionError(f"{folder} is read-only")
        except OSError as error:
            QMessageBox.critical(
                self,
                "Cannot save sessions",
                f"Sessions are saved in {folder}, which cannot be written:\n{error}\n\n"
                f"Make it writable, or set {HOME_VARIABLE} to a folder that is.",
            )
            return
        planned = planned_trials(config.search)
        self._show_search(
            config,
            SearchResults.for_config(config, planned),
        )
        self.session_path = new_session_path(folder, name)
        self.session_state = ""
        self.follow_timer.stop()
        self._remember_recent(self.session_path)
        parent, self.child_of = self.child_of, None
        self._start_worker(
            self.session_path,
            NewSession(name, config.to_toml(), planned, "" if parent is None else str(parent)),
        )

    def _start_worker(self, path: Path, new_session: NewSession | None = None) -> None:
        self.thread = QThread(self)
        self.worker = SearchWorker(path, self.pool, new_session)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.trialStarted.connect(self._on_trial_started)
        self.worker.epochRecorded.connect(self._on_epoch)
        self.worker.trialFinished.connect(self._on_trial_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.searchEnded.connect(self._on_search_ended)
        self.thread.finished.connect(self.worker.deleteLater)
        self.state = RUNNING
        self.run_started = time.monotonic()
        self.epochs_at_start = self.results.epochs_done
        self._update_buttons()
        self.thread.start()

    def _show_search(self, config: Config, results: SearchResults) -> None:
        """Point the table and panels at a new search."""
        self.config = config
        self.results = results
        self.selected = None
        log_params = {
            p.name for p in config.search.space if isinstance(p, RangeParam) and p.scale == "log"
        }
        self.table_model = ResultsTableModel(results, log_params)
        self.proxy.setSourceModel(self.table_model)
        self.table.selectionModel().selectionChanged.connect(self._table_selection_changed)
        self.table.fit_columns()
        self.scatter.set_space(config.search.space, config.search.strategy == "coarse-to-fine")
        self.parallel.set_space(config.search.space)
        self.proxy.set_allowed(None)
        grid = HeatmapPanel.applies(config.search.strategy, config.search.space)
        if grid:
            self.heatmap.set_grid(config.search.space, config.search.points)
        self.heatmap_dock.setVisible(grid)
        self.importance.show_importance({}, 0)
        self.changed_trials = set(results.trials)
        self._refresh(force=True)

    def set_paused(self, paused: bool) -> None:
        if self.worker is None or self.state not in (RUNNING, PAUSED):
            return
        if paused:
            self.worker.pause()
            self.state = PAUSED
            self.pause_button.setText("Resume")
        else:
            self.worker.resume()
            self.state = RUNNING
            self.pause_button.setText("Pause")
        self._update_buttons()

    def stop(self) -> None:
        """End the search after the current step; finished epochs stay saved."""
        if self.worker is None or self.state not in (RUNNING, PAUSED):
            return
        self.worker.request_stop()
        self.state = STOPPING
        self.trials_label.setText("Stopping after the current step…")
        self._update_buttons()

    # Worker signals arrive here on the GUI thread; they are only queued, and drawn on
    # the next frame, so a fast search cannot flood the window.
    def _on_trial_started(self, start: TrialStart) -> None:
        self.pending.append(("start", start))

    def _on_epoch(self, number: int, record: EpochRecord) -> None:
        self.pending.append(("epoch", number, record))

    def _on_trial_finished(self, number: int, status: str) -> None:
        self.pending.append(("finish", number, status))

    def _on_failed(self, message: str, details: str) -> None:
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

    def _on_search_ended(self, state: str) -> None:
        self._drain()
        self._remember_speed()
        self.changed_trials.update(self.results.interrupt_running())
        self.state = IDLE
        self.pause_button.setChecked(False)
        self.pause_button.setText("Pause")
        if self.thread is not None:
            # run() has returned: the thread's event loop ends as soon as it is asked.
            self.thread.quit()
            self.thread.wait()
            self.thread.deleteLater()
        self.thread, self.worker = None, None
        self.session_state = (
            SearchState.COMPLETE if state == SearchState.COMPLETE else SearchState.INTERRUPTED
        )
        self._refresh(force=True)
        self._update_buttons()
        self.browser.refresh()
        self.searchFinished.emit(state)

    def _remember_speed(self) -> None:
        """The GFLOP/s this search ran at, for the next search's time estimate."""
        seconds = time.monotonic() - self.run_started
        epochs = self.results.epochs_done - self.epochs_at_start
        if epochs < 20 or seconds <= 0:
            return
        flops = self.config.training_flops(epochs)
        QSettings().setValue("engine/gflops", flops / seconds / 1e9)

    def _drain(self) -> None:
        pending, self.pending = self.pending, []
        for event in pending:
            if event[0] == "start":
                self.results.start(event[1])
                self.changed_trials.add(event[1].number)
            elif event[0] == "epoch":
                self.results.add_epoch(event[1], event[2])
                self.changed_trials.add(event[1])
            else:
                self.results.finish(event[1], event[2])
                self.changed_trials.add(event[1])

    def _refresh(self, force: bool = False) -> None:
        if self.pending:
            self._drain()
        if self.changed_trials or force:
            changed, self.changed_trials = self.changed_trials, set()
            self.table_model.refresh(changed)
            self.curves.refresh(self.results, self.selected)
            # The top 20, the scatter and the best so far show finished trials only:
            # redrawing them on every epoch would take the CPU the workers train on.
            finished = (id(self.results), self.results.trials_done, self.selected)
            if force or finished != self._drawn_finished:
                self._drawn_finished = finished
                for panel in (self.top, self.scatter, self.best_panel, self.parallel):
                    panel.refresh(self.results, self.selected)
                if self.heatmap_dock.isVisible():
                    self.heatmap.refresh(self.results, self.selected)
                self._request_importance()
            self._update_status()
        elif self.state != IDLE:
            self._update_status()  # the elapsed time and ETA move on

    def _request_importance(self) -> None:
        """Ask the importance thread for an estimate over the finished trials, when its
        tab shows and no other estimate is running; otherwise mark one as due."""
        self._importance_due = True
        if self._importance_busy or self.importance_dock.visibleRegion().isEmpty():
            return
        self._importance_due = False
        self._importance_busy = True
        self._importance_space = self.config.search.space
        scored = [
            (trial.params, trial.score)
            for trial in self.results.trials.values()
            if trial.score is not None
        ]
        self.importanceRequested.emit(self._importance_space, scored)

    def _on_importance(self, importance: dict, finished: int) -> None:
        self._importance_busy = False
        if self._importance_space == self.config.search.space:  # not a search since left
            self.importance.show_importance(importance, finished)
        if self._importance_due:
            self._request_importance()

    def _update_status(self) -> None:
        results = self.results
        per_trial = planned_epochs_per_trial(self.config)
        planned = max(1, round(results.planned * per_trial))
        done = results.epochs_done
        self.progress.setMaximum(max(planned, done))
        self.progress.setValue(done)
        if results.planned == 0:
            return
        text = f"Trials {results.trials_done} / {results.planned}"
        if self.state == PAUSED:
            text += " (paused)"
        if self.state != STOPPING:
            self.trials_label.setText(text)
        if self.state in (RUNNING, PAUSED, STOPPING):
            elapsed = time.monotonic() - self.run_started
            worked = done - self.epochs_at_start
            eta = "--:--" if worked <= 0 else clock(elapsed * max(planned - done, 0) / worked)
            self.time_label.setText(f"Elapsed {clock(elapsed)}   ETA {eta}")
        best = results.best()
        self.best_label.setText(
            "" if best is None else f"Best so far: {score_text(best)} (trial {best.number})"
        )

    # --- selection ----------------------------------------------------------------

    def select_trial(self, number: int | None) -> None:
        """Highlight trial `number` in the table and every panel."""
        if number == self.selected:
            return
        self.selected = number
        if self.session_path is not None and number is not None:
            QSettings().setValue(f"selection/{self.session_path}", number)
        row = None if number is None else self.table_model.row_of(number)
        proxy_index = (
            None if row is None else self.proxy.mapFromSource(self.table_model.index(row, 0))
        )
        selection = self.table.selectionModel()
        # A row already selected (one of several chosen in the table or on the scatter)
        # keeps the others selected with it.
        if proxy_index is not None and not selection.isRowSelected(proxy_index.row()):
            selection.blockSignals(True)
            selection.select(
                proxy_index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            selection.blockSignals(False)
            self.table.viewport().update()
            self.table.scrollTo(proxy_index)
        self._refresh(force=True)

    def _table_menu(self, position) -> None:
        index = self.table.indexAt(position)
        if not index.isValid():
            return
        number = index.data(TRIAL_ROLE)
        trial = self.results.trials.get(number)
        menu = QMenu(self)
        action = self._action(
            menu,
            f"Stop trial {number} (keep its epochs, mark it pruned)",
            lambda: self.prune_trial(number),
        )
        action.setEnabled(
            self.worker is not None and trial is not None and trial.status == TrialStatus.RUNNING
        )
        if self.results.test:
            self._action(
                menu, f"Evaluate trial {number} on the test split", lambda: self.evaluate(number)
            ).setEnabled(self.evaluation_thread is None)
        menu.exec(self.table.viewport().mapToGlobal(position))

    def evaluate(self, number: int | None = None) -> None:
        """Train trial `number` (default: the selected one, else the best) on every
        sample the search saw and test it on the held-out split, off the GUI thread;
        the result goes into the session and the table's Test acc column."""
        if self.session_path is None or not self.results.test:
            QMessageBox.information(
                self,
                "No test split",
                "This search keeps no test split. Set a Test fraction under Data before "
                "starting a search: its trials can then be evaluated on samples no search "
                "has seen.",
            )
            return
        if number is None:
            best = self.results.best()
            number = self.selected if self.selected is not None else best and best.number
        if number is None or self.evaluation_thread is not None:
            return
        self.evaluation_thread = QThread(self)
        worker = EvaluationWorker(self.session_path, number)
        worker.moveToThread(self.evaluation_thread)
        self.evaluation_thread.started.connect(worker.run)
        worker.finished.connect(self._on_evaluated)
        worker.failed.connect(self._on_evaluation_failed)
        self.evaluation_thread.finished.connect(worker.deleteLater)
        self._evaluation_worker = worker
        self.statusBar().showMessage(f"Evaluating trial {number} on the test split…")
        self.evaluation_thread.start()

    def _end_evaluation(self) -> None:
        self.evaluation_thread.quit()
        self.evaluation_thread.wait()
        self.evaluation_thread = self._evaluation_worker = None

    def _on_evaluated(self, result) -> None:
        self._end_evaluation()
        trial = self.results.trials.get(result.number)
        if result.status != TrialStatus.COMPLETE:
            message = (
                f"Trial {result.number} {result.status} when trained on all "
                f"{result.train_samples} search samples; no test result."
            )
        else:
            if trial is not None:
                trial.test_acc = result.test_acc
                self.table_model.refresh({result.number})
            message = (
                f"Trial {result.number}: test accuracy {result.test_acc:.3f} on "
                f"{result.test_samples} samples no search saw (trained {result.epochs} "
                f"epochs on {result.train_samples})."
            )
        self.statusBar().showMessage(message)
        self.evaluated.emit(result)

    def _on_evaluation_failed(self, message: str) -> None:
        self._end_evaluation()
        QMessageBox.warning(self, "Cannot evaluate", message)

    def select_trials(self, numbers: list[int]) -> None:
        """Select these trials' rows in the table (a rectangle brushed on the scatter):
        what "Search around the selected trials" narrows to."""
        selection = QItemSelection()
        for number in numbers:
            row = self.table_model.row_of(number)
            if row is None:
                continue
            index = self.proxy.mapFromSource(self.table_model.index(row, 0))
            if index.isValid():
                selection.select(index, index)
        self.table.selectionModel().select(
            selection,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        if numbers:
            self.statusBar().showMessage(
                f"{len(numbers)} trials selected: Search > Search around the selected trials "
                "narrows the ranges to them"
            )

    def selected_numbers(self) -> list[int]:
        return sorted(
            index.data(TRIAL_ROLE) for index in self.table.selectionModel().selectedRows()
        )

    def search_around_selection(self) -> None:
        """A child search: the setup of this one, its ranges narrowed to the span of the
        selected trials; its session will name this one as its parent."""
        chosen = [self.results.trials[n].params for n in self.selected_numbers()]
        if not chosen or self.state != IDLE:
            return
        search = replace(self.config.search, space=narrowed(self.config.search.space, chosen))
        parent = self.session_path
        self.setup.load_config(
            replace(self.config, search=search), f"{self.setup.session_name} child"
        )
        self.child_of = parent
        self.setup_dock.raise_()

    def prune_trial(self, number: int) -> None:
        """Stop one running trial by hand; the others go on."""
        if self.worker is not None:
            self.worker.prune_trial(number)

    def _table_selection_changed(self, *args) -> None:
        rows = self.table.selectionModel().selectedRows()
        number = rows[0].data(TRIAL_ROLE) if rows else None
        self.select_trial(number)

    # --- closing ------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.state != IDLE:
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
        self.timer.stop()
        QSettings().setValue("window/geometry", self.saveGeometry())
        QSettings().setValue("window/state", self.saveState())
        event.accept()

    def shutdown(self) -> None:
        """Stop a running search, wait for its thread to end, end the worker processes."""
        if self.worker is not None:
            self.worker.request_stop()
        if self.thread is not None:
            self.thread.quit()
            self.thread.wait()
        if self.evaluation_thread is not None:
            self._end_evaluation()
        self.pool.close()
        self.follow_timer.stop()
        self.follow_thread.quit()
        self.follow_thread.wait()
        self.importance_thread.quit()
        self.importance_thread.wait()
        self.importance_worker.close()
        self.browser.shutdown()
