"""The results table in the window: its columns follow the search, its selection is heard once."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QPushButton,
    QTableView,
)

from hyperdesk.desktop_app.run.results import SearchResults
from tests.desktop_app.helpers import load, run_to_end


def test_a_search_without_folds_or_test_split_shows_neither_column(qtbot, window):
    load(window, ["search.trials=2"])
    run_to_end(qtbot, window)
    model = window.findChild(QTableView, "resultsTable").model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert "± std" not in headers and "Test acc" not in headers
    assert not window.panels["curves"].bands["best"][2].isVisible()


def test_the_table_listens_to_its_selection_once_however_many_searches_it_showed(window):
    """Each search used to connect the table's selection again: five searches, ten
    receivers, each selecting the same trial again."""
    config = window.model.config
    selection = window.table.view.selectionModel()
    signal = "2selectionChanged(QItemSelection,QItemSelection)"
    before = selection.receivers(signal)
    for _ in range(5):
        window.model.show_search(config, SearchResults.for_config(config, 4))
    assert window.table.view.selectionModel() is selection
    assert selection.receivers(signal) == before


def test_the_status_column_has_room_for_every_status_from_the_first_row(qtbot, window):
    """Fitted while trials ran, it later cut "interrupted" to "interrup…"."""
    load(window, ["train.epochs=200", "data.samples=1000"])
    qtbot.mouseClick(window.findChild(QPushButton, "startButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.table.table_model.rowCount() > 0, timeout=30_000)
    view = window.table.view
    with qtbot.waitSignal(window.controller.searchEnded, timeout=30_000):
        window.controller.stop()
    rows = window.table.proxy.rowCount()
    texts = [window.table.proxy.index(row, 1).data() for row in range(rows)]
    assert "interrupted" in texts
    needed = view.fontMetrics().horizontalAdvance("interrupted")
    assert view.horizontalHeader().sectionSize(1) > needed
