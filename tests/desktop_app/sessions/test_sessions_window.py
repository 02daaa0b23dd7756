"""Sessions in the window: reopen, resume, extend, follow, browse, export, bad files."""

import sqlite3
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from hyperdesk.core.storage.session import Session
from hyperdesk.desktop_app.run.search_model import SessionState
from hyperdesk.desktop_app.window.main_window import MainWindow
from tests.core.cli.test_cli import (
    SLOW_CONFIG,
    cli_command,
    count_epochs,
    run_and_kill,
    session_contents,
)
from tests.desktop_app.helpers import button, load, point_count, run_to_end


def table_cells(window):
    model = window.table.view.model()
    return [
        [model.index(row, column).data() for column in range(model.columnCount())]
        for row in range(model.rowCount())
    ]


def plotted(window):
    """Every number the panels draw."""

    def data(item):
        x, y = item.getData()
        return (None, None) if x is None else (list(x), list(y))

    return {
        "curves": [data(val) for val, _ in window.panels["curves"].slots.values()],
        "top": [
            data(item) for item in window.panels["top"].val_items + window.panels["top"].train_items
        ],
        "labels": [label.toPlainText() for label in window.panels["top"].labels],
        "scatter": data(window.panels["scatter"].points),
        "best": data(window.panels["best"].best),
    }


@pytest.fixture
def new_window(qtbot, window):
    """A second window, as when Hyperdesk is started again."""
    made = []

    def make():
        window.shutdown()
        other = MainWindow()
        qtbot.addWidget(other)
        other.show()
        made.append(other)
        return other

    yield make
    for other in made:
        other.shutdown()


def test_a_session_reopens_as_it_finished(qtbot, window, new_window):
    load(window)
    run_to_end(qtbot, window)
    window.table.view.selectRow(1)
    selected = window.model.selected
    cells, drawn, path = table_cells(window), plotted(window), window.model.session_path
    window.close()
    again = new_window()
    again.actions.open_file(path)
    assert table_cells(again) == cells
    assert plotted(again) == drawn
    assert again.model.selected == selected
    # The session stores what the data made of "auto" (the task) and "" (the metric).
    assert again.setup.config() == window.setup.config().resolved()
    assert again.statusBar().session_label.text().endswith("Complete")


def test_a_session_reopened_after_another_keeps_its_sort_and_whole_selection(
    qtbot, window, new_window
):
    """Seen: sorted by Val acc, reopened sorted by lr (the next session's columns were
    remembered under the first one's name); 4 trials selected, 1 restored."""
    load(window, ["search.trials=6"])
    run_to_end(qtbot, window)
    first = window.model.session_path
    table = window.table
    val_column = table.table_model.headers.index("Val acc")
    table.view.sortByColumn(val_column, Qt.SortOrder.DescendingOrder)
    view = table.view
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in (0, 2, 3, 5):
        view.selectionModel().select(table.proxy.index(row, 0), flags)
    chosen = window.model.selection
    assert len(chosen) == 4
    # Another search, with other columns, shown in between.
    load(window, ["search.trials=2", "search.space.dropout={low=0.0, high=0.5}"])
    run_to_end(qtbot, window)
    assert window.model.session_path != first
    window.close()
    again = new_window()
    again.actions.open_file(first)
    header = again.table.view.horizontalHeader()
    assert again.table.table_model.headers[header.sortIndicatorSection()] == "Val acc"
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert again.model.selection == chosen
    assert sorted(again.table.selected_numbers()) == sorted(chosen)


def test_a_killed_cli_run_is_interrupted_in_the_browser_and_resume_completes_it(
    qtbot, window, tmp_path, hyperdesk_home
):
    config_path = tmp_path / "slow.toml"
    config_path.write_text(SLOW_CONFIG)
    killed = hyperdesk_home / "sessions" / "killed.hdsession"
    run_and_kill(config_path, killed)

    browser = window.browser
    browser.refresh()
    qtbot.waitUntil(lambda: browser.model.row_of(killed) is not None, timeout=10_000)
    row = browser.model.row_of(killed)
    qtbot.waitUntil(lambda: browser.model.index(row, 5).data() == "interrupted", timeout=10_000)
    browser.select(killed)
    browser.buttons["openSessionButton"].click()
    assert window.model.session_path == killed
    resume = button(window, "resumeButton")
    assert resume.isVisibleTo(window)
    with qtbot.waitSignal(window.controller.searchEnded, timeout=120_000) as finished:
        resume.click()
    assert finished.args == ["complete"]
    reference = tmp_path / "reference.hdsession"
    subprocess.run(
        cli_command("run", config_path, "--session", reference),
        check=True,
        capture_output=True,
    )
    assert session_contents(killed) == session_contents(reference)
    assert window.model.results.trials_done == 6 and not resume.isVisibleTo(window)


