"""The Search setup column: the form, its checks pinned to fields, the search space editor,
the data preview and the estimate before Start."""

from __future__ import annotations

import importlib.resources
import re
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QPushButton,
)

from hyperdesk.core import config as config_module
from tests.desktop_app.helpers import (
    TIME_TAKEN,
    add_choices,
    button,
    load,
    run_to_end,
    table_numbers,
    type_into,
    wheel,
)


@pytest.mark.parametrize(
    ("editor", "text", "reason"),
    [
        ("low_lr", "0.5", "must be greater than low"),
        ("high_lr", "abc", "'abc' is not a number"),
        ("low_weight_decay", "", "needs a value"),
        ("hiddenEdit", "100, x", "whole numbers separated by commas"),
    ],
)
def test_invalid_input_disables_start_until_fixed(qtbot, window, editor, text, reason):
    from PySide6.QtWidgets import QLineEdit

    load(window)
    edit = window.findChild(QLineEdit, editor)
    original = edit.text()
    type_into(qtbot, edit, text)
    start = button(window, "startButton")
    assert not start.isEnabled()
    assert reason in edit.toolTip()
    assert edit.property("invalid") is True
    visible_lines = " ".join(
        label.text()
        for label in window.setup.findChildren(type(window.setup_column.problem_label))
        if label.isVisible()
    )
    assert reason in visible_lines
    type_into(qtbot, edit, original)
    assert start.isEnabled()
    assert edit.toolTip() == ""


def test_log_scale_with_low_at_zero_is_refused_and_explained(qtbot, window):
    from PySide6.QtWidgets import QLineEdit, QToolButton

    load(window, ["search.space.weight_decay.scale='linear'", "search.space.weight_decay.low=0"])
    row = window.setup.space_editor.rows["weight_decay"]
    qtbot.mouseClick(window.findChild(QToolButton, "log_weight_decay"), Qt.MouseButton.LeftButton)
    assert row.scale == "linear"
    assert "Log scale needs low and high above 0 (low is 0)" in row.error.text()
    assert window.findChild(QLineEdit, "low_weight_decay").text() == "0"
    type_into(qtbot, window.findChild(QLineEdit, "low_weight_decay"), "1e-9")
    qtbot.mouseClick(window.findChild(QToolButton, "log_weight_decay"), Qt.MouseButton.LeftButton)
    assert row.scale == "log"
    assert window.setup.config().search.space[1].low == 1e-9


def test_strategy_shows_only_its_options(qtbot, window):
    combo = window.setup.editors["search.strategy"].widget
    form, holder = window.setup.form_rows["search.points"]
    combo.setCurrentIndex(combo.findData("grid"))
    assert form.isRowVisible(holder)
    assert not window.setup.form_rows["search.trials"][0].isRowVisible(
        window.setup.form_rows["search.trials"][1]
    )
    assert window.setup.space_editor.rows["lr"].points_spin.isVisibleTo(window)
    combo.setCurrentIndex(combo.findData("coarse-to-fine"))
    assert window.setup.form_rows["search.rounds"][0].isRowVisible(
        window.setup.form_rows["search.rounds"][1]
    )

    def shown(key):
        form, holder = window.setup.form_rows[key]
        return form.isRowVisible(holder)

    # Grid rounds by default: points per range (and per parameter), no trial count.
    assert shown("search.sampler") and shown("search.points") and not shown("search.trials")
    assert window.setup.space_editor.rows["lr"].points_spin.isVisibleTo(window)
    assert "3 rounds x 25 points = 75 trials" in window.setup_column.cost_label.text()
    sampler = window.setup.editors["search.sampler"].widget
    sampler.setCurrentIndex(sampler.findData("random"))
    assert shown("search.trials") and not shown("search.points")
    assert not window.setup.space_editor.rows["lr"].points_spin.isVisibleTo(window)
    combo.setCurrentIndex(combo.findData("random"))
    assert not shown("search.sampler")


