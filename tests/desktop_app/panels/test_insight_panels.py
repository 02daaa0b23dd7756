"""The insight panels in the window: parallel coordinates with brushing that filters the
table, parameter importance, and the heatmap of a two-parameter grid."""

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from hyperdesk.core.search.space import significant
from tests.desktop_app.helpers import load, point_count, run_to_end, table_numbers


def polylines(item) -> int:
    x, _ = item.getData()
    return 0 if x is None else int(np.sum(np.isnan(x)))


def test_parallel_coordinates_draw_every_trial_on_log_axes(qtbot, window):
    load(window, ["search.trials=8"])
    run_to_end(qtbot, window)
    panel = window.panels["parallel"]
    assert panel.names == ["lr", "weight_decay", "val acc"]
    drawn = sum(polylines(item) for item in panel.shades)
    assert drawn == len([t for t in window.model.results.trials.values() if t.score is not None])
    trial = window.model.results.trials[1]
    lr_unit = (math.log10(trial.params["lr"]) + 3) / 2  # TINY_CONFIG: lr in [1e-3, 1e-1]
    assert panel._units(trial)[0] == lr_unit
    assert panel._units(trial)[2] == trial.score
    # Labels along each axis in its scale, a colour scale for the score, and no
    # instructions in the title (they would be in every exported image).
    assert panel._ticks("lr") == [(0.0, "0.001"), (0.5, "0.01"), (1.0, "0.1")]
    assert [label for _, label in panel._ticks("val acc")] == ["0", "0.25", "0.5", "0.75", "1"]
    assert panel.bar.isVisible()
    assert panel.plot.getPlotItem().titleLabel.text == "Parallel coordinates"


def test_brushing_an_axis_filters_the_table_to_the_trials_inside(qtbot, window):
    load(window, ["search.trials=10"])
    run_to_end(qtbot, window)
    panel = window.panels["parallel"]
    expected = {
        t.number
        for t in window.model.results.trials.values()
        if t.score is not None and (math.log10(t.params["lr"]) + 3) / 2 <= 0.5
    }
    assert 0 < len(expected) < 10
    with qtbot.waitSignal(panel.brushed):
        panel.bands[0].setRegion((0, 0.5))
    assert set(table_numbers(window)) == expected
    assert polylines(panel.outside) == 10 - len(expected)
    window.table.filter_edit.setText("complete")  # the text filter still applies on top
    assert set(table_numbers(window)) == expected
    window.table.filter_edit.clear()
    with qtbot.waitSignal(panel.brushed):
        panel.clear_bands()
    assert len(table_numbers(window)) == 10


def test_brushing_keeps_trials_without_a_score_that_lie_inside_the_parameter_bands(qtbot, window):
    # Successive halving stops most trials early: pruned trials have no score.
    load(
        window,
        [
            "search.trials=12",
            "train.epochs=6",
            'search.early_stopping.rule="asha"',
            "search.early_stopping.min_epochs=1",
            "search.early_stopping.reduction=3",
        ],
    )
    run_to_end(qtbot, window)
    trials = window.model.results.trials.values()
    high_lr = {t.number for t in trials if (math.log10(t.params["lr"]) + 3) / 2 >= 0.5}
    unscored = {t.number for t in trials if t.score is None}
    assert unscored & high_lr and high_lr - unscored, "need pruned and complete trials"
    panel = window.panels["parallel"]
    with qtbot.waitSignal(panel.brushed):
        panel.bands[0].setRegion((0.5, 1))
    assert set(table_numbers(window)) == high_lr
    best = max((t for t in trials if t.number in high_lr - unscored), key=lambda t: t.score)
    with qtbot.waitSignal(panel.brushed):  # the score band leaves unscored trials be
        panel.bands[-1].setRegion((0, best.score - 1e-6))
    assert set(table_numbers(window)) == high_lr - {
        t.number for t in trials if t.score is not None and t.score >= best.score
    }
    assert unscored & high_lr <= set(table_numbers(window))


