"""The results table: one row per trial, over SearchResults."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QStyle, QTableView

from hyperdesk.core.formatting import accuracy_text, parameter_text
from hyperdesk.core.trial_filter import TrialFilter
from hyperdesk.core.trials import TrialStatus
from hyperdesk.desktop_app.run.results import SearchResults, Trial

ROOT = QModelIndex()
FIT_ROWS = 200
SORT_ROLE = Qt.ItemDataRole.UserRole
TRIAL_ROLE = Qt.ItemDataRole.UserRole + 1
# The roles the table answers; Qt asks for a dozen more per cell.
VALUE_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        SORT_ROLE,
        TRIAL_ROLE,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ToolTipRole,
    }
)
RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

TRADE_OFF_COLOURS = {"front": QColor("#1b7f3b"), "over the limit": QColor("#7a7a7a")}
STATUS_COLUMN = 1
STATUS_COLOURS = {
    TrialStatus.COMPLETE: QColor("#1b7f3b"),
    TrialStatus.RUNNING: QColor("#1f5fbf"),
    TrialStatus.QUEUED: QColor("#6b6b6b"),
    TrialStatus.DIVERGED: QColor("#c62828"),
    TrialStatus.FAILED: QColor("#8e0000"),
    TrialStatus.INTERRUPTED: QColor("#b26a00"),
    TrialStatus.PRUNED: QColor("#7a7a7a"),
}


# The columns after the parameters: header -> the trial's value. "± std" shows only for
# trials of several runs (folds, repeats), "Test acc" only for searches with a test split,
# "Round" only for searches in rounds, TRADE_OFF_COLUMNS only for trade-offs; a classifier
# shows ACCURACIES, a regression REGRESSION_FIGURES. Filter words find notes too.
RESULT_COLUMNS = {
    "Val acc": lambda trial: trial.final_val_acc,
    "Val R²": lambda trial: trial.final_val_r2,
    "Val RMSE": lambda trial: trial.final_val_rmse,
    "Val MAE": lambda trial: trial.final_val_mae,
    "± std": lambda trial: trial.metric.spread(trial),
    # Beside the score, where a trade-off is read (a wide table scrolls the rest off).
    "Trade-off": None,  # on the front or over a limit: see ResultsTableModel._value
    "Parameters": lambda trial: trial.parameters,
    "Best val": lambda trial: trial.best_val_acc,
    "Train acc": lambda trial: trial.final_train_acc,
    "Train R²": lambda trial: trial.final_train_r2,
    "Test acc": lambda trial: trial.test_acc,
    "Epochs": lambda trial: trial.epoch_count,
    "Seconds": lambda trial: trial.seconds,
    "Round": lambda trial: trial.round,
    "Info": lambda trial: trial.info_text,
    "Note": lambda trial: trial.note,
}
# Shown only for a trade-off search.
TRADE_OFF_COLUMNS = ("Parameters", "Trade-off")
ACCURACIES = ("Val acc", "Best val", "Train acc", "Test acc")
REGRESSION_FIGURES = ("Val R²", "Val RMSE", "Val MAE", "Train R²")
# Errors in the label's units, lower is better; the other figures read higher is better.
ERRORS = {
    "Val RMSE": "root mean squared error on the validation rows, in the label's units",
    "Val MAE": "mean absolute error on the validation rows, in the label's units",
}
THREE_PLACES = (*ACCURACIES, "Val R²", "Train R²")
SPREAD = "± std"  # of the search's metric over a trial's runs: in the metric's format
BEST_FIRST = ("Val acc", "Best val", "Train acc", "Test acc", "Epochs", "Val R²", "Train R²")


class ResultsTableModel(QAbstractTableModel):
    """Columns: trial, status, each searched parameter, final validation accuracy (and
    its spread over a trial's runs), best validation accuracy, final training accuracy,
    test accuracy (searches with a test split) -- a regression's validation R², RMSE and
    MAE and training R² instead --, epochs and seconds. SORT_ROLE gives raw values."""

    FIXED_BEFORE = ("Trial", "Status")

    def __init__(self, results: SearchResults, log_params: set[str], parent=None):
        super().__init__(parent)
        self.results = results
        self.log_params = log_params
        self._numbers: list[int] = list(results.trials)
        self._rows = {number: row for row, number in enumerate(self._numbers)}
        self.result_columns = [
            name
            for name in RESULT_COLUMNS
            if (name != SPREAD or results.runs > 1)
            and (name != "Test acc" or results.test)
            and (name != "Round" or results.rounds)
            and (name not in TRADE_OFF_COLUMNS or results.trade_off.several)
            and (name not in ACCURACIES or not results.regression)
            and (name not in REGRESSION_FIGURES or results.regression)
            and (name != "Info" or results.own_code)
        ]
        self.front = results.front()  # what the Trade-off column shows, to see it change
        self.headers = (*self.FIXED_BEFORE, *results.param_names, *self.result_columns)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(self._numbers)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        name = self.headers[section]
        if role == Qt.ItemDataRole.InitialSortOrderRole and name in BEST_FIRST:
            return Qt.SortOrder.DescendingOrder  # a first click on a score: best first
        if role == Qt.ItemDataRole.ToolTipRole and name in ERRORS:
            return f"{name}: {ERRORS[name]} (lower is better)"
        if role == Qt.ItemDataRole.ToolTipRole and name == SPREAD:
            return (
                f"The spread (standard deviation) of the {self.results.metric.title} over "
                "the trial's runs (folds, repeats)"
            )
        return None

    def trial_at(self, row: int) -> Trial:
        return self.results.trials[self._numbers[row]]

    def row_of(self, number: int) -> int | None:
        return self._rows.get(number)

    def _value(self, trial: Trial, column: int) -> Any:
        params_start = len(self.FIXED_BEFORE)
        params_end = params_start + len(self.results.param_names)
        if column == 0:
            return trial.number
        if column == STATUS_COLUMN:
            return self.results.shown_status(trial)
        if column < params_end:
            return trial.params.get(self.results.param_names[column - params_start])
        name = self.result_columns[column - params_end]
        if name == "Trade-off":
            return self.results.trade_off_mark(trial)
        return RESULT_COLUMNS[name](trial)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        # Asked for every cell and role as the view paints and the proxy sorts: the
        # roles that need no value return first, and a sort by trial number (the
        # default) reads no trial at all.
        if not index.isValid() or role not in VALUE_ROLES:
            return None
        row, column = index.row(), index.column()
        if role == SORT_ROLE and column == 0:
            return self._numbers[row]
        if role == Qt.ItemDataRole.TextAlignmentRole:  # words left, figures right
            words = column == STATUS_COLUMN or self.headers[column] in ("Note", "Trade-off", "Info")
            return None if words else RIGHT_ALIGNED
        trial = self.trial_at(row)
        if role == TRIAL_ROLE:
            return trial.number
        if role == Qt.ItemDataRole.ToolTipRole:  # why a function's trial failed
            return trial.error if column == STATUS_COLUMN else None
        if role == Qt.ItemDataRole.ForegroundRole:
            if self.headers[column] == "Trade-off":
                return TRADE_OFF_COLOURS.get(self.results.trade_off_mark(trial))
            return STATUS_COLOURS.get(trial.status) if column == STATUS_COLUMN else None
        value = self._value(trial, column)
        if role == SORT_ROLE:
            if value is None:
                return -math.inf
            return value if isinstance(value, int | float) else str(value)
        if value is None:
            return ""
        name = self.headers[column]
        if name in self.results.param_names:
            return parameter_text(value, name in self.log_params)
        if name == SPREAD:
            return self.results.metric.text(value)
        if name in THREE_PLACES:
            return accuracy_text(value)
        if name in ERRORS:
            return f"{value:.4g}"
        if name == "Seconds":
            return f"{value:.2f}"
        if name == "Parameters":
            return f"{value:,}"
        return str(value)

    def refresh(self, numbers: set[int]) -> None:
        """Show the trials in `numbers` as they are now: new ones as inserted rows,
        known ones as changed cells, so views keep their selection and sort."""
        new = sorted(number for number in numbers if number not in self._rows)
        changed = sorted(self._rows[number] for number in numbers if number in self._rows)
        front = self.results.front()
        if front != self.front:  # a trial that joins the front can push others off it
            self.front = front
            column = self.headers.index("Trade-off")
            self.dataChanged.emit(self.index(0, column), self.index(len(self._numbers) - 1, column))
        if new:
            first = len(self._numbers)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for number in new:
                self._rows[number] = len(self._numbers)
                self._numbers.append(number)
            self.endInsertRows()
        if changed:
            self.dataChanged.emit(
                self.index(changed[0], 0), self.index(changed[-1], len(self.headers) - 1)
            )


class ResultsTableView(QTableView):
    """The results table: every column at least as wide as its header and values, and
    the room left over shared out evenly, so no header is cut off."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # Column widths from the rows in view and a sample of the others, not from
        # every row: a 5,000-trial table measured all 200,000 cells (2 s).
        self.horizontalHeader().setResizeContentsPrecision(FIT_ROWS)

    def fit_columns(self) -> None:
        header = self.horizontalHeader()
        count = header.count()
        if not count:
            return
        needed = [
            max(header.sectionSizeHint(column), self.sizeHintForColumn(column))
            for column in range(count)
        ]
        # A status changes after the columns are fitted ("running" becomes "interrupted"):
        # room for the longest from the start, not "interrup…" later.
        margin = 2 * (self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1)
        longest = max(self.fontMetrics().horizontalAdvance(str(s)) for s in TrialStatus)
        needed[STATUS_COLUMN] = max(needed[STATUS_COLUMN], longest + margin)
        extra = max(0, self.viewport().width() - sum(needed)) // count
        for column, width in enumerate(needed):
            header.resizeSection(column, width + extra)

    def viewportEvent(self, event) -> bool:
        # The viewport, not the view: it also narrows when the vertical scroll bar appears.
        if event.type() == QEvent.Type.Resize:
            self.fit_columns()
        return super().viewportEvent(event)


class TrialFilterProxy(QSortFilterProxyModel):
    """The table's sorting and filter (core.trial_filter: `lr>0.005`, `status:pruned`,
    words), and a set of trials to show alone (those brushed on the parallel
    coordinates); None shows every trial."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.allowed: set[int] | None = None
        self.trial_filter = TrialFilter()

    def _filter_changed(self, change) -> None:
        if not hasattr(self, "beginFilterChange"):  # Qt before 6.9
            change()
            self.invalidateRowsFilter()
            return
        self.beginFilterChange()
        change()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_allowed(self, numbers: set[int] | None) -> None:
        self._filter_changed(lambda: setattr(self, "allowed", numbers))

    def set_filter(self, trial_filter: TrialFilter) -> None:
        self._filter_changed(lambda: setattr(self, "trial_filter", trial_filter))

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:
        source = self.sourceModel()
        if self.allowed is not None:
            number = source.index(row, 0, parent).data(TRIAL_ROLE)
            if number not in self.allowed:
                return False
        if self.trial_filter.empty:
            return True
        return self.trial_filter.matches(
            lambda column: source.index(row, column, parent).data(SORT_ROLE),
            lambda column: source.index(row, column, parent).data() or "",
            source.columnCount(),
        )