def test_added_rows_are_searched_and_unchecked_rows_are_fixed(qtbot, window):
    load(window)
    editor = window.setup.space_editor
    editor.add_combo.setCurrentIndex(editor.add_combo.findData("optimizer"))
    editor.add_combo.activated.emit(editor.add_combo.currentIndex())
    row = editor.rows["optimizer"]
    assert row.searched and not window.setup.form_rows["train.optimizer"][1].isVisibleTo(window)
    type_into(qtbot, row.low_edit, "sgd, adam")
    window.setup.space_editor.rows["lr"].search_box.setChecked(False)
    type_into(qtbot, window.setup.space_editor.rows["lr"].low_edit, "0.05")
    config = window.setup.config()
    assert [p.name for p in config.search.space] == ["weight_decay", "optimizer"]
    assert config.search.space[1].values == ("sgd", "adam")
    assert config.train.lr == 0.05


def test_the_size_and_cost_of_a_search_are_shown_before_it_runs(qtbot, window):
    load(window)
    cost = window.findChild(type(window.setup_column.problem_label), "costLabel")
    assert cost.text().startswith("4 trials, 12 epochs; memory about ")
    assert cost.text().endswith("MB per worker)")
    load(window, ["search.trials=8", "train.epochs=4"])
    run_to_end(qtbot, window)  # 32 epochs: enough to measure this machine's speed
    load(window, ["search.trials=40"])
    assert re.match(rf"40 trials, 120 epochs, {TIME_TAKEN} here;", cost.text())
    load(window, ["search.trials=40", "data.folds=2", "train.repeats=2"])
    assert re.match(rf"40 trials x 4 runs, 480 epochs, {TIME_TAKEN} here;", cost.text())


def test_early_stopping_and_bayesian_search_are_chosen_in_the_window(qtbot, window):
    load(window, ["search.trials=6", "train.epochs=12", "search.space.lr.low=1e-6"])
    setup = window.setup
    setup.editors["search.strategy"].set_value("tpe")
    setup.editors["search.early_stopping.rule"].set_value("median")
    config = setup.config()
    assert config.search.strategy == "tpe"
    assert config.search.early_stopping.rule == "median"
    form, holder = setup.form_rows["search.batch"]
    assert form.isRowVisible(holder)
    assert run_to_end(qtbot, window) == "complete"
    assert len(table_numbers(window)) == 6


def test_a_search_too_large_for_this_machine_is_refused_before_it_starts(qtbot, window):
    """A network ten million units wide passed validation and each worker then asked
    for gigabytes; its memory is estimated first, and the setup says so."""
    load(window, ["model.hidden=[10000000]"])
    assert not button(window, "startButton").isEnabled()
    reason = window.setup.errors["model.hidden"].text()
    assert "MB free" in reason and "needs about" in reason
    assert window.setup_column.problem_label.text().startswith("Fix 1 problem")


def test_the_mouse_wheel_scrolls_the_setup_instead_of_changing_what_it_passes(qtbot, window):
    """Wheeling over the form to reach the search space changed Epochs from 50 to 48."""
    epochs = window.setup.editors["train.epochs"].widget
    optimizer = window.setup.editors["train.optimizer"].widget
    before = (epochs.value(), optimizer.currentIndex())
    window.setFocus()
    wheel(epochs, -2)
    wheel(optimizer, -1)
    assert (epochs.value(), optimizer.currentIndex()) == before
    epochs.setFocus()  # clicked: now the wheel is for it
    qtbot.waitUntil(epochs.hasFocus)
    wheel(epochs, -2)
    assert epochs.value() == before[0] - 2


def test_the_search_space_and_strategy_are_seen_without_scrolling(qtbot, window):
    """At 1366x768 the range editors, the main feature, were below the fold."""
    from PySide6.QtWidgets import QScrollArea

    window.resize(1366, 740)
    QApplication.processEvents()
    scroll = window.setup.parentWidget().parentWidget()
    assert isinstance(scroll, QScrollArea)
    viewport = scroll.viewport()
    for widget in (
        window.setup.space_editor,
        window.setup.editors["search.strategy"].widget,
        window.setup.workers_spin,
    ):
        bottom = widget.mapTo(viewport, widget.rect().bottomLeft()).y()
        assert 0 <= bottom <= viewport.height(), widget.objectName()
    assert scroll.verticalScrollBar().value() == 0


