"""A regression search in the window: the table's score columns are its figures (R²,
RMSE, MAE) and the filter takes them; the curves and best-so-far plot the search's
metric on its own scale, best-so-far going the metric's way."""

import itertools

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from hyperdesk.core import config as config_module
from hyperdesk.desktop_app.panels.base import ACCURACY_MAP
from tests.conftest import REGRESSION_CONFIG
from tests.desktop_app.helpers import button, column_texts, run_to_end


def regression_search(qtbot, window, tmp_path, metric):
    table = tmp_path / "t.csv"
    table.write_text(
        "a,b,y\n"
        + "".join(f"{i % 5},{i % 7},{3.5 * (i % 5) - (i % 7) + 0.25}\n" for i in range(80))
    )
    changes = ["train.epochs=6", "search.trials=4", "search.space.lr.low=1e-4"]
    config = config_module.loads(
        REGRESSION_CONFIG.format(path=table), [*changes, f"search.metric={metric}"]
    )
    window.setup.load_config(config, "prices")
    # Start waits for the helper process to have read the table.
    qtbot.waitUntil(lambda: button(window, "startButton").isEnabled(), timeout=30_000)
    run_to_end(qtbot, window)


def test_the_table_shows_a_regression_s_figures_and_filters_by_them(qtbot, window, tmp_path):
    regression_search(qtbot, window, tmp_path, "val_r2")
    model = window.table.table_model
    headers = list(model.headers)
    assert {"Val R²", "Val RMSE", "Val MAE", "Train R²"} <= set(headers)
    assert not {"Val acc", "Best val", "Train acc"} & set(headers)
    r2 = [float(text) for text in column_texts(window, "Val R²")]
    rmse = column_texts(window, "Val RMSE")
    assert len(r2) == 4 and all(text for text in rmse)
    tooltip = model.headerData(
        headers.index("Val RMSE"), Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )
    assert "label's units" in tooltip and "lower is better" in tooltip
    # The filter reads "val r2" for "Val R²".
    table = window.table
    table.filter_edit.setText(f"val r2 >= {sorted(r2)[2]}")
    assert table.count_label.text() == "2 of 4 trials"
    assert window.panels["curves"].plot.getPlotItem().getAxis("left").labelText == "R²"


def test_best_so_far_goes_the_way_of_an_error_metric(qtbot, window, tmp_path):
    regression_search(qtbot, window, tmp_path, "val_rmse")
    results = window.model.results
    _, values = results.best_so_far()
    assert len(values) == 4
    # Lower is better: the best so far never rises, and ends at the smallest RMSE.
    assert all(later <= earlier for earlier, later in itertools.pairwise(values))
    assert values[-1] == min(t.final_val_rmse for t in results.trials.values())
    assert results.best().final_val_rmse == values[-1]
    best_axis = window.panels["best"].plot.getPlotItem().getAxis("left").labelText
    assert best_axis == "Final validation RMSE"
    # The scatter's colours: the lowest RMSE at the bright end, the highest at the dark.
    scale = window.panels["scatter"].scale
    worst = max(t.final_val_rmse for t in results.trials.values())
    assert (scale.level(values[-1]), scale.level(worst)) == (1.0, 0.0)
    assert window.panels["scatter"].bar.getAxis("left").labelText == "final val RMSE"
    # Reversing the bar's colours for an error left the shared accuracy map as it was.
    viridis = pg.colormap.get("viridis", skipCache=True)
    assert ACCURACY_MAP.map(1.0, mode="qcolor") == viridis.map(1.0, mode="qcolor")
    # Parallel coordinates: the RMSE's axis runs from the worst (bottom) to the best
    # (top), labelled in RMSE, the lines placed on it by their RMSE.
    parallel = window.panels["parallel"]
    assert parallel.names[-1] == "val RMSE"
    labels = [tick.textItem.toPlainText() for tick in parallel.score_ticks]
    assert labels[0] == f"{worst:.4g}" and labels[-1] == f"{values[-1]:.4g}"
    heights = [units[-1] for units in map(parallel._units, results.trials.values())]
    assert sorted(heights) == sorted(scale.level(t.final_val_rmse) for t in results.trials.values())
    assert max(heights) == 1.0 and min(heights) == 0.0
    assert parallel.bar.getAxis("left").labelText == "final val RMSE"


def test_inside_shows_a_regression_s_predictions_and_export_draws_them(qtbot, window, tmp_path):
    from hyperdesk.core.execution.final_model import train_final_model
    from hyperdesk.desktop_app.panels.inside_regression import RegressionReportView
    from hyperdesk.desktop_app.panels.rendering import render_session_panels

    regression_search(qtbot, window, tmp_path, "val_rmse")
    best = window.model.results.best()
    window.inside_follower.set_visible(True)
    window.model.select(best.number)
    # Made in the helper process, as a classifier's look is.
    qtbot.waitUntil(lambda: window.inside.report is not None, timeout=60_000)
    report = window.inside.report
    assert isinstance(report, RegressionReportView)
    assert report.look.rmse == pytest.approx(best.final_val_rmse, rel=1e-4)
    points = report.fit.getPlotItem().listDataItems()[-1].getData()
    assert np.array_equal(points[0], report.look.actual)
    assert np.array_equal(points[1], report.look.predicted)
    worst = report.worst
    assert worst.rowCount() == min(20, report.look.samples)
    headers = [worst.horizontalHeaderItem(c).text() for c in range(worst.columnCount())]
    assert headers == ["Row", "Actual", "Predicted", "Error", "a", "b"]
    assert "RMSE" in report.findChild(QLabel, "reportSummary").text()
    # The saved model's look, on what it was measured on.
    final = train_final_model(window.model.session_path, best.number)
    window.inside_follower.show_model(final, tmp_path / "m.hdmodel")
    shown = window.inside.report
    assert isinstance(shown, RegressionReportView) and shown.look is final.look
    assert "m.hdmodel" in shown.findChild(QLabel, "reportSummary").text()
    # export --plots (and so the report) draws the trial's look as the panel shows it.
    drawn = render_session_panels(window.model.session_path, tmp_path / "plots", "png", 1)
    assert tmp_path / "plots" / f"inside-trial-{best.number}.png" in drawn
