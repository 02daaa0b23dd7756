"""The QApplication and pyqtgraph's look, for the window and for panels drawn without one
(export --plots, the report, the self-test)."""

from __future__ import annotations

import contextlib
import gc
import sys

import pyqtgraph as pg
from PySide6.QtCore import QSettings, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from hyperdesk.core import __version__
from hyperdesk.core.paths import settings_dir
from hyperdesk.desktop_app.dialogs.about import app_icon


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
