"""The left side of the window: the search space and the strategy first, then data, model
and training in sections that fold.

The panel turns its editors into a raw config dict and lets core.config validate it, so the
window and the command line accept exactly the same searches. Each problem is shown
at the editor its key path names: a red outline, a tooltip and a line underneath.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, fields
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from hyperdesk.core import config as config_module
from hyperdesk.core.config import (
    CodeConfig,
    Config,
    ConfigError,
    DataConfig,
    RunConfig,
    param_to_dict,
)
from hyperdesk.core.data.sources import ALL, DataSummary
from hyperdesk.core.data.splits import SCALE_TITLES, chosen_scale
from hyperdesk.core.data.tables import AUTO, CLASSIFICATION
from hyperdesk.core.execution.dask_pool import ClusterInfo, insecure_warning
from hyperdesk.core.formatting import parameter_text, size_text
from hyperdesk.core.search.objectives import size_unchanged
from hyperdesk.core.search.registry import preview_strategy, strategy_settings
from hyperdesk.core.storage.session import NAME_LENGTH
from hyperdesk.core.trials import METRICS, TASK_METRICS
from hyperdesk.desktop_app.dialogs.run_first import ask_point
from hyperdesk.desktop_app.setup.data_preview import DataPreview
from hyperdesk.desktop_app.setup.editors import Editor, FieldProblem
from hyperdesk.desktop_app.setup.fields import (
    FIELDS,
    SECTIONS,
    Field,
    on_dask,
    own_code,
    workers_editor,
)
from hyperdesk.desktop_app.setup.form_widgets import CollapsibleSection
from hyperdesk.desktop_app.setup.space_editor import (
    NEW_ROW_DEFAULTS,
    STANDING_ROWS,
    FieldError,
    SpaceEditor,
    mark_invalid,
)

PREVIEW_SAMPLES = 30
RUN_KEYS = tuple(f"run.{field.name}" for field in fields(RunConfig))
CLUSTER_WORKERS_SHOWN = 8  # a larger cluster's others are counted, not listed
SETUP_STYLE = """
*[invalid="true"] { border: 1px solid #c62828; border-radius: 3px; }
QToolButton:checked { background: #1f5fbf; color: white; border: 1px solid #174a94; }
"""


class VerticalScrollArea(QScrollArea):
    """Scrolls up and down only, and is never narrower than what it holds, so no editor
    is clipped at the right."""

    def __init__(self):
        super().__init__()
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def setWidget(self, widget: QWidget) -> None:
        super().setWidget(widget)
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        # When what it holds needs a new layout (rows added, fonts styled), the dock
        # around it must learn the new minimum width.
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            # Once the layouts inside have settled: asked at once, a section opening
            # answered with its width before it was laid out, 20 px more, and the dock
            # kept it.
            QTimer.singleShot(0, self.updateGeometry)
        return super().eventFilter(watched, event)

    def minimumSizeHint(self):
        hint = super().minimumSizeHint()
        if self.widget() is not None:
            hint.setWidth(
                self.widget().minimumSizeHint().width()
                + self.verticalScrollBar().sizeHint().width()
                + 2 * self.frameWidth()
            )
        return hint


class SetupPanel(QWidget):
    """Everything that defines a search, built from the table in setup_fields.py.
    `changed` fires on every edit; `problems()` and `config()` read the editors through
    core.config. Settings the form does not edit (the early-stopping rule's own
    settings, the coarse-to-fine margin) keep the loaded config's values."""

    changed = Signal()
    connectRequested = Signal(object)  # core.config.RunConfig: show that cluster's workers
    testRunRequested = Signal(object)  # core.config.Config: one short trial of its function

    def __init__(self):
        super().__init__()
        self.setStyleSheet(SETUP_STYLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.editors: dict[str, Editor] = {}
        self.errors: dict[str, FieldError] = {}
        self.form_rows: dict[str, tuple[QFormLayout, QWidget]] = {}
        self.loaded: dict = Config().to_dict()
        # What the previewed data's label makes of the search (classification or
        # regression): which metrics the ranking may name.
        self.data_task = CLASSIFICATION

        name_form = QFormLayout()
        self.name_edit = QLineEdit("seed")
        self.name_edit.setObjectName("nameEdit")
        self.name_edit.setMaxLength(NAME_LENGTH)
        name_form.addRow("Session name", self.name_edit)
        self.name_edit.textEdited.connect(self._edited)
        self.name_edit.textEdited.connect(lambda _: setattr(self, "name_typed", True))
        # A name the person typed is theirs; one that came with a loaded search is made
        # distinct from the saved sessions' names when it starts (seed, seed 2, …).
        self.name_typed = False
        layout.addLayout(name_form)
        # What is searched, and how, comes first: it is what a person changes most.
        layout.addWidget(self._build_space_box())
        self.sections: dict[str, CollapsibleSection] = {}
        self.folding_section: dict[str, CollapsibleSection] = {}  # by field key
        for section in SECTIONS:
            if section.summary is None:
                box = QGroupBox(section.title)
                form = QFormLayout(box)
            else:
                box = self.sections[section.title] = CollapsibleSection(section.title)
                form = QFormLayout(box.body)
            for field in section.fields:
                self._add_field(form, field)
                if section.summary is not None:
                    self.folding_section[field.key] = box
            if section.title == "Strategy":
                self.workers_spin = workers_editor().widget
                form.addRow("Worker processes", self.workers_spin)
            if section.title == "Where it runs":
                self._add_cluster_row(form)
            layout.addWidget(box)
        # What the person's own data holds, under its field: checked before Start.
        self.data_preview = DataPreview()
        form, holder = self.form_rows["data.source"]
        row, _ = form.getWidgetPosition(holder)
        form.insertRow(row + 1, "", self.data_preview)
        self._add_test_run()
        layout.addStretch()
        self.load_config(Config(), "seed")

    def _add_test_run(self) -> None:
        """Under a function's fixed values: Test run, and what the test reported."""
        self.test_run_button = _button(
            "Test run",
            "testRunButton",
            self._test_run,
            "Run one short trial of your function (the middle of each range, one epoch) "
            "in a separate process and show what it reported",
        )
        self.test_run_result = QLabel()
        self.test_run_result.setObjectName("testRunResult")
        self.test_run_result.setWordWrap(True)
        self.test_run_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_run_row = QWidget()
        column = QVBoxLayout(self.test_run_row)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.test_run_button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.test_run_result)
        form, holder = self.form_rows["code.fixed"]
        row, _ = form.getWidgetPosition(holder)
        form.insertRow(row + 1, "", self.test_run_row)

    def _test_run(self) -> None:
        config, problems = self.read()
        if config is None:
            self.show_test_run("Fix the problems shown first: " + problems[0][1], False)
            return
        self.test_run_button.setEnabled(False)
        self.test_run_result.setText("Running one trial…")
        self.testRunRequested.emit(config)

    def show_test_run(self, text: str, worked: bool) -> None:
        """What a test run reported (or why it failed)."""
        self.test_run_button.setEnabled(True)
        colour = "#1b5e20" if worked else "#b71c1c"
        self.test_run_result.setStyleSheet(f"color: {colour}; font-family: monospace;")
        self.test_run_result.setText(text)

    def _build_space_box(self) -> QGroupBox:
        space = QGroupBox("Search space")
        column = QVBoxLayout(space)
        self.space_editor = SpaceEditor()
        self.space_editor.changed.connect(self._edited)
        column.addWidget(self.space_editor)
        self.space_error = FieldError()
        column.addWidget(self.space_error)
        # Configurations to run first ([[search.enqueue]]): chosen by hand, run as they are.
        self.add_trial_button = _button(
            "Add trial…",
            "addTrialButton",
            self._add_trial,
            "A configuration of your own to run first, as it is, before the strategy's trials",
        )
        self.clear_trials_button = _button(
            "Clear", "clearTrialsButton", lambda: self._set_run_first([])
        )
        self.run_first_label, self.run_first_error = _status_row(
            column, "runFirstLabel", (self.add_trial_button, self.clear_trials_button)
        )
        # A warm start (Sessions tab, Warm start): shown while set, with a way out.
        self.no_warm_start_button = _button(
            "Forget it", "noWarmStartButton", self._forget_warm_start
        )
        self.warm_start_label, self.warm_start_error = _status_row(
            column, "warmStartLabel", (self.no_warm_start_button,)
        )
        return space

    def _add_cluster_row(self, form: QFormLayout) -> None:
        """Connect, and what it found: the cluster's workers and its dashboard."""
        self.connect_button = _button(
            "Connect",
            "connectButton",
            self._connect,
            "Reach the scheduler and list its workers (nothing is sent to them)",
        )
        self.cluster_label = QLabel()
        self.cluster_label.setObjectName("clusterLabel")
        self.cluster_label.setWordWrap(True)
        self.cluster_label.setOpenExternalLinks(True)
        self.cluster_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.cluster_row = QWidget()
        column = QVBoxLayout(self.cluster_row)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.connect_button)
        row.addStretch()
        column.addLayout(row)
        column.addWidget(self.cluster_label)
        form.addRow("", self.cluster_row)

    def run_config(self) -> RunConfig | None:
        """Where the form says trials train; None (its problems shown) when the address
        or the TLS files are not right."""
        values = self.values()
        run = RunConfig(**{key.removeprefix("run."): values[key] for key in RUN_KEYS})
        problems = config_module.run_problems(run)
        if problems:
            self.show_problems(problems)
        return None if problems else run

    def _connect(self) -> None:
        run = self.run_config()
        if run is not None:
            self.cluster_label.setText(f"Connecting to {run.address}…")
            self.connect_button.setEnabled(False)
            self.connectRequested.emit(run)

    def show_cluster(self, info: ClusterInfo | None, problem: str = "") -> None:
        """What Connect found: the workers (each host's cores and memory), the link to
        the dashboard, and a warning for an unencrypted address of another machine."""
        self.connect_button.setEnabled(True)
        if info is None:
            self.cluster_label.setText(f'<span style="color:#c62828">{escape(problem)}</span>')
            return
        memory = sum(worker.memory for worker in info.workers)
        lines = [
            f"<b>{len(info.workers)} workers, {info.threads} cores, "
            f"{size_text(memory)}</b>"
            + "".join(
                f"<br>{escape(worker.address)}: {worker.threads} "
                f"core{'s' if worker.threads > 1 else ''}, {size_text(worker.memory)}"
                for worker in info.workers[:CLUSTER_WORKERS_SHOWN]
            )
        ]
        if len(info.workers) > CLUSTER_WORKERS_SHOWN:
            lines.append(f"… and {len(info.workers) - CLUSTER_WORKERS_SHOWN} more")
        if info.dashboard:
            lines.append(f'<a href="{escape(info.dashboard)}">Dask dashboard</a>')
        run = self.run_config()
        if run is not None and (warning := insecure_warning(run)):
            lines.append(f'<span style="color:#b26a00">{escape(warning)}</span>')
        self.cluster_label.setText("<br>".join(lines))

    def _forget_warm_start(self) -> None:
        self.loaded["search"].update(warm_start="", prior=[])
        self._show_warm_start()
        self._edited()

    def _show_warm_start(self) -> None:
        source = self.loaded["search"].get("warm_start", "")
        known = len(self.loaded["search"].get("prior", []))
        what = f"its {known} scored trials" if known else "its scored trials (read at Start)"
        self.warm_start_label.setText(
            f"Warm start: TPE begins knowing {what} of {Path(source).name}" if source else ""
        )
        for widget in (self.warm_start_label, self.no_warm_start_button):
            widget.setVisible(bool(source))

    def _add_trial(self) -> None:
        """Ask a value of each searched setting (the middle of its range to start
        from) and add the configuration to those run first."""
        config, _ = self.read()
        space = config.search.space if config is not None else ()
        if not space:
            self.run_first_error.show_reason("search.space: search a setting first")
            return
        point = ask_point(self, space)
        if point is not None:
            self._set_run_first([*self.loaded["search"].get("enqueue", []), point])

    def _set_run_first(self, points: list[dict[str, Any]]) -> None:
        self.loaded["search"]["enqueue"] = points
        self._show_run_first()
        self._edited()

    def _show_run_first(self) -> None:
        points = self.loaded["search"].get("enqueue", [])
        self.run_first_label.setText(
            "Run first: "
            + "; ".join(
                ", ".join(f"{name} {parameter_text(value)}" for name, value in point.items())
                for point in points
            )
            if points
            else "The strategy chooses every trial."
        )
        self.clear_trials_button.setVisible(bool(points))

    def _add_field(self, form: QFormLayout, field: Field) -> None:
        editor = field.make()
        editor.widget.setToolTip(field.tooltip)
        if field.object_name:
            editor.widget.setObjectName(field.object_name)
        if field.key == "data.source":  # before _edited, which checks the setup
            editor.on_change(self._new_source)
        editor.on_change(self._edited)
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(editor.widget)
        error = FieldError()
        column.addWidget(error)
        form.addRow(field.label, holder)
        self.editors[field.key] = editor
        self.errors[field.key] = error
        self.form_rows[field.key] = (form, holder)

    def _new_source(self, *args) -> None:
        """Other data of the person's own: the search takes all of its rows, its classes
        from its own last column, until the person says otherwise (a count or a column
        chosen for other data means nothing for it)."""
        for key, value in (("data.samples", ALL), ("data.label", "")):  # and its own label
            editor = self.editors[key]
            editor.widget.blockSignals(True)  # _edited, which follows, checks the setup once
            editor.set_value(value)
            editor.widget.blockSignals(False)

    def show_label_choices(self, names: tuple[str, ...], default: str) -> None:
        """The names the data's label can take (read by the helper from the file)."""
        self.editors["data.label"].show_names(names, default)

    def _edited(self, *args) -> None:
        self._update_visibility()
        self.changed.emit()

    def values(self) -> dict[str, Any]:
        """What each editor that can be read holds, by config key."""
        values = {}
        for key, editor in self.editors.items():
            try:
                values[key] = editor.value()
            except FieldProblem:
                continue
        return values

    # --- config in ----------------------------------------------------------------

    def load_config(self, config: Config, name: str) -> None:
        """Show `config` in the editors, emitting changed once at the end."""
        widgets = [self, *self.findChildren(QWidget)]
        blocked = [widget.blockSignals(True) for widget in widgets]
        self.loaded = every_section(config)
        self._show_run_first()
        self._show_warm_start()
        self.name_edit.setText(name)
        self.name_typed = False
        for key, editor in self.editors.items():
            editor.set_value(_lookup(self.loaded, key))
        search = config.search
        self.space_editor.clear()
        self.space_editor.set_grid("points" in strategy_settings(search.strategy, search.sampler))
        searched = {param.name: param for param in search.space}
        self.space_editor.set_own_code(config.own_code)
        standing = () if config.own_code else STANDING_ROWS  # a function's: only its own
        for row in [*standing, *(n for n in searched if n not in standing)]:
            param = searched.get(row)
            fixed = getattr(config.train, row, None)
            if fixed is None:
                fixed = getattr(config.model, row, None)
            table = NEW_ROW_DEFAULTS[row] if param is None else param_to_dict(param)
            self.space_editor.add_row(row, param is not None, table, fixed)
        for widget, was_blocked in zip(widgets, blocked, strict=True):
            widget.blockSignals(was_blocked)
        if config.run.executor == "dask":  # where it runs is not left out of sight
            self.sections["Where it runs"].set_expanded(True)
        self._edited()

    def _update_visibility(self) -> None:
        values = self.values()
        # A function of one's own loads its own data and trains its own way.
        for title in ("Data", "Training"):
            self.sections[title].setVisible(not own_code(values))
        form, _ = self.form_rows["code.fixed"]
        form.setRowVisible(self.test_run_row, own_code(values))
        if own_code(values) != self.space_editor.own_code:
            self.space_editor.set_own_code(own_code(values))
            self.space_editor.clear()  # the network's settings are not the function's
        in_space = set(self.space_editor.rows)
        for key, field in FIELDS.items():
            form, holder = self.form_rows[key]
            # A setting with a row in the search space is set there, not here.
            form.setRowVisible(holder, field.shown(values) and field.setting not in in_space)
            self.editors[key].widget.setEnabled(field.enabled(values))
            self.editors[key].fit(values)
        strategy = values["search.strategy"]
        form, holder = self.form_rows["search.trials"]
        form.labelForField(holder).setText(
            "Trials per round" if strategy == "coarse-to-fine" else "Trials"
        )
        self.space_editor.set_grid(
            "points" in strategy_settings(strategy, values.get("search.sampler", "grid"))
        )
        form, _ = self.form_rows["run.executor"]
        form.setRowVisible(self.cluster_row, on_dask(values))
        self.workers_spin.setEnabled(not on_dask(values))  # a cluster has its own workers
        # Which optimizers can train: the optimizer row's (fixed or searched), else the form's.
        row = self.space_editor.rows.get("optimizer")
        named = [values.get("train.optimizer")] if row is None else row.low_edit.text().split(",")
        self.space_editor.set_optimizers({name.strip() for name in named if name and name.strip()})
        searched = [name for name, row in self.space_editor.rows.items() if row.searched]
        self.editors["search.objectives"].offer_size(size_unchanged(searched))
        self._show_metric(values)
        for section in SECTIONS:
            if section.summary is not None:
                self.sections[section.title].set_summary(section.summary(values))

    # --- config out ---------------------------------------------------------------

    def raw_config(self) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """The editors as a raw config dict, over the loaded config's values, and the
        problems of text that could not be read at all (each with its key path)."""
        problems: list[tuple[str, str]] = []
        raw = copy.deepcopy(self.loaded)
        raw["search"]["space"] = {}
        for key, editor in self.editors.items():
            try:
                _store(raw, key, editor.value())
            except FieldProblem as problem:
                _drop(raw, key)
                problems.append((key, str(problem)))
        if raw["code"]["entry"]:  # the function's: no data, network or training of ours
            for section in ("data", "model", "train"):
                raw.pop(section)
            raw["search"]["metric"] = ""  # code.metric ranks its trials
        else:
            raw.pop("code")
        for row in self.space_editor.rows.values():
            row.contribute(raw, problems)
        # In the loaded config's order, whatever order the rows show them in (lr and
        # weight_decay always first): a strategy draws its parameters in that order, so
        # the window's search of a config is the command line's, trial for trial.
        loaded = list(self.loaded["search"].get("space", {}))
        space = raw["search"]["space"]
        raw["search"]["space"] = dict(
            sorted(
                space.items(),
                key=lambda item: loaded.index(item[0]) if item[0] in loaded else len(loaded),
            )
        )
        return raw, problems

    def read(self) -> tuple[Config | None, list[tuple[str, str]]]:
        """The search the editors describe and its problems, read and validated once:
        (config, []) or (None, problems)."""
        raw, problems = self.raw_config()
        if problems:
            return None, problems
        try:
            return config_module.from_dict(raw), []
        except ConfigError as error:
            return None, error.problems

    def problems(self) -> list[tuple[str, str]]:
        return self.read()[1]

    def config(self) -> Config:
        """The search the editors describe; raises ConfigError when they have problems."""
        raw, problems = self.raw_config()
        if problems:
            raise ConfigError(problems)
        return config_module.from_dict(raw)

    @property
    def session_name(self) -> str:
        return self.name_edit.text().strip() or "session"

    def show_problems(self, problems: list[tuple[str, str]]) -> None:
        by_path: dict[str, str] = {}
        for path, message in problems:
            by_path[path] = f"{by_path[path]}; {message}" if path in by_path else message
        for key, editor in self.editors.items():
            mark_invalid(editor.widget, by_path.get(key))
            self.errors[key].show_reason(by_path.get(key))
            if key in by_path and key in self.folding_section:
                # A problem is never hidden in a folded section.
                self.folding_section[key].set_expanded(True)
        for row in self.space_editor.rows.values():
            row.show_problems(by_path)
        self.space_error.show_reason(by_path.get("search.space"))
        self.warm_start_error.show_reason(by_path.get("search.warm_start"))
        self.run_first_error.show_reason(
            "\n".join(
                f"{path.removeprefix('search.')}: {message}"
                for path, message in problems
                if path.startswith("search.enqueue")
            )
            or None
        )

    def _show_metric(self, values: dict[str, Any], settled: bool = False) -> None:
        """Offer the ranking metrics of the data's task (a task chosen, else the one the
        preview found) and name the chosen one in what the search optimises; `settled`:
        the preview just found the task (RankingMetric.offer)."""
        if own_code(values):  # what the function reports, named as it names it
            self.editors["search.objectives"].show_metric(values.get("code.metric") or "val_acc")
            return
        task = values.get("data.task", AUTO)
        task = self.data_task if task == AUTO else task
        ranking = self.editors["search.metric"]
        ranking.offer(task, settled)
        chosen = ranking.value()
        metric = METRICS[chosen if chosen in TASK_METRICS[task] else TASK_METRICS[task][0]]
        self.editors["search.objectives"].show_metric(metric.heading)

    def show_data_preview(self, summary: DataSummary | None, data: DataConfig | None) -> None:
        """What the data holds and how `data` cuts and scales it; hidden without a summary."""
        form, _ = self.form_rows["data.source"]
        if summary is not None and summary.task != self.data_task:
            self.data_task = summary.task
            self._show_metric(self.values(), settled=True)
        if summary is not None and data is not None:
            scale = chosen_scale(data.scale, summary.kind)
            if summary.kind == "images" and scale == "unit":
                scaling = "pixel values / 255"
            else:
                fitted = ", fitted on the training rows" + (
                    " of each fold" if data.folds > 1 else ""
                )
                scaling = SCALE_TITLES[scale] + ("" if scale == "none" else fitted)
            self.data_preview.show_summary(
                summary, [f"Split: {data.split_text()}", f"Scaling: {scaling}"]
            )
        form.setRowVisible(self.data_preview, summary is not None and data is not None)

    def show_preview(self, config: Config | None) -> None:
        """Tick each searched row's strip where the strategy's next samples fall."""
        samples: list[dict[str, Any]] = []
        if config is not None and config.search.space:
            strategy = preview_strategy(config.search)
            while len(samples) < PREVIEW_SAMPLES and (suggestion := strategy.ask()):
                samples.append(suggestion.params)
        params = {param.name: param for param in config.search.space} if config else {}
        for name, row in self.space_editor.rows.items():
            param = params.get(name)
            row.show_preview(param, [s[name] for s in samples if name in s])


def every_section(config: Config) -> dict[str, Any]:
    """`config` as a raw dict with every section the setup edits: a built-in search's
    [code] and a function's [data], [model] and [train] as their defaults."""
    defaults = {**Config().to_dict(), "code": asdict(CodeConfig())}
    return {**defaults, **config.to_dict()}


def _lookup(raw: dict, key: str) -> Any:
    for part in key.split("."):
        raw = raw[part]
    return raw


def _store(raw: dict, key: str, value: Any) -> None:
    *parents, last = key.split(".")
    for part in parents:
        raw = raw.setdefault(part, {})
    raw[last] = value


def _drop(raw: dict, key: str) -> None:
    *parents, last = key.split(".")
    for part in parents:
        raw = raw[part]
    raw.pop(last, None)


def _button(text: str, name: str, slot, tip: str = "") -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setToolTip(tip)
    button.clicked.connect(slot)
    return button


def _status_row(
    column: QVBoxLayout, name: str, buttons: tuple[QPushButton, ...]
) -> tuple[QLabel, FieldError]:
    """A line of text that says what is set, its buttons beside it and its problem under
    it, added to `column`."""
    row = QHBoxLayout()
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    row.addWidget(label, 1)
    for button in buttons:
        row.addWidget(button)
    column.addLayout(row)
    error = FieldError()
    column.addWidget(error)
    return label, error
