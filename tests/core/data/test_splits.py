"""A scaling fitted a slice of training rows at a time: numpy's statistics of the
copied rows, to the bit (a split written by one and read by the other must agree)."""

import numpy as np
import pytest

from hyperdesk.core.data import splits
from hyperdesk.core.data.splits import Scaling


def bits(array):
    return np.ascontiguousarray(array).view(np.uint8)


@pytest.mark.parametrize("scale", ["standardize", "unit"])
@pytest.mark.parametrize("features", [2, 3, 784])
@pytest.mark.parametrize("folds", [0, 3])
def test_streamed_statistics_are_numpy_s_of_the_copied_rows(scale, features, folds):
    rng = np.random.default_rng(features)
    # Far from zero and of many rows, so that adding in another order would round
    # otherwise (summed pairwise, a 2,000-row column's float32 sum differs).
    x = (1e4 + rng.standard_normal((3 * splits.STATISTIC_ROWS, features)) * 3).astype(np.float32)
    rows = rng.permutation(len(x))[: 2 * splits.STATISTIC_ROWS + 17]
    if folds:
        rows = np.stack([np.roll(rows, fold * 101) for fold in range(folds)])
    streamed = Scaling.fit(x, rows, scale, "table", missing=False)
    centre, spread, _ = splits._copied_statistics(x[rows], scale, missing=False)
    assert (
        streamed.centre.shape == centre.shape == ((folds, 1, features) if folds else (1, features))
    )
    np.testing.assert_array_equal(bits(streamed.centre), bits(centre))
    np.testing.assert_array_equal(bits(streamed.spread), bits(spread))


def test_one_feature_and_missing_values_are_fitted_on_the_copied_rows():
    """numpy sums a lone column pairwise, and fills missing values first: both are
    fitted as numpy fits the copy."""
    rng = np.random.default_rng(0)
    column = (1e4 + rng.standard_normal((3 * splits.STATISTIC_ROWS, 1))).astype(np.float32)
    rows = np.arange(len(column))
    fitted = Scaling.fit(column, rows, "standardize", "table", missing=False)
    np.testing.assert_array_equal(bits(fitted.centre), bits(column.mean(axis=0, keepdims=True)))
    np.testing.assert_array_equal(bits(fitted.spread), bits(column.std(axis=0, keepdims=True)))
    holes = np.array([[1.0, 2.0], [np.nan, 4.0], [3.0, np.nan]], dtype=np.float32)
    fitted = Scaling.fit(holes, np.arange(3), "standardize", "table", missing=True)
    np.testing.assert_array_equal(fitted.fill, [[2.0, 3.0]])
    np.testing.assert_allclose(fitted.centre, [[2.0, 3.0]])


def test_missing_values_are_found_without_a_flag_per_value():
    assert not splits.has_missing(np.ones((4, 3), np.float32))
    with_hole = np.ones((4, 3), np.float32)
    with_hole[2, 1] = np.nan
    assert splits.has_missing(with_hole)
    assert not splits.has_missing(np.ones((0, 3), np.float32))
