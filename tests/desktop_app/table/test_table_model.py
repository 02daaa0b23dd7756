"""The results table model on its own, without a view."""

from PySide6.QtCore import QSortFilterProxyModel, Qt

from hyperdesk.core.execution.runner import TrialStart
from hyperdesk.core.training.trainer import EpochRecord
from hyperdesk.desktop_app.run.results import SearchResults
from hyperdesk.desktop_app.table.model import SORT_ROLE, ResultsTableModel


def record(epoch, val):
    return EpochRecord(epoch, 1.0, val + 0.05, 1.1, val, 0.25)


def make_model():
    results = SearchResults(["lr", "optimizer"], planned=3, epochs_per_trial=2)
    return results, ResultsTableModel(results, log_params={"lr"})


def test_columns_and_an_empty_model():
    _, model = make_model()
    assert model.rowCount() == 0
    headers = [
        model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        for c in range(model.columnCount())
    ]
    assert headers == [
        "Trial",
        "Status",
        "lr",
        "optimizer",
        "Val acc",
        "Best val",
        "Train acc",
        "Epochs",
        "Seconds",
        "Note",
    ]
    assert model.rowCount(model.index(0, 0)) == 0


def test_new_trials_insert_rows_and_updates_change_cells(qtbot):
    results, model = make_model()
    results.start(TrialStart(1, {"lr": 0.00012345, "optimizer": "adam"}, 1, 7))
    with qtbot.waitSignal(model.rowsInserted):
        model.refresh({1})
    assert model.rowCount() == 1
    assert model.index(0, 2).data() == "1.234e-04"  # log-scale values in scientific notation
    assert model.index(0, 1).data() == "running"
    results.add_epoch(1, record(1, 0.5))
    results.add_epoch(1, record(2, 0.625))
    results.finish(1, "complete")
    with qtbot.waitSignal(model.dataChanged):
        model.refresh({1})
    assert model.rowCount() == 1
    assert [model.index(0, c).data() for c in (1, 4, 5, 6, 7, 8)] == [
        "complete",
        "0.625",
        "0.625",
        "0.675",
        "2",
        "0.50",
    ]
    assert model.index(0, 1).data(Qt.ItemDataRole.ForegroundRole).name() == "#1b7f3b"


def test_sorting_goes_by_value_not_text():
    results, model = make_model()
    for number, val in ((1, 0.9), (2, 0.1), (3, 0.45)):
        results.start(TrialStart(number, {"lr": 10.0**-number, "optimizer": "sgd"}, 1, 0))
        results.add_epoch(number, record(1, val))
        results.finish(number, "complete")
    results.start(TrialStart(4, {"lr": 0.5, "optimizer": "sgd"}, 1, 0))
    model.refresh({1, 2, 3, 4})
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.sort(4, Qt.SortOrder.DescendingOrder)
    assert [proxy.index(row, 0).data() for row in range(4)] == ["1", "3", "2", "4"]
    proxy.sort(2, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(row, 0).data() for row in range(4)] == ["3", "2", "1", "4"]
