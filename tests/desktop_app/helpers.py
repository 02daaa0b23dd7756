"""Driving the window in tests as a person would: loading a setup, running it to the end,
reading the table and the plots."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import (
    QApplication,
    QPushButton,
    QTableView,
)

from hyperdesk.core import config as config_module
from tests.conftest import TINY_CONFIG


def load(window, overrides=()):
    window.setup.load_config(config_module.loads(TINY_CONFIG, list(overrides)), "tiny")
    QApplication.processEvents()  # new rows are shown on the next turn of the event loop


def button(window, name) -> QPushButton:
    return window.findChild(QPushButton, name)


def run_to_end(qtbot, window, timeout=60_000):
    with qtbot.waitSignal(window.controller.searchEnded, timeout=timeout) as finished:
        qtbot.mouseClick(button(window, "startButton"), Qt.MouseButton.LeftButton)
    return finished.args[0]


def point_count(item):
    x, _ = item.getData()
    return 0 if x is None else len(x)


def table_numbers(window):
    table = window.findChild(QTableView, "resultsTable")
    model = table.model()
    return [int(model.index(row, 0).data()) for row in range(model.rowCount())]


def type_into(qtbot, edit, text):
    edit.selectAll()
    qtbot.keyClicks(edit, text) if text else qtbot.keyClick(edit, Qt.Key.Key_Delete)


def column_texts(window, header):
    table = window.findChild(QTableView, "resultsTable")
    model = table.model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    column = headers.index(header)
    return [model.index(row, column).data() for row in range(model.rowCount())]


TIME_TAKEN = r"(about \d+:\d\d|under a minute)"  # the estimate, as the setup words it


def best_trial_menu_item(qtbot, window, settings, text):
    """After a search with `settings`: (the best trial, its menu, the item starting with
    `text` in it)."""
    from PySide6.QtWidgets import QMenu

    load(window, settings)
    run_to_end(qtbot, window)
    best = window.model.results.best()
    menu = QMenu()
    window.trials.fill_menu(menu, best.number)
    return best, menu, next(a for a in menu.actions() if a.text().startswith(text))


def wheel(widget, steps: int) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def add_choices(window):
    """The "Add a parameter" list: key -> (text, enabled)."""
    combo = window.setup.space_editor.add_combo
    return {
        combo.itemData(i): (combo.itemText(i), combo.model().item(i).isEnabled())
        for i in range(1, combo.count())
    }
