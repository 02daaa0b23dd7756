"""Backpropagation against central finite differences, in float64."""

import numpy as np
import pytest

from hyperdesk.core.training.layers import (
    Affine,
    BatchNorm,
    Dropout,
    ReLU,
    Sigmoid,
    SoftmaxCrossEntropy,
    Tanh,
)
from hyperdesk.core.training.network import Network, NetworkSpec

TOLERANCE = 1e-6


def numeric_gradient(function, array, step=1e-5):
    """d function() / d array by central differences, changing `array` in place."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        original = array[index]
        array[index] = original + step
        plus = function()
        array[index] = original - step
        minus = function()
        array[index] = original
        grad[index] = (plus - minus) / (2 * step)
    return grad


def relative_error(analytic, numeric):
    # A gradient that is zero in exact arithmetic (a bias feeding batch norm) comes out
    # as rounding noise of about eps * |f| / step = 1e-11 from central differences; the
    # floor of 1e-4 keeps such noise from counting as a relative error.
    return np.linalg.norm(analytic - numeric) / max(
        np.linalg.norm(analytic) + np.linalg.norm(numeric), 1e-4
    )


def check_layer(layer, x, rng):
    """Checks dx and every parameter gradient of `layer` on the scalar sum(out * weights)."""
    weights = rng.standard_normal(layer.forward(x, True).shape)

    def objective():
        return float(np.sum(layer.forward(x, True) * weights))

    objective()
    dx = layer.backward(weights)
    analytic_params = [grad.copy() for grad in layer.grads]
    assert relative_error(dx, numeric_gradient(objective, x)) < TOLERANCE
    for param, analytic in zip(layer.params, analytic_params, strict=True):
        assert relative_error(analytic, numeric_gradient(objective, param)) < TOLERANCE


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def test_affine_gradients(rng):
    layer = Affine(rng.standard_normal((5, 4)), rng.standard_normal(4))
    check_layer(layer, rng.standard_normal((3, 5)), rng)


def test_affine_without_input_gradient_still_fills_weight_gradients(rng):
    layer = Affine(rng.standard_normal((5, 4)), rng.standard_normal(4), input_grad=False)
    x = rng.standard_normal((3, 5))
    layer.forward(x)
    assert layer.backward(np.ones((3, 4))) is None
    np.testing.assert_allclose(layer.weight_grad, x.T @ np.ones((3, 4)))


@pytest.mark.parametrize("layer_type", [ReLU, Sigmoid, Tanh])
def test_activation_gradients(layer_type, rng):
    # Keep inputs away from ReLU's kink at 0, where the derivative is undefined.
    x = rng.standard_normal((4, 6))
    x[np.abs(x) < 1e-3] = 0.5
    check_layer(layer_type(), x, rng)


def test_in_place_relu_computes_what_the_copying_relu_does(rng):
    x, dout = rng.standard_normal((2, 4, 6)), rng.standard_normal((2, 4, 6))
    copying, in_place = ReLU(), ReLU(in_place=True)
    expected = copying.forward(x, True).copy()
    given = x.copy()
    assert in_place.forward(given, True) is given
    np.testing.assert_array_equal(given, expected)
    np.testing.assert_array_equal(in_place.backward(dout.copy()), copying.backward(dout))


def test_dropout_gradients_with_fixed_mask(rng):
    layer = Dropout(0.3, rng)
    x = rng.standard_normal((4, 6))
    layer.fixed_mask = rng.random(x.shape) >= 0.3
    check_layer(layer, x, rng)


def test_dropout_is_identity_in_evaluation(rng):
    x = rng.standard_normal((4, 6))
    np.testing.assert_array_equal(Dropout(0.5, rng).forward(x, train=False), x)


def test_dropout_keeps_the_expected_activation(rng):
    x = np.ones((200, 200))
    out = Dropout(0.4, rng).forward(x, train=True)
    assert abs(np.mean(out == 0) - 0.4) < 0.01
    assert abs(out.mean() - 1.0) < 0.02


def test_batchnorm_gradients_in_training_mode(rng):
    layer = BatchNorm(6, np.float64)
    layer.gamma[:] = rng.standard_normal(6)
    layer.beta[:] = rng.standard_normal(6)
    check_layer(layer, rng.standard_normal((5, 6)), rng)


def test_batchnorm_normalises_each_feature(rng):
    layer = BatchNorm(3, np.float64)
    out = layer.forward(rng.standard_normal((50, 3)) * 7 + 3, train=True)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1, atol=1e-3)


def test_softmax_cross_entropy_gradient(rng):
    layer = SoftmaxCrossEntropy()
    scores = rng.standard_normal((4, 5))
    labels = np.array([0, 3, 4, 1])

    def objective():
        return layer.forward(scores, labels)

    objective()
    analytic = layer.backward()
    assert relative_error(analytic, numeric_gradient(objective, scores)) < TOLERANCE


def test_softmax_cross_entropy_reference_value():
    # Uniform scores over 4 classes: the loss is log(4) whatever the label.
    loss = SoftmaxCrossEntropy().forward(np.zeros((2, 4)), np.array([1, 3]))
    assert loss == pytest.approx(np.log(4))


def test_softmax_survives_huge_scores():
    loss = SoftmaxCrossEntropy().forward(np.array([[1e4, 0.0, -1e4]]), np.array([0]))
    assert loss == pytest.approx(0.0)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_whole_network_gradients(activation, rng):
    spec = NetworkSpec(
        input_size=7,
        hidden=(6, 5),
        output_size=4,
        activation=activation,
        dropout=0.25,
        batchnorm=True,
        weight_decay=0.1,
        dtype="float64",
    )
    network = Network(spec, np.random.default_rng(5))
    x = rng.standard_normal((8, 7))
    labels = rng.integers(0, 4, size=8)
    dropouts = [layer for layer in network.layers if isinstance(layer, Dropout)]
    for dropout, width in zip(dropouts, spec.hidden, strict=True):
        dropout.fixed_mask = rng.random((8, width)) >= 0.25

    def objective():
        return network.loss(x, labels, train=True)

    objective()
    network.backward()
    analytic = [grad.copy() for grad in network.grads]
    assert len(analytic) == len(network.params) == 3 * 2 + 2 * 2  # affines + batch norms
    for param, grad in zip(network.params, analytic, strict=True):
        assert relative_error(grad, numeric_gradient(objective, param)) < TOLERANCE