def test_importance_ranks_the_parameters_once_its_panel_is_shown(qtbot, window):
    load(window, ["search.trials=12"])
    run_to_end(qtbot, window)
    assert window.panels["importance"].shown == {}  # behind another tab: not computed for nobody
    window.panel_docks["importance"].raise_()
    qtbot.waitUntil(lambda: window.panels["importance"].shown != {}, timeout=30_000)
    shown = window.panels["importance"].shown
    assert set(shown) == {"lr", "weight_decay"}
    assert abs(sum(shown.values()) - 1) < 1e-6
    labels = [label.toPlainText() for label in window.panels["importance"].value_labels]
    assert all(label.endswith("%") for label in labels)  # the axis's unit too
    axis = window.panels["importance"].plot.getAxis("bottom")
    assert axis.labelText == "Share of the score's variation explained"
    assert [text for _, text in axis._tickLevels[0]] == ["0%", "25%", "50%", "75%", "100%"]


def test_a_two_parameter_grid_shows_its_heatmap(qtbot, window):
    load(window, ['search.strategy="grid"', "search.points=3"])
    assert window.setup.config().search.strategy == "grid"
    run_to_end(qtbot, window)
    assert not window.panel_docks["heatmap"].isHidden()
    scores = window.panels["heatmap"].image.image
    (x_name, x_values), (y_name, y_values) = window.panels["heatmap"].axes
    assert scores.shape == (len(x_values), len(y_values)) and not np.isnan(scores).any()
    assert scores.size == len(window.model.results.trials)
    for trial in window.model.results.trials.values():
        cell = scores[x_values.index(trial.params[x_name]), y_values.index(trial.params[y_name])]
        assert cell == trial.score
    assert len(window.panels["heatmap"].cell_labels) == scores.size
    assert "heatmap" in window.panels.shown()

    load(window, ["search.trials=2"])
    run_to_end(qtbot, window)
    assert window.panel_docks["heatmap"].isHidden() and "heatmap" not in window.panels.shown()
    assert window.findChild(QTableView, "resultsTable").model().rowCount() == 2


def test_a_rectangle_on_the_scatter_selects_its_trials_for_a_child_search(qtbot, window):
    from PySide6.QtCore import QPointF, QRectF

    load(window, ["search.trials=12"])
    run_to_end(qtbot, window)
    trials = list(window.model.results.trials.values())
    # Around the lower half of the learning rates, every weight decay (log axes: the view
    # holds log10 of each value).
    lrs = sorted(math.log10(t.params["lr"]) for t in trials)
    cut = (lrs[5] + lrs[6]) / 2
    rectangle = QRectF(QPointF(-3.5, -9), QPointF(cut, -3))
    expected = sorted(t.number for t in trials if math.log10(t.params["lr"]) < cut)
    assert len(expected) == 6
    scatter = window.panels["scatter"]
    scatter.view_box.drawn.setRect(rectangle)  # as a Shift-drag leaves it
    scatter.view_box.drawn.show()
    scatter.view_box.on_rectangle(rectangle)
    assert window.table.selected_numbers() == expected
    assert "6 trials selected" in window.statusBar().currentMessage()
    # Every selected trial is highlighted in every panel, and the rectangle stays.
    assert sorted(window.model.selection) == expected
    assert point_count(scatter.selected_point) == 6
    assert point_count(window.panels["best"].selected_point) == 6
    compared = [
        int(label.split()[1])
        for slot, label in (
            entry
            for slot, entry in window.panels["curves"].shown.items()
            if entry and slot.startswith("selected")
        )
    ]
    best = window.model.results.best().number
    assert sorted(compared) == [n for n in expected if n != best]
    lines = window.panels["parallel"].selected_line.getData()[0]
    assert np.isnan(lines).sum() == 6  # one line per trial, cut apart by NaN
    assert scatter.view_box.drawn.isVisible()
    window.trials.search_around()
    lr = window.setup.config().search.space[0]
    chosen = [window.model.results.trials[n].params["lr"] for n in expected]
    assert lr.low <= min(chosen) <= max(chosen) <= lr.high
    assert (lr.low, lr.high) == (significant(min(chosen)), significant(max(chosen), up=True))
    # Choosing one trial replaces the selection: the rectangle goes.
    window.model.select(expected[0])
    assert not scatter.view_box.drawn.isVisible()
    assert point_count(scatter.selected_point) == 1


