"""Opening the window: on a config or a saved session, started or not."""

from __future__ import annotations

import signal
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from hyperdesk.core.config import ConfigError
from hyperdesk.core.paths import SESSION_SUFFIX
from hyperdesk.core.storage.session import SessionError
from hyperdesk.desktop_app.app import make_application, settle_memory
from hyperdesk.desktop_app.window.main_window import MainWindow


def run_window(target: Path | None, start: bool) -> int:
    app = make_application()
    window = MainWindow()
    settle_memory()
    if target is not None:
        try:
            if target.suffix == SESSION_SUFFIX:
                window.actions.open_session(target)
            else:
                window.actions.load_config_file(target)
        except (ConfigError, SessionError) as error:
            QMessageBox.warning(window, "Cannot open", f"{target}:\n\n{error}")
    window.show()
    if start:
        window.start()
    end_on_signals(app, window)
    return app.exec()


# How often Python gets to run a signal's handler while Qt's event loop, in C, waits.
SIGNAL_POLL_MS = 200


def end_on_signals(app: QApplication, window: MainWindow) -> None:
    """SIGTERM (a plain kill, a logout) and Ctrl+C in the terminal that started it end
    the window as closing it does, without asking: a running search stops as Stop does
    (every finished epoch is kept), and every thread and process the window started
    ends before it exits (128 + the signal's number, as the shell reports it). Left to
    their defaults, SIGTERM killed the window and left its helper processes running,
    and Ctrl+C was never heard."""

    def end(signal_number: int) -> None:
        window.shutdown()
        app.exit(128 + signal_number)

    def heard(signal_number, frame) -> None:
        QTimer.singleShot(0, lambda: end(signal_number))

    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, heard)
    poll = QTimer(window)
    poll.timeout.connect(lambda: None)
    poll.start(SIGNAL_POLL_MS)
