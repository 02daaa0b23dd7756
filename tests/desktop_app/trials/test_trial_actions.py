"""What a person does to a trial from its menu: stop it, evaluate it, save it as a model,
look inside, train it longer, note it, add one by hand; each enabled when it applies."""

from __future__ import annotations

import re

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QMessageBox,
    QTableView,
)

from hyperdesk.core.storage.session import Session
from tests.desktop_app.helpers import (
    best_trial_menu_item,
    button,
    load,
    point_count,
    run_to_end,
    table_numbers,
)


def test_a_running_trial_can_be_stopped_by_hand(qtbot, window):
    load(window, ["train.epochs=400", "data.samples=1000", "search.trials=2"])
    qtbot.mouseClick(button(window, "startButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            1 in window.model.results.trials and len(window.model.results.trials[1].records) >= 2
        ),
        timeout=30_000,
    )
    window.controller.prune(1)
    qtbot.waitUntil(lambda: window.model.results.trials[1].status == "pruned", timeout=30_000)
    assert len(window.model.results.trials[1].records) < 400
    with qtbot.waitSignal(window.controller.searchEnded, timeout=60_000):
        window.controller.stop()
    with Session.open(window.model.session_path, writable=False) as session:
        assert session.trials()[0].status == "pruned"


def test_folds_show_a_spread_and_a_chosen_trial_is_evaluated_on_the_test_split(qtbot, window):
    load(window, ["data.test=0.2", "data.folds=2", "search.trials=3"])
    assert window.setup.config().data.folds == 2
    assert not window.setup.editors[
        "data.validation"
    ].widget.isEnabled()  # folds take turns validating
    assert run_to_end(qtbot, window) == "complete"
    model = window.findChild(QTableView, "resultsTable").model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert "± std" in headers and "Test acc" in headers
    header = window.findChild(QTableView, "resultsTable").horizontalHeader()
    for column in range(len(headers)):  # no header is cut off
        assert header.sectionSize(column) >= header.sectionSizeHint(column)
    best = window.model.results.best()
    row = table_numbers(window).index(best.number)
    spread = model.index(row, headers.index("± std")).data()
    assert spread == f"{best.final_val_acc_std:.3f}"
    assert model.index(row, headers.index("Test acc")).data() == ""
    window.model.select(best.number)
    fill = window.panels["curves"].bands["best"][2]  # the mean, in a band of one std
    assert fill.isVisible() and not fill.path().isEmpty()
    assert fill.path().boundingRect().height() > 0
    assert "±" in window.panels["curves"].shown["best"][1]

    with qtbot.waitSignal(window.controller.evaluated, timeout=60_000) as evaluated:
        window.trials.evaluate(best.number)
    result = evaluated.args[0]
    assert result.number == best.number and result.status == "complete"
    assert model.index(row, headers.index("Test acc")).data() == f"{result.test_acc:.3f}"
    status = window.statusBar()
    assert "test accuracy" in status.currentMessage()
    # The result has the left side to itself: the epoch count is not drawn over it,
    # however often the status bar ticks meanwhile.
    window.model.trialsChanged.emit({best.number})
    status.update_progress()
    assert not status.epochs_label.isVisible() and not status.progress.isVisible()
    status.clearMessage()
    assert status.epochs_label.isVisible() and status.progress.isVisible()
    with Session.open(window.model.session_path, writable=False) as session:
        stored = {t.number: t.test_acc for t in session.trials()}
    assert stored[best.number] == result.test_acc


def test_a_trial_is_saved_as_a_model_from_its_menu(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from hyperdesk.core.model.model_file import load_model

    best, _menu, save = best_trial_menu_item(
        qtbot, window, ["data.test=0.2", "search.trials=2"], "Save trial"
    )
    assert save.isEnabled()
    chosen = tmp_path / "mine"  # the suffix is added
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(chosen), ""))
    window.model.select(best.number)  # looked at when the Inside panel comes forward
    with qtbot.waitSignal(window.controller.modelSaved, timeout=60_000) as saved:
        save.trigger()
        assert (
            window.controller.evaluating and "Training trial" in window.statusBar().currentMessage()
        )
    model = load_model(tmp_path / "mine.hdmodel")
    assert model.details["trial"] == best.number == saved.args[0].model.details["trial"]
    assert model.details["test_accuracy"] is not None
    message = window.statusBar().currentMessage()
    assert message.startswith(f"Wrote trial {best.number}'s model") and "test accuracy" in message
    assert window.statusBar().reveal_button.isVisible()
    # Looked inside: the confusion matrix and each class's figures, on the test split.
    # It stays once the look at the selected trial, asked as the panel came forward,
    # comes back.
    qtbot.waitUntil(lambda: not window.inside_follower.asked, timeout=60_000)
    report = window.inside.report
    assert report is not None and report.isVisible()
    assert "mine.hdmodel" in report.findChild(QLabel, "reportSummary").text()
    matrix = report.findChild(QTableView, "confusionMatrix")
    cells = [[matrix.item(r, c).text() for c in range(10)] for r in range(10)]
    assert sum(int(text) for row in cells for text in row) == model.details["test_samples"]
    assert matrix.verticalHeaderItem(3).text() == "3"
    report.shares.setChecked(True)
    shares = [sum(float(matrix.item(r, c).text()) for c in range(10)) for r in range(10)]
    assert all(abs(total - 1) < 0.06 or total == 0 for total in shares)
    assert "± " in report.findChild(QLabel, "reportSummary").text()
    # and the digits of the test split it got wrong.
    assert report.findChild(QListWidget, "mistakesGallery").count() > 0


