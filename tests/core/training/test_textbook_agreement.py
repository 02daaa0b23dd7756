"""Hyperdesk's network against the textbook's, built here the plain way: Affine, ReLU and
SoftmaxWithLoss layers with their own forward and backward, weight decay as
0.5 * lambda * sum(W^2), nothing fused, float64. From the same weights, the loss, every
gradient and 20 SGD steps of Hyperdesk's trainer agree to 1e-12: every shortcut the
engine takes for speed (in-place ReLU, the loss on a transposed copy, the decay applied
as a shrink, dropped all-zero inputs) leaves the arithmetic as the book does it."""

import numpy as np
import pytest

from hyperdesk.core.data.splits import Split
from hyperdesk.core.training.network import Network, NetworkSpec
from hyperdesk.core.training.settings import TrainSettings
from hyperdesk.core.training.trainer import train_trial

WEIGHT_DECAY = 1e-3
LR = 0.1
SPEC = NetworkSpec(20, (16, 12), 5, weight_decay=WEIGHT_DECAY, dtype="float64")


class BookAffine:
    def __init__(self, weight, bias):
        self.W, self.b = weight.copy(), bias.copy()

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T


class BookReLU:
    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout = dout.copy()
        dout[self.mask] = 0
        return dout


class BookSoftmaxWithLoss:
    def forward(self, x, t):
        shifted = x - x.max(axis=1, keepdims=True)
        self.y = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        self.t = t
        return -np.mean(np.log(self.y[np.arange(len(t)), t]))

    def backward(self):
        dx = self.y.copy()
        dx[np.arange(len(self.t)), self.t] -= 1
        return dx / len(self.t)


class BookNetwork:
    def __init__(self, network: Network):
        self.affines = [BookAffine(a.weight, a.bias) for a in network.affines]
        self.layers = []
        for index, affine in enumerate(self.affines):
            self.layers.append(affine)
            if index < len(self.affines) - 1:
                self.layers.append(BookReLU())
        self.last = BookSoftmaxWithLoss()

    def loss(self, x, t):
        for layer in self.layers:
            x = layer.forward(x)
        decay = sum(0.5 * WEIGHT_DECAY * np.sum(a.W**2) for a in self.affines)
        return self.last.forward(x, t) + decay

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.last.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return [(a.dW + WEIGHT_DECAY * a.W, a.db) for a in self.affines]

    def step(self, x, t):
        for affine, (dW, db) in zip(self.affines, self.gradient(x, t), strict=True):
            affine.W -= LR * dW
            affine.b -= LR * db


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 20))
    t = rng.integers(0, 5, 64)
    return x, t


def close(ours, book):
    return np.max(np.abs(ours - book)) <= 1e-12 * max(1.0, np.max(np.abs(book)))


def test_the_loss_and_every_gradient_are_the_book_s(data):
    x, t = data
    network = Network(SPEC, np.random.default_rng(0))
    book = BookNetwork(network)
    assert network.loss(x, t) == pytest.approx(book.loss(x, t), abs=1e-12)
    network.backward()
    for affine, (dW, db) in zip(network.affines, book.gradient(x, t), strict=True):
        assert close(affine.weight_grad, dW) and close(affine.bias_grad, db)


def test_twenty_sgd_steps_of_the_trainer_are_the_book_s(data):
    x, t = data
    # One batch of every sample per epoch: each epoch is one step, whatever the shuffle.
    split = Split(x, t, x[:8], t[:8])
    settings = TrainSettings(20, len(x), "sgd", LR, weight_decay=WEIGHT_DECAY, dtype="float64")
    seed = 11
    initial = Network(SPEC, np.random.default_rng(seed).spawn(2)[0])  # as the trainer's
    book = BookNetwork(initial)
    ours = train_trial(split, SPEC, settings, seed).network
    for _ in range(20):
        book.step(x, t)
    for affine, reference in zip(ours.affines, book.affines, strict=True):
        assert close(affine.weight, reference.W) and close(affine.bias, reference.b)
