"""The table's filter language, read without a window."""

import math

import pytest

from hyperdesk.core.trial_filter import FilterError, parse_filter

FIELDS = ("Trial", "Status", "lr", "weight_decay", "Val acc", "Best val", "Epochs")
ROWS = [
    (1, "complete", 0.001, 1e-5, 0.81, 0.82, 50),
    (2, "pruned", 0.02, 1e-7, 0.31, 0.40, 12),
    (3, "running", 0.007, 1e-6, -math.inf, 0.55, 20),  # no final score yet
    (4, "diverged", 0.5, 1e-4, -math.inf, -math.inf, 3),
]


def passing(text):
    chosen = parse_filter(text, FIELDS)
    return [
        row[0]
        for row in ROWS
        if chosen.matches(lambda column, r=row: r[column], lambda c, r=row: str(r[c]), len(row))
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [1, 2, 3, 4]),
        ("lr>0.005", [2, 3, 4]),
        ("lr > 0.005 lr<0.1", [2, 3]),
        ("status:pruned", [2]),
        ("Status = COMPLETE", [1]),
        ("status!=running", [1, 2, 4]),
        ("val acc >= 0.7", [1]),
        ("val_acc<0.5", [2]),  # a trial without a score does not compare
        ("best val>=0.4", [1, 2, 3]),
        ("complete", [1]),
        ("complete lr>0.0001", [1]),
        ("weight_decay<=1e-6", [2, 3]),
        ("trial:3", [3]),
        ("epochs>=20, status:r", [3]),
        # and, or, not are the language's own: never words to find in the cells.
        ("NOT status:pruned", [1, 3, 4]),
        ("not complete", [2, 3, 4]),
        ("status:pruned or status:diverged", [2, 4]),
        ("lr>0.005 and not status:running", [2, 4]),
        ("val acc>=0.7 or lr>0.1 and epochs<5", [1, 4]),  # and binds first
        ("not not pruned", [2]),
    ],
)
def test_a_filter_keeps_the_trials_every_condition_holds_for(text, expected):
    assert passing(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("loss<0.3", "no column called 'loss'; columns: Trial, Status, lr"),
        ("status>done", "> compares numbers, such as status > 0.5"),
        ("status:pruned not", "not and or need a term after them"),
        ("or lr>0.1", "not and or need a term after them"),
        ("lr>0.1 or", "not and or need a term after them"),
    ],
)
def test_a_filter_that_cannot_be_read_says_what_would_be(text, message):
    with pytest.raises(FilterError, match=message):
        parse_filter(text, FIELDS)