def test_ctrl_click_compares_several_trials_and_their_menu_offers_what_applies(qtbot, window):
    from PySide6.QtWidgets import QMenu

    load(window, ["search.trials=6"])
    run_to_end(qtbot, window)
    table = window.table.view
    best = window.model.results.best().number
    others = [n for n in table_numbers(window) if n != best][:3]
    for number in others:
        row = table_numbers(window).index(number)
        rect = table.visualRect(table.model().index(row, 0))
        qtbot.mouseClick(
            table.viewport(),
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.ControlModifier,
            rect.center(),
        )
    assert window.model.selection == tuple(others)
    assert window.model.selected == others[-1]  # the row clicked last
    curves = window.panels["curves"]
    compared = {
        entry[0] for slot, entry in curves.shown.items() if slot.startswith("selected") and entry
    }
    assert compared == set(others)
    colours = {
        curves.slots[slot][0].opts["pen"].color().name()
        for slot, entry in curves.shown.items()
        if slot.startswith("selected") and entry
    }
    assert len(colours) == 3  # each in its own colour, each in the legend
    assert len(curves.legend.items) == 4  # and the best
    # The legend sits in a corner no curve crosses.
    QApplication.processEvents()
    curves.refresh(window.model.results, window.model.selection)
    legend = curves.legend.mapRectToScene(curves.legend.boundingRect())
    view = curves.plot.getPlotItem().vb
    covered = [
        (x, y)
        for pair in curves.slots.values()
        for item in pair
        for x, y in zip(
            *(item.getData() if item.getData()[0] is not None else ([], [])), strict=True
        )
        if legend.contains(view.mapViewToScene(QPointF(x, y)))
    ]
    assert covered == []
    assert point_count(window.panels["scatter"].selected_point) == 3
    menu = QMenu()
    window.trials.fill_menu(menu, others[0])
    items = {action.text(): action.isEnabled() for action in menu.actions() if action.text()}
    assert window.model.results.trials[others[0]].status == "complete"
    assert items == {
        "Search around the 3 selected trials…": True,
        f"Stop trial {others[0]} (keep its epochs, mark it pruned)": False,
        f"Evaluate trial {others[0]} on the test split (this search keeps none)": False,
        f"Look inside trial {others[0]}": True,  # 6 trials: all among the best 20 kept
        f"Train trial {others[0]} longer…": True,
        f"Note on trial {others[0]}…": True,
        f"Save trial {others[0]} as a model…": True,
    }


def test_a_trial_is_trained_longer_from_its_menu_and_its_curve_goes_on(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    best, _menu, longer = best_trial_menu_item(
        qtbot, window, ["search.trials=2", "train.epochs=3"], "Train trial"
    )
    assert longer.isEnabled()  # the best trials' weights are kept
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (2, True))
    with qtbot.waitSignal(window.controller.trainedLonger, timeout=60_000):
        longer.trigger()
    trial = window.model.results.trials[best.number]
    assert [r.epoch for r in trial.records] == [1, 2, 3, 4, 5]
    assert window.model.selected == best.number
    assert window.statusBar().currentMessage().startswith(f"Trial {best.number} now has 5 epochs")


def test_a_trial_without_kept_weights_is_offered_a_retraining(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    best, _menu, longer = best_trial_menu_item(
        qtbot, window, ["search.trials=2", "train.epochs=2", "search.keep_weights=0"], "Train"
    )
    asked = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes,
    )
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (1, True))
    with qtbot.waitSignal(window.controller.trainedLonger, timeout=60_000):
        longer.trigger()
    assert "not kept" in asked[0] and "from the start" in asked[0]
    assert [r.epoch for r in window.model.results.trials[best.number].records] == [1, 2, 3]


