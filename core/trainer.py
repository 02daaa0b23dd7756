"""Trains one network for one set of hyperparameters and reports every epoch.

No I/O and no global state: inputs are plain picklable settings, randomness comes from the
trial's seed, and progress is reported through a callback.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core.datasets import Split
from core.network import Network, NetworkSpec
from core.optimizers import make_optimizer

COMPLETE = "complete"
DIVERGED = "diverged"
INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class TrainSettings:
    epochs: int
    batch_size: int
    optimizer: str = "sgd"
    lr: float = 0.01
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    rho: float = 0.99


@dataclass(frozen=True)
class EpochRecord:
    """One finished epoch. Losses are the mean cross-entropy in evaluation mode over the
    whole training and validation sets, without the weight-decay penalty."""

    epoch: int
    train_loss: float
    train_acc: float
    val_loss: float
    val_acc: float
    seconds: float


@dataclass
class TrialResult:
    status: str
    records: list[EpochRecord] = field(default_factory=list)


def train_trial(
    data: Split,
    network_spec: NetworkSpec,
    settings: TrainSettings,
    seed: int,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrialResult:
    """Train for settings.epochs passes over a fresh shuffle of the training set.

    Ends early as "diverged" when the loss stops being finite (the epochs before are kept),
    or as "interrupted" when should_stop() turns true between two steps.
    """
    init_rng, shuffle_rng = np.random.default_rng(seed).spawn(2)
    network = Network(network_spec, init_rng)
    optimizer = make_optimizer(
        settings.optimizer,
        settings.lr,
        momentum=settings.momentum,
        beta1=settings.beta1,
        beta2=settings.beta2,
        rho=settings.rho,
    )
    dtype = np.dtype(network_spec.dtype)
    x_train = data.x_train.astype(dtype, copy=False)
    x_val = data.x_val.astype(dtype, copy=False)
    n_train = len(x_train)
    batch_size = min(settings.batch_size, n_train)
    result = TrialResult(COMPLETE)
    # Overflow on the way to a diverged trial is expected; finiteness is checked instead.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(1, settings.epochs + 1):
            started = time.perf_counter()
            order = shuffle_rng.permutation(n_train)
            for start in range(0, n_train, batch_size):
                if should_stop is not None and should_stop():
                    result.status = INTERRUPTED
                    return result
                batch = order[start : start + batch_size]
                loss = network.loss(x_train[batch], data.y_train[batch], train=True)
                if not math.isfinite(loss):
                    result.status = DIVERGED
                    return result
                network.backward()
                optimizer.update(network.params, network.grads)
            train_loss, train_acc = network.evaluate(x_train, data.y_train)
            val_loss, val_acc = network.evaluate(x_val, data.y_val)
            if not (math.isfinite(train_loss) and math.isfinite(val_loss)):
                result.status = DIVERGED
                return result
            record = EpochRecord(
                epoch, train_loss, train_acc, val_loss, val_acc, time.perf_counter() - started
            )
            result.records.append(record)
            if on_epoch is not None:
                on_epoch(record)
    return result