def test_export_plots_draws_each_trial_looked_inside(capsys, tmp_path):
    """A look inside a trial, kept in the session, is drawn headless as the window
    shows it."""
    from PySide6.QtGui import QImage

    from hyperdesk.core.execution.look_inside import inspect_trial
    from hyperdesk.desktop_app.panels.rendering import render_session_panels
    from tests.conftest import TINY_CONFIG
    from tests.core.model.test_model import searched

    path = searched(capsys, tmp_path, TINY_CONFIG, "search.keep_weights=all")
    inspect_trial(path, 2)
    written = render_session_panels(path, tmp_path / "plots", "png", 1)
    inside = tmp_path / "plots" / "inside-trial-2.png"
    assert inside in written
    image = QImage(str(inside))
    # The whole report, its tables one above the other: wider than a 10 x 10 matrix of
    # 20-pixel cells, and taller than the matrix and the table of each class.
    assert image.width() > 200 and image.height() > 2 * 10 * 20
    # --scale 2 draws it twice as large, as sharp.
    render_session_panels(path, tmp_path / "large", "png", 2)
    large = QImage(str(tmp_path / "large" / "inside-trial-2.png"))
    assert (large.width(), large.height()) == (2 * image.width(), 2 * image.height())


def test_the_report_is_one_html_file_with_every_section_and_images_that_decode(capsys, tmp_path):
    """hyperdesk report: parsed as a browser would, it has each section, the best trials
    in order, the notes, and every embedded image decodes (the panels and a look
    inside), shown at the size the window shows them (drawn at 2x)."""
    import base64
    from html.parser import HTMLParser

    from PySide6.QtGui import QImage

    from hyperdesk.core.execution.look_inside import inspect_trial
    from hyperdesk.core.storage.report import SECTIONS
    from hyperdesk.core.storage.session import Session
    from hyperdesk.desktop_app.launcher import main
    from tests.conftest import TINY_CONFIG
    from tests.core.model.test_model import searched

    path = searched(capsys, tmp_path, TINY_CONFIG, "search.keep_weights=all")
    inspect_trial(path, 2)
    with Session.open(path) as session:
        session.set_note("first look & <notes>")
        session.set_note("the one to keep", trial=2)
    out = tmp_path / "report.html"
    assert main(["report", str(path), "--out", str(out)]) == 0
    assert main(["report", str(path), "--out", str(out)]) == 2  # never replaced unasked

    class Page(HTMLParser):
        def __init__(self):
            super().__init__()
            self.sections, self.images, self.text = [], [], []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "section":
                self.sections.append(attrs["id"])
            if tag == "img":
                self.images.append(attrs)

        def handle_data(self, data):
            self.text.append(data)

    page = Page()
    page.feed(out.read_text(encoding="utf-8"))
    assert page.sections == [key for key, _ in SECTIONS]
    text = " ".join(page.text)
    assert "first look & <notes>" in text and "the one to keep" in text
    captions = [image["alt"] for image in page.images]
    assert "Learning curves" in captions and "Inside trial 2" in captions
    for image in page.images:
        prefix = "data:image/png;base64,"
        assert image["src"].startswith(prefix)
        decoded = QImage.fromData(base64.b64decode(image["src"][len(prefix) :]))
        assert not decoded.isNull()
        assert image["style"] == f"width: {decoded.width() // 2}px"


def test_a_trade_off_search_shows_its_front_and_marks_it_in_the_table(qtbot, window):
    from tests.core.search.test_trade_off import TRADE_OFF, brute_force_front

    load(window, TRADE_OFF)
    assert window.setup.editors["search.constraints"].widget.isVisibleTo(window.setup)
    run_to_end(qtbot, window)
    assert not window.panel_docks["pareto"].isHidden()
    assert window.panel_docks["heatmap"].isHidden()
    panel = window.panels["pareto"]
    trials = window.model.results.trials.values()
    feasible = {
        t.number: (t.score, float(t.parameters))
        for t in trials
        if t.score is not None and t.parameters <= 20000
    }
    front = brute_force_front(feasible)
    assert front and window.model.results.front() == front
    # The front's points, cheapest first, each at its size and accuracy.
    drawn = list(panel.front.getData()[0])
    assert sorted(drawn) == drawn and len(drawn) == len(front)
    assert point_count(panel.over) == sum(t.parameters > 20000 for t in trials if t.score)
    # The table says which trials are on it and which broke the limit.
    table = window.findChild(QTableView, "resultsTable").model()
    column = [table.headerData(c, Qt.Orientation.Horizontal) for c in range(table.columnCount())]
    marks = {
        int(table.index(row, 0).data()): table.index(row, column.index("Trade-off")).data()
        for row in range(table.rowCount())
    }
    assert {n for n, mark in marks.items() if mark == "front"} == front
    assert {n for n, mark in marks.items() if mark == "over the limit"} == {
        t.number for t in trials if t.parameters > 20000
    }
    # Clicking a point of the front selects its trial.
    chosen = min(front)
    with qtbot.waitSignal(panel.signals.trialClicked):
        point = next(p for p in panel.front.scatter.points() if p.data() == chosen)
        panel.front.scatter.sigClicked.emit(panel.front.scatter, [point], None)
    assert window.model.selection == (chosen,)