def test_after_a_restart_the_interrupted_last_search_is_offered_for_resume(
    qtbot, window, new_window, tmp_path, hyperdesk_home
):
    config_path = tmp_path / "slow.toml"
    config_path.write_text(SLOW_CONFIG)
    killed = hyperdesk_home / "sessions" / "killed.hdsession"
    run_and_kill(config_path, killed)  # the computer went off mid-search
    again = new_window()
    offer = again.setup_column.resume_offer
    qtbot.waitUntil(offer.isVisible, timeout=10_000)  # listed on the browser's thread
    assert "stopped after" in offer.text.text() and "of 6 trials" in offer.text.text()
    with qtbot.waitSignal(again.controller.searchEnded, timeout=120_000) as finished:
        qtbot.mouseClick(offer.resume_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["complete"] and again.model.session_path == killed
    assert not offer.isVisible()
    # Finished now: the next start offers nothing.
    third = new_window()
    qtbot.waitUntil(lambda: third.browser.model.row_of(killed) is not None, timeout=10_000)
    QApplication.processEvents()
    assert not third.setup_column.resume_offer.isVisible()


def test_extending_a_random_search_runs_only_the_new_trials(qtbot, window):
    load(window)
    run_to_end(qtbot, window)
    first = session_contents(window.model.session_path)
    with qtbot.waitSignal(window.controller.searchEnded, timeout=60_000):
        window.actions.extend_search(2)
    trials, epochs = session_contents(window.model.session_path)
    assert [t[0] for t in trials] == [1, 2, 3, 4, 5, 6]
    assert trials[:4] == first[0] and {n: epochs[n] for n in (1, 2, 3, 4)} == first[1]
    assert len(table_cells(window)) == 6


def test_a_trial_of_your_own_is_added_to_a_finished_session(qtbot, window, monkeypatch):
    from hyperdesk.desktop_app.sessions import actions as session_actions

    load(window)
    run_to_end(qtbot, window)
    first = session_contents(window.model.session_path)
    assert window.menu_actions.add_trial.isEnabled()
    asked = []
    monkeypatch.setattr(
        session_actions,
        "ask_point",
        lambda parent, space, words: asked.append(words) or {"lr": 0.02, "weight_decay": 1e-6},
    )
    with qtbot.waitSignal(window.controller.searchEnded, timeout=60_000):
        window.menu_actions.add_trial.trigger()
    assert asked[0][0] == "Add a trial to this session" and "tiny" in asked[0][1]
    trials, epochs = session_contents(window.model.session_path)
    assert trials[:4] == first[0] and {n: epochs[n] for n in (1, 2, 3, 4)} == first[1]
    assert [t[0] for t in trials] == [1, 2, 3, 4, 5]
    assert trials[4][2] == {"lr": 0.02, "weight_decay": 1e-6} and trials[4][1] == "complete"
    assert len(table_cells(window)) == 5


def test_a_session_running_elsewhere_is_followed_read_only(qtbot, window, tmp_path):
    config_path = tmp_path / "slow.toml"
    config_path.write_text(SLOW_CONFIG.replace("epochs = 12", "epochs = 60"))
    path = tmp_path / "elsewhere.hdsession"
    process = subprocess.Popen(
        cli_command("run", config_path, "--session", path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        qtbot.waitUntil(lambda: count_epochs(path) >= 3, timeout=60_000)
        window.actions.open_file(path)
        assert window.model.session_state == SessionState.FOLLOWING
        assert "following it, read-only" in window.statusBar().session_label.text()
        assert not button(window, "resumeButton").isVisibleTo(window)
        assert process.poll() is None
        with Session.open(path) as session, pytest.raises(Exception, match="running in it"):
            session.begin_run(1)
        seen = window.model.results.epochs_done
        qtbot.waitUntil(lambda: window.model.results.epochs_done > seen, timeout=30_000)
    finally:
        process.wait(timeout=120)
    qtbot.waitUntil(lambda: window.model.session_state == "complete", timeout=30_000)
    assert window.model.results.epochs_done == 6 * 60
    trials, _ = session_contents(path)
    assert [row[2] for row in trials] == [
        window.model.results.trials[n].params for n in range(1, 7)
    ]


@pytest.mark.parametrize("scale", [1, 2, 4])
def test_exported_png_has_the_requested_size_and_is_not_blank(qtbot, window, tmp_path, scale):
    from hyperdesk.desktop_app.panels.export import export_plot

    load(window)
    run_to_end(qtbot, window)
    for kind, panel in window.panels:
        plot = panel.plot
        path = export_plot(plot, tmp_path / f"{kind.key}.png", scale)
        image = QImage(str(path))
        assert not image.isNull()
        expected = round(plot.getPlotItem().sceneBoundingRect().width() * scale)
        assert image.width() == expected
        pixels = np.frombuffer(image.constBits(), dtype=np.uint8)
        assert len(np.unique(pixels)) > 20
    # Everything grows with the scale: the legend's box is `scale` times as wide.
    legend = window.panels["curves"].legend
    image = QImage(str(tmp_path / "curves.png"))
    box = legend.mapRectToScene(legend.boundingRect()).translated(
        -window.panels["curves"].plot.getPlotItem().sceneBoundingRect().topLeft()
    )
    row = round((box.top() + box.height() / 2) * scale)
    grey = [
        x
        for x in range(image.width())
        if QColor(image.pixel(x, row)).name() not in ("#ffffff",)
        and round(box.left() * scale) - 2 <= x <= round(box.right() * scale) + 2
    ]
    assert max(grey) - min(grey) >= (box.width() - 4) * scale


def test_exported_svg_parses_and_holds_the_curves(qtbot, window, tmp_path):
    from hyperdesk.desktop_app.panels.export import export_panels

    load(window)
    run_to_end(qtbot, window)
    paths = export_panels(window.panels.shown(), tmp_path, "svg")
    assert len(paths) == 6  # no heatmap: this is not a two-parameter grid search
    namespace = "{http://www.w3.org/2000/svg}"
    curves = ElementTree.parse(tmp_path / "learning-curves.svg").getroot()
    best = window.model.results.best()
    # The best trial's validation curve: one polyline point per epoch.
    longest = max(len(p.get("d").split()) for p in curves.iter(f"{namespace}path"))
    assert longest >= len(best.records)
    top = ElementTree.parse(tmp_path / "top-20.svg").getroot()
    strokes = {g.get("stroke") for g in top.iter(f"{namespace}g")}
    assert "#1f5fbf" in strokes and "#2e7d32" in strokes


def test_results_export_agrees_with_the_session(qtbot, window, tmp_path):
    import csv
    import io
    import json

    load(window)
    run_to_end(qtbot, window)
    window.exports.export_results(tmp_path / "r.csv", "csv")
    window.exports.export_results(tmp_path / "r.json", "json")
    trials, epochs = session_contents(window.model.session_path)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text())))
    assert [int(r["number"]) for r in rows] == [t[0] for t in trials]
    assert [float(r["final_val_acc"]) for r in rows] == [t[6] for t in trials]
    document = json.loads((tmp_path / "r.json").read_text())
    assert [len(t["epochs"]) for t in document["trials"]] == [len(epochs[t[0]]) for t in trials]


