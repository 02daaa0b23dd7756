"""A multi-layer perceptron built from the layers in core.layers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from core.layers import Affine, BatchNorm, Dropout, ReLU, Sigmoid, SoftmaxCrossEntropy, Tanh

ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}
INITS = ("he", "xavier")
DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class NetworkSpec:
    """Everything that fixes a network's shape and its loss. `init` is "he", "xavier" or
    a fixed standard deviation."""

    input_size: int
    hidden: tuple[int, ...]
    output_size: int
    activation: str = "relu"
    init: str | float = "he"
    dropout: float = 0.0
    batchnorm: bool = False
    weight_decay: float = 0.0
    dtype: str = "float32"

    def init_std(self, fan_in: int) -> float:
        if self.init == "he":
            return float(np.sqrt(2.0 / fan_in))
        if self.init == "xavier":
            return float(np.sqrt(1.0 / fan_in))
        return float(self.init)


class Network:
    """Affine -> [BatchNorm] -> activation -> [Dropout] per hidden layer, then Affine and
    softmax cross-entropy, plus the L2 penalty 0.5 * weight_decay * sum(W^2)."""

    def __init__(self, spec: NetworkSpec, rng: np.random.Generator):
        if spec.activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {spec.activation!r}; choose one of {', '.join(ACTIVATIONS)}"
            )
        self.spec = spec
        dtype = np.dtype(spec.dtype)
        init_rng, dropout_rng = rng.spawn(2)
        sizes = [spec.input_size, *spec.hidden, spec.output_size]
        self.affines: list[Affine] = []
        self.layers: list = []
        for index, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
            weight = (init_rng.standard_normal((fan_in, fan_out)) * spec.init_std(fan_in)).astype(
                dtype
            )
            # The first layer's input is the data: nobody needs its gradient.
            affine = Affine(weight, np.zeros(fan_out, dtype=dtype), input_grad=index > 0)
            self.affines.append(affine)
            self.layers.append(affine)
            if index == len(sizes) - 2:
                break
            if spec.batchnorm:
                self.layers.append(BatchNorm(fan_out, dtype))
            self.layers.append(ACTIVATIONS[spec.activation]())
            if spec.dropout > 0:
                self.layers.append(Dropout(spec.dropout, dropout_rng))
        self.loss_layer = SoftmaxCrossEntropy()
        self.params = [param for layer in self.layers for param in layer.params]
        self.grads = [grad for layer in self.layers for grad in layer.grads]

    def predict(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x, train)
        return x

    def penalty(self) -> float:
        if not self.spec.weight_decay:
            return 0.0
        squares = sum(float(np.vdot(affine.weight, affine.weight)) for affine in self.affines)
        return 0.5 * self.spec.weight_decay * squares

    def loss(self, x: np.ndarray, labels: np.ndarray, train: bool = True) -> float:
        """The training objective: cross-entropy plus the L2 penalty. Keeps what
        backward() needs."""
        return self.loss_layer.forward(self.predict(x, train), labels) + self.penalty()

    def backward(self) -> None:
        """Fill every layer's gradients for the last loss()."""
        dout = self.loss_layer.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        if self.spec.weight_decay:
            for affine in self.affines:
                affine.weight_grad += self.spec.weight_decay * affine.weight

    def evaluate(self, x: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        """(cross-entropy, accuracy) in evaluation mode: no dropout, running batch norm."""
        scores = self.predict(x, train=False)
        loss = SoftmaxCrossEntropy().forward(scores, labels)
        accuracy = float(np.mean(scores.argmax(axis=-1) == labels))
        return loss, accuracy
