"""What runs: the worker processes, the search's QThread and the evaluation's, and the
run state. The window's buttons and menus call it; it feeds the SearchModel and never
touches a widget."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace
from enum import Enum
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QThread, Signal

from hyperdesk.core.config import Config, RunConfig
from hyperdesk.core.execution.calibration import measure_gflops
from hyperdesk.core.execution.control import RunControl
from hyperdesk.core.execution.dask_pool import insecure_warning
from hyperdesk.core.execution.evaluation import evaluate_on_test
from hyperdesk.core.execution.final_model import save_final_model
from hyperdesk.core.execution.launch import prepare_search
from hyperdesk.core.execution.longer import train_longer
from hyperdesk.core.execution.memory import check_memory
from hyperdesk.core.execution.pool import TrialPool
from hyperdesk.core.execution.runner import default_workers
from hyperdesk.core.formatting import clock
from hyperdesk.core.search.registry import planned_trials
from hyperdesk.core.storage.session import Session, SessionError
from hyperdesk.core.trials import SearchState, TrialStatus
from hyperdesk.desktop_app.run.helper import HelperProcess
from hyperdesk.desktop_app.run.results import SearchResults
from hyperdesk.desktop_app.run.search_model import SearchModel, SessionState
from hyperdesk.desktop_app.run.threads import BackgroundJob, NewSession, SearchWorker

# The speed searches ran at here (GFLOP/s), and the one measured by a timed step before
# any search ran: the time estimates go by the first, else by the second.
MEASURED_SPEED = "engine/gflops"
CALIBRATED_SPEED = "engine/gflops_calibrated"


class RunState(str, Enum):
    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPING = "stopping"  # asked to stop; ends after the current step


class SearchController(QObject):
    stateChanged = Signal()
    searchEnded = Signal(object)  # SearchState: complete, interrupted or failed
    failed = Signal(str, str)  # what went wrong, in a sentence; the traceback
    dataFailed = Signal(str)  # the session's data is missing or other data
    refused = Signal(str)  # a new search cannot start (data, cluster): no session was made
    evaluationStarted = Signal(int)  # trial number
    evaluated = Signal(object)  # core.execution.evaluation.TestResult
    evaluationFailed = Signal(str)
    modelStarted = Signal(int)  # trial number
    modelSaved = Signal(object)  # core.execution.final_model.FinalModel, saved at model_path
    modelFailed = Signal(str)
    longerStarted = Signal(int, int)  # trial number, epochs to add
    trainedLonger = Signal(int, object)  # trial number, its new EpochRecords
    longerFailed = Signal(str)
    speedMeasured = Signal()  # a first speed figure is in: estimates can show a time
    jobProgressed = Signal(int, int)  # a test's or a model's training: epochs done, in all
    jobCancelled = Signal(str)  # what was cancelled ("the test of trial 3")

    def __init__(self, model: SearchModel, parent: QObject | None = None):
        super().__init__(parent)
        self.model = model
        self.state = RunState.IDLE
        self.thread: QThread | None = None
        self.worker: SearchWorker | None = None
        # One trial trained again on all the data at a time: its test, or its final model.
        self.job_thread: QThread | None = None
        self._job: BackgroundJob | None = None
        self.job_name = ""  # what the job a person can cancel makes ("" for none)
        self.job_started = 0.0
        self.model_path: Path | None = None
        self.run_started = 0.0
        self.epochs_at_start = 0
        self.paused_seconds = 0.0  # of this run, not counting a pause still going on
        self.paused_at: float | None = None
        self._made_no_session = False  # the last Start was refused before a file was made
        # The session the last run here trained, and for how long (paused time not
        # counted): the status bar says it while that session is shown.
        self.last_run: tuple[Path | None, float] = (None, 0.0)
        # Worker processes start with the window, so Start begins training at once.
        workers = int(QSettings().value("engine/workers", default_workers()))
        self.pool = TrialPool(workers, RunControl())
        # Where the next run trains (the setup's Where it runs): a new search's, and a
        # resumed session's, which may go on elsewhere than it began.
        self.executor = RunConfig()

    @property
    def idle(self) -> bool:
        return self.state == RunState.IDLE

    @property
    def active(self) -> bool:
        """Running or paused: what Pause and Stop act on."""
        return self.state in (RunState.RUNNING, RunState.PAUSED)

    def _set_state(self, state: RunState) -> None:
        self.state = state
        self.stateChanged.emit()

    # --- starting ----------------------------------------------------------------------

    def start(self, config: Config, name: str, parent: Path | None = None) -> None:
        """A new search in a new session file. ConfigError when it cannot start (it would
        not fit in memory); OSError, with a message for the person, when the sessions
        folder cannot be written. Nothing is made then."""
        if not self.idle:
            return
        search = prepare_search(config, name, len(self.pool.workers))
        results = SearchResults.for_config(search.config, search.planned)
        self.model.show_search(search.config, results)
        self.model.set_session(search.path, SessionState.NONE, name)
        parent_text = "" if parent is None else str(parent)
        new = NewSession(name, search.config, search.planned, parent_text)
        self._run(search.path, new)

    def resume(self, take_over: bool = False) -> None:
        """Finish the shown session's search, which was interrupted. `take_over`: claim
        it from a search another host is said to run in it."""
        if self.idle and self.model.session_path is not None:
            self.model.set_session(self.model.session_path, SessionState.NONE)
            self._run(self.model.session_path, take_over=take_over)

    def extend(self, added: int) -> Config:
        """Add trials (random) or rounds (coarse-to-fine) to the shown session's search;
        the caller reopens it and resumes. SessionError or sqlite3.Error on failure."""
        search = self.model.config.search
        key = "rounds" if search.strategy == "coarse-to-fine" else "trials"
        search = replace(search, **{key: getattr(search, key) + added})
        config = replace(self.model.config, search=search)
        try:
            with Session.open(self.model.session_path) as session:
                session.extend(config.to_toml(), planned_trials(search))
        except sqlite3.Error as error:
            raise SessionError(str(error)) from error
        return config

    def _run(
        self, path: Path, new_session: NewSession | None = None, take_over: bool = False
    ) -> None:
        self.thread = QThread(self)
        self.worker = SearchWorker(path, self.pool, new_session, take_over, self.executor)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        # Straight into the model, queued onto the GUI thread: stored once, drawn per frame.
        self.worker.trialStarted.connect(self.model.trial_started)
        self.worker.epochRecorded.connect(self.model.epoch_recorded)
        self.worker.trialExplained.connect(self.model.trial_explained)
        self.worker.trialInfo.connect(self.model.trial_info)
        self.worker.trialFinished.connect(self.model.trial_finished)
        self.worker.statesKept.connect(self.model.states_kept)
        self.worker.failed.connect(self.failed)
        self.worker.dataFailed.connect(self.dataFailed)
        self.worker.refused.connect(self._refused)
        self.worker.searchEnded.connect(self._ended)
        self.thread.finished.connect(self.worker.deleteLater)
        self.run_started = time.monotonic()
        self.epochs_at_start = self.model.results.epochs_done
        self.paused_seconds, self.paused_at = 0.0, None
        self._made_no_session = False
        self._set_state(RunState.RUNNING)
        self.thread.start()

    def _refused(self, message: str) -> None:
        self._made_no_session = True
        self.refused.emit(message)

    def running_seconds(self) -> float:
        """How long this run has been training: time paused does not count."""
        now = time.monotonic()
        paused = self.paused_seconds + (0.0 if self.paused_at is None else now - self.paused_at)
        return now - self.run_started - paused

    def _ended(self, state: SearchState) -> None:
        self.model.search_ended()
        if self.paused_at is not None:  # stopped while paused
            self.set_paused(False)
        self._remember_speed()
        ran = None if self._made_no_session else self.model.session_path
        self.last_run = (ran, self.running_seconds())
        if self.thread is not None:
            # run() has returned: the thread's event loop ends as soon as it is asked.
            self.thread.quit()
            self.thread.wait()
            self.thread.deleteLater()
        self.thread, self.worker = None, None
        session_state = (
            SessionState.COMPLETE if state == SearchState.COMPLETE else SessionState.INTERRUPTED
        )
        if state == SearchState.COMPLETE:  # as the session file now says (Session.end_run)
            self.model.results.planned = len(self.model.results.trials)
        if self._made_no_session:  # the setup is shown again, as it was before Start
            self.model.set_session(None, SessionState.NONE)
        else:
            self.model.set_session(self.model.session_path, session_state)
        self._set_state(RunState.IDLE)
        self.searchEnded.emit(state)

    def _remember_speed(self) -> None:
        """The GFLOP/s this search ran at, for the next search's time estimate. A run that
        was paused is not a measure: its workers may have waited inside an epoch."""
        seconds = self.running_seconds()
        epochs = self.model.results.epochs_done - self.epochs_at_start
        if epochs < 20 or seconds <= 0 or self.paused_seconds > 0:
            return
        flops = self.model.config.training_flops(epochs)
        QSettings().setValue(MEASURED_SPEED, flops / seconds / 1e9)

    def measure_speed(self, helper: HelperProcess) -> None:
        """With no speed known here, time a small training step in a helper process, so
        the first search's estimate has a time too; speedMeasured tells when it is in."""
        if _setting_float(MEASURED_SPEED) or _setting_float(CALIBRATED_SPEED):
            return
        helper.request(
            measure_gflops,
            len(self.pool.workers),
            then=self._speed_measured,
            # Without a figure the estimate shows the search's size and no time, as the
            # setup says; the first search run then measures one.
            failed=lambda reason: None,
        )

    def _speed_measured(self, gflops: float) -> None:
        QSettings().setValue(CALIBRATED_SPEED, float(gflops))
        self.speedMeasured.emit()

    def cost_text(self, config: Config) -> str:
        """The search's size, its memory, and how long it should take at the speed this
        machine showed in its last search (on a Dask cluster: where). ConfigError when it
        cannot fit in memory here."""
        trials = planned_trials(config.search)
        if config.own_code:  # its time and memory are the function's own
            file, _, function = config.code.entry.rpartition(":")
            return f"{trials:,} trials of {function}() in {Path(file).name or file}"
        on_dask = config.run.executor == "dask"
        memory = "" if on_dask else check_memory(config, len(self.pool.workers)).text()
        epochs_per_trial = config.expected_epochs()
        epochs = round(trials * epochs_per_trial)
        flops = trials * config.training_flops(epochs_per_trial)
        measured = _setting_float(MEASURED_SPEED)
        rate = measured or _setting_float(CALIBRATED_SPEED)
        first = "" if measured else " (a first estimate)"
        eta = ""
        if rate > 0 and not on_dask:  # a cluster's speed is not this machine's
            seconds = flops / 1e9 / rate
            # "about 0:00" read as a broken estimate; seconds are not worth a figure.
            took = f"about {clock(seconds)}" if seconds >= 60 else "under a minute"
            if config.search.early_stopping.rule != "none" and seconds >= 60:
                took = f"at most {clock(seconds)}"  # every trial trained to its last epoch
            eta = f", {took} here{first}"
        counted = f"{trials:,} trial{'s' * (trials != 1)}"
        search = config.search
        if search.strategy == "coarse-to-fine":
            per_round = trials // search.rounds
            what = "points" if search.sampler == "grid" else "trials"
            counted = f"{search.rounds} rounds x {per_round:,} {what} = {counted}"
        if config.runs > 1:  # every trial trains once per fold and repeat
            size = f"{counted} x {config.runs} runs, {epochs * config.runs:,} epochs"
        else:
            size = f"{counted}, {epochs:,} epochs"
        if on_dask:
            where = f"{size}, on the Dask cluster at {config.run.address or '?'}"
            warning = insecure_warning(config.run)
            return f"{where}. Warning: {warning}" if warning else where
        return f"{size}{eta}; memory {memory}"

    # --- while it runs -----------------------------------------------------------------

    def set_paused(self, paused: bool) -> None:
        if self.worker is None or paused == (self.paused_at is not None):
            return
        if paused and self.state != RunState.RUNNING:
            return
        if paused:
            self.worker.pause()
            self.paused_at = time.monotonic()
            self._set_state(RunState.PAUSED)
        else:
            self.worker.resume()
            self.paused_seconds += time.monotonic() - self.paused_at
            self.paused_at = None
            if self.state == RunState.PAUSED:
                self._set_state(RunState.RUNNING)
        self.model.set_paused(paused)

    def stop(self) -> None:
        """End the search after the current step; finished epochs stay saved."""
        if self.worker is None or not self.active:
            return
        self.worker.request_stop()
        self._set_state(RunState.STOPPING)

    def can_prune(self, number: int) -> bool:
        trial = self.model.results.trials.get(number)
        return self.worker is not None and trial is not None and trial.status == TrialStatus.RUNNING

    def prune(self, number: int) -> None:
        """Stop one running trial by hand (marked pruned); the others go on."""
        if self.worker is not None:
            self.worker.prune_trial(number)

    def set_workers(self, workers: int) -> None:
        """A new pool of that size (only while idle)."""
        QSettings().setValue("engine/workers", workers)
        self.pool.close()
        self.pool = TrialPool(workers, RunControl())

    # --- a trial trained again on all the data: its final test, its final model ------

    @property
    def evaluating(self) -> bool:
        """Whether a trial is being trained on all the data (tested, or made a model)."""
        return self.job_thread is not None

    def evaluate(self, number: int) -> None:
        """Train trial `number` on every sample its search saw and test it on the
        held-out split, off the GUI thread; the result is stored in the session."""
        if self._start_job(
            evaluate_on_test,
            (number,),
            self._evaluated,
            self.evaluationFailed.emit,
            cancellable=f"the test of trial {number}",
        ):
            self.evaluationStarted.emit(number)

    def save_model(self, number: int, path: Path) -> None:
        """Train trial `number` on every sample its search saw, off the GUI thread, and
        save it as a model file at `path`."""
        self.model_path = path
        if self._start_job(
            save_final_model,
            (number, path),
            self.modelSaved.emit,
            self.modelFailed.emit,
            cancellable=f"trial {number}'s model",
        ):
            self.modelStarted.emit(number)

    def train_longer(self, number: int, epochs: int, retrain: bool = False) -> None:
        """Train finished trial `number` for `epochs` more from its kept state (or, with
        `retrain`, again from the start), off the GUI thread; each new epoch is saved."""
        if self._start_job(
            train_longer,
            (number, epochs, None, retrain),
            lambda records: self.trainedLonger.emit(number, records),
            self.longerFailed.emit,
        ):
            self.longerStarted.emit(number, epochs)

    def _start_job(self, function, args, done, failed, cancellable: str = "") -> bool:
        """Run `function(session, *args)` on the job thread; `cancellable` names what it
        makes, for a job a person can follow and cancel ("" for one they cannot)."""
        if self.evaluating or self.model.session_path is None:
            return False
        self.job_thread = QThread(self)
        job = BackgroundJob(function, self.model.session_path, *args, watched=bool(cancellable))
        job.moveToThread(self.job_thread)
        self.job_thread.started.connect(job.run)
        # Bound methods of this object: queued to the GUI thread (a lambda would run in
        # the job's thread, and wait there for that thread to end).
        job.finished.connect(self._job_finished)
        job.failed.connect(self._job_failed)
        job.cancelled.connect(self._job_cancelled)
        job.progressed.connect(self.jobProgressed)
        self.job_thread.finished.connect(job.deleteLater)
        self._job, self._job_ends, self.job_name = job, (done, failed), cancellable
        self.job_started = time.monotonic()
        self.job_thread.start()
        return True

    @property
    def job_cancellable(self) -> bool:
        return self._job is not None and bool(self.job_name)

    def cancel_job(self) -> None:
        """Stop the test or model being trained; nothing of it is stored or saved."""
        if self.job_cancellable:
            self._job.cancel()

    def _job_cancelled(self) -> None:
        name = self.job_name
        self._end_job()
        self.jobCancelled.emit(name)

    def _job_finished(self, result) -> None:
        done, _ = self._job_ends
        self._end_job()
        done(result)

    def _job_failed(self, message: str) -> None:
        _, failed = self._job_ends
        self._end_job()
        failed(message)

    def _end_job(self) -> None:
        self.job_thread.quit()
        self.job_thread.wait()
        self.job_thread = self._job = None
        self.job_name = ""

    def _evaluated(self, result) -> None:
        if result.status == TrialStatus.COMPLETE:
            self.model.test_recorded(result.number, result.test_acc)
        self.evaluated.emit(result)

    # --- closing -----------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop a running search, wait for its threads, end the worker processes."""
        if self.worker is not None:
            self.worker.request_stop()
        if self.thread is not None:
            self.thread.quit()
            self.thread.wait()
        if self.evaluating:
            self.cancel_job()  # a test or a model: not waited for to its last epoch
            self._end_job()
        self.pool.close()


def _setting_float(key: str) -> float:
    try:
        return float(QSettings().value(key, 0.0))
    except (TypeError, ValueError):  # a settings file edited by hand
        return 0.0
