"""Runs a search off the GUI thread. The worker lives in a QThread and talks to the
window only through signals; the window calls stop/pause/resume, which only set
thread-safe flags."""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from hyperdesk.core.config import Config, ConfigError, RunConfig
from hyperdesk.core.data.datasets import DatasetError
from hyperdesk.core.data.downloads import DownloadCancelled, fetch
from hyperdesk.core.execution.dask_pool import ConnectInterrupted, DaskError
from hyperdesk.core.execution.launch import check_data
from hyperdesk.core.execution.pool import TrialPool
from hyperdesk.core.execution.retraining import RetrainingCancelled, RetrainingWatch
from hyperdesk.core.execution.runner import SearchRunner
from hyperdesk.core.execution.user_code import EntryError, check_code, check_code_unchanged
from hyperdesk.core.storage.session import Session, SessionError, delete_if_empty
from hyperdesk.core.trials import SearchState


@dataclass(frozen=True)
class NewSession:
    name: str
    config: Config
    planned: int
    parent: str = ""


class SearchWorker(QObject):
    trialStarted = Signal(object)  # TrialStart
    epochRecorded = Signal(int, object)  # trial number, EpochRecord
    trialFinished = Signal(int, object)  # trial number, TrialStatus
    # A training function's trial, before it is said finished: (error, info, final_extra).
    trialExplained = Signal(int, object)
    trialInfo = Signal(int, object)  # what a function's trial.info(...) said, as it said it
    statesKept = Signal(object)  # frozenset of the trials whose weights the session keeps
    failed = Signal(str, str)  # what went wrong, in a sentence; the traceback
    dataFailed = Signal(str)  # the session's data is missing or not the data it began with
    refused = Signal(str)  # a new search cannot start (data, cluster): no session was made
    searchEnded = Signal(object)  # SearchState: complete, interrupted or failed

    def __init__(
        self,
        session_path: Path,
        pool: TrialPool,
        new_session: NewSession | None = None,
        take_over: bool = False,
        executor: RunConfig | None = None,
    ):
        """Run the session at `session_path` (creating it first from `new_session`) on the
        worker processes of `pool`, which the window keeps between searches, or on the
        Dask cluster `executor` names (default: where the session says it runs)."""
        super().__init__()
        self.session_path = session_path
        self.pool = pool
        self.new_session = new_session
        self.take_over = take_over  # claim it from a search on another host
        self.executor = executor
        self.control = pool.control
        self.control.reset()
        self.runner: SearchRunner | None = None

    @Slot()
    def run(self) -> None:
        state = SearchState.FAILED
        try:
            # The file is made and opened here: its I/O stays off the GUI thread, and the
            # SQLite connection belongs to the thread that uses it.
            if self.new_session is not None:
                new = self.new_session
                try:
                    if new.config.own_code:
                        check_code(new.config.code)
                    else:
                        check_data(new.config.data)
                except DatasetError as error:  # nothing to resume or locate: no file made
                    self.refused.emit(f"The data cannot be used: {error}.")
                    return
                except EntryError as error:
                    self.refused.emit(f"Your training code cannot be run: {error}.")
                    return
                session = Session.create(
                    self.session_path, new.name, new.config.to_toml(), new.planned, new.parent
                )
            else:
                session = Session.open(self.session_path)
                config = session.config
                if config.own_code:  # the code it began with, or it does not go on
                    try:
                        check_code_unchanged(config.code, session.code_digest, False)
                    except EntryError as error:
                        session.close()
                        self.failed.emit(f"Your training code cannot go on: {error}.", "")
                        return
            with session:
                own_code = session.config.own_code  # read once, not at every trial's end

                def trial_finished(number: int, status) -> None:
                    if own_code and (row := session.trial(number)):
                        self.trialExplained.emit(number, (row.error, row.info, row.final_extra))
                    self.trialFinished.emit(number, status)
                    self.statesKept.emit(frozenset(session.kept_states()))

                executor = self.executor or session.config.run
                self.runner = runner = SearchRunner(
                    session,
                    self.control,
                    on_trial_start=self.trialStarted.emit,
                    on_epoch=self.epochRecorded.emit,
                    on_trial_end=trial_finished,
                    # A Dask search connects to its cluster for the run.
                    pool=self.pool if executor.executor == "local" else None,
                    executor=executor,
                )
                runner.on_trial_info = self.trialInfo.emit
                state = runner.run(self.take_over).state
        except SessionError as error:  # busy elsewhere, unreadable: the message says it
            self.failed.emit(str(error), traceback.format_exc())
        except DaskError as error:
            # The cluster could not be used (or Stop came while connecting) before a
            # trial began: the new session, empty, is not left behind.
            if self.new_session is not None and delete_if_empty(self.session_path):
                self.refused.emit(
                    "Stopped while connecting to the Dask cluster."
                    if isinstance(error, ConnectInterrupted)
                    else f"The Dask cluster cannot be used: {error}."
                )
            else:
                self.failed.emit(str(error), traceback.format_exc())
        except DatasetError as error:  # moved or changed: the window offers to locate it
            self.dataFailed.emit(str(error))
        except Exception as error:  # every failure reaches the person, with its details
            self.failed.emit(
                f"The search stopped with an error ({type(error).__name__}: {error}). "
                "Every finished epoch is saved in the session.",
                traceback.format_exc(),
            )
        finally:
            self.searchEnded.emit(state)

    def prune_trial(self, number: int) -> None:
        """End one running trial early (marked pruned); called from the GUI thread."""
        if self.runner is not None:
            self.runner.prune(number)

    def request_stop(self) -> None:
        self.control.stop()

    def pause(self) -> None:
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()


