"""Following a session another process runs: read what it added, once a second, on a
thread of its own, and feed it to the SearchModel as a run here would."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from hyperdesk.core.storage.session import Session, SessionError
from hyperdesk.core.trials import SearchState
from hyperdesk.desktop_app.run.search_model import SearchModel, SessionState

FOLLOW_MS = 1000  # how often a session run elsewhere is read again


class SessionReader(QObject):
    """Lives on the follower's thread: reads what another process added to a session."""

    # path, trials, epochs, rowid, state, the trials whose weights it keeps
    read = Signal(object, object, object, int, object, object)

    @Slot(object, int)
    def poll(self, path: Path, rowid: int) -> None:
        try:
            with Session.open(path, writable=False) as session:
                # State, then trials, then epochs: when the state says the search ended,
                # what is read after it is everything it wrote, and every epoch read
                # belongs to a trial already read.
                state = session.status()
                trials = session.trials()
                epochs, newest = session.epochs_since(rowid)
                kept = frozenset(session.kept_states())
                self.read.emit(path, trials, epochs, newest, state, kept)
        except (SessionError, sqlite3.Error):
            return  # gone or mid-write: the next poll tries again


class SessionFollower(QObject):
    """Follows the model's session while the model says another process runs it."""

    _poll = Signal(object, int)

    def __init__(self, model: SearchModel, parent: QObject | None = None):
        super().__init__(parent)
        self.model = model
        self.last_rowid = 0
        self.reader = SessionReader()
        self.thread = QThread(self)
        self.reader.moveToThread(self.thread)
        self._poll.connect(self.reader.poll)
        self.reader.read.connect(self._read)
        self.thread.start()
        self.timer = QTimer(self)
        self.timer.setInterval(FOLLOW_MS)
        self.timer.timeout.connect(self._request)
        model.sessionChanged.connect(self._session_changed)

    def follow_from(self, rowid: int) -> None:
        """The epochs already shown end at `rowid`; read what comes after."""
        self.last_rowid = rowid

    def _session_changed(self) -> None:
        if self.model.session_state == SessionState.FOLLOWING:
            self.timer.start()
        else:
            self.timer.stop()

    def _request(self) -> None:
        if self.model.session_path is not None:
            self._poll.emit(self.model.session_path, self.last_rowid)

    def _read(self, path: Path, trials, epochs, rowid: int, state: SearchState, kept) -> None:
        if path != self.model.session_path or self.model.session_state != SessionState.FOLLOWING:
            return
        self.last_rowid = rowid
        self.model.rows_read(trials, epochs)
        self.model.states_kept(kept)
        if state != SearchState.RUNNING:
            self.model.set_session(path, SessionState.of(state))

    def shutdown(self) -> None:
        self.timer.stop()
        self.thread.quit()
        self.thread.wait()
