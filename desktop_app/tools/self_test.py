"""`hyperdesk --self-test`: does this installation work, end to end?

Opens the real window offscreen, runs a 2-trial search of the bundled seed example on
the bundled data through the worker processes, checks the table and the session file,
exports one panel as an image, and exits 0. The user's sessions and settings are not
touched: everything happens in a temporary folder. Packaged builds are smoke-tested
with it.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

TRIALS = 2
EPOCHS = 3
TIMEOUT_S = 120


def run_self_test() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="hyperdesk-self-test-") as folder:
        os.environ["HYPERDESK_HOME"] = str(Path(folder) / "home")
        problems = _exercise_window(Path(folder))
    for problem in problems:
        print(f"self-test FAILED: {problem}")
    if not problems:
        print("self-test passed")
    return 1 if problems else 0


def _exercise_window(folder: Path) -> list[str]:
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtGui import QImage

    from hyperdesk.core import config as config_module
    from hyperdesk.core.storage.session import Session
    from hyperdesk.desktop_app.app import make_application, offscreen_warnings_hidden
    from hyperdesk.desktop_app.panels.export import export_plot
    from hyperdesk.desktop_app.window.main_window import MainWindow

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    started = time.perf_counter()
    app = make_application()
    window = MainWindow()
    config = config_module.loads(
        config_module.example_text("seed"),
        [f"search.trials={TRIALS}", f"train.epochs={EPOCHS}"],
    )
    window.setup.load_config(config, "self-test")
    with offscreen_warnings_hidden():
        window.show()
    print(f"window open in {time.perf_counter() - started:.1f} s")
    outcome = {}

    def finished(state) -> None:
        outcome["state"] = str(state)
        app.quit()

    def give_up() -> None:
        outcome.setdefault("state", f"not finished after {TIMEOUT_S} s")
        app.quit()

    window.controller.searchEnded.connect(finished)
    QTimer.singleShot(0, window.start)
    QTimer.singleShot(TIMEOUT_S * 1000, give_up)
    with offscreen_warnings_hidden():
        app.exec()
    problems = []
    try:
        if outcome.get("state") != "complete":
            return [f"the search ended {outcome.get('state')!r}, not 'complete'"]
        trials = window.model.results.trials
        statuses = [str(trial.status) for trial in trials.values()]
        print(f"search: {len(trials)} trials ({', '.join(statuses)}) ")
        if statuses != ["complete"] * TRIALS:
            problems.append(f"expected {TRIALS} complete trials, got {statuses}")
        with Session.open(window.model.session_path, writable=False) as session:
            saved = {number: len(records) for number, records in session.epochs().items()}
        if sorted(saved.values()) != [EPOCHS] * TRIALS:
            problems.append(f"the session file holds epochs {saved}, expected {EPOCHS} each")
        image_path = export_plot(window.panels["curves"].plot, folder / "curves.png")
        image = QImage(str(image_path))
        print(f"exported {image_path.name}: {image.width()} x {image.height()}")
        if image.isNull() or image.width() < 100:
            problems.append("the exported learning-curve image is empty")
    finally:
        window.shutdown()
        window.deleteLater()
    print(f"self-test took {time.perf_counter() - started:.1f} s")
    return problems
