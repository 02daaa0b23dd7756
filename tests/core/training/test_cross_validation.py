"""k-fold cross-validation, repeats and the held-out test split: a trial's score is the
mean over its runs, its spread the standard deviation, and test data stays unseen."""

import numpy as np
import pytest

from hyperdesk.core import config as config_module
from hyperdesk.core.config import ConfigError
from hyperdesk.core.data.splits import Split, load_split, load_test_split
from hyperdesk.core.execution.runner import SearchRunner
from hyperdesk.core.search.registry import make_strategy
from hyperdesk.core.storage.session import Session
from hyperdesk.core.training.network import NetworkSpec
from hyperdesk.core.training.trainer import (
    TrainSettings,
    run_seed,
    train_configurations,
    train_trial,
    train_trials,
)
from hyperdesk.core.trials import TrialStatus
from tests.conftest import TINY_CONFIG
from tests.core.cli.test_cli import session_contents

SPEC = NetworkSpec(784, (16, 16), 10, weight_decay=1e-5)
SETTINGS = TrainSettings(4, 20, "sgd", 0.05)


def fold(data: Split, index: int) -> Split:
    return Split(data.x_train[index], data.y_train[index], data.x_val[index], data.y_val[index])


def test_k_fold_score_is_the_mean_and_spread_of_the_folds_trained_alone():
    config = config_module.loads(TINY_CONFIG, ["data.folds=3"])
    data = load_split(config.data)
    assert data.x_train.shape == (3, 67, 784) and data.x_val.shape == (3, 33, 784)
    (result,) = train_configurations(data, [SPEC], [SETTINGS], [11], runs=3, folds=3)
    alone = [train_trial(fold(data, k), SPEC, SETTINGS, run_seed(11, k)) for k in range(3)]
    assert result.status == TrialStatus.COMPLETE and len(result.records) == 4
    for epoch, record in enumerate(result.records):
        accs = [run.records[epoch].val_acc for run in alone]
        mean = sum(accs) / 3
        std = (sum((acc - mean) ** 2 for acc in accs) / 3) ** 0.5
        assert record.val_acc == pytest.approx(mean, abs=1e-12)
        assert record.val_acc_std == pytest.approx(std, abs=1e-12)
        train_accs = [run.records[epoch].train_acc for run in alone]
        assert record.train_acc == pytest.approx(sum(train_accs) / 3, abs=1e-12)
    assert len({run.records[-1].val_acc for run in alone}) > 1, "folds should differ"


def test_repeats_train_one_configuration_with_different_seeds():
    config = config_module.loads(TINY_CONFIG)
    data = load_split(config.data)
    (result,) = train_configurations(data, [SPEC], [SETTINGS], [5], runs=2)
    first, second = (train_trial(data, SPEC, SETTINGS, run_seed(5, run)) for run in (0, 1))
    assert run_seed(5, 0) == 5 and run_seed(5, 1) != 5
    assert first.records[-1].val_acc != second.records[-1].val_acc
    assert result.records[-1].val_acc == pytest.approx(
        (first.records[-1].val_acc + second.records[-1].val_acc) / 2, abs=1e-12
    )
    assert result.records[-1].val_acc_std == pytest.approx(
        abs(first.records[-1].val_acc - second.records[-1].val_acc) / 2, abs=1e-12
    )


def test_one_diverging_run_ends_its_configuration_but_not_the_others():
    data = load_split(config_module.loads(TINY_CONFIG).data)
    wild = TrainSettings(4, 20, "sgd", 1e6)
    calm = TrainSettings(4, 20, "sgd", 0.05)
    outcomes = train_trials(data, [SPEC] * 3, [wild, calm, calm], [1, 2, 3], linked=[0, 0, 1])
    assert [o.status for o in outcomes] == [
        TrialStatus.DIVERGED,
        TrialStatus.DIVERGED,
        TrialStatus.COMPLETE,
    ]
    assert len(outcomes[2].records) == 4


def test_a_search_with_folds_stores_the_spread_and_is_the_same_with_any_worker_count(tmp_path):
    config = config_module.loads(
        TINY_CONFIG, ["data.folds=2", "train.repeats=2", "search.trials=3"]
    )
    assert config.runs == 4
    for name, workers in (("one", 1), ("two", 2)):
        path = tmp_path / f"{name}.hdsession"
        with Session.create(
            path, name, config.to_toml(), make_strategy(config.search).planned
        ) as session:
            assert SearchRunner(session, workers=workers).run().state == "complete"
    assert session_contents(tmp_path / "one.hdsession") == session_contents(
        tmp_path / "two.hdsession"
    )
    with Session.open(tmp_path / "one.hdsession", writable=False) as session:
        trials = session.trials()
        epochs = session.epochs()
    assert all(trial.final_val_acc_std is not None for trial in trials)
    assert all(record.val_acc_std is not None for records in epochs.values() for record in records)
    assert all(t.final_val_acc_std == epochs[t.number][-1].val_acc_std for t in trials)


def test_the_evaluation_split_trains_on_everything_the_search_saw_and_tests_on_the_rest():
    config = config_module.loads(TINY_CONFIG, ["data.test=0.2"])
    search = load_split(config.data)
    final = load_test_split(config.data)
    seen = {row.tobytes() for row in np.concatenate([search.x_train, search.x_val])}
    assert {row.tobytes() for row in final.x_train} == seen
    assert len(final.x_val) == 20 and len(search.x_train) + len(search.x_val) == 80
    assert not seen & {row.tobytes() for row in final.x_val}


@pytest.mark.parametrize(
    ("overrides", "key", "message"),
    [
        (["data.folds=101"], "data.folds", "use fewer folds"),
        (["data.test=1.5"], "data.test", ""),
        (["data.test=0.8", "data.validation=0.2"], "data.validation", "for training"),
        (["train.repeats=0"], "train.repeats", ""),
    ],
)
def test_bad_validation_settings_name_the_key(overrides, key, message):
    with pytest.raises(ConfigError) as raised:
        config_module.loads(TINY_CONFIG, overrides)
    assert any(path == key and message in text for path, text in raised.value.problems)
