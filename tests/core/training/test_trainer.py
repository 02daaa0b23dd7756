from dataclasses import replace

import numpy as np
import pytest

from hyperdesk.core.config import DataConfig
from hyperdesk.core.data.splits import load_split, used_inputs
from hyperdesk.core.training import trainer
from hyperdesk.core.training.network import NetworkSpec, flops_per_trial, training_step_flops
from hyperdesk.core.training.settings import TrainSettings
from hyperdesk.core.training.trainer import TrainingState, train_trial, train_trials
from hyperdesk.core.trials import TrialStatus


@pytest.fixture(scope="module")
def seed_split():
    """The seed experiment's data: 500 bundled samples, 400 train / 100 validation."""
    return load_split(DataConfig(samples=500, validation=0.2, seed=0))


SIX_BY_100 = NetworkSpec(784, (100,) * 6, 10, weight_decay=1e-6)


def deterministic(records):
    return [(r.epoch, r.train_loss, r.train_acc, r.val_loss, r.val_acc) for r in records]


def test_trainer_learns_the_seed_experiment(seed_split):
    result = train_trial(seed_split, SIX_BY_100, TrainSettings(50, 100, "sgd", 0.01), seed=1)
    assert result.status == TrialStatus.COMPLETE
    assert [record.epoch for record in result.records] == list(range(1, 51))
    assert max(record.val_acc for record in result.records) >= 0.6
    assert result.records[-1].train_loss < result.records[0].train_loss


def test_same_seed_gives_identical_records(seed_split):
    settings = TrainSettings(5, 50, "adam", 0.001)
    spec = NetworkSpec(784, (50, 50), 10, dropout=0.2, batchnorm=True, weight_decay=1e-4)
    first = train_trial(seed_split, spec, settings, seed=7)
    again = train_trial(seed_split, spec, settings, seed=7)
    other = train_trial(seed_split, spec, settings, seed=8)
    assert deterministic(first.records) == deterministic(again.records)
    assert deterministic(first.records) != deterministic(other.records)


def test_float64_is_selectable_and_agrees_with_float32(seed_split):
    settings = TrainSettings(10, 100, "sgd", 0.01)
    single = train_trial(seed_split, SIX_BY_100, settings, seed=1)
    double = train_trial(
        seed_split,
        NetworkSpec(784, (100,) * 6, 10, weight_decay=1e-6, dtype="float64"),
        settings,
        seed=1,
    )
    assert double.status == single.status == TrialStatus.COMPLETE
    assert abs(single.records[-1].val_acc - double.records[-1].val_acc) <= 0.03


def test_huge_learning_rate_ends_diverged_not_in_an_exception(seed_split):
    result = train_trial(seed_split, SIX_BY_100, TrainSettings(20, 100, "sgd", 50.0), seed=1)
    assert result.status == TrialStatus.DIVERGED
    assert len(result.records) < 20
    assert all(np.isfinite(record.train_loss) for record in result.records)


def test_stop_flag_interrupts_between_steps_and_keeps_finished_epochs(seed_split):
    seen = []
    result = train_trial(
        seed_split,
        SIX_BY_100,
        TrainSettings(10, 100, "sgd", 0.01),
        seed=1,
        on_epoch=seen.append,
        should_stop=lambda: len(seen) >= 2,
    )
    assert result.status == TrialStatus.INTERRUPTED
    assert [record.epoch for record in result.records] == [1, 2]
    assert seen == result.records


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_every_optimizer_learns(seed_split, optimizer):
    lr = {"adagrad": 0.01, "rmsprop": 0.001, "adam": 0.001}.get(optimizer, 0.01)
    spec = NetworkSpec(784, (50,), 10)
    result = train_trial(seed_split, spec, TrainSettings(10, 50, optimizer, lr), seed=2)
    assert result.status == TrialStatus.COMPLETE
    assert result.records[-1].val_acc >= 0.6


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop"])
def test_stacked_trials_give_the_records_they_give_alone(seed_split, optimizer):
    """Population training must not change a single number: the same seeds give the same
    records stacked as alone, with dropout, batch norm and per-trial rates and decays."""
    from hyperdesk.core.training.trainer import train_trials

    settings = [TrainSettings(3, 50, optimizer, lr) for lr in (0.01, 0.003, 0.05)]
    specs = [
        NetworkSpec(784, (30, 20), 10, dropout=0.1, batchnorm=True, weight_decay=wd)
        for wd in (1e-4, 0.0, 1e-2)
    ]
    seeds = [11, 12, 13]
    together = train_trials(seed_split, specs, settings, seeds)
    for spec, setting, seed, result in zip(specs, settings, seeds, together, strict=True):
        alone = train_trial(seed_split, spec, setting, seed)
        assert result.status == alone.status
        assert deterministic(result.records) == deterministic(alone.records)


def test_a_diverging_trial_does_not_disturb_the_others_it_trains_with(seed_split):
    from hyperdesk.core.training.trainer import train_trials

    settings = [TrainSettings(5, 100, "sgd", lr) for lr in (0.01, 50.0)]
    spec = NetworkSpec(784, (100,) * 6, 10)
    together = train_trials(seed_split, [spec, spec], settings, [1, 2])
    assert [result.status for result in together] == [TrialStatus.COMPLETE, TrialStatus.DIVERGED]
    alone = train_trial(seed_split, spec, settings[0], 1)
    assert deterministic(together[0].records) == deterministic(alone.records)


