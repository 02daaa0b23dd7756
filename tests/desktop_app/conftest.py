"""Fixtures of the window's tests. Qt is imported here, never by the core tests."""

import gc

import pytest


@pytest.fixture
def window(qtbot, tmp_path, request):
    """A main window with its own settings file; its search and workers end at teardown.
    Qt is imported here, not at the top, so core tests never load it."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from hyperdesk.desktop_app.app import make_application, settle_memory
    from hyperdesk.desktop_app.run.controller import CALIBRATED_SPEED
    from hyperdesk.desktop_app.window.main_window import MainWindow

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    if "measures_speed" not in request.keywords:
        # A speed known already: no test but the one about it waits for the timed step
        # a first start takes in a helper process.
        QSettings().setValue(CALIBRATED_SPEED, 100.0)
    make_application()
    main = MainWindow()
    qtbot.addWidget(main)
    main.show()
    settle_memory()  # as the app does once its window is up
    yield main
    main.shutdown()
    # Free the window now: every test's window left to the garbage collector would make
    # its pauses long enough to show in the responsiveness tests.
    main.deleteLater()
    QApplication.processEvents()
    gc.unfreeze()
    gc.collect()
