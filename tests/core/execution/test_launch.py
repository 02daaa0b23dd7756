"""A new search is prepared one way for the command line and the window."""

import pytest

from hyperdesk.core import config as config_module
from hyperdesk.core.config import ConfigError
from hyperdesk.core.execution.launch import prepare_search
from hyperdesk.core.paths import sessions_dir
from hyperdesk.core.search.registry import make_strategy
from hyperdesk.core.storage.session import NAME_LENGTH
from tests.conftest import TINY_CONFIG


@pytest.mark.parametrize(
    "strategy",
    [
        ['search.strategy="random"'],
        ['search.strategy="grid"', "search.points=3"],
        ['search.strategy="coarse-to-fine"', "search.rounds=2"],
        ['search.strategy="tpe"', "search.enqueue=[{lr=0.01, weight_decay=1e-6}]"],
    ],
)
def test_the_planned_trials_are_those_the_strategy_runs(strategy):
    config = config_module.loads(TINY_CONFIG, strategy)
    search = prepare_search(config, "tiny", workers=1)
    assert search.planned == make_strategy(config.search).planned
    assert search.path.parent == sessions_dir() and search.path.name.startswith("tiny-")
    assert not search.path.exists()  # nothing is written before the session is made


def test_a_name_too_long_is_refused_naming_the_setting():
    config = config_module.loads(TINY_CONFIG)
    with pytest.raises(ConfigError) as refused:
        prepare_search(config, "x" * (NAME_LENGTH + 1), workers=1)
    ((key, message),) = refused.value.problems
    assert key == "name" and f"up to {NAME_LENGTH}" in message


def test_a_sessions_folder_that_cannot_be_made_says_how_to_choose_another(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("HYPERDESK_HOME", str(blocked))
    with pytest.raises(OSError, match="HYPERDESK_HOME"):
        prepare_search(config_module.loads(TINY_CONFIG), "tiny", workers=1)
