"""The results table with its filter: one row per trial of the SearchModel's search,
sortable and filterable, its selection kept in step with the model's."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QMenu, QVBoxLayout, QWidget

from hyperdesk.core.search.space import RangeParam
from hyperdesk.desktop_app.search_model import SearchModel
from hyperdesk.desktop_app.table_model import (
    SORT_ROLE,
    TRIAL_ROLE,
    ResultsTableModel,
    ResultsTableView,
    TrialFilterProxy,
)

ROWS = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
BY_TRIAL = (0, Qt.SortOrder.AscendingOrder)


class ResultsTable(QWidget):
    """Several rows can be chosen, for a child search around them. Right-click on a row
    asks the window for its menu (menuRequested), which knows what can be done."""

    menuRequested = Signal(object, int)  # QMenu to fill, trial number

    def __init__(self, model: SearchModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.table_model = ResultsTableModel(model.results, set())
        self.proxy = TrialFilterProxy(self)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setSourceModel(self.table_model)
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("filterEdit")
        self.filter_edit.setPlaceholderText("Filter trials: status, number or value…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.view = ResultsTableView()
        self.view.setObjectName("resultsTable")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        # The proxy stays the view's model for good, so its selection model (and this
        # one connection) lasts as long as the view: a new search swaps the proxy's source.
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.filter_edit)
        column.addWidget(self.view)
        model.reset.connect(self._reset)
        model.trialsChanged.connect(self._trials_changed)
        model.selectionChanged.connect(self._select_row)

    def _reset(self) -> None:
        config = self.model.config
        log_params = {
            p.name for p in config.search.space if isinstance(p, RangeParam) and p.scale == "log"
        }
        self.table_model = ResultsTableModel(self.model.results, log_params)
        header = self.view.horizontalHeader()
        if (header.sortIndicatorSection(), header.sortIndicatorOrder()) == BY_TRIAL:
            # The rows come in trial order already: sorting 5,000 of them by it again
            # would ask the model for 100,000 values. The header still shows the order.
            self.proxy.sort(-1)
        self.proxy.setSourceModel(self.table_model)
        self.proxy.set_allowed(None)
        self.view.fit_columns()

    def _trials_changed(self, numbers: set[int]) -> None:
        first_rows = self.table_model.rowCount() == 0
        self.table_model.refresh(numbers)
        if first_rows:  # a search's columns fit its values, not only its headers
            self.view.fit_columns()

    def _selection_changed(self, *args) -> None:
        rows = self.view.selectionModel().selectedRows()
        self.model.select(rows[0].data(TRIAL_ROLE) if rows else None)

    def _proxy_index(self, number: int):
        row = self.table_model.row_of(number)
        return None if row is None else self.proxy.mapFromSource(self.table_model.index(row, 0))

    def _select_row(self, number: int | None) -> None:
        index = None if number is None else self._proxy_index(number)
        selection = self.view.selectionModel()
        # A row already selected (one of several chosen here or on the scatter) keeps the
        # others selected with it.
        if index is not None and index.isValid() and not selection.isRowSelected(index.row()):
            selection.blockSignals(True)
            selection.select(index, ROWS)
            selection.blockSignals(False)
            self.view.viewport().update()
            self.view.scrollTo(index)

    def select_numbers(self, numbers: list[int]) -> None:
        """Select these trials' rows (a rectangle brushed on the scatter)."""
        selection = QItemSelection()
        for number in numbers:
            index = self._proxy_index(number)
            if index is not None and index.isValid():
                selection.select(index, index)
        self.view.selectionModel().select(selection, ROWS)

    def selected_numbers(self) -> list[int]:
        return sorted(index.data(TRIAL_ROLE) for index in self.view.selectionModel().selectedRows())

    def _menu(self, position) -> None:
        index = self.view.indexAt(position)
        if not index.isValid():
            return
        menu = QMenu(self)
        self.menuRequested.emit(menu, index.data(TRIAL_ROLE))
        if not menu.isEmpty():
            menu.exec(self.view.viewport().mapToGlobal(position))
