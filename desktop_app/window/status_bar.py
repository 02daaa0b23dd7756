"""The status bar: epochs done against planned, trials, elapsed time and ETA, the best
trial so far and the session's state."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar

from hyperdesk.core.formatting import clock
from hyperdesk.core.trials import TrialStatus
from hyperdesk.desktop_app.run.controller import RunState, SearchController
from hyperdesk.desktop_app.run.search_model import SearchModel, SessionState

TICK_MS = 500  # the elapsed time and ETA move on between epochs too
EXPORT_MESSAGE_MS = 15_000
SESSION_LABELS = {
    SessionState.INTERRUPTED: "Interrupted: Resume finishes it",
    SessionState.COMPLETE: "Complete",
    SessionState.FOLLOWING: "Running in another process: following it, read-only",
}


class SearchStatusBar(QStatusBar):
    def __init__(self, model: SearchModel, controller: SearchController):
        super().__init__()
        self.model, self.controller = model, controller
        self.progress = QProgressBar()
        self.progress.setObjectName("progressBar")
        self.progress.setMaximumWidth(200)
        # The count is written beside the bar: written on it, the text changed colour
        # where the bar's fill ended and half a number vanished into it.
        self.progress.setTextVisible(False)
        self.progress.setValue(0)
        self.epochs_label = QLabel("")
        self.epochs_label.setObjectName("epochsLabel")
        self.trials_label = QLabel("No search yet")
        self.time_label = QLabel("")
        self.best_label = QLabel("")
        self.session_label = QLabel("")
        self.session_label.setObjectName("sessionLabel")
        self.addWidget(self.progress)
        self.addWidget(self.epochs_label)
        self.addWidget(self.trials_label)
        self.addWidget(self.time_label)
        # After an export: where it went, and a way there.
        self.reveal_button = QPushButton("Show in folder")
        self.reveal_button.setObjectName("revealButton")
        self.reveal_button.setFlat(True)
        self.reveal_button.hide()
        self.reveal_button.clicked.connect(self._reveal)
        self.messageChanged.connect(lambda text: text or self.reveal_button.hide())
        self.messageChanged.connect(self.update_progress)
        self.written_folder: Path | None = None
        self.addPermanentWidget(self.reveal_button)  # shown beside a message
        # A reopened session whose data moved or changed: said at once, not at Resume.
        self.data_button = QPushButton("⚠ Its data moved or changed: Locate…")
        self.data_button.setObjectName("dataProblemButton")
        self.data_button.setFlat(True)
        self.data_button.setStyleSheet("color: #b3261e;")
        self.data_button.hide()
        model.sessionChanged.connect(self.data_button.hide)
        self.addPermanentWidget(self.data_button)
        self.addPermanentWidget(self.session_label)
        self.addPermanentWidget(self.best_label)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.update_progress)
        model.reset.connect(self.update_progress)
        model.sessionChanged.connect(self.update_progress)
        model.trialsChanged.connect(self.update_progress)
        model.sessionChanged.connect(self.update_session)
        controller.stateChanged.connect(self._state_changed)
        # A test or a model being trained: how far, how long still, and Cancel.
        self.job_text = ""
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelJobButton")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(controller.cancel_job)
        self.addPermanentWidget(self.cancel_button)
        controller.evaluationStarted.connect(
            lambda number: self._job_started(f"Evaluating trial {number} on the test split")
        )
        controller.evaluated.connect(self._evaluated)
        controller.modelStarted.connect(
            lambda number: self._job_started(
                f"Training trial {number} on every sample its search saw, for its model"
            )
        )
        controller.modelSaved.connect(self._model_saved)
        controller.jobProgressed.connect(self._job_progressed)
        controller.jobCancelled.connect(
            lambda name: self.showMessage(f"Cancelled {name}: nothing was saved.")
        )
        for ended in (
            controller.evaluated,
            controller.evaluationFailed,
            controller.modelSaved,
            controller.modelFailed,
            controller.jobCancelled,
        ):
            ended.connect(self.cancel_button.hide)

    def _state_changed(self) -> None:
        if self.controller.idle:
            self.timer.stop()
        else:
            self.timer.start()
        if self.controller.state == RunState.STOPPING:
            self.trials_label.setText("Stopping after the current step…")
        self.update_progress()
        self.update_session()

    def update_progress(self, *args) -> None:
        results = self.model.results
        # A search not started yet has no progress to show: its size is in the setup,
        # which may be edited still.
        waiting = self.controller.idle and self.model.session_path is None and not results.trials
        if not self.currentMessage():
            # A message (an evaluation's result, a file written) has the left side to
            # itself until it ends: shown again now, the count was drawn over it.
            self.progress.setVisible(not waiting)
            self.epochs_label.setVisible(not waiting)
        if waiting:
            self.trials_label.setText("Ready: press Start (F5)")
            self.time_label.setText("")
            self.best_label.setText("")
            return
        planned = max(1, round(results.planned * self.model.config.expected_epochs()))
        done = results.epochs_done
        self.progress.setMaximum(max(planned, done))
        self.progress.setValue(done)
        self.epochs_label.setText(f"{done:,} / {max(planned, done):,} epochs")
        self.time_label.setText(self._time_text(planned, done))
        if results.planned == 0:
            return
        state = self.controller.state
        if state != RunState.STOPPING:
            paused = " (paused)" if state == RunState.PAUSED else ""
            self.trials_label.setText(f"Trials {results.trials_done} / {results.planned}{paused}")
        best = results.best()
        self.best_label.setText(
            ""
            if best is None
            else f"Best so far: {results.metric.score_text(best)} (trial {best.number})"
        )

    def _time_text(self, planned: int, done: int) -> str:
        """How long the shown search has run and, while it runs on, how long it has to
        go; how long its last run took here once it ended; nothing for a search that
        did not run in this window."""
        controller = self.controller
        if controller.idle:
            ran, seconds = controller.last_run
            shown = ran is not None and ran == self.model.session_path
            return f"Ran {clock(seconds)}" if shown else ""
        elapsed = clock(controller.running_seconds())
        if controller.state == RunState.STOPPING:  # no time left to tell
            return f"Elapsed {elapsed}"
        worked = done - controller.epochs_at_start
        if worked <= 0:
            return f"Elapsed {elapsed}   ETA --:--"
        left = max(planned - done, 0) / worked * controller.running_seconds()
        return f"Elapsed {elapsed}   ETA {clock(left)}"

    def _job_started(self, text: str) -> None:
        self.job_text = text
        self.showMessage(f"{text}…")
        self.cancel_button.show()

    def _job_progressed(self, done: int, total: int) -> None:
        seconds = time.monotonic() - self.controller.job_started
        left = seconds / done * (total - done) if done else 0.0
        # "about 0:00 left" read as a stuck clock: under a second is said in words.
        rest = f"about {clock(left)} left" if left >= 1 else "almost done"
        self.showMessage(f"{self.job_text}: epoch {done:,} of {total:,}, {rest}")

    def _evaluated(self, result) -> None:
        if result.status != TrialStatus.COMPLETE:
            self.showMessage(
                f"Trial {result.number} {result.status} when trained on all "
                f"{result.train_samples} search samples; no test result."
            )
            return
        self.showMessage(
            f"Trial {result.number}: {result.text()} on "
            f"{result.test_samples} samples no search saw (trained {result.epochs} "
            f"epochs on {result.train_samples})."
        )

    def _model_saved(self, final) -> None:
        details = final.model.details
        tested, evaluation = details["test_accuracy"], details.get("evaluation")
        how = f", test accuracy {tested:.3f}" if tested is not None else ""
        if evaluation is not None:  # a regression's, on the test split or the samples
            how = (
                f", RMSE {evaluation['rmse']:.4g} and R² {evaluation['r2']:.3f} on the "
                f"{evaluation['on']}"
            )
        self.show_written(
            [self.controller.model_path],
            f"trial {details['trial']}'s model ({details['train_samples']:,} samples{how})",
        )

    def show_written(self, paths: list[Path], what: str = "") -> None:
        """Confirm an export: what was written where, and Show in folder."""
        self.written_folder = paths[0].parent
        what = what or (paths[0].name if len(paths) == 1 else f"{len(paths)} files")
        name = f" as {paths[0].name}" if len(paths) == 1 and what != paths[0].name else ""
        self.showMessage(f"Wrote {what}{name} to {self.written_folder}", EXPORT_MESSAGE_MS)
        self.reveal_button.show()

    def _reveal(self) -> None:
        if self.written_folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.written_folder)))

    def show_data_problem(self, message: str) -> None:
        """Offer to locate the shown session's data; the button's tooltip says what is wrong."""
        self.data_button.setToolTip(message)
        self.data_button.show()

    def update_session(self) -> None:
        path = self.model.session_path
        state = SESSION_LABELS.get(self.model.session_state, "")
        shown = state and path is not None and self.controller.idle
        self.session_label.setText(f"{path.name}  {state}" if shown else "")