def test_export_to_an_unwritable_place_says_so_and_keeps_the_session(
    qtbot, window, tmp_path, monkeypatch
):
    load(window)
    run_to_end(qtbot, window)
    before = session_contents(window.model.session_path)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    window.exports.export_results(tmp_path / "missing" / "r.csv", "csv")
    assert warnings and "The session is unchanged" in warnings[0]
    assert session_contents(window.model.session_path) == before


def bad_files(tmp_path):
    from tests.core.storage.test_session import foreign_sqlite, newer_schema, truncated

    made = {}
    made["text"] = tmp_path / "notes.hdsession"
    made["text"].write_text("hello")
    for name, make in (
        ("foreign", foreign_sqlite),
        ("truncated", truncated),
        ("newer", newer_schema),
    ):
        made[name] = tmp_path / f"{name}.hdsession"
        make(made[name])
    return made


def test_bad_files_are_refused_with_a_message_and_left_untouched(window, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    expected = {
        "text": "not an SQLite database",
        "foreign": "without its meta",
        "truncated": "damaged or truncated",
        "newer": "newer Hyperdesk",
    }
    for name, path in bad_files(tmp_path).items():
        before = path.read_bytes()
        window.actions.open_file(path)
        assert expected[name] in warnings[-1]
        assert path.read_bytes() == before
    assert window.model.session_path is None


def test_browser_lists_renames_and_deletes(qtbot, window, monkeypatch):
    load(window)
    run_to_end(qtbot, window)
    path = window.model.session_path
    browser = window.browser
    browser.refresh()
    qtbot.waitUntil(lambda: browser.model.row_of(path) is not None, timeout=10_000)
    row = browser.model.row_of(path)
    assert [browser.model.index(row, c).data() for c in (0, 2, 3, 5)] == [
        "tiny",
        "random",
        "4 / 4",
        "complete",
    ]
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("renamed", True))
    window.actions.rename_session(path)
    qtbot.waitUntil(
        lambda: browser.model.index(browser.model.row_of(path), 0).data() == "renamed",
        timeout=10_000,
    )
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    window.actions.delete_session(path)
    assert path.exists()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.actions.delete_session(path)
    assert not path.exists()
    qtbot.waitUntil(lambda: browser.model.row_of(path) is None, timeout=10_000)


def test_duplicate_loads_the_setup_as_a_new_search(qtbot, window):
    load(window, ["search.trials=3"])
    run_to_end(qtbot, window)
    original = window.model.session_path
    window.setup.load_config(window.setup.config().__class__(), "other")
    window.actions.duplicate_session(original)
    assert window.setup.session_name == "tiny copy"
    assert window.setup.config().search.trials == 3


