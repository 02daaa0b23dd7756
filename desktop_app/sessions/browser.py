"""The session browser: every session in the data directory, with what a person does to
them (open, rename, duplicate, delete, show in the file manager). Reading the files
happens on a background thread; the list only draws."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QFileSystemWatcher,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QThread,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hyperdesk.core.paths import SESSION_SUFFIX
from hyperdesk.core.storage.session import SessionError, SessionSummary, summarize
from hyperdesk.desktop_app.table.model import ROOT, SORT_ROLE, STATUS_COLOURS

REFRESH_MS = 3000  # a search run from the command line shows its progress this often
SETTLE_MS = 500
OPEN_BACKGROUND = QColor("#dce8fa")  # the session the window shows


class SessionScanner(QObject):
    """Lives on a background thread: reads the summary of every session file."""

    listed = Signal(object, object)  # folder, list of SessionSummary or (path, error)

    @Slot(object)
    def scan(self, folder: Path) -> None:
        found: list[Any] = []
        if folder.is_dir():
            for path in sorted(folder.glob(f"*{SESSION_SUFFIX}")):
                try:
                    found.append(summarize(path))
                except SessionError as error:
                    found.append((path, str(error)))
        # Newest first: what a person most often reopens is what they just ran.
        found.sort(key=lambda entry: getattr(entry, "created_at", ""), reverse=True)
        self.listed.emit(folder, found)


def _short_time(iso: str) -> str:
    """27 Nov 03:52, in local time: enough to tell sessions apart in a narrow list."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%d %b %H:%M")
    except ValueError:
        return iso


