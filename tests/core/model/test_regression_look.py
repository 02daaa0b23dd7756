"""A regression's look inside, on values worked out by hand: its figures, their standard
errors, its worst predictions, and the bytes a session keeps of it."""

import math

import numpy as np
import pytest

from hyperdesk.core.data.tables import Column, Dataset
from hyperdesk.core.model.inspection import RegressionLook, look_from_bytes

ACTUAL = [1.0, 2.0, 3.0, 4.0]
PREDICTED = [1.5, 2.0, 2.0, 5.0]  # errors 0.5, 0, -1, 1


@pytest.fixture
def look():
    x = np.array(
        [[10, 1, 0], [20, 0, 1], [np.nan, 1, 0], [40, 0, 0]], dtype=np.float32
    )  # a number column, then a word column one-hot in two
    dataset = Dataset(
        x,
        np.array(ACTUAL),
        (),
        "table",
        columns=(Column("size"), Column("kind", ("a", "b"))),
        label="price",
        task="regression",
    )
    rows = np.array([3, 2, 1, 0])  # sample i is the data's row rows[i]
    return RegressionLook.of("validation split", "price", ACTUAL, PREDICTED, rows, dataset)


def test_its_figures_are_those_worked_out_by_hand(look):
    assert look.rmse == pytest.approx(math.sqrt((0.25 + 0 + 1 + 1) / 4))  # 0.75
    assert look.mae == pytest.approx(2.5 / 4)
    # SSE 2.25 against 5 about the mean 2.5.
    assert look.r2 == pytest.approx(1 - 2.25 / 5)


def test_its_standard_errors_follow_from_the_spread_of_the_errors(look):
    squared = np.array([0.25, 0, 1, 1])
    mse_error = squared.std() / 2  # sd(e²)/sqrt(4)
    assert look.standard_error("val_rmse") == pytest.approx(mse_error / (2 * 0.75))
    assert look.standard_error("val_mae") == pytest.approx(np.array([0.5, 0, 1, 1]).std() / 2)
    assert look.standard_error("val_r2") == pytest.approx(mse_error / np.var(ACTUAL))
    assert look.standard_error("val_rmse") == pytest.approx(0.14878, abs=1e-5)


def test_the_worst_predictions_come_first_with_their_rows_values(look):
    # |errors| 0.5, 0, 1, 1: the two of 1 in their order, then 0.5.
    assert [(w.row, w.actual, w.predicted) for w in look.worst] == [
        (1, 3.0, 2.0),
        (0, 4.0, 5.0),
        (3, 1.0, 1.5),
        (2, 2.0, 2.0),
    ]
    values = {w.row: dict(w.values) for w in look.worst}
    assert values[3] == {"size": "40", "kind": "missing"}  # no word of the two
    assert values[2] == {"size": "missing", "kind": "a"}
    assert values[0] == {"size": "10", "kind": "a"}
    assert values[1] == {"size": "20", "kind": "b"}


def test_the_bytes_a_session_keeps_give_the_same_look(look):
    again = look_from_bytes(look.to_bytes())
    assert isinstance(again, RegressionLook)
    assert np.array_equal(again.actual, look.actual)
    assert np.array_equal(again.predicted, look.predicted)
    assert again.worst == look.worst and again.on == look.on and again.label == "price"
