"""What a label is: classes, or a measurement to predict (data.task), and the labels a
regression refuses, each named."""

import numpy as np
import pytest

from hyperdesk.core.data.datasets import DatasetError
from hyperdesk.core.data.tables import read_csv, read_npz


def table(tmp_path, labels, name="t.csv"):
    path = tmp_path / name
    path.write_text("a,b,y\n" + "".join(f"{i},{i % 3},{v}\n" for i, v in enumerate(labels)))
    return path


def test_continuous_values_are_a_regression_and_few_whole_numbers_classes(tmp_path):
    measured = read_csv(table(tmp_path, [1.5, 2.25, 3.0, 0.5]))
    assert measured.task == "regression" and measured.classes == ()
    assert measured.y.tolist() == [1.5, 2.25, 3.0, 0.5] and measured.outputs == 1
    counted = read_csv(table(tmp_path, [0, 1, 2, 1]))
    assert counted.task == "classification" and counted.classes == ("0", "1", "2")
    # 40 different whole numbers in 40 rows: a measurement (a price in dollars).
    assert read_csv(table(tmp_path, list(range(100, 140)))).task == "regression"
    # Whole numbers asked to be a regression are one.
    asked = read_csv(table(tmp_path, [0, 1, 2, 1]), task="regression")
    assert asked.task == "regression" and asked.y.dtype == np.float64


def test_a_float_npz_label_is_a_regression(tmp_path):
    path = tmp_path / "d.npz"
    with open(path, "wb") as stream:
        np.savez(stream, X=np.eye(4, dtype=np.float32), y=np.array([0.1, 0.4, 0.2, 0.9]))
    assert read_npz(path).task == "regression"


@pytest.mark.parametrize(
    ("labels", "task", "message"),
    [
        (["cheap", "dear", "cheap"], "regression", r"row 2: column 'y''s 'cheap' is not a number"),
        ([2.5, 2.5, 2.5], "auto", r"column 'y' is 2.5 in every row: nothing to predict"),
        ([1.5, "inf", 2.0], "regression", r"row 3: column 'y''s 'inf' is not a finite number"),
        ([1.5, 2e30, 2.0], "auto", r"row 3: column 'y''s '2e\+30' is not a finite number within"),
    ],
)
def test_a_label_a_regression_cannot_learn_is_named(tmp_path, labels, task, message):
    path = table(tmp_path, labels)
    with pytest.raises(DatasetError, match=message) as raised:
        read_csv(path, task=task)
    assert str(path) in str(raised.value)


def test_missing_labels_follow_data_missing(tmp_path):
    path = table(tmp_path, [1.5, "", 2.5, 3.5])
    with pytest.raises(DatasetError, match=r"row 3, column 'y': no label"):
        read_csv(path)
    kept = read_csv(path, missing="drop")
    assert kept.task == "regression" and kept.y.tolist() == [1.5, 2.5, 3.5]
