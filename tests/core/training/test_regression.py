"""Networks that predict a measurement: the squared-error loss and its gradient, the
figures against hand computations, the target standardized on the training rows only
(per fold), and every figure recorded back in the label's units."""

from dataclasses import replace

import numpy as np
import pytest

from hyperdesk.core import config as config_module
from hyperdesk.core.data.splits import TargetScaling, load_split
from hyperdesk.core.training.layers import MeanSquaredError
from hyperdesk.core.training.network import Network, NetworkSpec
from hyperdesk.core.training.settings import TrainSettings
from hyperdesk.core.training.trainer import (
    run_seed,
    train_configurations,
    train_trial,
    train_trials,
)
from tests.core.training.test_gradients import numeric_gradient, relative_error

LINEAR = NetworkSpec(1, (), 1, dtype="float64", task="regression")


def a_line(weight: float, bias: float) -> Network:
    network = Network(LINEAR, np.random.default_rng(0))
    network.affines[0].weight[...] = weight
    network.affines[0].bias[...] = bias
    return network


def test_the_figures_of_a_known_fit_are_the_hand_computed_ones():
    # Predictions x + 1 = [1, 2, 3, 4] against [1, 2, 2, 5]: errors 0, 0, 1, -1.
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    targets = np.array([1.0, 2.0, 2.0, 5.0])
    mse, mae, r2 = a_line(1.0, 1.0).evaluate_regression(x, targets)
    assert mse == pytest.approx(2 / 4)
    assert mae == pytest.approx(2 / 4)
    # Their mean is 2.5: sum of squares about it 2.25 + 0.25 + 0.25 + 6.25 = 9.
    assert r2 == pytest.approx(1 - 2 / 9)
    # In passes of 3 rows, the same.
    assert np.allclose(a_line(1.0, 1.0).evaluate_regression(x, targets, rows=3), (mse, mae, r2))
    assert np.isnan(a_line(1.0, 1.0).evaluate_regression(x, np.full(4, 3.0))[2])


def test_the_squared_error_gradient_matches_finite_differences():
    rng = np.random.default_rng(7)
    spec = NetworkSpec(3, (5,), 1, activation="tanh", dtype="float64", task="regression")
    network = Network(spec, rng)
    x, y = rng.standard_normal((6, 3)), rng.standard_normal(6)
    network.loss(x, y)
    network.backward()
    analytic = [grad.copy() for grad in network.grads]
    for param, grad in zip(network.params, analytic, strict=True):
        numeric = numeric_gradient(lambda: network.loss(x, y), param)
        assert relative_error(grad, numeric) < 1e-6
    layer = MeanSquaredError()
    stacked = rng.standard_normal((2, 4, 1))
    assert np.allclose(layer.forward(stacked, np.zeros(4)), (stacked[..., 0] ** 2).mean(axis=1))


TABLE = "a,b,price\n" + "".join(
    f"{i % 7},{(i * 3) % 11},{10 + 2.5 * (i % 7) - 0.5 * ((i * 3) % 11) + (i % 3) * 0.1}\n"
    for i in range(60)
)


def data_config(tmp_path, *overrides):
    path = tmp_path / "prices.csv"
    path.write_text(TABLE)
    text = f'[data]\nsource = "{path}"\nsamples = "all"\nvalidation = 0.25\n'
    return config_module.loads(text, list(overrides)).data


def test_the_target_is_standardized_with_the_training_rows_alone(tmp_path):
    split = load_split(data_config(tmp_path))
    assert split.target is not None
    assert split.y_train.mean() == pytest.approx(0, abs=1e-6)
    assert split.y_train.std() == pytest.approx(1, abs=1e-6)
    restored_val = split.target.restore(split.y_val)
    prices = np.array([float(line.split(",")[2]) for line in TABLE.splitlines()[1:]])
    # The validation rows' values come back; their mean did not shape the scaling.
    assert np.all(np.isin(np.round(restored_val, 4), np.round(prices, 4)))
    assert abs(restored_val.mean() - split.target.mean.item()) > 1e-6


def test_with_k_folds_each_fold_has_its_own_target_scaling(tmp_path):
    split = load_split(data_config(tmp_path, "data.folds=3"))
    assert split.y_train.shape[0] == 3 and split.target.spread.shape == (3, 1)
    for fold in range(3):
        assert split.y_train[fold].mean() == pytest.approx(0, abs=1e-6)
        assert split.y_train[fold].std() == pytest.approx(1, abs=1e-6)
    assert len({round(float(m), 6) for m in split.target.mean.ravel()}) == 3


def test_with_k_folds_a_trial_records_the_mean_and_spread_of_its_folds_figures(tmp_path):
    split = load_split(data_config(tmp_path, "data.folds=3"))
    spec = NetworkSpec(split.x_train.shape[1], (8,), 1, task="regression")
    settings = TrainSettings(epochs=4, batch_size=8, lr=0.05)
    (trial,) = train_configurations(split, [spec], [settings], [5], runs=3, folds=3)
    # Each fold alone, as the stacked runs trained it: fold r with run r's seed.
    per_fold = []
    for fold in range(3):
        (alone,) = train_trials(split, [spec], [settings], [run_seed(5, fold)], folds=[fold])
        per_fold.append(alone.records[-1])
    last = trial.records[-1]
    for name in ("val_r2", "val_rmse", "val_mae"):
        values = [getattr(record, name) for record in per_fold]
        assert getattr(last, name) == pytest.approx(np.mean(values), rel=1e-4)
        assert getattr(last, f"{name}_std") == pytest.approx(np.std(values), rel=1e-3, abs=1e-6)
    assert last.val_acc_std is None


def test_every_figure_is_recorded_in_the_label_s_units(tmp_path):
    data = data_config(tmp_path)
    split = load_split(data)
    spec = NetworkSpec(split.x_train.shape[1], (8,), 1, task="regression")
    settings = TrainSettings(epochs=20, batch_size=8, lr=0.05)
    result = train_trial(split, spec, settings, seed=3)
    last = result.records[-1]
    assert last.val_acc is None and last.train_acc is None
    predicted = split.target.restore(result.network.predict(split.x_val)[:, 0])
    actual = split.target.restore(split.y_val)
    errors = predicted - actual
    assert last.val_rmse == pytest.approx(np.sqrt(np.mean(errors**2)), rel=1e-4)
    assert last.val_mae == pytest.approx(np.mean(np.abs(errors)), rel=1e-4)
    assert last.val_loss == pytest.approx(last.val_rmse**2, rel=1e-6)
    total = np.sum((actual - actual.mean()) ** 2)
    assert last.val_r2 == pytest.approx(1 - np.sum(errors**2) / total, abs=1e-4)
    assert last.val_r2 > 0.9  # a linear function of its columns is learnt
    again = train_trial(split, spec, settings, seed=3)
    untimed = [replace(r, seconds=0) for r in again.records]
    assert untimed == [replace(r, seconds=0) for r in result.records]  # same seed, same figures


def test_scaling_restores_what_it_standardized():
    y = np.array([[3.0, 5.0, 10.0], [1.0, 1.0, 4.0]])
    target = TargetScaling.fit(y)
    assert np.allclose(target.restore(target.apply(y)), y, atol=1e-5)
