"""The panels in the window: drawn as a search runs, the selection highlighted in each,
faint pruned trials, what an empty panel says, and the Inside panel."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QListWidget,
    QTableView,
)

from tests.desktop_app.helpers import best_trial_menu_item, load, point_count, run_to_end


def test_each_coarse_to_fine_round_s_grid_region_is_drawn_on_the_scatter(qtbot, window):
    """Two rounds of 2 x 2 grids: round 1's region is the whole space, round 2's lies
    inside it around the best trial, each a dashed box in log10 coordinates."""
    load(
        window,
        [
            'search.strategy="coarse-to-fine"',
            "search.points=2",
            "search.rounds=2",
            "search.keep=0.25",
            "train.epochs=1",
        ],
    )
    for row in window.setup.space_editor.rows.values():  # each range's own points
        row.points_spin.setValue(2)
    assert run_to_end(qtbot, window) == "complete"
    # A point of round 2's grid trained in round 1 is not trained again; the count says
    # the trials it ran, of as many.
    ran = len(window.model.results.trials)
    assert f"Trials {ran} / {ran}" in window.statusBar().trials_label.text()
    scatter = window.panels["scatter"]
    boxes = [box for box in scatter.region_boxes if box.isVisible()]
    assert len(boxes) == 2
    lr, decay = window.model.config.search.space
    whole = boxes[0].rect()
    assert whole.left() == pytest.approx(math.log10(lr.low))
    assert whole.right() == pytest.approx(math.log10(lr.high))
    assert whole.top() == pytest.approx(math.log10(decay.low))
    assert whole.bottom() == pytest.approx(math.log10(decay.high))
    inner = boxes[1].rect()
    assert whole.contains(inner) and inner.width() < whole.width()
    best = max(
        (t for t in window.model.results.trials.values() if t.round == 1),
        key=lambda t: t.score,
    )
    assert inner.contains(math.log10(best.params["lr"]), math.log10(best.params["weight_decay"]))
    rounds = [t.round for t in window.model.results.trials.values()]
    assert rounds.count(1) == 4 and 1 <= rounds.count(2) <= 4
    # The table says each trial's round.
    table = window.findChild(QTableView, "resultsTable").model()
    headers = [table.headerData(c, Qt.Orientation.Horizontal) for c in range(table.columnCount())]
    column = headers.index("Round")
    shown = {
        int(table.index(row, 0).data()): table.index(row, column).data()
        for row in range(table.rowCount())
    }
    assert shown == {n: str(t.round) for n, t in window.model.results.trials.items()}


def test_selecting_a_row_highlights_the_trial_everywhere(qtbot, window):
    load(window)
    run_to_end(qtbot, window)
    table = window.table.view
    table.selectRow(2)
    number = int(table.model().index(2, 0).data())
    assert window.model.selected == number
    assert point_count(window.panels["scatter"].selected_point) == 1
    window.model.select(1)
    assert int(table.selectionModel().selectedRows()[0].data()) == 1


def test_pruned_trials_are_drawn_faint(qtbot, window):
    load(
        window,
        [
            "search.trials=12",
            "train.epochs=20",
            "search.space.lr.low=1e-6",
            'search.early_stopping.rule="median"',
            "search.early_stopping.warmup=2",
            "search.early_stopping.startup=3",
        ],
    )
    run_to_end(qtbot, window)
    pruned = [t.number for t in window.model.results.trials.values() if t.status == "pruned"]
    assert pruned
    assert point_count(window.panels["scatter"].pruned) == len(pruned)
    window.model.select(pruned[0])
    val_item, _ = window.panels["curves"].slots["selected 0"]
    assert val_item.opacity() < 0.5
    assert "pruned" in window.panels["curves"].shown["selected 0"][1]


def test_empty_panels_say_what_will_appear_instead_of_drawing_empty_axes(qtbot, window):
    frames = window.panels.frames
    assert all(frame.waiting for frame in frames.values())
    assert "Press Start" in frames["curves"].message.text()
    load(window, ["search.trials=6"])
    run_to_end(qtbot, window)
    shown = {kind.key for kind, _ in window.panels if kind.shown_for(window.model.config)}
    assert "heatmap" not in shown  # a random search has no grid
    assert {key for key in shown if frames[key].waiting} == set()
    window.new_search()  # another search: nothing of it is drawn yet
    assert all(frame.waiting for frame in frames.values())


def test_a_kept_trial_is_looked_inside_its_mistakes_shown_worst_first(qtbot, window):
    best, _menu, look = best_trial_menu_item(
        qtbot, window, ["search.trials=2", "train.epochs=2"], "Look inside"
    )
    look.trigger()  # made in the helper process
    assert window.inside.isVisible() and "Looking inside" in window.inside.message.text()
    qtbot.waitUntil(lambda: window.inside.report is not None, timeout=60_000)
    report = window.inside.report
    summary = report.findChild(QLabel, "reportSummary").text()
    assert f"Trial {best.number}</b> after 2 epochs" in summary
    assert f"{best.final_val_acc:.3f} ±" in summary  # the validation accuracy it recorded
    gallery = report.findChild(QListWidget, "mistakesGallery")
    wrong = report.report.samples - round(report.report.accuracy * report.report.samples)
    assert gallery.count() == min(wrong, 24) > 0
    assert " → " in gallery.item(0).text()
    gallery.itemClicked.emit(gallery.item(0))  # enlarged
    assert report.findChild(QDialog, "enlargedMistake").isVisible()


def test_the_inside_panel_follows_the_selected_trial(qtbot, window, monkeypatch):
    """Selecting a trial shows what is inside it, from the helper process, once per
    trial (a second look is not asked again); a trial whose weights are not kept says
    so and how to get a report; nothing is asked while the panel is hidden."""
    from hyperdesk.core.execution.look_inside import inspect_trial

    load(window, ["search.trials=3", "train.epochs=1", "search.keep_weights=1"])
    run_to_end(qtbot, window)
    trials = sorted(window.model.results.trials.values(), key=lambda t: -t.final_val_acc)
    best, other = trials[0].number, trials[-1].number
    asked = []
    request = window.helper.request
    monkeypatch.setattr(
        window.helper,
        "request",
        lambda function, *a, **answers: (
            asked.append((function, *a)) or request(function, *a, **answers)
        ),
    )
    window.model.select(best)  # the panel is a hidden tab: nothing asked
    assert asked == []
    window.inside_dock.raise_()
    qtbot.waitUntil(lambda: window.inside.report is not None, timeout=60_000)
    assert f"Trial {best}</b>" in window.inside.report.findChild(QLabel, "reportSummary").text()
    window.model.select(other)
    qtbot.waitUntil(lambda: "not kept" in window.inside.message.text(), timeout=60_000)
    assert "saving it as a model" in window.inside.message.text()
    assert window.inside.report is None
    window.model.select(best)  # known: shown at once
    assert window.inside.report is not None
    assert [args[1] for function, *args in asked if function is inspect_trial] == [best, other]
    window.model.select(None)
    assert "Select a finished trial" in window.inside.message.text()


def test_a_panel_s_export_is_offered_for_the_searches_it_draws(window):
    """File > Export > Heatmap wrote an empty plot for a random search: greyed there,
    saying which searches it is for."""
    from hyperdesk.core import config as config_module
    from tests.conftest import TINY_CONFIG

    def show(overrides):
        window.actions.show_new_search(config_module.loads(TINY_CONFIG, overrides), "tiny")

    heatmap = window.menu_actions.export_panels["heatmap"]
    show(['search.strategy="random"'])
    assert not heatmap.isEnabled()
    assert heatmap.text() == "Heatmap image… (for a grid search of two parameters)"
    assert not window.menu_actions.export_panels["pareto"].isEnabled()
    assert window.menu_actions.export_panels["curves"].isEnabled()
    show(['search.strategy="grid"', "search.points=3"])
    assert heatmap.isEnabled() and heatmap.text() == "Heatmap image…"
