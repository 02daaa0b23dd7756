"""Trains one network for one set of hyperparameters and reports every epoch.

No I/O and no global state: inputs are plain picklable settings, randomness comes from the
trial's seed, and progress is reported through a callback.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from core.datasets import Split
from core.network import Network, NetworkSpec
from core.optimizers import make_optimizer

COMPLETE = "complete"
DIVERGED = "diverged"
INTERRUPTED = "interrupted"
PRUNED = "pruned"


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
    report = None if on_epoch is None else (lambda index, record: on_epoch(record))
    return train_trials(data, [network_spec], [settings], [seed], report, should_stop)[0]


def stackable(network_spec: NetworkSpec, settings: TrainSettings) -> tuple:
    """Trials with equal keys can train stacked: they differ at most in learning rate
    and weight decay. Adam is left out: its step divides the learning rate in float64,
    which a stacked float32 rate would round differently."""
    if settings.optimizer == "adam":
        return (id(settings),)
    return (replace(network_spec, weight_decay=0.0), replace(settings, lr=0.0))


def train_trials(
    data: Split,
    network_specs: list[NetworkSpec],
    settings_list: list[TrainSettings],
    seeds: list[int],
    on_epoch: Callable[[int, EpochRecord], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    pruned: Callable[[], set[int]] | None = None,
    on_epoch_end: Callable[[int], None] | None = None,
) -> list[TrialResult]:
    """Train several trials at once, stacked along a leading axis (population training):
    each gives the records it would give alone. They must share a stackable() key.
    on_epoch gets the trial's index in the lists; pruned() names (by index) trials to end
    early as pruned, between two steps, keeping their epochs; on_epoch_end(epoch) runs
    once every trial has reported the epoch."""
    count = len(seeds)
    settings = settings_list[0]
    if len({stackable(n, t) for n, t in zip(network_specs, settings_list, strict=True)}) > 1:
        raise ValueError("trials trained together may differ only in lr and weight decay")
    networks, shuffles = [], []
    for spec, seed in zip(network_specs, seeds, strict=True):
        init_rng, shuffle_rng = np.random.default_rng(seed).spawn(2)
        networks.append(Network(spec, init_rng))
        shuffles.append(shuffle_rng)
    dtype = np.dtype(network_specs[0].dtype)
    if count == 1:
        network, lr = networks[0], settings.lr
    else:
        network = Network.stack(networks)
        lr = np.array([t.lr for t in settings_list], dtype=dtype).reshape(-1, 1, 1)
    optimizer = make_optimizer(
        settings.optimizer,
        lr,
        momentum=settings.momentum,
        beta1=settings.beta1,
        beta2=settings.beta2,
        rho=settings.rho,
    )
    x_train = data.x_train.astype(dtype, copy=False)
    x_val = data.x_val.astype(dtype, copy=False)
    n_train = len(x_train)
    batch_size = min(settings.batch_size, n_train)
    results = [TrialResult(COMPLETE) for _ in range(count)]
    running = np.ones(count, dtype=bool)

    def end(status: str, which: np.ndarray) -> None:
        for index in np.flatnonzero(which):
            results[index].status = status
        running[which] = False

    # Overflow on the way to a diverged trial is expected; finiteness is checked instead.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(1, settings.epochs + 1):
            started = time.perf_counter()
            orders = np.stack([rng.permutation(n_train) for rng in shuffles])
            for start in range(0, n_train, batch_size):
                if should_stop is not None and should_stop():
                    end(INTERRUPTED, running.copy())
                    return results
                if pruned is not None and (chosen := pruned()):
                    end(PRUNED, running & np.isin(np.arange(count), list(chosen)))
                    if not running.any():
                        return results
                batch = orders[:, start : start + batch_size]
                if count == 1:
                    batch = batch[0]
                losses = network.data_loss(x_train[batch], data.y_train[batch], train=True)
                end(DIVERGED, running & ~np.isfinite(np.atleast_1d(losses)))
                if not running.any():
                    return results
                network.backward()
                optimizer.update(network.params, network.grads)
            train_loss, train_acc = network.evaluate(x_train, data.y_train)
            val_loss, val_acc = network.evaluate(x_val, data.y_val)
            finite = np.isfinite(np.atleast_1d(train_loss)) & np.isfinite(np.atleast_1d(val_loss))
            end(DIVERGED, running & ~finite)
            seconds = (time.perf_counter() - started) / count
            columns = [np.atleast_1d(v) for v in (train_loss, train_acc, val_loss, val_acc)]
            for index in np.flatnonzero(running):
                record = EpochRecord(epoch, *(float(c[index]) for c in columns), seconds)
                results[index].records.append(record)
                if on_epoch is not None:
                    on_epoch(int(index), record)
            if not running.any():
                return results
            if on_epoch_end is not None:
                on_epoch_end(epoch)
    return results