class BackgroundJob(QObject):
    """Runs `function(*args)` off the GUI thread (a trial trained once more on all the
    data: its final test, its final model, or longer); a problem a person can act on
    comes back as a sentence. `watched`: the function takes a RetrainingWatch as
    `watch`, whose epochs come as `progressed` and which cancel() stops."""

    finished = Signal(object)  # what the function returned
    failed = Signal(str)  # what went wrong, in a sentence
    cancelled = Signal()  # stopped by cancel(): nothing was stored or saved
    progressed = Signal(int, int)  # epochs done, epochs in all

    def __init__(self, function, *args, watched: bool = False):
        super().__init__()
        self.function, self.args = function, args
        # Its report is a signal: queued to the GUI thread, whatever thread trains.
        self.watch = RetrainingWatch(report=self.progressed.emit) if watched else None

    def cancel(self) -> None:
        """Called from the GUI thread: the training stops at its next step."""
        if self.watch is not None:
            self.watch.cancel()

    @Slot()
    def run(self) -> None:
        kwargs = {} if self.watch is None else {"watch": self.watch}
        try:
            result = self.function(*self.args, **kwargs)
        except RetrainingCancelled:
            self.cancelled.emit()
        except (ConfigError, SessionError, DatasetError, OSError) as error:
            self.failed.emit(str(error))
        except Exception:
            self.failed.emit(traceback.format_exc())
        else:
            self.finished.emit(result)


class DownloadWorker(QObject):
    """Downloads a dataset (core.data.downloads) off the GUI thread; cancel() stops it
    at its next chunk, and nothing half-written is kept."""

    progress = Signal(str, int, int)  # file, bytes done, bytes in all
    finished = Signal(str)  # "" when done, "cancelled", or what went wrong

    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self.cancelled = threading.Event()

    def cancel(self) -> None:
        self.cancelled.set()

    def _report(self, file: str, done: int, total: int) -> None:
        if self.cancelled.is_set():
            raise DownloadCancelled
        self.progress.emit(file, done, total)

    @Slot()
    def run(self) -> None:
        try:
            fetch(self.name, self._report)
        except DownloadCancelled:
            self.finished.emit("cancelled")
        except DatasetError as error:
            self.finished.emit(str(error))
        else:
            self.finished.emit("")