def test_trials_of_different_shapes_are_not_stacked(seed_split):
    from hyperdesk.core.training.trainer import train_trials

    with pytest.raises(ValueError, match="may differ only in lr and weight decay"):
        train_trials(
            seed_split,
            [NetworkSpec(784, (10,), 10), NetworkSpec(784, (20,), 10)],
            [TrainSettings(1, 50)] * 2,
            [1, 2],
        )


def test_inputs_zero_in_every_sample_are_left_out_without_changing_the_records(
    seed_split, monkeypatch
):
    samples = np.concatenate([seed_split.x_train, seed_split.x_val])
    used = used_inputs(seed_split.x_train, seed_split.x_val)
    unused = np.setdiff1d(np.arange(784), used)
    assert len(unused) > 100, "MNIST's border pixels are blank in 500 images"
    assert not samples[:, unused].any()
    assert samples[:, used].any(axis=0).all()

    spec = NetworkSpec(784, (32, 32), 10, weight_decay=1e-4, dtype="float64")
    settings = TrainSettings(8, 50, "momentum", 0.01)
    trimmed = train_trial(seed_split, spec, settings, seed=3)
    monkeypatch.setattr(trainer, "used_inputs", lambda *arrays: np.arange(784))
    whole = train_trial(seed_split, spec, settings, seed=3)
    assert trimmed.status == whole.status == TrialStatus.COMPLETE
    for short, full in zip(trimmed.records, whole.records, strict=True):
        assert (short.train_acc, short.val_acc) == (full.train_acc, full.val_acc)
        assert short.train_loss == pytest.approx(full.train_loss, rel=1e-12)
        assert short.val_loss == pytest.approx(full.val_loss, rel=1e-12)


def test_sgd_weight_decay_is_the_l2_penalty_s_gradient_step(seed_split):
    """SGD decays the weights directly (p *= 1 - lr * wd); the step must equal the
    gradient step on the penalised loss, which momentum 0 takes literally."""
    spec = NetworkSpec(784, (32, 32), 10, weight_decay=0.05, dtype="float64")
    sgd = train_trial(seed_split, spec, TrainSettings(6, 50, "sgd", 0.05), seed=4)
    literal = train_trial(
        seed_split, spec, TrainSettings(6, 50, "momentum", 0.05, momentum=0.0), seed=4
    )
    undecayed = train_trial(
        seed_split, replace(spec, weight_decay=0.0), TrainSettings(6, 50, "sgd", 0.05), seed=4
    )
    assert sgd.status == literal.status == TrialStatus.COMPLETE
    for decayed, penalised in zip(sgd.records, literal.records, strict=True):
        assert decayed.train_loss == pytest.approx(penalised.train_loss, rel=1e-10)
        assert decayed.val_loss == pytest.approx(penalised.val_loss, rel=1e-10)
    assert sgd.records[-1].train_loss != pytest.approx(undecayed.records[-1].train_loss, rel=1e-3)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_a_trial_trained_longer_from_its_state_gives_the_records_of_one_longer_run(
    seed_split, optimizer
):
    """Weights, optimizer memory, shuffles and dropout masks all go on where they were:
    5 epochs, kept (through bytes, as a session keeps them), then 3 more, equal 8."""
    spec = NetworkSpec(784, (16, 16), 10, dropout=0.2, batchnorm=True, weight_decay=1e-4)
    five = TrainSettings(5, 20, optimizer, 0.01)
    eight = replace(five, epochs=8)
    whole = train_trials(seed_split, [spec], [eight], [7])[0]
    # Trained stacked with another trial where the optimizer allows it, then kept.
    stacked = optimizer != "adam"
    specs, settings = (
        ([spec, spec], [five, replace(five, lr=0.02)]) if stacked else ([spec], [five])
    )
    first = train_trials(seed_split, specs, settings, [7, 8][: len(specs)], keep_states=True)[0]
    kept = TrainingState.from_bytes(first.state.to_bytes())
    assert kept.epochs == 5
    rest = train_trials(seed_split, [spec], [eight], [7], start=kept)[0]
    assert [r.epoch for r in rest.records] == [6, 7, 8]
    assert figures(first.records + rest.records) == figures(whole.records)


def figures(records):
    """Every figure of each epoch but its seconds (wall-clock)."""
    return [(r.epoch, r.train_loss, r.train_acc, r.val_loss, r.val_acc) for r in records]


def test_flops_are_counted_product_by_product():
    """Layers 3 -> 4 -> 2 on 5 rows: forward 2*(3*4 + 4*2) = 40 per row, weight
    gradients 40 more, the input gradient of the second layer only 2*4*2 = 16."""
    assert training_step_flops([3, 4, 2], 5) == 5 * (40 + 40 + 16)
    # An epoch of 5 training rows adds a forward pass over them and 2 validation rows.
    assert flops_per_trial([3, 4, 2], 5, 2, 3) == 3 * (5 * 96 + 7 * 40)
