"""Screenshots of the window as a person sees it: run under a display (`make screenshot`
uses Xvfb), it saves the first window, starts the seed experiment for a few trials and
saves the screen mid-run, at the end, with three trials compared, with each panel's tab
in front, and with a table of the person's own loaded."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QGuiApplication

from hyperdesk.core import config as config_module
from hyperdesk.desktop_app.app import make_application
from hyperdesk.desktop_app.window.main_window import MainWindow, default_config_text


def grab(window: MainWindow, path: Path) -> None:
    screen = QGuiApplication.primaryScreen()
    picture = screen.grabWindow(0)
    if picture.isNull():  # platforms without a screen to grab (offscreen)
        picture = window.grab()
    picture.save(str(path))
    print(f"wrote {path} ({picture.width()} x {picture.height()})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNGs")
    parser.add_argument("--trials", type=int, default=12)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    # A newcomer's window: no layout or sizes remembered from earlier sessions.
    settings = tempfile.mkdtemp()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings)
    app = make_application()
    window = MainWindow()
    window.actions.show_new_search(
        config_module.loads(default_config_text(), [f"search.trials={args.trials}"]), "seed"
    )
    window.setGeometry(QGuiApplication.primaryScreen().availableGeometry())
    window.show()
    taken_mid = False

    def watch() -> None:
        nonlocal taken_mid
        results = window.model.results
        planned = results.planned * window.model.config.train.epochs
        if not taken_mid and planned and results.epochs_done >= planned * 0.45:
            taken_mid = True
            grab(window, args.out / "mid-run.png")

    def finished(state) -> None:
        best = window.model.results.best()
        window.model.select(best.number if best else None)
        QTimer.singleShot(300, lambda: (grab(window, args.out / "finished.png"), compare()))

    def compare() -> None:
        """Three trials compared (as Ctrl-clicked in the table), then each panel's tab."""
        ranking = [trial.number for trial in window.model.results.ranked()]
        window.table.select_numbers(ranking[1:4])
        shots = [("multi-selection", None)]
        shots += [
            (kind.key, kind.key)
            for kind, _ in window.panels
            if kind.key != "curves" and kind.shown_for(window.model.config)
        ]

        def next_shot() -> None:
            if not shots:
                inside(ranking[0])
                return
            name, key = shots.pop(0)
            if key in window.panel_docks:
                window.panel_docks[key].raise_()
            QTimer.singleShot(400, lambda: (grab(window, args.out / f"{name}.png"), next_shot()))

        next_shot()

    def inside(number: int) -> None:
        """The best trial looked inside, once the helper process has made the look."""
        window.model.select(number)
        window.inside_dock.raise_()
        waited = 0

        def shoot() -> None:
            nonlocal waited
            waited += 1
            if window.inside.report is None and waited < 100:
                QTimer.singleShot(200, shoot)
                return
            QTimer.singleShot(300, lambda: (grab(window, args.out / "inside.png"), own_data()))

        shoot()

    def own_data() -> None:
        """The penguins table as a person's own CSV, then the bundled MNIST: the setup's
        Data section scrolled to its preview."""
        window.actions.show_new_search(config_module.example_config("penguins"), "penguins")
        show_preview("your-data.png", bundled_data)

    def bundled_data() -> None:
        window.actions.show_new_search(config_module.Config(), "seed")
        show_preview("data-preview.png", app.quit)

    def show_preview(name: str, then) -> None:
        window.setup.sections["Data"].set_expanded(True)
        window.setup_dock.raise_()

        def shoot() -> None:
            window.setup_column.scroll.ensureWidgetVisible(window.setup.data_preview)
            QTimer.singleShot(300, lambda: (grab(window, args.out / name), then()))

        QTimer.singleShot(3000, shoot)

    window.controller.searchEnded.connect(finished)
    ticker = QTimer()
    ticker.timeout.connect(watch)
    ticker.start(20)
    QTimer.singleShot(300, lambda: grab(window, args.out / "first-window.png"))
    QTimer.singleShot(1500, window.start)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
