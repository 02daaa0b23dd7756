"""One hand-computed step (two for the stateful ones) of each optimizer."""

import numpy as np
import pytest

from hyperdesk.core.training.optimizers import OPTIMIZERS, make_optimizer

PARAM = np.array([1.0, -2.0, 0.5])
GRAD = np.array([0.5, -1.0, 2.0])


def step(name, times=1, **settings):
    param = PARAM.copy()
    optimizer = make_optimizer(name, lr=0.1, **settings)
    for _ in range(times):
        optimizer.update([param], [GRAD.copy()])
    return param


def test_sgd():
    np.testing.assert_allclose(step("sgd"), PARAM - 0.1 * GRAD)


def test_momentum_two_steps():
    v1 = -0.1 * GRAD
    v2 = 0.8 * v1 - 0.1 * GRAD
    np.testing.assert_allclose(step("momentum", 2, momentum=0.8), PARAM + v1 + v2)


def test_nesterov_two_steps():
    v1 = -0.1 * GRAD
    p1 = PARAM + 0.8 * v1 - 0.1 * GRAD
    v2 = 0.8 * v1 - 0.1 * GRAD
    p2 = p1 + 0.8 * v2 - 0.1 * GRAD
    np.testing.assert_allclose(step("nesterov", 2, momentum=0.8), p2)


def test_adagrad_two_steps():
    h1 = GRAD**2
    p1 = PARAM - 0.1 * GRAD / (np.sqrt(h1) + 1e-7)
    h2 = h1 + GRAD**2
    p2 = p1 - 0.1 * GRAD / (np.sqrt(h2) + 1e-7)
    np.testing.assert_allclose(step("adagrad", 2), p2)


def test_rmsprop_two_steps():
    h1 = 0.1 * GRAD**2
    p1 = PARAM - 0.1 * GRAD / (np.sqrt(h1) + 1e-7)
    h2 = 0.9 * h1 + 0.1 * GRAD**2
    p2 = p1 - 0.1 * GRAD / (np.sqrt(h2) + 1e-7)
    np.testing.assert_allclose(step("rmsprop", 2, rho=0.9), p2)


def test_adam_two_steps():
    b1, b2, eps = 0.8, 0.9, 1e-8
    m1, v1 = (1 - b1) * GRAD, (1 - b2) * GRAD**2
    p1 = PARAM - 0.1 * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps)
    m2, v2 = b1 * m1 + (1 - b1) * GRAD, b2 * v1 + (1 - b2) * GRAD**2
    p2 = p1 - 0.1 * (m2 / (1 - b1**2)) / (np.sqrt(v2 / (1 - b2**2)) + eps)
    np.testing.assert_allclose(step("adam", 2, beta1=b1, beta2=b2), p2)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_float32_parameters_stay_float32(name):
    param = PARAM.astype(np.float32)
    make_optimizer(name, lr=0.1).update([param], [GRAD.astype(np.float32)])
    assert param.dtype == np.float32


def test_unknown_optimizer_names_the_choices():
    with pytest.raises(ValueError, match="sgd, momentum, nesterov, adagrad, rmsprop, adam"):
        make_optimizer("adamw", lr=0.1)
