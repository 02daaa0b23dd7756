"""Optimizers sharing one interface: update(params, grads) changes params in place."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")

# Settings that mean something only for some optimizers. A trial whose optimizer is not
# among them has no value for the setting: it is neither sampled nor shown.
CONDITIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "momentum": ("optimizer", ("momentum", "nesterov")),
    "beta1": ("optimizer", ("adam",)),
    "beta2": ("optimizer", ("adam",)),
    "rho": ("optimizer", ("rmsprop",)),
}


def drop_inactive(params: dict[str, Any]) -> dict[str, Any]:
    """`params` without the settings their own optimizer does not use."""
    return {
        name: value
        for name, value in params.items()
        if name not in CONDITIONS
        or CONDITIONS[name][0] not in params
        or params[CONDITIONS[name][0]] in CONDITIONS[name][1]
    }


class Optimizer(ABC):
    # The arrays it keeps per parameter, in the order state() gives them.
    state_names: tuple[str, ...] = ()

    def __init__(self, lr: float):
        self.lr = lr

    @abstractmethod
    def update(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Move each parameter array along its gradient, in place."""

    @abstractmethod
    def state(self, index: int | None = None) -> tuple[list[np.ndarray], int]:
        """What the optimizer remembers (its state arrays, of stacked network `index`,
        and its step count), to go on later as if it never stopped."""

    @abstractmethod
    def load_state(self, params: list[np.ndarray], arrays: list[np.ndarray], steps: int) -> None:
        """Go on from state() of an optimizer of these parameters."""


class SGD(Optimizer):
    """p -= lr * g. Scales the gradient in place: gradients are rewritten every step."""

    def update(self, params, grads):
        for param, grad in zip(params, grads, strict=True):
            grad *= self.lr
            param -= grad

    def state(self, index=None):
        return [], 0  # plain SGD remembers nothing between steps

    def load_state(self, params, arrays, steps):
        """Nothing to restore: see state()."""


class _Stateful(Optimizer):
    """Keeps one or more state arrays per parameter, made on the first update."""

    steps = 0  # updates made (Adam's bias correction counts them)

    def __init__(self, lr: float):
        super().__init__(lr)
        self._state: list[dict[str, np.ndarray]] | None = None

    def state(self, index: int | None = None) -> tuple[list[np.ndarray], int]:
        arrays = [entry[name] for entry in self._state or [] for name in self.state_names]
        if index is not None:
            arrays = [array[index] for array in arrays]
        return [array.copy() for array in arrays], self.steps

    def load_state(self, params: list[np.ndarray], arrays: list[np.ndarray], steps: int) -> None:
        if arrays:
            stored = iter(arrays)
            self._state = [
                # Of a stacked network, a bias's state keeps its broadcasting axis.
                {
                    name: next(stored).astype(param.dtype).reshape(param.shape)
                    for name in self.state_names
                }
                for param in params
            ]
        self.steps = steps

    def _states(self, params: list[np.ndarray]) -> list[dict[str, np.ndarray]]:
        if self._state is None:
            self._state = [
                {name: np.zeros_like(param) for name in self.state_names} for param in params
            ]
        return self._state


class Momentum(_Stateful):
    """v = momentum * v - lr * g;  p += v."""

    state_names = ("velocity",)

    def __init__(self, lr: float, momentum: float = 0.9):
        super().__init__(lr)
        self.momentum = momentum

    def update(self, params, grads):
        for param, grad, state in zip(params, grads, self._states(params), strict=True):
            velocity = state["velocity"]
            velocity *= self.momentum
            velocity -= self.lr * grad
            param += velocity


class Nesterov(Momentum):
    """Nesterov momentum in the form of Bengio et al. (2013):
    v = momentum * v - lr * g;  p += momentum * v - lr * g."""

    def update(self, params, grads):
        for param, grad, state in zip(params, grads, self._states(params), strict=True):
            velocity = state["velocity"]
            velocity *= self.momentum
            velocity -= self.lr * grad
            param += self.momentum * velocity - self.lr * grad


class AdaGrad(_Stateful):
    """h += g^2;  p -= lr * g / (sqrt(h) + eps)."""

    state_names = ("squares",)

    def __init__(self, lr: float, eps: float = 1e-7):
        super().__init__(lr)
        self.eps = eps

    def update(self, params, grads):
        for param, grad, state in zip(params, grads, self._states(params), strict=True):
            squares = state["squares"]
            squares += grad * grad
            param -= self.lr * grad / (np.sqrt(squares) + self.eps)


class RMSprop(_Stateful):
    """h = rho * h + (1 - rho) * g^2;  p -= lr * g / (sqrt(h) + eps)."""

    state_names = ("squares",)

    def __init__(self, lr: float, rho: float = 0.99, eps: float = 1e-7):
        super().__init__(lr)
        self.rho = rho
        self.eps = eps

    def update(self, params, grads):
        for param, grad, state in zip(params, grads, self._states(params), strict=True):
            squares = state["squares"]
            squares *= self.rho
            squares += (1 - self.rho) * grad * grad
            param -= self.lr * grad / (np.sqrt(squares) + self.eps)


class Adam(_Stateful):
    """Kingma & Ba (2015) with bias correction:
    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
    p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)."""

    state_names = ("first", "second")

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(lr)
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.steps = 0

    def update(self, params, grads):
        self.steps += 1
        first_correction = 1 - self.beta1**self.steps
        second_correction = 1 - self.beta2**self.steps
        for param, grad, state in zip(params, grads, self._states(params), strict=True):
            first, second = state["first"], state["second"]
            first *= self.beta1
            first += (1 - self.beta1) * grad
            second *= self.beta2
            second += (1 - self.beta2) * grad * grad
            param -= (
                (self.lr / first_correction)
                * first
                / (np.sqrt(second / second_correction) + self.eps)
            )


def make_optimizer(
    name: str,
    lr: float,
    momentum: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    rho: float = 0.99,
) -> Optimizer:
    """The optimizer called `name`, given the settings it uses (others are ignored)."""
    if name == "sgd":
        return SGD(lr)
    if name == "momentum":
        return Momentum(lr, momentum)
    if name == "nesterov":
        return Nesterov(lr, momentum)
    if name == "adagrad":
        return AdaGrad(lr)
    if name == "rmsprop":
        return RMSprop(lr, rho)
    if name == "adam":
        return Adam(lr, beta1, beta2)
    raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
