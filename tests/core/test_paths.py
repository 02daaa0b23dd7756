"""Where sessions are saved and what they are called."""

import pytest

from hyperdesk.core.paths import distinct_name


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("seed", [], "seed"),
        ("seed", ["seed"], "seed 2"),
        ("seed", ["seed", "seed 2", "seed 3"], "seed 4"),
        ("seed 2", ["seed", "seed 2"], "seed 3"),
        ("run 2024", ["run 2024"], "run 2025"),
        ("seed", ["seed 2"], "seed"),
    ],
)
def test_a_new_session_gets_a_name_no_other_has(name, taken, expected):
    assert distinct_name(name, taken) == expected
