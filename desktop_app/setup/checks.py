"""The setup checked as it is edited: its problems pinned to their fields, the data's
preview, and the search's size and time. A file of the person's own is read in the
helper process (once per file and setting that changes what is read), never on the
GUI thread; until it has been read, Start waits."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from hyperdesk.core.config import CodeConfig, ConfigError, DataConfig
from hyperdesk.core.data.datasets import DatasetError
from hyperdesk.core.data.downloads import needs_download
from hyperdesk.core.data.sources import (
    DataSummary,
    data_key,
    label_choices,
    preview_data,
    remember_shape,
    shape_known,
)
from hyperdesk.core.data.splits import too_few_rows
from hyperdesk.core.execution.code_check import check_run
from hyperdesk.core.execution.user_code import entry_and_functions
from hyperdesk.core.trials import TrialStatus
from hyperdesk.desktop_app.run.controller import SearchController
from hyperdesk.desktop_app.run.helper import HelperProcess
from hyperdesk.desktop_app.setup.column import SetupColumn
from hyperdesk.desktop_app.setup.panel import SetupPanel


class SetupChecks(QObject):
    checked = Signal()  # problems and pending are new: the run buttons follow

    def __init__(
        self,
        setup: SetupPanel,
        column: SetupColumn,
        controller: SearchController,
        helper: HelperProcess,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.setup, self.column, self.controller, self.helper = setup, column, controller, helper
        self.problems: list[tuple[str, str]] = []  # what keeps Start disabled
        self.pending = False  # the person's data file is being read
        self.asked: dict[tuple, DataConfig] = {}  # data key -> the data asked about
        self.summaries: dict[tuple, DataSummary] = {}  # data key -> what it holds
        self.errors: dict[tuple, str] = {}  # data key -> why it cannot be used
        self.labels_of: tuple[str, str] | None = None  # (source, format) whose names are asked
        # An entry of one's own -> why it cannot run ("": it can; None: being read).
        self.code_problems: dict[str, str | None] = {}
        setup.changed.connect(self.check)
        setup.testRunRequested.connect(self._test_run)
        controller.speedMeasured.connect(self.check)

    @property
    def startable(self) -> bool:
        return not self.problems and not self.pending

    def check(self) -> None:
        self._offer_labels()
        self._offer_functions()
        config, problems = self.setup.read()  # on every keystroke: read once
        if config is not None:  # where a resume runs too: a session can go on elsewhere
            self.controller.executor = config.run
        cost = ""
        self.pending = False
        if config is not None and config.own_code:
            self.setup.show_data_preview(None, None)
            problem = self.code_problems.get(config.code.entry, "")
            if problem is None:  # not known yet: the helper reads the file
                self.pending = True
                cost = f"Reading {Path(config.code.file).name}…"
                config = None
            elif problem:
                problems, config = [("code.entry", problem)], None
        elif config is not None and not shape_known(config.data):
            key = data_key(config.data) or ("missing", config.data.source)
            self.setup.show_data_preview(None, None)  # not another data's preview
            if key in self.errors:
                problems, config = [("data.source", self.errors[key])], None
            else:
                self.pending = True
                cost = f"Reading {Path(config.data.source).name}…"
                self._ask(key, config.data)
                config = None
        if config is not None:
            self._show_preview(config.data)
            summary = self.summaries.get(data_key(config.data))
            beyond = summary and too_few_rows(config.data, summary.rows, summary.notes)
            if beyond:  # caught here, before Start: pinned to the field
                problems, config = [("data.samples", beyond)], None
        if config is not None:
            try:
                cost = self.controller.cost_text(config)
            except ConfigError as error:  # it would not fit in this machine's memory
                problems, config = error.problems, None
            except DatasetError as error:  # the file named cannot be used as it is
                problems, config = [("data.source", str(error))], None
        self.problems = problems
        self.setup.show_problems(problems)
        self.setup.show_preview(config)
        self.column.show_check(len(problems), cost)
        self.checked.emit()

    def _test_run(self, config) -> None:
        """One short trial of the config's function, in the helper process (which runs
        it in a worker process of its own: a crash there is reported)."""
        self.helper.request(
            check_run,
            config,
            then=self._tested,
            failed=lambda reason: self.setup.show_test_run(reason, False),
        )

    def _tested(self, result) -> None:
        output = result.output.rstrip()
        text = result.text() + (f"\nIts output:\n{output}" if output else "")
        self.setup.show_test_run(text, result.status == TrialStatus.COMPLETE)

    def _offer_functions(self) -> None:
        """Ask the helper once per entry whether it can run (the file parsed, never
        imported here) and what functions its file has; the setup lists them."""
        picker = self.setup.editors["code.entry"]
        entry = picker.value()
        if not entry or entry in self.code_problems:
            return
        self.code_problems[entry] = None
        file = picker.file
        code = CodeConfig(entry=entry)

        def read(answer: tuple[str, list[str]]) -> None:
            self.code_problems[entry] = answer[0]
            if picker.file == file:
                picker.show_functions(answer[1])
            self.check()

        self.helper.request(
            entry_and_functions,
            code,
            then=read,
            failed=lambda problem: read((problem, [])),
        )

    def _offer_labels(self) -> None:
        """Ask the helper once per file what its label can name (its columns or arrays);
        the setup lists them."""
        values = self.setup.values()
        fmt = self.setup.loaded.get("data", {}).get("format", "")  # not in the form
        source = (values.get("data.source", ""), fmt)
        if source == self.labels_of:
            return
        self.labels_of = source
        self.setup.show_label_choices((), "")  # typed until they are known
        if not source[0]:
            return
        self.helper.request(
            label_choices,
            DataConfig(source=source[0], format=source[1]),
            then=lambda choices: self._labels_read(source, choices),
            failed=lambda problem: None,  # the preview says what is wrong with the file
        )

    def _labels_read(self, source: tuple[str, str], choices) -> None:
        if source == self.labels_of:  # not another file chosen meanwhile
            self.setup.show_label_choices(*choices)

    def _show_preview(self, data: DataConfig) -> None:
        """The preview of the data `data` names: known, asked of the helper process (a
        dataset only once downloaded: Start downloads it), or hidden."""
        key = data_key(data)
        summary = self.summaries.get(key)
        if (
            summary is None
            and key is not None
            and key not in self.errors
            and not needs_download(data.dataset, data.source)
        ):
            self._ask(key, data)
        self.setup.show_data_preview(summary, data)

    def _ask(self, key: tuple, data: DataConfig) -> None:
        if key not in self.asked:  # asked already: no stat of the cache again
            self.asked[key] = data
            self.helper.request(
                preview_data,
                data,
                then=lambda summary: self._read(key, summary),
                failed=lambda problem: self._unreadable(key, problem),
            )

    def _read(self, key: tuple, summary: DataSummary) -> None:
        remember_shape(self.asked.pop(key), summary)
        self.summaries[key] = summary
        self.check()

    def _unreadable(self, key: tuple, problem: str) -> None:
        """Pinned to the source field when it is a file of the person's own."""
        self.asked.pop(key)
        self.errors[key] = problem
        self.check()