def test_notes_on_a_trial_and_on_the_session_are_kept_shown_and_found(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    best, _menu, note = best_trial_menu_item(qtbot, window, ["search.trials=3"], "Note on trial")
    monkeypatch.setattr(
        QInputDialog, "getMultiLineText", lambda *a, **k: ("needs input scaling\nsee run 2", True)
    )
    note.trigger()
    path = window.model.session_path
    with Session.open(path, writable=False) as session:
        assert {row.number: row.note for row in session.trials()}[best.number] == (
            "needs input scaling\nsee run 2"
        )
    table = window.findChild(QTableView, "resultsTable").model()
    headers = [table.headerData(c, Qt.Orientation.Horizontal) for c in range(table.columnCount())]
    notes = {
        int(table.index(row, 0).data()): table.index(row, headers.index("Note")).data()
        for row in range(table.rowCount())
    }
    assert notes[best.number].startswith("needs input scaling")
    window.table.filter_edit.setText("scaling")  # the filter's words find notes
    assert table.rowCount() == 1
    # The session's own note, from the Sessions tab: listed, and found by its words.
    browser = window.browser
    qtbot.waitUntil(lambda: browser.model.row_of(path) is not None, timeout=10_000)
    browser.select(path)
    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: ("Baseline", True))
    qtbot.mouseClick(browser.buttons["noteSessionButton"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: browser.model.index(browser.model.row_of(path), 6).data() == "Baseline",
        timeout=10_000,
    )
    row = browser.model.row_of(path)
    browser.search.setText("BASELINE")
    assert not browser.view.isRowHidden(row)
    browser.search.setText("input scaling")  # a trial's note finds its session too
    assert not browser.view.isRowHidden(row)
    browser.search.setText("nothing like it")
    assert browser.view.isRowHidden(row)


def test_a_trial_added_by_hand_runs_first(qtbot, window, monkeypatch):
    from hyperdesk.desktop_app.dialogs import run_first

    load(window, ["search.trials=2", "train.epochs=1"])
    label = window.setup.run_first_label
    assert "strategy chooses every trial" in label.text()

    def type_point(dialog_self):
        # As a person would: an lr outside its range is refused, then a good one taken.
        dialog_self.fields["lr"].setText("5")
        dialog_self.fields["weight_decay"].setText("1e-6")
        dialog_self._check()
        assert "lr: must be within 0.001 to 0.1, got 5" in dialog_self.problem.text()
        dialog_self.fields["lr"].setText("0.02")
        dialog_self._check()
        return dialog_self.result()

    monkeypatch.setattr(run_first.RunFirstDialog, "exec", type_point)
    qtbot.mouseClick(window.setup.add_trial_button, Qt.MouseButton.LeftButton)
    assert label.text() == "Run first: lr 0.02, weight_decay 1.000e-06"
    assert window.setup.config().search.enqueue == ({"lr": 0.02, "weight_decay": 1e-06},)
    assert run_to_end(qtbot, window) == "complete"
    first = window.model.results.trials[1]
    assert first.params == {"lr": 0.02, "weight_decay": 1e-06}
    assert len(window.model.results.trials) == 3


def test_a_test_being_trained_shows_its_progress_and_can_be_cancelled(qtbot, window, monkeypatch):
    from hyperdesk.core.execution.retraining import RetrainingWatch

    load(window, ["data.test=0.2", "search.trials=2", "train.epochs=5"])
    run_to_end(qtbot, window)
    # Held after its first epoch until the person's Cancel arrives: however fast this
    # machine trains, the test cannot end first.
    real_train = RetrainingWatch.train

    def held(self, *args):
        report = self.report

        def report_then_wait(done, total):
            report(done, total)
            if done == 1:
                self.cancelled.wait(30)

        self.report = report_then_wait
        return real_train(self, *args)

    monkeypatch.setattr(RetrainingWatch, "train", held)
    status = window.statusBar()
    number = window.model.results.best().number
    window.trials.evaluate(number)
    cancel = status.cancel_button
    assert cancel.isVisible()
    qtbot.waitUntil(lambda: "epoch 1 of 5" in status.currentMessage(), timeout=30_000)
    assert re.search(r"epoch 1 of 5, (about \d+:\d\d left|almost done)", status.currentMessage())
    with qtbot.waitSignal(window.controller.jobCancelled, timeout=30_000):
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert status.currentMessage() == f"Cancelled the test of trial {number}: nothing was saved."
    assert not cancel.isVisible() and not window.controller.evaluating
    with Session.open(window.model.session_path, writable=False) as session:
        assert all(trial.test_acc is None for trial in session.trials())
