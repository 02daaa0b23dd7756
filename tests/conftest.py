import gc

import pytest

TINY_CONFIG = """
[data]
samples = 100
validation = 0.2
seed = 1

[model]
hidden = [16, 16]

[train]
epochs = 3
batch_size = 20
optimizer = "sgd"

[search]
strategy = "random"
trials = 4
seed = 3

[search.space.lr]
low = 1e-3
high = 1e-1
scale = "log"

[search.space.weight_decay]
low = 1e-8
high = 1e-4
scale = "log"
"""


@pytest.fixture(autouse=True)
def hyperdesk_home(tmp_path, monkeypatch):
    """Every test gets its own data directory; none touches the user's sessions."""
    home = tmp_path / "home"
    monkeypatch.setenv("HYPERDESK_HOME", str(home))
    return home


@pytest.fixture
def tiny_config(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY_CONFIG)
    return path


@pytest.fixture
def window(qtbot, tmp_path):
    """A main window with its own settings file; its search and workers end at teardown.
    Qt is imported here, not at the top, so core tests never load it."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from hyperdesk.desktop_app.app import make_application, settle_memory
    from hyperdesk.desktop_app.main_window import MainWindow

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
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
