"""The learning curves say how their dashed training figures were measured."""

import pytest

from hyperdesk.desktop_app.panels.curves import EPOCH_LABELS
from tests.desktop_app.helpers import load


@pytest.mark.parametrize("measured", ["running", "pass"])
def test_the_curves_say_how_the_training_figures_were_measured(window, measured):
    load(window, [f'train.train_metrics="{measured}"'])
    curves = window.panels["curves"]
    curves.show_search(window.setup.config())
    assert curves.plot.getPlotItem().getAxis("bottom").labelText == EPOCH_LABELS[measured]
    assert f'train.train_metrics = "{measured}"' in curves.plot.toolTip()
