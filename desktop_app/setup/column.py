"""The Search setup dock's contents: the setup form (scrolling), the search's size and
time estimate, what keeps it from starting, and the run buttons."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from hyperdesk.desktop_app.setup.panel import SetupPanel, VerticalScrollArea


def run_button(label: str, name: str) -> QPushButton:
    widget = QPushButton(label)
    widget.setObjectName(name)
    widget.setMinimumHeight(30)
    return widget


class SetupColumn(QWidget):
    def __init__(self, setup: SetupPanel):
        super().__init__()
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
        for widget in (scroll, self.cost_label, self.problem_label):
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
