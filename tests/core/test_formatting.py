"""How numbers read: axis ticks."""

import math

import pytest

from hyperdesk.core.formatting import log_ticks


def labels(low, high, most=6):
    return [label for _, label in log_ticks(math.log10(low), math.log10(high), most)]


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (1e-6, 1e-2, ["1e-06", "1e-05", "1e-04", "1e-03", "1e-02"]),
        (0.01, 100, ["0.01", "0.1", "1", "10", "100"]),
        # Less than a decade: steps inside it, not one lonely tick.
        (1e-3, 5e-3, ["0.001", "0.002", "0.005"]),
        (2e-5, 6e-5, ["2e-05", "3e-05", "4e-05", "5e-05", "6e-05"]),
        (0.0011, 0.0014, ["0.0011", "0.0012", "0.0013", "0.0014"]),
    ],
)
def test_log_axis_ticks_read_well_in_one_notation(low, high, expected):
    assert labels(low, high) == expected


def test_many_decades_are_thinned_to_fit_and_positions_are_in_decades():
    ticks = log_ticks(-12, 2, most=5)
    assert len(ticks) <= 5
    assert [position for position, _ in ticks] == [-12, -9, -6, -3, 0]
    # One notation per axis: 1e-12 beside 1 is written 1e+00, not 1.
    assert [label for _, label in ticks][-1] == "1e+00"


def test_short_counts_for_a_size_axis():
    from hyperdesk.core.formatting import short_count

    assert [short_count(v) for v in (500, 2_000, 10_000, 29_425, 1_500_000)] == [
        "500",
        "2k",
        "10k",
        "29.4k",
        "1.5M",
    ]