def test_folded_settings_say_what_they_hold_and_open_on_a_problem(qtbot, window):
    training = window.setup.sections["Training"]
    epochs = window.setup.editors["train.epochs"].widget
    assert not training.expanded and not epochs.isVisible()
    assert training.header.text() == "Training: 50 epochs, batch 100, sgd"
    assert window.setup.sections["Data"].header.text().startswith("Data: mnist-10k, 500 samples")
    epochs.setValue(7)
    assert training.header.text() == "Training: 7 epochs, batch 100, sgd"
    hidden = window.setup.editors["model.hidden"].widget
    hidden.setText("100, x")
    hidden.textEdited.emit("100, x")
    qtbot.waitUntil(lambda: window.setup.sections["Model"].expanded)
    assert hidden.isVisible() and window.setup.errors["model.hidden"].isVisible()
    training.header.click()
    assert training.expanded and epochs.isVisible()
    assert training.header.text() == "Training"


def test_add_a_parameter_lists_human_names_and_disables_what_the_optimizer_ignores(window):
    items = add_choices(window)
    assert items["momentum"] == ("Momentum (momentum): used only by momentum or nesterov", False)
    assert items["dropout"] == ("Dropout (dropout)", True)
    assert items["beta1"][1] is False
    window.setup.editors["train.optimizer"].set_value("adam")
    items = add_choices(window)
    assert items["beta1"] == ("Adam beta1 (beta1)", True)
    assert items["momentum"][1] is False
    # Searching the optimizer over several: what any of them uses can be added.
    row = window.setup.space_editor.add_row(
        "optimizer", True, {"values": ["sgd", "momentum"]}, None
    )
    row.changed.emit()
    items = add_choices(window)
    assert items["momentum"][1] and not items["beta1"][1]


@pytest.mark.measures_speed
def test_a_first_start_with_no_speed_known_still_estimates_the_time(qtbot, window):
    """The first estimate had a size and no time until a search had run."""
    label = window.setup_column.cost_label
    qtbot.waitUntil(lambda: "here (a first estimate)" in label.text(), timeout=60_000)
    assert re.match(rf"100 trials, 5,000 epochs, {TIME_TAKEN} here", label.text())
    calibrated = float(QSettings().value("engine/gflops_calibrated"))
    assert 0.1 < calibrated < 10_000  # GFLOP/s of a laptop to a workstation
    # A search that ran here replaces it.
    QSettings().setValue("engine/gflops", calibrated / 2)
    window.setup.editors["search.trials"].set_value(13)
    assert "(a first estimate)" not in label.text() and "about " in label.text()


def test_a_csv_of_ones_own_is_chosen_in_the_setup_and_searched(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    penguins = Path(str(importlib.resources.files("hyperdesk.resources.examples"))) / "penguins.csv"
    load(window, ["data.samples=300", "search.trials=3", "train.epochs=5"])
    window.setup.sections["Data"].set_expanded(True)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(penguins), ""))
    window.findChild(QPushButton, "sourceFileButton").click()
    editors = window.setup.editors
    assert editors["data.label"].widget.isVisible()  # the own-data settings appear
    assert not editors["data.dataset"].widget.isEnabled()
    # Samples follows the new file: all of its rows, not the 300 chosen for MNIST.
    assert window.setup.sections["Data"].summary.startswith("penguins.csv, all samples")
    # Read in the helper process, never on the GUI thread; Start waits for it.
    assert not button(window, "startButton").isEnabled()
    # The file's own problem is pinned to the field, with what to do.
    error = window.setup.errors["data.source"]
    qtbot.waitUntil(lambda: "a missing value ('NA')" in error.text(), timeout=30_000)
    # Label lists the file's columns, its last preselected; typing picks one.
    label = editors["data.label"].widget
    qtbot.waitUntil(lambda: label.count() == 8, timeout=30_000)
    assert not label.isEditable()
    assert [label.itemText(i) for i in range(8)][:2] == ["species", "island"]
    assert label.currentText() == "year"
    assert window.setup.config().data.label == ""  # the default: nothing to store
    label.setFocus()
    qtbot.keyClicks(label, "spe")
    assert label.currentText() == "species"
    editors["data.missing"].set_value("drop")
    preview = window.setup.data_preview
    qtbot.waitUntil(lambda: preview.isVisible(), timeout=30_000)
    assert preview.headline.text() == "333 rows x 10 features, 3 classes"
    assert preview.bars.rows == [("Adelie", 146), ("Chinstrap", 68), ("Gentoo", 119)]
    assert preview.head.isVisible() and preview.head.rowCount() == 5
    assert preview.head.horizontalHeaderItem(1).text() == "island"
    assert not preview.examples.isVisible()  # a table has no pictures
    details = preview.details.text()
    assert "island: text, one-hot encoded as 3 columns" in details
    assert "Split: 266 training, 67 validation" in details
    assert "Scaling: standardized (mean 0, standard deviation 1), fitted on the training" in details
    assert not error.isVisible() and button(window, "startButton").isEnabled()
    config = window.setup.config()
    assert config.data.source == str(penguins) and config.data.missing == "drop"
    run_to_end(qtbot, window)
    assert window.model.results.trials_done == 3
    assert config_module.Config().data.source == ""  # the default stays the bundled MNIST


