"""The results table with its filter: one row per trial of the SearchModel's search,
sortable and filterable, its selection kept in step with the model's."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from hyperdesk.core.search.space import RangeParam
from hyperdesk.core.trial_filter import FilterError, parse_filter
from hyperdesk.desktop_app.run.search_model import SearchModel
from hyperdesk.desktop_app.table.model import (
    SORT_ROLE,
    TRIAL_ROLE,
    ResultsTableModel,
    ResultsTableView,
    TrialFilterProxy,
)

ROWS = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
BY_TRIAL = (0, Qt.SortOrder.AscendingOrder)
INVALID_STYLE = "QLineEdit { border: 1px solid #c62828; border-radius: 3px; }"


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
        self.proxy.setSourceModel(self.table_model)
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("filterEdit")
        self._show_example_filter()
        self.filter_edit.setToolTip(
            "Conditions on columns (> < >= <= = != and : for 'contains') and words to find "
            "in any column; a trial is shown when all of them hold. 'not' before one turns "
            "it round (not status:pruned); 'or' between them shows either side's trials"
        )
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter_edited)
        self.count_label = QLabel()
        self.count_label.setObjectName("trialCount")
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
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.filter_edit, 1)
        filter_row.addWidget(self.count_label)
        column.addLayout(filter_row)
        column.addWidget(self.view)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset):
            signal.connect(self._show_count)
        self.problem: str | None = None  # why the filter text cannot be read
        self.restoring = False
        self.restored_key: str | None = None
        self.view.horizontalHeader().sortIndicatorChanged.connect(self._remember)
        model.sessionChanged.connect(self._restore)
        model.reset.connect(self._reset)
        model.trialsChanged.connect(self._trials_changed)
        model.selectionChanged.connect(self._select_rows)

    def _reset(self) -> None:
        # The new search's columns are not the last one's: its sort is not remembered
        # for the session shown before (its column number would name another header).
        self.restoring = True
        try:
            self._show_new_search()
        finally:
            self.restoring = False

    def _show_new_search(self) -> None:
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
        self._show_example_filter()
        self._filter_edited(self.filter_edit.text())  # the new search's columns
        self.view.fit_columns()

    def _show_example_filter(self) -> None:
        """The placeholder's examples, with a condition on the search's own score."""
        score = "val r2 >= 0.8" if self.model.results.regression else "val acc >= 0.7"
        self.filter_edit.setPlaceholderText(
            f"Filter trials: lr>0.005   status:pruned   {score}   or any word"
        )

    # --- kept with the session: its sort and filter ---------------------------------------

    def _settings_key(self) -> str | None:
        path = self.model.session_path
        return None if path is None else f"table/{path}"

    def _remember(self, *args) -> None:
        key = self._settings_key()
        if key is None or self.restoring:
            return
        header = self.view.horizontalHeader()
        column = header.sortIndicatorSection()
        headers = self.table_model.headers
        QSettings().setValue(
            key,
            {
                "sort": headers[column] if 0 <= column < len(headers) else "Trial",
                "descending": header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder,
                "filter": self.filter_edit.text(),
            },
        )

    def _restore(self) -> None:
        """A session shown again gets back its sort and filter; another one starts
        sorted by trial, unfiltered."""
        key = self._settings_key()
        if key is None or key == self.restored_key:
            return
        self.restored_key = key
        kept = QSettings().value(key)
        kept = kept if isinstance(kept, dict) else {}
        headers = self.table_model.headers
        column = headers.index(kept["sort"]) if kept.get("sort") in headers else 0
        descending = kept.get("descending") in (True, "true")
        self.restoring = True
        self.view.sortByColumn(
            column, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        )
        self.filter_edit.setText(str(kept.get("filter", "")))
        self.restoring = False

    def _filter_edited(self, text: str) -> None:
        try:
            trial_filter = parse_filter(text, self.table_model.headers)
        except FilterError as error:
            self.problem = str(error)
        else:
            self.problem = None
            self.proxy.set_filter(trial_filter)
        self.filter_edit.setStyleSheet("" if self.problem is None else INVALID_STYLE)
        self._show_count()
        self._remember()

    def _show_count(self, *args) -> None:
        """N of M trials; a filter that matches nothing says so, one that cannot be
        read says why."""
        shown, total = self.proxy.rowCount(), self.table_model.rowCount()
        filtered = not self.proxy.trial_filter.empty or self.proxy.allowed is not None
        if self.problem is not None:
            text = f"<span style='color:#c62828'>Filter not applied: {self.problem}</span>"
        elif filtered and total and not shown:
            text = f"No trial of {total} matches"
        elif filtered:
            text = f"{shown} of {total} trials"
        else:
            text = f"{total} trial{'s' * (total != 1)}"
        self.count_label.setText(text)

    def _trials_changed(self, numbers: set[int]) -> None:
        first_rows = self.table_model.rowCount() == 0
        self.table_model.refresh(numbers)
        if first_rows:  # a search's columns fit its values, not only its headers
            self.view.fit_columns()

    def _selection_changed(self, *args) -> None:
        selection = self.view.selectionModel()
        rows = sorted(selection.selectedRows(), key=lambda index: index.row())
        numbers = [index.data(TRIAL_ROLE) for index in rows]
        current = selection.currentIndex()
        if current.isValid() and current.data(TRIAL_ROLE) in numbers:
            # The row clicked last is the trial chosen last (what Evaluate acts on).
            numbers.remove(current.data(TRIAL_ROLE))
            numbers.append(current.data(TRIAL_ROLE))
        self.model.select_many(numbers)

    def _proxy_index(self, number: int):
        row = self.table_model.row_of(number)
        return None if row is None else self.proxy.mapFromSource(self.table_model.index(row, 0))

    def _select_rows(self, numbers: tuple[int, ...]) -> None:
        """Show the model's selection (chosen on a panel, or restored) as selected rows."""
        if set(numbers) == set(self.selected_numbers()):
            return
        selection = QItemSelection()
        for number in numbers:
            index = self._proxy_index(number)
            if index is not None and index.isValid():
                selection.select(index, index)
        model = self.view.selectionModel()
        model.blockSignals(True)
        model.select(selection, ROWS)
        model.blockSignals(False)
        self.view.viewport().update()
        if numbers and (last := self._proxy_index(numbers[-1])) is not None and last.isValid():
            self.view.scrollTo(last)

    def select_numbers(self, numbers: list[int]) -> None:
        """Select these trials (a rectangle brushed on the scatter), in the table and in
        the model."""
        self._select_rows(tuple(numbers))
        self.model.select_many(numbers)

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
