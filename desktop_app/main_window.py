"""The Hyperdesk main window: setup on the left, live panels and the results table on the
right, a search running on a QThread."""

from __future__ import annotations

import importlib.resources
import time
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QSettings,
    QSortFilterProxyModel,
    Qt,
    QThread,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core import config as config_module
from core.config import Config, ConfigError
from core.control import RunControl
from core.paths import sessions_dir
from core.pool import TrialPool
from core.runner import TrialStart, default_workers, new_session_path
from core.session import Session
from core.space import ChoiceParam, RangeParam
from core.strategies import make_strategy
from core.trainer import EpochRecord
from desktop_app.plots import BestPanel, CurvesPanel, ScatterPanel, TopPanel
from desktop_app.results import SearchResults
from desktop_app.setup_panel import SetupPanel
from desktop_app.table_model import SORT_ROLE, TRIAL_ROLE, ResultsTableModel
from desktop_app.worker import NewSession, SearchWorker

FRAME_MS = 33  # refresh the panels at most ~30 times a second
IDLE, RUNNING, PAUSED, STOPPING = "idle", "running", "paused", "stopping"


def default_config_text() -> str:
    return (importlib.resources.files("resources.examples") / "seed.toml").read_text()


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


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


class MainWindow(QMainWindow):
    searchFinished = Signal(str)  # complete, interrupted or failed

    def __init__(self):
        super().__init__()
        self.setWindowTitle("Hyperdesk")
        self.state = IDLE
        self.thread: QThread | None = None
        self.worker: SearchWorker | None = None
        self.session_path: Path | None = None
        self.pending: list[tuple] = []
        self.changed_trials: set[int] = set()
        self.selected: int | None = None
        self.run_started = 0.0
        self.epochs_at_start = 0
        self.config = Config()
        # Worker processes start with the window, so Start begins training at once.
        self.pool = TrialPool(default_workers(), RunControl())

        self.setup = SetupPanel()
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("startButton")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setObjectName("pauseButton")
        self.pause_button.setCheckable(True)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopButton")
        self.start_button.setDefault(True)
        self._build_setup_dock()

        self.curves = CurvesPanel()
        self.top = TopPanel()
        self.scatter = ScatterPanel((), False)
        self.best_panel = BestPanel()
        self.results = SearchResults([], 0, 1)
        self.table_model = ResultsTableModel(self.results, set())
        self.proxy = QSortFilterProxyModel(self)
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
        self.setup.changed.connect(self._setup_changed)
        self.scatter.signals.trialClicked.connect(self.select_trial)
        self.setup.load_config(config_module.loads(default_config_text()), "seed")
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
        buttons = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.stop_button):
            button.setMinimumHeight(30)
            buttons.addWidget(button)
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 6)
        column.addWidget(scroll)
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
        self.table = QTableView()
        self.table.setObjectName("resultsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._table_selection_changed)
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
        top_area = Qt.DockWidgetArea.TopDockWidgetArea
        self.addDockWidget(top_area, self.curves_dock)
        self.splitDockWidget(self.curves_dock, self.scatter_dock, Qt.Orientation.Horizontal)
        self.tabifyDockWidget(self.curves_dock, self.top_dock)
        self.tabifyDockWidget(self.scatter_dock, self.best_dock)
        self.curves_dock.raise_()
        self.scatter_dock.raise_()
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
        bar = self.statusBar()
        bar.addWidget(self.progress)
        bar.addWidget(self.trials_label)
        bar.addWidget(self.time_label)
        bar.addPermanentWidget(self.best_label)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_config = QAction("Open config…", self)
        open_config.setShortcut(QKeySequence.StandardKey.Open)
        open_config.triggered.connect(self._choose_config)
        file_menu.addAction(open_config)
        file_menu.addSeparator()
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        search_menu = self.menuBar().addMenu("&Search")
        for label, slot in (("Start", self.start), ("Stop", self.stop)):
            action = QAction(label, self)
            action.triggered.connect(slot)
            search_menu.addAction(action)

    def _restore_geometry(self) -> None:
        geometry = QSettings().value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1360, 760)
        self._sized_docks = False

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

    def open_session(self, path: Path) -> None:
        """Show a saved session: its setup, table and panels. SessionError if the file
        is not a readable session (it is left untouched)."""
        with Session.open(path, writable=False) as session:
            config = config_module.loads(session.config_toml)
            planned = int(session.meta.get("planned_trials", "0") or 0)
            results = SearchResults.from_session(
                session, [p.name for p in config.search.space], planned, config.train.epochs
            )
            name = session.name
        self.setup.load_config(config, name)
        self._show_search(config, results)
        self.session_path = Path(path)

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
        self.setup.show_preview(None if problems else self.setup.config())
        self._update_buttons()

    def _update_buttons(self) -> None:
        idle = self.state == IDLE
        self.start_button.setEnabled(idle and not self.setup.problems())
        self.pause_button.setEnabled(self.state in (RUNNING, PAUSED))
        self.stop_button.setEnabled(self.state in (RUNNING, PAUSED))
        self.setup.setEnabled(idle)

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
        planned = make_strategy(config.search).planned
        self._show_search(
            config,
            SearchResults([p.name for p in config.search.space], planned, config.train.epochs),
        )
        self.session_path = new_session_path(sessions_dir(), name)
        self._start_worker(self.session_path, NewSession(name, config.to_toml(), planned))

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
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        new_scatter = ScatterPanel(config.search.space, config.search.strategy == "coarse-to-fine")
        new_scatter.signals.trialClicked.connect(self.select_trial)
        self.scatter_dock.setWidget(new_scatter.widget)
        self.scatter.widget.deleteLater()
        self.scatter = new_scatter
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

    def _on_failed(self, details: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "The search failed",
            "The search stopped with an error. Every finished epoch is saved in the session.",
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setDetailedText(details)
        box.setObjectName("failureDialog")
        box.open()

    def _on_search_ended(self, state: str) -> None:
        self._drain()
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
        self._refresh(force=True)
        self._update_buttons()
        self.searchFinished.emit(state)

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
            for panel in (self.curves, self.top, self.scatter, self.best_panel):
                panel.refresh(self.results, self.selected)
        self._update_status()

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
            eta = "--:--" if worked <= 0 else _clock(elapsed * max(planned - done, 0) / worked)
            self.time_label.setText(f"Elapsed {_clock(elapsed)}   ETA {eta}")
        best = results.best()
        self.best_label.setText(
            "" if best is None else f"Best so far: {best.final_val_acc:.3f} (trial {best.number})"
        )

    # --- selection ----------------------------------------------------------------

    def select_trial(self, number: int | None) -> None:
        """Highlight trial `number` in the table and every panel."""
        if number == self.selected:
            return
        self.selected = number
        row = None if number is None else self.table_model.row_of(number)
        if row is not None:
            proxy_index = self.proxy.mapFromSource(self.table_model.index(row, 0))
            selection = self.table.selectionModel()
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
        event.accept()

    def shutdown(self) -> None:
        """Stop a running search, wait for its thread to end, end the worker processes."""
        if self.worker is not None:
            self.worker.request_stop()
        if self.thread is not None:
            self.thread.quit()
            self.thread.wait()
        self.pool.close()