def test_a_measured_label_offers_the_regression_metrics_and_names_the_chosen_one(qtbot, window):
    penguins = Path(str(importlib.resources.files("hyperdesk.resources.examples"))) / "penguins.csv"
    load(window, [f"data.source={penguins}", "data.missing=drop", "data.label=species"])
    ranking = window.findChild(QComboBox, "metricCombo")
    objectives = window.findChild(QComboBox, "objectivesCombo")
    preview = window.setup.data_preview

    def offered() -> list[str]:
        return [
            ranking.itemData(i)
            for i in range(ranking.count())
            if ranking.model().item(i).isEnabled()
        ]

    qtbot.waitUntil(lambda: "3 classes" in preview.headline.text(), timeout=30_000)
    assert offered() == ["", "val_acc"] and objectives.itemText(0) == "Validation accuracy"
    # The body mass is a measurement: its metrics are offered, R² the task's own.
    window.setup.editors["data.label"].set_value("body_mass_g")
    qtbot.waitUntil(
        lambda: "regression on 'body_mass_g'" in preview.headline.text(), timeout=30_000
    )
    assert offered() == ["", "val_r2", "val_rmse", "val_mae"]
    assert ranking.itemText(0) == "Validation R² (the task's own)"
    assert objectives.itemText(0) == "Validation R²"
    ranking.setCurrentIndex(ranking.findData("val_rmse"))
    assert objectives.itemText(0) == "Validation RMSE"
    assert objectives.itemText(2) == "Validation RMSE and training time"
    config = window.setup.config()
    assert config.search.metric == "val_rmse" and config.metric.name == "val_rmse"
    # Back to the species: a choice of the other task's returns to the task's own.
    window.setup.editors["data.label"].set_value("species")
    qtbot.waitUntil(lambda: "3 classes" in preview.headline.text(), timeout=30_000)
    assert ranking.currentData() == "" and objectives.itemText(0) == "Validation accuracy"
    # The task can be said, and a number label then ranks by a regression's metric.
    window.setup.editors["data.task"].set_value("regression")
    assert window.setup.config().data.task == "regression"
    assert offered() == ["", "val_r2", "val_rmse", "val_mae"]


def test_more_samples_than_the_file_has_are_caught_before_start(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    penguins = Path(str(importlib.resources.files("hyperdesk.resources.examples"))) / "penguins.csv"
    load(window, ["search.trials=2", "train.epochs=1"])
    window.setup.sections["Data"].set_expanded(True)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(penguins), ""))
    window.findChild(QPushButton, "sourceFileButton").click()
    editors, errors = window.setup.editors, window.setup.errors
    label = editors["data.label"].widget
    qtbot.waitUntil(lambda: label.findText("species") >= 0, timeout=30_000)
    label.setCurrentText("species")
    editors["data.missing"].set_value("drop")
    qtbot.waitUntil(lambda: window.setup.data_preview.isVisible(), timeout=30_000)
    assert button(window, "startButton").isEnabled()
    editors["data.samples"].set_value(400)
    assert "data.samples is 400, but" in errors["data.samples"].text()
    assert "has 333 samples" in errors["data.samples"].text()
    assert not button(window, "startButton").isEnabled()
    editors["data.samples"].set_value(300)
    assert not errors["data.samples"].isVisible() and button(window, "startButton").isEnabled()


