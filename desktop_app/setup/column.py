"""The Search setup dock's contents: the setup form (scrolling), the search's size and
time estimate, what keeps it from starting, and the run buttons."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from hyperdesk.core.storage.session import SessionSummary
from hyperdesk.desktop_app.setup.panel import SetupPanel, VerticalScrollArea


def run_button(label: str, name: str) -> QPushButton:
    widget = QPushButton(label)
    widget.setObjectName(name)
    widget.setMinimumHeight(30)
    return widget


class ResumeOffer(QFrame):
    """On the first screen after a restart: the last search stopped before its end,
    with Resume (open it and finish it) and Open (look at it first)."""

    resumeClicked = Signal(object)  # the session's Path
    openClicked = Signal(object)

    def __init__(self):
        super().__init__()
        self.setObjectName("resumeOffer")
        self.setStyleSheet("#resumeOffer { background: #fff4ce; border: 1px solid #e0c060; }")
        self.path: Path | None = None
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setObjectName("offerResumeButton")
        self.open_button = QPushButton("Open")
        self.open_button.setObjectName("offerOpenButton")
        dismiss = QPushButton("Not now")
        dismiss.setObjectName("offerDismissButton")
        dismiss.setFlat(True)
        dismiss.clicked.connect(self.hide)
        self.resume_button.clicked.connect(lambda: self._chosen(self.resumeClicked))
        self.open_button.clicked.connect(lambda: self._chosen(self.openClicked))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (dismiss, self.open_button, self.resume_button):
            buttons.addWidget(button)
        column = QVBoxLayout(self)
        column.addWidget(self.text)
        column.addLayout(buttons)
        self.hide()

    def offer(self, summary: SessionSummary) -> None:
        self.path = summary.path
        self.text.setText(
            f"Your last search, <b>{escape(summary.name)}</b>, stopped after "
            f"{summary.done:,} of {summary.planned:,} trials. Resume finishes it; every "
            "finished epoch is kept."
        )
        self.show()

    def _chosen(self, signal) -> None:
        self.hide()
        signal.emit(self.path)


class SetupColumn(QWidget):
    def __init__(self, setup: SetupPanel):
        super().__init__()
        self.resume_offer = ResumeOffer()
        self.start_button = run_button("Start", "startButton")
        self.start_button.setDefault(True)
        self.resume_button = run_button("Resume", "resumeButton")
        self.resume_button.setToolTip("Finish the trials this session did not complete")
        self.pause_button = run_button("Pause", "pauseButton")
        self.pause_button.setCheckable(True)
        self.stop_button = run_button("Stop", "stopButton")
        scroll = self.scroll = VerticalScrollArea()
        scroll.setWidget(setup)
        self.cost_label = QLabel()
        self.cost_label.setObjectName("costLabel")
        self.cost_label.setWordWrap(True)
        self.problem_label = QLabel()
        self.problem_label.setObjectName("problemLabel")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #c62828;")
        buttons = QHBoxLayout()
        for widget in (self.start_button, self.resume_button, self.pause_button, self.stop_button):
            buttons.addWidget(widget)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 6)
        for widget in (self.resume_offer, scroll, self.cost_label, self.problem_label):
            column.addWidget(widget)
        column.addLayout(buttons)

    def show_check(self, problems: int, cost: str) -> None:
        """How many problems keep the search from starting; what it will cost."""
        self.problem_label.setText(
            "" if not problems else f"Fix {problems} problem{'s' * (problems > 1)} above to start."
        )
        self.cost_label.setText(cost)

    def show_paused(self, paused: bool) -> None:
        """The pause button offers to resume while paused; unchecked when a search ends."""
        self.pause_button.setText("Resume" if paused else "Pause")
        if not paused and self.pause_button.isChecked():
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(False)
            self.pause_button.blockSignals(False)
