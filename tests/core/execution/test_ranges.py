"""A session goes on with other ranges: its trials stay, none is run again, the new ones
are numbered after them and lie in the new ranges, and resuming replays."""

from dataclasses import replace

import pytest

from hyperdesk.core import config as config_module
from hyperdesk.core.config import ConfigError
from hyperdesk.core.execution.ranges import continue_with_ranges, outside
from hyperdesk.core.storage.session import Session
from tests.conftest import TINY_CONFIG
from tests.core.cli.test_cli import run_cli, session_contents


def narrowed(config, low, high):
    """`config` with lr searched from `low` to `high` instead."""
    lr, decay = config.search.space
    space = (replace(lr, low=low, high=high), decay)
    return replace(config, search=replace(config.search, space=space))


def test_a_session_goes_on_with_narrower_ranges_running_nothing_twice(
    capsys, tiny_config, tmp_path
):
    path = tmp_path / "s.hdsession"
    assert run_cli(capsys, "run", tiny_config, "--session", path)[0] == 0
    before, epochs_before = session_contents(path)
    with Session.open(path, writable=False) as session:
        config = session.config
    changed = continue_with_ranges(path, narrowed(config, 0.01, 0.05))
    assert changed.search.history == 4
    # The trials inside the new ranges are what the new search knows.
    assert len(changed.search.prior) == sum(
        not outside(changed.search.space, trial[2]) for trial in before
    )
    assert run_cli(capsys, "resume", path)[0] == 0
    after, epochs_after = session_contents(path)
    assert after[:4] == before and {n: epochs_after[n] for n in epochs_before} == epochs_before
    assert [trial[0] for trial in after] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert all(0.01 <= trial[2]["lr"] <= 0.05 for trial in after[4:])
    # New draws, not the first search's sequence again in other ranges.
    decays = [trial[2]["weight_decay"] for trial in after]
    assert not set(decays[:4]) & set(decays[4:])
    with Session.open(path, writable=False) as session:
        assert session.planned == 8 and session.status() == "complete"
    assert run_cli(capsys, "resume", path)[0] == 0  # replays; runs nothing more
    assert session_contents(path)[0] == after


def test_a_grid_with_moved_ranges_does_not_train_a_point_it_ran(capsys, tmp_path):
    config_path = tmp_path / "grid.toml"
    grid = TINY_CONFIG.replace('strategy = "random"', 'strategy = "grid"\npoints = 2')
    config_path.write_text(grid)
    path = tmp_path / "g.hdsession"
    assert run_cli(capsys, "run", config_path, "--session", path)[0] == 0
    with Session.open(path, writable=False) as session:
        config = session.config
    low = config.search.space[0].low  # the same low end: half the new grid was trained
    continue_with_ranges(path, narrowed(config, low, low * 3))
    assert run_cli(capsys, "resume", path)[0] == 0
    trials, _ = session_contents(path)
    points = [tuple(sorted(trial[2].items())) for trial in trials]
    assert len(points) == len(set(points)) == 4 + 2  # 2 of the new 4 grid points ran before
    assert all(trial[1] == "complete" for trial in trials)


def test_only_the_ranges_may_change_in_a_session(capsys, tiny_config, tmp_path):
    path = tmp_path / "s.hdsession"
    run_cli(capsys, "run", tiny_config, "--session", path)
    with Session.open(path, writable=False) as session:
        config = session.config
    other = config_module.loads(TINY_CONFIG, ["train.epochs=5"])
    with pytest.raises(ConfigError, match=r"train\.epochs"):
        continue_with_ranges(path, other)
    with Session.open(path, writable=False) as session:
        assert session.config == config  # nothing written


def test_another_strategy_is_another_search_not_other_ranges(capsys, tiny_config, tmp_path):
    from hyperdesk.core.execution.ranges import only_ranges_differ

    config = config_module.loads(TINY_CONFIG)
    narrower = narrowed(config, 0.01, 0.05)
    assert only_ranges_differ(narrower, config)
    assert not only_ranges_differ(config, config)  # nothing changed
    grid = replace(narrower, search=replace(narrower.search, strategy="grid"))
    assert not only_ranges_differ(grid, config)


def test_resume_with_set_goes_on_with_other_ranges_from_the_command_line(
    capsys, tiny_config, tmp_path
):
    path = tmp_path / "s.hdsession"
    assert run_cli(capsys, "run", tiny_config, "--session", path)[0] == 0
    before, _ = session_contents(path)
    code, _, err = run_cli(capsys, "resume", path, "--set", "train.epochs=5")
    assert code == 2 and "train.epochs" in err and "new session" in err
    assert session_contents(path)[0] == before  # refused: nothing written
    narrower = ["--set", "search.space.lr.low=0.01", "--set", "search.space.lr.high=0.05"]
    assert run_cli(capsys, "resume", path, *narrower)[0] == 0
    after, _ = session_contents(path)
    assert after[:4] == before and len(after) == 8
    assert all(0.01 <= trial[2]["lr"] <= 0.05 for trial in after[4:])


@pytest.mark.parametrize("strategy", ["random", "grid", "tpe"])
def test_a_trial_of_your_own_runs_in_a_finished_session_and_nothing_else(
    capsys, tmp_path, strategy
):
    config_path = tmp_path / "c.toml"
    config_path.write_text(
        TINY_CONFIG.replace('strategy = "random"', f'strategy = "{strategy}"\npoints = 2')
    )
    path = tmp_path / "s.hdsession"
    assert run_cli(capsys, "run", config_path, "--session", path)[0] == 0
    before, epochs_before = session_contents(path)
    point = "lr=0.02,weight_decay=1e-6"
    assert run_cli(capsys, "resume", path, "--enqueue", point)[0] == 0
    after, epochs_after = session_contents(path)
    assert after[: len(before)] == before and len(after) == len(before) + 1
    assert after[-1][2] == {"lr": 0.02, "weight_decay": 1e-6} and after[-1][1] == "complete"
    assert {n: epochs_after[n] for n in epochs_before} == epochs_before
    assert run_cli(capsys, "resume", path)[0] == 0  # replays: nothing more runs
    assert session_contents(path)[0] == after
    code, _, err = run_cli(capsys, "resume", path, "--enqueue", "lr=5,weight_decay=1e-6")
    assert code == 2 and "search.enqueue[1].lr" in err  # outside the range, named
    assert session_contents(path)[0] == after