def test_start_on_full_mnist_downloads_it_behind_a_progress_dialog_first(
    qtbot, window, served, hyperdesk_home
):
    from PySide6.QtWidgets import QProgressDialog

    load(window, ['data.dataset="mnist"', "data.samples=80", "search.trials=2"])
    seen = []
    window.controller.stateChanged.connect(
        lambda: seen.append(window.findChild(QProgressDialog, "downloadDialog"))
    )
    with qtbot.waitSignal(window.controller.searchEnded, timeout=60_000):
        window.start()
        dialog = window.findChild(QProgressDialog, "downloadDialog")
        assert dialog is not None and dialog.isVisible()
    assert (hyperdesk_home / "cache" / "mnist" / "train-images-idx3-ubyte.gz").exists()
    assert window.model.results.trials_done == 2


def test_the_samples_box_offers_all_of_them(window):
    samples = window.setup.editors["data.samples"]
    samples.widget.setValue(0)
    assert samples.widget.text() == "all"
    assert window.setup.config().data.samples == "all"
    assert "all samples" in window.setup.sections["Data"].summary


def test_the_official_test_split_is_offered_for_the_datasets_that_ship_one(window):
    window.setup.sections["Data"].set_expanded(True)
    test = window.setup.editors["data.test"]
    assert not test.official.isVisible()  # the bundled split has no test files of its own
    window.setup.editors["data.dataset"].set_value("fashion-mnist")
    assert test.official.isVisible() and test.official.text().endswith("10,000 test images")
    test.official.setChecked(True)
    assert not test.fraction.isEnabled()
    assert window.setup.config().data.test == "official"
    assert window.setup.sections["Data"].summary.endswith("test official")
    window.setup.editors["data.dataset"].set_value("mnist-10k")
    assert not test.official.isVisible() and test.fraction.isEnabled()
    assert window.setup.config().data.test == 0.0


def test_an_image_folder_shows_an_example_of_each_class_and_takes_a_size(
    qtbot, window, monkeypatch, tmp_path
):
    from PySide6.QtWidgets import QFileDialog

    from tests.core.data.test_own_data import image_folder

    root = image_folder(tmp_path)
    load(window, ["data.samples=6", "search.trials=2", "train.epochs=2"])
    window.setup.sections["Data"].set_expanded(True)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(root))
    window.findChild(QPushButton, "sourceFolderButton").click()
    editors = window.setup.editors
    assert (
        editors["data.image_size"].widget.isVisible() and editors["data.colour"].widget.isVisible()
    )
    assert not editors["data.label"].widget.isVisible()  # the folders are the classes
    preview = window.setup.data_preview
    assert not preview.isVisible()  # while it is read: not the bundled data's preview
    qtbot.waitUntil(lambda: preview.isVisible(), timeout=30_000)
    assert preview.headline.text() == "7 images x 48 features, 2 classes"
    pictures = preview.examples.findChildren(QLabel)
    assert [label.toolTip() for label in pictures] == ["cats", "dogs"]
    assert "Scaling: pixel values / 255" in preview.details.text()
    editors["data.image_size"].edit.setText("4 x 3")
    editors["data.image_size"].edit.textEdited.emit("4 x 3")
    qtbot.waitUntil(lambda: preview.headline.text().startswith("7 images x 12 "), timeout=30_000)
    assert "7 images resized to 4 x 3" in preview.details.text()
    editors["data.image_size"].edit.setText("4 by")
    editors["data.image_size"].edit.textEdited.emit("4 by")
    assert "width x height" in window.setup.errors["data.image_size"].text()
    editors["data.image_size"].edit.setText("")
    editors["data.image_size"].edit.textEdited.emit("")
    run_to_end(qtbot, window)
    assert window.model.results.trials_done == 2
    # Taken again from the recent data, after the dataset was chosen meanwhile.
    picker = editors["data.source"]
    picker.edit.setText("")
    picker.edit.textEdited.emit("")
    picker.recent_menu.aboutToShow.emit()
    entries = picker.recent_menu.actions()
    assert entries[0].text() == str(root)  # newest first (others from earlier tests may follow)
    entries[0].trigger()
    assert window.setup.config().data.source == str(root)


