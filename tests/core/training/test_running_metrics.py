"""Training figures without a second pass: with train_metrics = "running" an epoch's
training loss and accuracy are the means of what its steps' forward passes gave. With
one step per epoch over the whole training set (no dropout), that step's forward pass is
the network before the step, which "pass" measured after the epoch before: the two
records agree epoch for epoch, shifted by one."""

from dataclasses import replace

import numpy as np
import pytest

from hyperdesk.core import config as config_module
from hyperdesk.core.config import DataConfig
from hyperdesk.core.data.splits import load_split
from hyperdesk.core.training.network import NetworkSpec
from hyperdesk.core.training.settings import TrainSettings
from hyperdesk.core.training.trainer import train_trial, train_trials


@pytest.fixture(scope="module")
def split():
    return load_split(DataConfig(samples=300, validation=0.2, seed=0))


SPEC = NetworkSpec(784, (40, 40), 10, weight_decay=1e-4, dtype="float64")


def test_running_figures_are_the_steps_forward_passes(split):
    whole = len(split.y_train)  # one step per epoch
    settings = TrainSettings(6, whole, "sgd", 0.05, weight_decay=1e-4)
    running = train_trial(split, SPEC, replace(settings, train_metrics="running"), seed=3)
    passed = train_trial(split, SPEC, replace(settings, train_metrics="pass"), seed=3)
    # The validation figures do not depend on how the training ones are measured.
    assert [r.val_loss for r in running.records] == [r.val_loss for r in passed.records]
    for now, before in zip(running.records[1:], passed.records[:-1], strict=True):
        assert now.train_loss == pytest.approx(before.train_loss, rel=1e-12)
        assert now.train_acc == before.train_acc


def test_running_figures_of_batches_are_their_sample_weighted_mean(split):
    """Two batches of unequal size: the epoch's figure weighs each by its samples."""
    rows = len(split.y_train)  # 240: batches of 160 and 80
    settings = TrainSettings(1, 160, "sgd", 0.0, train_metrics="running")
    record = train_trial(split, SPEC, settings, seed=5).records[0]
    passed = train_trial(split, SPEC, replace(settings, train_metrics="pass"), seed=5)
    # With a learning rate of 0 the weights never move: the running mean over the two
    # batches is the loss of the whole set, however it was cut.
    assert rows == 240
    assert record.train_loss == pytest.approx(passed.records[0].train_loss, rel=1e-12)
    assert record.train_acc == passed.records[0].train_acc


def test_stacked_trials_report_their_own_running_figures(split):
    settings = [TrainSettings(3, 60, "sgd", lr, train_metrics="running") for lr in (0.01, 0.1)]
    specs = [SPEC, SPEC]
    together = train_trials(split, specs, settings, [1, 2])
    for index, (spec, trial_settings, seed) in enumerate(zip(specs, settings, [1, 2], strict=True)):
        alone = train_trial(split, spec, trial_settings, seed)
        assert [r.train_loss for r in together[index].records] == pytest.approx(
            [r.train_loss for r in alone.records], rel=1e-12
        )
        assert [r.train_acc for r in together[index].records] == [
            r.train_acc for r in alone.records
        ]


def test_a_regression_s_running_figures_are_in_the_label_s_units(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = 50 + 10 * (x @ np.array([1.0, -2.0, 0.5]))
    table = tmp_path / "t.csv"
    table.write_text(
        "a,b,c,y\n" + "".join(f"{a},{b},{c},{t}\n" for (a, b, c), t in zip(x, y, strict=True))
    )
    data = config_module.loads(f'[data]\nsource = "{table}"\ntask = "regression"').data
    split = load_split(data)
    spec = NetworkSpec(3, (16,), 1, dtype="float64", task="regression")
    whole = len(split.y_train)
    settings = TrainSettings(4, whole, "sgd", 0.05)
    running = train_trial(split, spec, replace(settings, train_metrics="running"), seed=1)
    passed = train_trial(split, spec, replace(settings, train_metrics="pass"), seed=1)
    for now, before in zip(running.records[1:], passed.records[:-1], strict=True):
        for name in ("train_loss", "train_rmse", "train_mae", "train_r2"):
            assert getattr(now, name) == pytest.approx(getattr(before, name), rel=1e-9)


def test_sessions_stored_before_keep_measuring_by_a_pass():
    stored = config_module.Config().to_toml().replace('train_metrics = "running"\n', "")
    assert config_module.loads_stored(stored).train.train_metrics == "pass"
    assert config_module.Config().train.train_metrics == "running"
