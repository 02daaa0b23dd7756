"""A training function of one's own in the window: chosen in the Model section (its
functions read by the helper, never imported here), tested with one short trial, run
with live results, its failures explained in the table."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QInputDialog, QLabel, QPushButton

from hyperdesk.core import config as config_module
from hyperdesk.desktop_app.setup.space_editor import NEW_PARAMETER
from tests.core.execution.test_user_code import FUNCTIONS, write
from tests.desktop_app.helpers import button, column_texts, load, run_to_end


def open_code_config(qtbot, window, tmp_path, **settings):
    config = config_module.load(write(tmp_path, **settings))
    window.setup.load_config(config, "own")
    qtbot.waitUntil(lambda: button(window, "startButton").isEnabled(), timeout=30_000)
    return config


def test_a_function_s_search_is_set_up_tested_and_run_in_the_window(qtbot, window, tmp_path):
    space = '[search.space.kind]\nvalues = ["raises", "works", "returns"]'
    open_code_config(qtbot, window, tmp_path, function="behaves", strategy="grid", space=space)
    setup = window.setup
    # The function's file and its functions, read by the helper; no data or training.
    functions = window.findChild(QComboBox, "codeFunctionCombo")
    qtbot.waitUntil(lambda: functions.count() == 2, timeout=30_000)
    assert [functions.itemText(i) for i in range(2)] == ["fit", "behaves"]
    assert functions.currentText() == "behaves"
    assert not setup.sections["Data"].isVisible() and not setup.sections["Training"].isVisible()
    assert setup.editors["code.metric"].value() == "val_acc"
    assert "3 trials of behaves() in functions.py" in window.setup_column.cost_label.text()
    # Test run: the middle value of the list, in a process of its own.
    setup.sections["Model"].set_expanded(True)
    qtbot.mouseClick(button(window, "testRunButton"), Qt.MouseButton.LeftButton)
    result = window.findChild(QLabel, "testRunResult")
    qtbot.waitUntil(lambda: " in " in result.text(), timeout=60_000)
    assert "'kind': 'works'}" in result.text() and "epoch 1: val_acc=0.8" in result.text()
    assert result.text().splitlines()[-1].startswith("complete")
    run_to_end(qtbot, window)
    model = window.table.table_model
    assert column_texts(window, "Status") == ["failed", "complete", "complete"]
    failed = model.index(0, 1)
    assert "ValueError: this model does not converge" in model.data(
        failed, Qt.ItemDataRole.ToolTipRole
    )
    assert column_texts(window, "Val acc") == ["", "0.800", "0.700"]


def test_a_trial_s_output_and_figures_of_its_own_are_shown(qtbot, window, tmp_path):
    from PySide6.QtWidgets import QMenu, QPlainTextEdit

    open_code_config(qtbot, window, tmp_path, trials=2)
    run_to_end(qtbot, window)
    info = column_texts(window, "Info")
    assert all(text.startswith("phase: steady; margin=2, f1=") for text in info)
    # The curves draw any figure it reported, the one that ranks first.
    curves = window.panels["curves"]
    combo = curves.figure_combo
    assert curves.figure_row.isVisible()
    assert [combo.itemText(i) for i in range(combo.count())] == ["val_acc", "margin", "train_loss"]
    combo.setCurrentText("margin")
    _, ys = curves.slots["best"][0].getData()
    assert list(ys) == [0.5, 1.0, 1.5, 2.0]
    # Its axis reaches its values (2.0), not accuracy's 0..1 limits (fitted when drawn).
    box = curves.plot.getPlotItem().getViewBox()
    qtbot.waitUntil(lambda: box.viewRange()[1][1] >= 2.0, timeout=5_000)
    assert box.viewRange()[1][0] <= 0.5
    menu = QMenu()
    window.trials.fill_menu(menu, 1)
    titles = {action.text(): action for action in menu.actions()}
    assert "Save trial 1 as a model… (your code's model is its own)" in titles
    titles["Output of trial 1"].trigger()
    qtbot.waitUntil(
        lambda: window.findChild(QPlainTextEdit, "textViewText") is not None, timeout=30_000
    )
    assert window.findChild(QPlainTextEdit, "textViewText").toPlainText() == "trial 1 starts\n"


def test_choosing_a_file_turns_the_setup_to_the_function_s_parameters(
    qtbot, window, tmp_path, monkeypatch
):
    load(window)
    (tmp_path / "functions.py").write_text(FUNCTIONS)
    chosen = str(tmp_path / "functions.py")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (chosen, ""))
    window.setup.sections["Model"].set_expanded(True)
    window.findChild(QPushButton, "codeFileButton").click()
    editor = window.setup.space_editor
    assert editor.rows == {}  # lr and weight decay were the network's
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("lr", True))
    editor.add_combo.activated.emit(editor.add_combo.findData(NEW_PARAMETER))
    row = editor.rows["lr"]
    row.low_edit.setText("0.01")
    row.high_edit.setText("0.3")
    row.low_edit.textEdited.emit("0.01")
    window.setup.editors["code.fixed"].set_value({"epochs": 3})
    config = window.setup.config()
    assert config.own_code and config.code.entry == f"{chosen}:fit"
    assert config.code.fixed == {"epochs": 3}
    assert [(p.name, p.low, p.high) for p in config.search.space] == [("lr", 0.01, 0.3)]
    assert not window.setup.sections["Data"].isVisible()


@pytest.mark.parametrize("broken", ["def fit(params, trial):\n    return (\n"])
def test_a_file_that_cannot_run_is_pinned_to_its_field(qtbot, window, tmp_path, broken):
    config = config_module.load(write(tmp_path))
    (tmp_path / "functions.py").write_text(broken)
    window.setup.load_config(config, "own")
    error = window.setup.errors["code.entry"]
    qtbot.waitUntil(lambda: "line 2" in error.text(), timeout=30_000)
    assert not button(window, "startButton").isEnabled()


def test_what_a_running_trial_says_of_itself_shows_while_it_runs(qtbot, window, tmp_path):
    config = write(tmp_path, epochs=40, trials=1)
    config.write_text(config.read_text().replace("epochs = 40", "epochs = 40\npause = 0.05"))
    window.setup.load_config(config_module.load(config), "own")
    qtbot.waitUntil(lambda: button(window, "startButton").isEnabled(), timeout=30_000)
    qtbot.mouseClick(button(window, "startButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            window.model.results.trials.get(1) is not None
            and window.model.results.trials[1].status == "running"
            and column_texts(window, "Info") == ["phase: steady"]
        ),
        timeout=60_000,
    )
    with qtbot.waitSignal(window.controller.searchEnded, timeout=60_000):
        window.controller.stop()