def test_accuracy_and_size_is_offered_only_when_something_searched_changes_the_size(qtbot, window):
    load(window)  # searches lr and weight decay: every trial one size
    combo = window.findChild(QComboBox, "objectivesCombo")
    index = combo.findData("params")
    assert not combo.model().item(index).isEnabled()
    assert "search layers or units" in combo.itemText(index)
    assert "hidden_units" in combo.model().item(index).toolTip()
    editor = window.setup.space_editor
    editor.add_combo.setCurrentIndex(editor.add_combo.findData("hidden_units"))
    editor.add_combo.activated.emit(editor.add_combo.currentIndex())
    assert combo.model().item(index).isEnabled()
    assert combo.itemText(index) == "Validation accuracy and size (parameters)"
    combo.setCurrentIndex(index)
    assert window.setup.config().search.objectives == ("val_acc", "params")
    editor.rows["hidden_units"].search_box.setChecked(False)  # fixed again: one size
    type_into(qtbot, editor.rows["hidden_units"].low_edit, "32")
    assert not combo.model().item(index).isEnabled()
    problems = dict(window.setup.problems())
    assert "every trial is one size" in problems["search.objectives"]
    assert "every trial is one size" in window.setup.errors["search.objectives"].text()


def test_with_early_stopping_the_estimate_is_a_most(window):
    """Trials stopped early train fewer epochs than planned: the time estimate is the
    longest it can take, and says so."""
    QSettings().setValue("engine/gflops", 1e-5)  # slow enough for minutes
    load(window)
    label = window.setup_column.cost_label
    assert re.match(r"4 trials, 12 epochs, about [\d:]+ here;", label.text())
    load(window, ['search.early_stopping.rule="median"'])
    assert re.match(r"4 trials, 12 epochs, at most [\d:]+ here;", label.text())


def test_opening_the_data_section_and_choosing_a_file_keeps_the_column_width(
    qtbot, window, monkeypatch, tmp_path
):
    """Seen: opening Data widened the setup column (by 100 px on a long path's summary,
    by 20 px as its rows were laid out), and it stayed wider."""
    from PySide6.QtWidgets import QFileDialog

    penguins = Path(str(importlib.resources.files("hyperdesk.resources.examples"))) / "penguins.csv"
    table = tmp_path / "palmer_penguins_measured_on_three_islands_of_the_palmer_archipelago.csv"
    shutil.copy(penguins, table)
    window.showNormal()
    window.resize(1366, 768)
    qtbot.wait(50)
    before = window.setup_dock.width()
    window.setup.sections["Data"].set_expanded(True)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(table), ""))
    window.findChild(QPushButton, "sourceFileButton").click()
    label = window.setup.editors["data.label"].widget
    qtbot.waitUntil(lambda: label.count() > 1, timeout=30_000)
    qtbot.wait(100)
    assert window.setup_dock.width() == before
    window.setup.sections["Data"].set_expanded(False)  # its summary names the file
    qtbot.wait(50)
    assert window.setup_dock.width() == before


def test_a_passing_need_for_width_does_not_widen_the_column_for_good(qtbot, window):
    """What the column holds may need more width for a moment (a section laying itself
    out); the main window widens the dock then and never narrows it by itself."""
    window.showNormal()
    window.resize(1366, 768)
    qtbot.wait(50)
    given = window.setup_dock.width()
    wide = window.setup.name_edit
    wide.setMinimumWidth(given + 100)  # for a moment, more than the column's width
    qtbot.waitUntil(lambda: window.setup_dock.width() > given + 100)
    wide.setMinimumWidth(0)
    qtbot.waitUntil(lambda: window.setup_dock.width() == given)
    # A width a person drags it to is kept the same way.
    window.resizeDocks([window.setup_dock], [given + 60], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: window.setup_dock.width() == given + 60)
    wide.setMinimumWidth(given + 200)
    qtbot.waitUntil(lambda: window.setup_dock.width() > given + 200)
    wide.setMinimumWidth(0)
    qtbot.waitUntil(lambda: window.setup_dock.width() == given + 60)