def test_save_as_copies_the_session(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    load(window)
    run_to_end(qtbot, window)
    target = tmp_path / "copy.hdsession"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.actions.save_as()
    assert session_contents(target) == session_contents(window.model.session_path)


def test_a_read_only_data_directory_gives_a_message(qtbot, window, hyperdesk_home, monkeypatch):
    hyperdesk_home.mkdir(parents=True, exist_ok=True)
    (hyperdesk_home / "sessions").write_text("not a folder")
    messages = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: messages.append(args[2]))
    load(window)
    window.start()
    assert messages and "cannot be written" in messages[0]
    assert window.controller.state == "idle" and point_count(window.panels["scatter"].points) == 0


def test_cli_exports_the_panels_without_a_display(tmp_path, tiny_config):
    import os

    session_path = tmp_path / "s.hdsession"
    run = [sys.executable, "-m", "hyperdesk.desktop_app.launcher"]
    subprocess.run(
        [*run, "run", str(tiny_config), "--session", str(session_path)],
        check=True,
        capture_output=True,
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    # An image planted as a link to another file is replaced, never written through.
    (tmp_path / "p").mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "p" / "scatter.png").symlink_to(victim)
    done = subprocess.run(
        [*run, "export", str(session_path), "--plots", str(tmp_path / "p"), "--scale", "2"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "keep me"
    assert not (tmp_path / "p" / "scatter.png").is_symlink()
    files = sorted(path.name for path in (tmp_path / "p").iterdir())
    assert files == [
        "best-so-far.png",
        "learning-curves.png",
        "parallel-coordinates.png",
        "parameter-importance.png",
        "scatter.png",
        "top-20.png",
    ]
    assert QImage(str(tmp_path / "p" / "top-20.png")).width() == 2 * 900


def test_cli_exports_the_heatmap_of_a_two_parameter_grid(tmp_path, tiny_config):
    session_path = tmp_path / "grid.hdsession"
    run = [sys.executable, "-m", "hyperdesk.desktop_app.launcher"]
    subprocess.run(
        [
            *run,
            "run",
            str(tiny_config),
            "--session",
            str(session_path),
            "--set",
            'search.strategy="grid"',
            "--set",
            "search.points=2",
        ],
        check=True,
        capture_output=True,
    )
    done = subprocess.run(
        [*run, "export", str(session_path), "--plots", str(tmp_path / "p")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    heatmap = QImage(str(tmp_path / "p" / "grid-heatmap.png"))
    assert not heatmap.isNull() and heatmap.width() == 900


def test_the_browser_shows_the_windows_own_search_as_running(qtbot, window):
    load(window, ["train.epochs=400", "data.samples=1000"])
    qtbot.mouseClick(button(window, "startButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.results.epochs_done >= 2, timeout=30_000)
    path = window.model.session_path
    browser = window.browser
    browser.refresh()
    qtbot.waitUntil(lambda: browser.model.row_of(path) is not None, timeout=10_000)
    assert browser.model.index(browser.model.row_of(path), 5).data() == "running"
    with Session.open(path) as session, pytest.raises(Exception, match="running in it"):
        session.begin_run(1)
    with qtbot.waitSignal(window.controller.searchEnded, timeout=30_000):
        window.controller.stop()
    browser.refresh()
    qtbot.waitUntil(
        lambda: browser.model.index(browser.model.row_of(path), 5).data() == "interrupted",
        timeout=10_000,
    )


def test_a_child_search_around_selected_trials_links_to_its_parent(qtbot, window):
    from PySide6.QtCore import QItemSelectionModel

    load(window, ["search.trials=6"])
    run_to_end(qtbot, window)
    parent = window.model.session_path
    selection = window.table.view.selectionModel()
    selection.clearSelection()
    for row in (1, 3):
        selection.select(
            window.table.view.model().index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    numbers = window.table.selected_numbers()
    chosen = [window.model.results.trials[n].params for n in numbers]
    window.trials.search_around()
    lr = window.setup.config().search.space[0]
    assert lr.low <= min(p["lr"] for p in chosen) <= max(p["lr"] for p in chosen) <= lr.high
    row = window.setup.space_editor.rows["lr"]
    # Ends of 3 significant digits, not 0.00107378017… clipped in the field.
    assert float(row.low_edit.text()) == lr.low and len(row.low_edit.text()) <= 8
    assert row.low_edit.fontMetrics().horizontalAdvance(row.low_edit.text()) < (
        row.low_edit.contentsRect().width()
    )
    assert window.setup.session_name == "tiny child"
    run_to_end(qtbot, window)
    with Session.open(window.model.session_path, writable=False) as session:
        assert session.meta["parent"] == str(parent)
    browser = window.browser
    browser.refresh()
    qtbot.waitUntil(
        lambda: browser.model.row_of(window.model.session_path) is not None, timeout=10_000
    )
    row = browser.model.row_of(window.model.session_path)
    assert browser.model.index(row, 0).data() == "↳ tiny child"


@pytest.mark.parametrize("damage", ["params not JSON", "no config", "an unknown status"])
def test_a_damaged_session_opens_as_a_message_not_a_crash(qtbot, window, damage, monkeypatch):
    from tests.core.cli.test_cli import DAMAGES

    load(window)
    run_to_end(qtbot, window)
    good = window.model.session_path
    bad = good.with_name("bad.hdsession")
    bad.write_bytes(good.read_bytes())
    db = sqlite3.connect(bad)
    with db:
        db.execute(DAMAGES[damage])
    db.close()
    messages = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: messages.append(args[2]))
    window.actions.open_file(bad)
    assert messages and str(bad) in messages[0]
    assert window.model.session_path == good  # what was shown stays shown


@pytest.mark.parametrize("take_over", [False, True], ids=["follow", "take-over"])
def test_a_session_claimed_by_another_computer_is_followed_or_taken_over(
    qtbot, window, monkeypatch, take_over
):
    from tests.core.cli.test_cli import claimed_by

    load(window)
    run_to_end(qtbot, window)
    path = window.model.session_path
    claimed_by(path, "4242@another-computer")
    asked = []
    monkeypatch.setattr(
        window.actions, "ask_take_over", lambda owner: asked.append(owner) or take_over
    )
    if not take_over:
        window.actions.open_file(path)
        assert asked == ["4242@another-computer"]
        assert window.model.session_state == SessionState.FOLLOWING
        return
    with qtbot.waitSignal(window.controller.searchEnded, timeout=60_000):
        window.actions.open_file(path)
    assert asked == ["4242@another-computer"]
    with Session.open(path, writable=False) as session:
        assert session.status() == "complete"
        assert session.owner_elsewhere() is None


def test_a_large_session_opens_reading_only_the_epochs_it_draws(qtbot, window, tmp_path):
    """Opening 5,000 trials x 50 epochs took 3.7 s and 410 MB: every epoch was read.
    Now the table and the scatter come from each trial's stored summary, and a trial's
    epochs are read when something draws them (the best, the top 20, the selected)."""
    from hyperdesk.core import config as config_module
    from hyperdesk.desktop_app.tools.window_bench import write_synthetic_session

    path = tmp_path / "large.hdsession"
    write_synthetic_session(path, config_module.example_text("seed"), 300, 5)
    window.actions.open_session(path)
    trials = window.model.results.trials.values()
    read = [trial.number for trial in trials if trial.load is None]
    assert 20 <= len(read) <= 22  # the top 20, and the best's and the selection's curves
    assert window.table.table_model.rowCount() == 300
    assert window.model.results.epochs_done == 1500
    with Session.open(path, writable=False) as session:
        rows = {row.number: row for row in session.trials()}
        stored = session.epochs()
    unread = next(trial for trial in trials if trial.load is not None)
    assert unread.final_val_acc == rows[unread.number].final_val_acc
    window.model.select(unread.number)  # its curve is drawn: now its epochs are read
    assert unread.load is None and unread.records == stored[unread.number]


def test_opening_a_config_shows_it_everywhere(qtbot, window, tiny_config, tmp_path):
    """File > Open of a config changed only the setup tab; the panels and the table
    still showed the session before it."""
    load(window)
    run_to_end(qtbot, window)
    assert window.table.table_model.rowCount() > 0
    other = tmp_path / "other.toml"
    other.write_text(tiny_config.read_text().replace("trials = 4", "trials = 7"))
    window.actions.open_file(other)
    assert window.setup.session_name == "other"
    assert window.table.table_model.rowCount() == 0
    assert window.model.session_path is None
    assert window.model.results.planned == 7
    assert window.panels["curves"].shown["best"] is None


@pytest.mark.parametrize("choice", [None, "again"], ids=["cancel", "run-again"])
def test_start_on_a_finished_session_asks_first(qtbot, window, monkeypatch, choice):
    """Start on a finished session silently reran the identical search and cleared the
    view."""
    load(window)
    run_to_end(qtbot, window)
    first = window.model.session_path
    asked = []
    monkeypatch.setattr(window.actions, "ask_run_again", lambda name: asked.append(name) or choice)
    if choice is None:
        window.start()
        assert asked == [first.name]
        assert window.model.session_path == first and window.controller.idle
        return
    with qtbot.waitSignal(window.controller.searchEnded, timeout=60_000):
        window.start()
    assert asked == [first.name]
    assert window.model.session_path != first  # a new session; the first is kept
    assert first.exists()


def test_export_all_asks_before_replacing_and_says_where_it_wrote(
    qtbot, window, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog, QInputDialog

    load(window)
    run_to_end(qtbot, window)
    folder = tmp_path / "figures"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("PNG 1x", True))
    window.exports.export_all_dialog()
    written = sorted(folder.glob("*.png"))
    assert len(written) == 6
    bar = window.statusBar()
    assert bar.currentMessage() == f"Wrote 6 files to {folder}"
    assert bar.reveal_button.isVisible()
    stamps = [path.stat().st_mtime_ns for path in written]
    asked = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda *args: asked.append(args[2]) or QMessageBox.StandardButton.No,
    )
    window.exports.export_all_dialog()  # the same files: asked, and declined
    assert asked and "6 of these files exist already" in asked[0]
    assert [path.stat().st_mtime_ns for path in written] == stamps


def test_the_title_and_the_browser_name_the_open_session_and_new_ones_get_distinct_names(
    qtbot, window, monkeypatch
):
    assert window.windowTitle() == "seed (not started) \u2014 Hyperdesk"
    load(window)
    run_to_end(qtbot, window)
    first = window.model.session_path
    assert window.windowTitle() == "tiny (complete) \u2014 Hyperdesk"
    monkeypatch.setattr(window.actions, "ask_run_again", lambda name: "again")
    with qtbot.waitSignal(window.controller.searchEnded, timeout=60_000):
        window.start()
    assert window.windowTitle() == "tiny 2 (complete) \u2014 Hyperdesk"
    browser = window.browser
    browser.refresh()
    qtbot.waitUntil(lambda: len(browser.model.names()) == 2, timeout=10_000)
    assert sorted(browser.model.names()) == ["tiny", "tiny 2"]
    second_row = browser.model.row_of(window.model.session_path)
    first_row = browser.model.row_of(first)
    assert browser.model.index(second_row, 0).data(Qt.ItemDataRole.FontRole).bold()
    assert browser.model.index(first_row, 0).data(Qt.ItemDataRole.FontRole) is None
    # A name the person typed is kept as typed.
    window.setup.name_edit.clear()
    qtbot.keyClicks(window.setup.name_edit, "tiny")
    with qtbot.waitSignal(window.controller.searchEnded, timeout=60_000):
        window.start()
    assert window.model.session_name == "tiny"


def test_the_filter_reads_conditions_counts_and_the_table_keeps_its_sort(qtbot, window, new_window):
    load(window, ["search.trials=8"])
    run_to_end(qtbot, window)
    table, count = window.table, window.table.count_label
    assert count.text() == "8 trials"
    lrs = [t.params["lr"] for t in window.model.results.trials.values()]
    cut = sorted(lrs)[3]
    qtbot.keyClicks(table.filter_edit, f"lr>{cut}")
    assert count.text() == f"{sum(lr > cut for lr in lrs)} of 8 trials"
    table.filter_edit.setText("status:pruned")
    assert count.text() == "No trial of 8 matches"
    table.filter_edit.setText("loss<0.3")
    assert "Filter not applied: no column called 'loss'" in count.text()
    assert table.proxy.rowCount() == 0  # the last filter that could be read stands
    table.filter_edit.setText("val acc >= 0")
    assert count.text() == "8 of 8 trials"
    # A first click on a score sorts best first.
    header = table.view.horizontalHeader()
    val_column = table.table_model.headers.index("Val acc")
    qtbot.mouseClick(
        header.viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(header.sectionViewportPosition(val_column) + 5, 5),
    )
    scores = [
        table.proxy.index(row, val_column).data(Qt.ItemDataRole.DisplayRole) for row in range(8)
    ]
    assert scores == sorted(scores, reverse=True)
    # The scatter's axes swapped, as a person picks them.
    scatter = window.panels["scatter"]
    for combo, name in ((scatter.x_combo, "weight_decay"), (scatter.y_combo, "lr")):
        combo.setCurrentText(name)
        combo.activated.emit(combo.currentIndex())
    path = window.model.session_path
    window.close()
    again = new_window()
    again.actions.open_file(path)
    kept = again.table
    assert kept.filter_edit.text() == "val acc >= 0"
    scatter = again.panels["scatter"]
    assert (scatter.x_combo.currentText(), scatter.y_combo.currentText()) == ("weight_decay", "lr")
    assert kept.view.horizontalHeader().sortIndicatorSection() == val_column
    assert kept.view.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    again.new_search()
    again.start()  # another session: sorted by trial, unfiltered
    qtbot.waitUntil(lambda: again.table.filter_edit.text() == "", timeout=10_000)
    with qtbot.waitSignal(again.controller.searchEnded, timeout=60_000):
        again.controller.stop()


def test_file_dialogs_start_where_they_were_last_used(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtCore import QStandardPaths
    from PySide6.QtWidgets import QFileDialog

    from hyperdesk.core.paths import sessions_dir

    started = []

    def open_dialog(parent, caption, folder, filters):
        started.append(Path(folder))
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", open_dialog)
    window.actions.choose_file()
    assert started[-1] == sessions_dir()  # the first time: the sessions folder
    exports = tmp_path / "figures"
    exports.mkdir()

    def folder_dialog(parent, caption, folder):
        started.append(Path(folder))
        return str(exports)

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", folder_dialog)
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("SVG", False))
    window.exports.export_all_dialog()
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    assert started[-1] in (Path(documents), Path.home())  # exports: documents
    window.exports.export_all_dialog()
    assert started[-1] == exports  # then where the last export went


def test_the_extend_dialog_is_wide_enough_for_its_title(qtbot, window, monkeypatch):
    load(window)
    run_to_end(qtbot, window)
    seen = []
    monkeypatch.setattr(QInputDialog, "exec", lambda dialog: seen.append(dialog) or 0)
    window.actions.extend_dialog()
    (dialog,) = seen
    title_width = dialog.fontMetrics().horizontalAdvance(dialog.windowTitle())
    assert dialog.minimumWidth() >= title_width + 150  # the frame's buttons and icon
    assert "tiny, which has 4 trials" in dialog.labelText()


def test_a_session_whose_data_moved_is_located_and_resumed(
    qtbot, window, tmp_path, monkeypatch, capsys
):
    from hyperdesk.core import config as config_module
    from hyperdesk.core.search.registry import planned_trials
    from tests.core.cli.test_cli import run_cli

    table = tmp_path / "t.csv"
    table.write_text("a,b,kind\n" + "".join(f"{i},{i % 7},{'xy'[i % 2]}\n" for i in range(40)))
    (tmp_path / "c.toml").write_text(
        '[data]\nsource = "t.csv"\nsamples = 40\n[train]\nepochs = 2\n[search]\ntrials = 2\n'
        '[search.space.lr]\nlow = 0.01\nhigh = 0.1\nscale = "log"\n'
    )
    path = tmp_path / "s.hdsession"
    assert run_cli(capsys, "run", str(tmp_path / "c.toml"), "--session", str(path))[0] == 0
    with Session.open(path) as session:
        bigger = config_module.loads(session.config.to_toml(), ["search.trials=3"])
        session.extend(bigger.to_toml(), planned_trials(bigger.search))
    moved = tmp_path / "moved.csv"
    table.rename(moved)
    said = []
    monkeypatch.setattr(window.actions, "data_failed", lambda message: said.append(message))
    window.controller.dataFailed.disconnect()
    window.controller.dataFailed.connect(window.actions.data_failed)
    window.actions.open_file(path)
    # Said on opening, before any Resume: checked in the helper process.
    problem = window.statusBar().data_button
    qtbot.waitUntil(problem.isVisible, timeout=30_000)
    assert "t.csv: not found" in problem.toolTip()
    problem.click()
    assert said == [problem.toolTip()]
    with qtbot.waitSignal(window.controller.searchEnded, timeout=30_000):
        window.controller.resume()
    assert len(said) == 2 and "t.csv: not found" in said[1]
    with qtbot.waitSignal(window.controller.searchEnded, timeout=60_000):
        window.actions.relocate(moved)  # as Locate data… does
    assert window.model.results.trials_done == 3
    assert not problem.isVisible()
    with Session.open(path, writable=False) as session:
        assert session.config.data.source == str(moved)


def test_two_sessions_selected_are_compared_side_by_side(qtbot, window, capsys, tmp_path):
    from PySide6.QtCore import QItemSelectionModel
    from PySide6.QtWidgets import QDialog, QLabel, QTableWidget

    from tests.conftest import TINY_CONFIG
    from tests.core.cli.test_cli import run_cli

    config = tmp_path / "tiny.toml"
    config.write_text(TINY_CONFIG)
    # Data of one's own, in a folder of a long name: the table's data cell is its path.
    folder = tmp_path / "measurements_of_the_second_clinic_collected_in_the_spring"
    folder.mkdir()
    table = folder / "breast_cancer_wisconsin_diagnostic.csv"
    table.write_text("a,b,label\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(130)))
    own = ["--set", f'data.source="{table}"']
    run_cli(capsys, "run", config, "--name", "random one", *own)
    run_cli(capsys, "run", config, "--name", "tpe one", "--set", 'search.strategy="tpe"', *own)
    browser = window.browser
    browser.refresh()
    qtbot.waitUntil(lambda: len(browser.model.entries) == 2, timeout=10_000)
    assert not browser.compare_button.isEnabled()  # one session or none: nothing to compare
    selection = browser.view.selectionModel()
    for row in (0, 1):
        selection.select(
            browser.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    assert browser.compare_button.isEnabled()
    assert not browser.buttons["openSessionButton"].isEnabled()  # acts on one session
    qtbot.mouseClick(browser.compare_button, Qt.MouseButton.LeftButton)  # read in the helper
    qtbot.waitUntil(lambda: window.findChild(QDialog, "compareDialog") is not None, timeout=30_000)
    dialog = window.findChild(QDialog, "compareDialog")
    table_widget = dialog.findChild(QTableWidget, "compareTable")
    headers = {
        table_widget.horizontalHeaderItem(c).text() for c in range(table_widget.columnCount())
    }
    assert headers == {"random one", "tpe one"}
    labels = [table_widget.verticalHeaderItem(r).text() for r in range(table_widget.rowCount())]
    assert {"best val acc", "lr", "weight_decay", "epochs trained"} <= set(labels)
    assert " is best: " in dialog.findChild(QLabel, "compareVerdict").text()
    # A best-so-far staircase per session, up to its 4th trial and its best score.
    curves = dialog.by_trials.getPlotItem().listDataItems()
    ends = {(curve.getData()[0][-1], curve.getData()[1][-1]) for curve in curves}
    assert ends == {(4, side.best_score) for side in dialog.comparison.sides}
    # One seed, so the first trials lie on the same points: the second session is an
    # outline of another shape around them, not hidden under the first's dots.
    first, second = dialog.scatter.getPlotItem().listDataItems()
    assert first.opts["symbol"] != second.opts["symbol"]
    assert second.opts["symbolBrush"] is None
    # The data cell wraps whole inside its column, not cut at its edge.
    data_row = labels.index("data")
    cell = table_widget.item(data_row, 0)
    assert cell.toolTip() == str(table)
    # Every line of it fits the column (a folder's name too: seen cut to "long_folder_…")
    # and the row holds every line.
    room = table_widget.columnWidth(0) - 8
    wrapped = table_widget.fontMetrics().boundingRect(
        QRect(0, 0, room, 10_000), Qt.TextFlag.TextWordWrap, cell.text()
    )
    assert wrapped.width() <= room
    assert wrapped.height() > 2 * table_widget.fontMetrics().height()
    assert table_widget.rowHeight(data_row) >= wrapped.height()


def test_file_export_report_writes_one_html_file_of_the_shown_session(
    qtbot, window, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog

    from hyperdesk.core.storage import report

    load(window, ["search.trials=2", "train.epochs=2"])
    run_to_end(qtbot, window)
    chosen = tmp_path / "shared"  # the suffix is added
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(chosen), ""))

    def read_here(data):
        raise AssertionError("the data was read in the window's process")

    monkeypatch.setattr(report, "preview_data", read_here)  # the helper process reads it
    with qtbot.waitSignal(window.exports.exported, timeout=20_000) as exported:
        window.exports.export_report_dialog()
    written = tmp_path / "shared.html"
    assert exported.args[0] == [written]
    text = written.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.count("data:image/png;base64,") >= 5
    assert "10,000 images of 784 inputs" in text  # what the helper read


def test_warm_start_makes_a_tpe_search_that_begins_knowing_a_session_s_trials(qtbot, window):
    load(window, ["search.trials=3", "train.epochs=1"])
    run_to_end(qtbot, window)
    earlier = window.model.session_path
    browser = window.browser
    browser.refresh()
    qtbot.waitUntil(lambda: browser.model.row_of(earlier) is not None, timeout=10_000)
    browser.select(earlier)
    qtbot.mouseClick(browser.buttons["warmStartSessionButton"], Qt.MouseButton.LeftButton)
    setup = window.setup
    assert setup.config().search.strategy == "tpe"
    assert setup.warm_start_label.isVisibleTo(window)
    assert earlier.name in setup.warm_start_label.text()
    assert run_to_end(qtbot, window) == "complete"
    with Session.open(window.model.session_path, writable=False) as session:
        search = session.config.search
    assert search.warm_start == str(earlier.resolve()) and len(search.prior) == 3
    # Forget it: the setup no longer learns from anything.
    window.actions.show_new_search(window.model.config, "again")
    qtbot.mouseClick(setup.no_warm_start_button, Qt.MouseButton.LeftButton)
    assert setup.config().search.warm_start == "" and setup.config().search.prior == ()
    assert not setup.warm_start_label.isVisibleTo(window)


def test_a_finished_search_goes_on_in_its_session_with_other_ranges(qtbot, window, monkeypatch):
    from tests.desktop_app.helpers import type_into

    load(window, ["search.trials=4", "train.epochs=1"])
    assert run_to_end(qtbot, window) == "complete"
    path = window.model.session_path
    before = {n: dict(t.params) for n, t in window.model.results.trials.items()}
    row = window.setup.space_editor.rows["lr"]
    type_into(qtbot, row.low_edit, "0.02")
    type_into(qtbot, row.high_edit, "0.05")
    monkeypatch.setattr(window.actions, "ask_continue", lambda name: "continue")
    with qtbot.waitSignal(window.controller.searchEnded, timeout=60_000) as ended:
        qtbot.mouseClick(button(window, "startButton"), Qt.MouseButton.LeftButton)
    assert ended.args == ["complete"] and window.model.session_path == path  # the same file
    trials = window.model.results.trials
    assert sorted(trials) == list(range(1, 9))
    assert {n: trials[n].params for n in before} == before  # none run again
    assert all(0.02 <= trials[n].params["lr"] <= 0.05 for n in range(5, 9))
    statuses = {n: window.model.results.shown_status(trials[n]) for n in before}
    for number, params in before.items():
        outside_now = not 0.02 <= params["lr"] <= 0.05
        assert statuses[number].endswith("outside the ranges") == outside_now


@pytest.mark.parametrize(
    ("ask", "label", "key"),
    [
        ("ask_continue", "Continue in it", "continue"),
        ("ask_continue", "New session", "new"),
        ("ask_run_again", "Extend…", "extend"),
        ("ask_run_again", "Cancel", None),
    ],
)
def test_the_questions_before_start_answer_with_the_button_clicked(
    window, monkeypatch, ask, label, key
):
    def click(box):
        next(b for b in box.buttons() if b.text().replace("&", "") == label).click()

    monkeypatch.setattr(QMessageBox, "exec", click)
    assert getattr(window.actions, ask)("seed") == key
