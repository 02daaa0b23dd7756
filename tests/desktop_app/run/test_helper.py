"""The helper process answers each request through the callbacks it was asked with: the
result to `then`, a sentence to `failed`; answers never cross between requests."""

from pathlib import Path

import pytest

from hyperdesk.core.config import ConfigError
from hyperdesk.core.data.datasets import DatasetError
from hyperdesk.desktop_app.run.helper import HelperProcess


def no_such_file(path: str) -> None:
    raise DatasetError(f"{path}: not found")


def bad_setting() -> None:
    raise ConfigError([("trial", "no trial 9; trials are 1 to 4"), ("data.samples", "too many")])


def a_bug() -> None:
    raise KeyError("oops")


@pytest.fixture
def helper(qtbot):
    made = HelperProcess()
    yield made
    made.shutdown()


def ask(qtbot, helper, function, *args):
    answers = []
    helper.request(
        function,
        *args,
        then=lambda result: answers.append(("then", result)),
        failed=lambda reason: answers.append(("failed", reason)),
    )
    qtbot.waitUntil(lambda: bool(answers), timeout=60_000)
    return answers


def test_a_result_goes_to_then_and_each_request_gets_its_own(qtbot, helper):
    first, second = [], []
    helper.request(sum, [1, 2], then=first.append, failed=first.append)
    helper.request(max, [5, 7, 3], then=second.append, failed=second.append)
    qtbot.waitUntil(lambda: bool(first and second), timeout=60_000)
    assert first == [3] and second == [7]


def test_a_failure_goes_to_failed_as_a_sentence(qtbot, helper):
    assert ask(qtbot, helper, no_such_file, "t.csv") == [("failed", "t.csv: not found")]
    # A config problem is said without its key: the window names no command-line flag.
    assert ask(qtbot, helper, bad_setting) == [
        ("failed", "no trial 9; trials are 1 to 4; too many")
    ]


def test_a_bug_is_said_too_and_the_helper_goes_on(qtbot, helper, capfd):
    ((kind, reason),) = ask(qtbot, helper, a_bug)
    assert kind == "failed" and reason.startswith("KeyError: 'oops'")
    assert "terminal" in reason
    assert ask(qtbot, helper, str, Path("x")) == [("then", "x")]