def test_a_trade_off_report_shows_its_front_and_the_trade_off_panel(tmp_path):
    import re

    from hyperdesk.core import config as config_module
    from hyperdesk.core.execution.runner import SearchRunner
    from hyperdesk.core.storage.session import Session, front_rows
    from hyperdesk.desktop_app.launcher import main
    from tests.conftest import TINY_CONFIG
    from tests.core.search.test_trade_off import TRADE_OFF

    config = config_module.loads(TINY_CONFIG, TRADE_OFF)
    path = tmp_path / "t.hdsession"
    with Session.create(path, "t", config.to_toml(), 16) as session:
        SearchRunner(session, workers=2).run()
        rows = front_rows(config.search.trade_off, session.trials(), session.costs())
        front = [row.number for row in rows]
    out = tmp_path / "report.html"
    assert main(["report", str(path), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    best = page[page.index('<section id="best">') : page.index('<section id="panels">')]
    assert "these are its front" in best and "<th>parameters</th>" in best
    listed = [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", best)]
    assert listed == front  # the front, cheapest first
    assert 'alt="Accuracy against cost"' in page


def test_the_confusion_matrix_shows_each_class_name_whole(qtbot):
    """Seen cut: "enig" and "aligna" for benign and malignant."""
    import numpy as np

    from hyperdesk.core.model.inspection import Inspection
    from hyperdesk.desktop_app.panels.inside_report import ReportView

    classes = ("benign", "malignant")
    labels = np.array([0, 0, 1, 1, 1])
    probabilities = np.array([[0.9, 0.1], [0.3, 0.7], [0.2, 0.8], [0.1, 0.9], [0.6, 0.4]])
    view = ReportView("Trial 1.", Inspection.of("validation split", labels, probabilities, classes))
    qtbot.addWidget(view)
    view.show()
    header = view.matrix.horizontalHeader()
    for column, name in enumerate(classes):
        assert header.sectionSize(column) >= header.fontMetrics().horizontalAdvance(name) + 4
    assert view.matrix.width() >= sum(header.sectionSize(c) for c in range(len(classes)))


def test_a_printed_look_inside_shows_every_mistake_and_no_instruction(qtbot, capsys, tmp_path):
    """The report's picture was the panel's: its gallery cut off after two rows and a
    half, under "click one to enlarge"."""
    from PySide6.QtWidgets import QApplication, QLabel, QWidget

    from hyperdesk.core.execution.look_inside import inspect_trial
    from hyperdesk.core.model.inspection import Inspection
    from hyperdesk.core.storage.session import Session
    from hyperdesk.desktop_app.panels.inside_report import ReportView
    from tests.conftest import TINY_CONFIG
    from tests.core.model.test_model import searched

    path = searched(capsys, tmp_path, TINY_CONFIG, "search.keep_weights=all")
    inspect_trial(path, 2)
    with Session.open(path, writable=False) as session:
        look = Inspection.from_bytes(session.inspections()[2])
    assert len(look.mistakes) > 10  # more than the panel's two rows and a half
    view = ReportView("Trial 2.", look)
    qtbot.addWidget(view)
    view.show()
    QApplication.processEvents()
    view.as_printed()
    QApplication.processEvents()
    view.resize(view.sizeHint())
    printed = view.findChild(QWidget, "mistakesPrinted")
    pictures = [
        label
        for label in printed.findChildren(QLabel)
        if label.pixmap() is not None and not label.pixmap().isNull()
    ]
    assert len(pictures) == len(look.mistakes)
    bottom = max(
        label.mapTo(view, label.rect().bottomLeft()).y() for label in printed.findChildren(QLabel)
    )
    assert bottom <= view.height()  # the last row's captions too
    texts = " ".join(label.text() for label in view.findChildren(QLabel) if label.isVisible())
    assert "click" not in texts
    assert not view.shares.isVisible()
