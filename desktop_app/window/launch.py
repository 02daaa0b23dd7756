"""Opening the window: on a config or a saved session, started or not."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

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
    return app.exec()
