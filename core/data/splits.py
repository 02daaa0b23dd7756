"""How a search cuts a dataset: the samples it uses, validation and test hold-outs, k
folds, and the arrays one trial trains and validates on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hyperdesk.core.data.datasets import load_dataset

if TYPE_CHECKING:  # the config describes the data; the data never needs the config
    from hyperdesk.core.config import DataConfig


@dataclass(frozen=True)
class Split:
    """Training and validation arrays for one trial."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray


def sample_indices(total: int, samples: int, seed: int) -> np.ndarray:
    """`samples` distinct indices out of `total`, in a seeded random order."""
    if not 1 <= samples <= total:
        raise ValueError(f"samples must be between 1 and {total}, got {samples}")
    return np.random.default_rng(seed).permutation(total)[:samples]


def holdout_indices(
    total: int, samples: int, validation: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) indices: a seeded shuffle of `samples` examples, the first
    round(samples * validation) of them held out."""
    _, [(train, val)] = split_indices(total, samples, validation, 0.0, 1, seed)
    return train, val


def split_indices(
    total: int, samples: int, validation: float, test: float, folds: int, seed: int
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """(test indices, [(train, validation) per fold]) out of a seeded shuffle of
    `samples` examples: the first round(samples * test) are the test split, which no
    search sees; of the rest, the next round(samples * validation) are the validation
    split (folds == 1), or k equal folds take turns (folds == k >= 2, see kfold_indices)."""
    chosen = sample_indices(total, samples, seed)
    n_test = round(samples * test)
    rest = chosen[n_test:]
    if folds >= 2:
        if not 2 <= folds <= len(rest):
            raise ValueError(
                f"{folds} folds of {len(rest)} samples (after the test split) leave a "
                "fold without training or validation samples"
            )
        return chosen[:n_test], kfold_indices(rest, folds)
    n_val = round(samples * validation)
    if not 1 <= n_val < len(rest):
        raise ValueError(
            f"validation {validation} of {samples} samples leaves {n_val} for validation "
            f"and {len(rest) - n_val} for training; both need at least one"
        )
    return chosen[:n_test], [(rest[n_val:], rest[:n_val])]


def kfold_indices(indices: np.ndarray, folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """k (train, validation) pairs whose validation parts are disjoint and equal in size,
    len // k each, so that the k runs of a trial train stacked; the len % k indices left
    over always train."""
    indices = np.asarray(indices)
    if not 2 <= folds <= len(indices):
        raise ValueError(f"folds must be between 2 and {len(indices)}, got {folds}")
    size = len(indices) // folds
    parts = [indices[k * size : (k + 1) * size] for k in range(folds)]
    always_train = indices[folds * size :]
    return [
        (np.concatenate([*parts[:k], *parts[k + 1 :], always_train]), parts[k])
        for k in range(folds)
    ]


def make_split(pixels: np.ndarray, labels: np.ndarray, train: np.ndarray, val: np.ndarray) -> Split:
    return Split(pixels[train], labels[train], pixels[val], labels[val])


def load_split(data: DataConfig) -> Split:
    """The training and validation arrays a data config describes; with k folds, each
    array has a leading fold axis. The test split is left out."""
    pixels, labels = load_dataset(data.dataset)
    _, folds = _indices(data, len(pixels))
    train = np.stack([train for train, _ in folds])
    val = np.stack([val for _, val in folds])
    if len(folds) == 1:
        train, val = train[0], val[0]
    return make_split(pixels, labels, train, val)


def load_test_split(data: DataConfig) -> Split:
    """For the final evaluation: every sample a search saw (training and validation)
    to train on, and the test split, which no search saw, as the validation arrays."""
    if data.test <= 0:
        raise ValueError("data.test is 0: this config keeps no test split")
    pixels, labels = load_dataset(data.dataset)
    test, folds = _indices(data, len(pixels))
    seen = np.concatenate(folds[0])
    return make_split(pixels, labels, seen, test)


def _indices(data: DataConfig, total: int):
    return split_indices(total, data.samples, data.validation, data.test, data.folds, data.seed)
