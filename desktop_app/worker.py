"""Runs a search off the GUI thread. The worker lives in a QThread and talks to the
window only through signals; the window calls stop/pause/resume, which only set
thread-safe flags."""

from __future__ import annotations

import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from core.runner import RunControl, SearchRunner
from core.session import Session


class SearchWorker(QObject):
    trialStarted = Signal(object)  # TrialStart
    epochRecorded = Signal(int, object)  # trial number, EpochRecord
    trialFinished = Signal(int, str)  # trial number, status
    failed = Signal(str)  # a traceback
    searchEnded = Signal(str)  # complete, interrupted or failed

    def __init__(self, session_path: Path):
        super().__init__()
        self.session_path = session_path
        self.control = RunControl()

    @Slot()
    def run(self) -> None:
        state = "failed"
        try:
            # The SQLite connection is made here so it belongs to the worker's thread.
            with Session.open(self.session_path) as session:
                runner = SearchRunner(
                    session,
                    self.control,
                    on_trial_start=self.trialStarted.emit,
                    on_epoch=self.epochRecorded.emit,
                    on_trial_end=self.trialFinished.emit,
                )
                state = runner.run().state
        except Exception:  # every failure reaches the person, with its details
            self.failed.emit(traceback.format_exc())
        finally:
            self.searchEnded.emit(state)

    def request_stop(self) -> None:
        self.control.stop()

    def pause(self) -> None:
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()
