"""Starting the window: the QApplication, pyqtgraph's look, and what to open."""

from __future__ import annotations

import contextlib
import gc
import sys
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QSettings, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox

from hyperdesk.core import __version__
from hyperdesk.core.config import ConfigError
from hyperdesk.core.paths import SESSION_SUFFIX, settings_dir
from hyperdesk.core.storage.session import SessionError
from hyperdesk.desktop_app.about import app_icon


def make_application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Hyperdesk")
    app.setOrganizationName("Hyperdesk")
    app.setApplicationVersion(__version__)
    # Matches the desktop entry's name, so Wayland docks show the entry's icon and name.
    app.setDesktopFileName("io.github.hyperdesk.Hyperdesk")
    app.setWindowIcon(app_icon())
    folder = settings_dir()
    if folder is not None:  # $HYPERDESK_HOME holds everything, the settings too
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    # Dark-on-white reads well on screen and is what exported figures need.
    pg.setConfigOptions(background="w", foreground="#212121", antialias=True)
    return app


@contextlib.contextmanager
def offscreen_warnings_hidden():
    """The offscreen platform says "does not support propagateSizeHints()" of every
    window it lays out; it means nothing there. Qt's other messages still show."""
    previous = qInstallMessageHandler(
        lambda kind, context, message: (
            None if "propagateSizeHints" in message else sys.stderr.write(message + "\n")
        )
    )
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


def settle_memory() -> None:
    """Keep everything made so far (Qt, pyqtgraph and the window: tens of thousands of
    objects that live as long as the window) out of the garbage collector's full passes,
    which otherwise pause the GUI thread for longer the more there is."""
    gc.collect()
    gc.freeze()


def run_window(target: Path | None, start: bool) -> int:
    app = make_application()
    from hyperdesk.desktop_app.main_window import MainWindow

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