class SessionListModel(QAbstractTableModel):
    HEADERS = ("Name", "Created", "Strategy", "Trials", "Best", "Status", "Note")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.entries: list[Any] = []
        self._created: list[str] = []
        self.open_path: Path | None = None  # the session the window shows
        self.open_font = QFont()
        self.open_font.setBold(True)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def path_at(self, row: int) -> Path:
        entry = self.entries[row]
        return entry.path if isinstance(entry, SessionSummary) else entry[0]

    def row_of(self, path: Path) -> int | None:
        for row in range(len(self.entries)):
            if self.path_at(row) == path:
                return row
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        entry = self.entries[index.row()]
        column = index.column()
        if not isinstance(entry, SessionSummary):
            path, error = entry
            if role == Qt.ItemDataRole.DisplayRole:
                return (path.name, "", "", "", "", "unreadable", "")[column]
            if role == Qt.ItemDataRole.ToolTipRole:
                return error
            return None
        values = (
            f"↳ {entry.name}" if entry.parent else entry.name,
            self._created[index.row()],
            entry.strategy,
            f"{entry.done} / {entry.planned}",
            "" if entry.best_score is None else entry.metric.text(entry.best_score),
            entry.status,
            entry.note.split("\n", 1)[0],  # its first line; the tooltip has it all
        )
        if role == Qt.ItemDataRole.DisplayRole:
            return values[column]
        if role == SORT_ROLE:
            raw = (
                entry.name.lower(),
                entry.created_at,
                entry.strategy,
                entry.done,
                entry.metric.oriented(entry.best_score) if entry.best_score is not None else -1e300,
                entry.status,
                entry.note.lower(),
            )
            return raw[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            lineage = f"\nnarrowed from {Path(entry.parent).name}" if entry.parent else ""
            shown = "\nopen in the window" if entry.path == self.open_path else ""
            note = f"\n\n{entry.note}" if entry.note else ""
            return f"{entry.path}{lineage}{shown}{note}"
        if role == Qt.ItemDataRole.ForegroundRole and column == 5:
            return STATUS_COLOURS.get(entry.status)
        if entry.path == self.open_path:
            if role == Qt.ItemDataRole.FontRole:
                return self.open_font
            if role == Qt.ItemDataRole.BackgroundRole:
                return OPEN_BACKGROUND
        return None

    def set_open(self, path: Path | None) -> None:
        """Mark the session the window shows."""
        if path != self.open_path:
            self.open_path = path
            if self.entries:
                self.dataChanged.emit(
                    self.index(0, 0), self.index(len(self.entries) - 1, len(self.HEADERS) - 1)
                )

    def names(self) -> list[str]:
        return [entry.name for entry in self.entries if isinstance(entry, SessionSummary)]

    def show_entries(self, entries: list[Any]) -> None:
        """Show a new listing; an unchanged one leaves the view alone."""
        if entries == self.entries:
            return
        self.beginResetModel()
        self.entries = entries
        self._created = [
            _short_time(entry.created_at) if isinstance(entry, SessionSummary) else ""
            for entry in entries
        ]
        self.endResetModel()


class SessionBrowser(QWidget):
    """The list and its buttons. The window connects the requests to what they do."""

    openRequested = Signal(object)  # Path
    renameRequested = Signal(object)
    duplicateRequested = Signal(object)
    deleteRequested = Signal(object)
    revealRequested = Signal(object)
    noteRequested = Signal(object)
    compareRequested = Signal(object)  # the selected sessions' paths, a list
    warmStartRequested = Signal(object)
    scanRequested = Signal(object)  # folder, to the scanner's thread
    scanned = Signal(object)  # what the scan found: SessionSummary or (path, error), newest first

    def __init__(self, folder: Path):
        super().__init__()
        self.setObjectName("sessionBrowser")
        self.folder = folder
        self.model = SessionListModel(self)
        self.view = QTableView()
        self.view.setObjectName("sessionsTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows (Ctrl, Shift) to compare them; the other buttons act on one.
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.setWordWrap(False)  # a long note is cut to one line; its tooltip has it
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.doubleClicked.connect(lambda index: self._request(self.openRequested))
        self.search = QLineEdit()
        self.search.setObjectName("sessionSearch")
        self.search.setPlaceholderText("Search names and notes")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        # Two rows of four: eight buttons in one row were cut short in a narrow dock.
        buttons = QGridLayout()
        self.buttons = {}
        for index, (label, name, signal, tip) in enumerate(
            (
                ("Open", "openSessionButton", self.openRequested, ""),
                ("Rename…", "renameSessionButton", self.renameRequested, ""),
                ("Duplicate", "duplicateSessionButton", self.duplicateRequested, ""),
                ("Delete…", "deleteSessionButton", self.deleteRequested, ""),
                ("Show file", "revealSessionButton", self.revealRequested, ""),
                ("Note…", "noteSessionButton", self.noteRequested, "Write a note on it"),
                (
                    "Warm start",
                    "warmStartSessionButton",
                    self.warmStartRequested,
                    "A new TPE search of the same setup that begins knowing its trials",
                ),
            )
        ):
            button = QPushButton(label)
            button.setObjectName(name)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, s=signal: self._request(s))
            buttons.addWidget(button, index // 4, index % 4)
            self.buttons[name] = button
        self.compare_button = QPushButton("Compare")
        self.compare_button.setObjectName("compareSessionsButton")
        self.compare_button.setToolTip("Select two sessions or more (Ctrl-click) to compare them")
        self.compare_button.clicked.connect(
            lambda: self.compareRequested.emit(self.selected_paths())
        )
        buttons.addWidget(self.compare_button, 1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.view)
        layout.addLayout(buttons)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self._update_buttons()

        self.thread = QThread(self)
        self.scanner = SessionScanner()
        self.scanner.moveToThread(self.thread)
        self.scanRequested.connect(self.scanner.scan)
        self.scanner.listed.connect(self._listed)
        self.thread.start()
        # A running search changes the folder all the time (SQLite's write-ahead log):
        # changes start a short countdown rather than a rescan each.
        self.settle = QTimer(self)
        self.settle.setSingleShot(True)
        self.settle.setInterval(SETTLE_MS)
        self.settle.timeout.connect(self.refresh)
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(lambda _: self.settle.start())
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        if self.folder.is_dir() and str(self.folder) not in self.watcher.directories():
            self.watcher.addPath(str(self.folder))
        self.scanRequested.emit(self.folder)

    def _listed(self, folder: Path, entries: list[Any]) -> None:
        if folder != self.folder:
            return
        selected = self.selected_path()
        self.model.show_entries(entries)
        self._filter()
        row = None if selected is None else self.model.row_of(selected)
        if row is not None:
            self.view.selectRow(row)
        self._update_buttons()
        self.scanned.emit(entries)

    def _filter(self) -> None:
        """Show only the sessions whose name or notes hold every word searched for (an
        unreadable file shows only while nothing is searched)."""
        words = self.search.text()
        for row, entry in enumerate(self.model.entries):
            shown = entry.matches(words) if isinstance(entry, SessionSummary) else not words.strip()
            self.view.setRowHidden(row, not shown)

    def selected_paths(self) -> list[Path]:
        rows = sorted(index.row() for index in self.view.selectionModel().selectedRows())
        return [self.model.path_at(row) for row in rows]

    def selected_path(self) -> Path | None:
        """The one session selected (None for none, or for several)."""
        paths = self.selected_paths()
        return paths[0] if len(paths) == 1 else None

    def select(self, path: Path) -> None:
        row = self.model.row_of(path)
        if row is not None:
            self.view.selectRow(row)

    def _request(self, signal: Signal) -> None:
        path = self.selected_path()
        if path is not None:
            signal.emit(path)

    def _update_buttons(self, *args) -> None:
        chosen = self.selected_path() is not None
        for button in self.buttons.values():
            button.setEnabled(chosen)
        self.compare_button.setEnabled(len(self.selected_paths()) >= 2)

    def shutdown(self) -> None:
        self.timer.stop()
        self.settle.stop()
        self.thread.quit()
        self.thread.wait()
