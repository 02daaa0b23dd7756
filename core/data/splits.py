"""How a search cuts a dataset: the samples it uses, validation and test hold-outs, k
folds, and the arrays one trial trains and validates on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hyperdesk.core.data.datasets import DatasetError
from hyperdesk.core.data.sources import ALL, OFFICIAL, load_data, official_test_rows
from hyperdesk.core.data.tables import REGRESSION, Dataset

if TYPE_CHECKING:  # the config describes the data; the data never needs the config
    from hyperdesk.core.config import DataConfig


@dataclass(frozen=True)
class Split:
    """Training and validation arrays for one trial. `inputs`: when the arrays hold only
    some of the data's features (data.shared), which ones."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    inputs: np.ndarray | None = None
    scaling: Scaling | None = None  # how the arrays were scaled (a model keeps it)
    # A regression's: how its y arrays were standardized (None: y holds classes).
    target: TargetScaling | None = None


def used_inputs(*arrays: np.ndarray) -> np.ndarray:
    """Indices of the input features nonzero in at least one sample of `arrays`, each
    (..., samples, features)."""
    nonzero = [np.any(a.reshape(-1, a.shape[-1]) != 0, axis=0) for a in arrays]
    return np.flatnonzero(np.logical_or.reduce(nonzero))


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


def stratified_order(indices: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """`indices` reordered so that every stretch of them holds the classes in about
    their overall proportions: each index takes the place of its rank within its class.
    Cut into a test part, a validation part or folds, each part is then stratified."""
    classes = labels[indices]
    place = np.empty(len(indices))
    for label in np.unique(classes):
        members = np.flatnonzero(classes == label)  # in the seeded shuffle's order
        place[members] = (np.arange(len(members)) + 0.5) / len(members)
    return indices[np.argsort(place, kind="stable")]


def split_indices(
    total: int,
    samples: int,
    validation: float,
    test: float,
    folds: int,
    seed: int,
    labels: np.ndarray | None = None,
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """(test indices, [(train, validation) per fold]) out of a seeded shuffle of
    `samples` examples: the first round(samples * test) are the test split, which no
    search sees; of the rest, the next round(samples * validation) are the validation
    split (folds == 1), or k equal folds take turns (folds == k >= 2, see kfold_indices).
    With `labels`, every part holds the classes in their proportions (stratified)."""
    chosen = sample_indices(total, samples, seed)
    if labels is not None:
        chosen = stratified_order(chosen, labels)
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


SCALES = ("", "none", "unit", "standardize")  # "": unit for images, standardize for tables
SCALE_TITLES = {
    "none": "none",
    "unit": "to 0..1",
    "standardize": "standardized (mean 0, standard deviation 1)",
}


def chosen_scale(scale: str, kind: str) -> str:
    """The scaling data.scale asks for: its own, or by default unit for images and
    standardize for tables."""
    return scale or ("unit" if kind == "images" else "standardize")


def load_split(data: DataConfig) -> Split:
    """The training and validation arrays a data config describes, scaled with
    statistics of the training rows only; with k folds, each array has a leading fold
    axis (and each fold its own statistics). The test split is left out."""
    dataset = load_data(data)
    _, folds = split_rows(data, dataset)
    train = np.stack([train for train, _ in folds])
    val = np.stack([val for _, val in folds])
    if len(folds) == 1:
        train, val = train[0], val[0]
    return _scaled(data, dataset, train, val)


def load_test_split(data: DataConfig) -> Split:
    """For the final evaluation and the final model: every sample a search saw
    (training and validation) to train on, and the test split, which no search saw, as
    the validation arrays; without a test split, the training rows stand in for it (the
    final model then reports how well it fits them)."""
    dataset = load_data(data)
    test, folds = split_rows(data, dataset)
    seen = np.concatenate(folds[0])
    return _scaled(data, dataset, seen, test if len(test) else seen)


def too_few_rows(data: DataConfig, rows: int, notes: tuple[str, ...] = ()) -> str:
    """Why the data `data` names, of `rows` rows (`notes`: what reading it left out),
    cannot give the samples it asks for; "" when it can. The window asks it of a file's
    preview before Start, the split when it cuts."""
    official = official_test_rows(data) if data.test == OFFICIAL else 0
    total = rows - official
    if data.samples == ALL or data.samples <= total:
        return ""
    return (
        f"data.samples is {data.samples:,}, but {data.source or data.dataset} has "
        f"{total:,} samples"
        + (f" beside its {official:,} test samples" if official else "")
        + (f" ({'; '.join(notes)})" if notes and data.source else "")
    )


def split_rows(data: DataConfig, dataset: Dataset):
    """(test rows, [(training rows, validation rows) per fold]) of `dataset` as `data`
    cuts it."""
    # An official test split is the dataset's last rows; the search samples from the others.
    official = official_test_rows(data) if data.test == OFFICIAL else 0
    total = len(dataset.y) - official
    samples = total if data.samples == ALL else data.samples
    if problem := too_few_rows(data, len(dataset.y), dataset.notes):
        raise DatasetError(problem)
    # A measurement has no classes to keep in proportion, nor to find in every fold.
    labels = dataset.y if data.stratify and dataset.task != REGRESSION else None
    if data.folds > 1 and dataset.task != REGRESSION:
        counts = np.bincount(dataset.y, minlength=dataset.outputs)
        rare = int(np.argmin(counts))
        if counts[rare] < data.folds:
            raise DatasetError(
                f"class {dataset.classes[rare]!r} of {data.source or data.dataset} has "
                f"{counts[rare]} samples, fewer than the {data.folds} folds (data.folds): "
                "every fold needs each class. Use fewer folds"
            )
    test = 0.0 if official else data.test
    held_out, folds = split_indices(
        total, samples, data.validation, test, data.folds, data.seed, labels
    )
    return (np.arange(total, total + official) if official else held_out), folds


@dataclass(frozen=True)
class Scaling:
    """What the training rows taught about scaling (per fold: a leading fold axis):
    `fill`, each feature's mean for its missing values (None: nothing was missing), then
    (x - centre) / spread. A model applies the same to the inputs it is given."""

    centre: np.ndarray | float = 0.0
    spread: np.ndarray | float = 1.0
    fill: np.ndarray | None = None

    @classmethod
    def fixed(cls, scale: str, kind: str, dtype: np.dtype, missing: bool) -> Scaling | None:
        """The scaling when it is learnt from no row (pixel values to 0..1, or none and
        nothing missing); None when it must be fitted."""
        scale = chosen_scale(scale, kind)
        if kind == "images" and scale == "unit":
            return cls(0.0, np.asarray(255, dtype=dtype))
        return cls() if scale == "none" and not missing else None

    @classmethod
    def fit(cls, x: np.ndarray, rows: np.ndarray, scale: str, kind: str, missing: bool) -> Scaling:
        """Learnt from the training rows `rows` of `x` alone ((folds, n) indices: one
        scaling per fold, with a leading fold axis); `missing`: x holds missing values
        (NaN). Without missing values, and of two features or more, the statistics are
        taken a slice of rows at a time (_streamed_statistics), not from a copy of the
        training rows (two, for a standard deviation): 300 MB at 60,000 MNIST rows."""
        fixed = cls.fixed(scale, kind, x.dtype, missing)
        if fixed is not None:
            return fixed
        scale = chosen_scale(scale, kind)
        fill = None
        if missing or x.shape[-1] < 2:
            centre, spread, fill = _copied_statistics(x[rows], scale, missing)
            if centre is None:
                return cls(fill=fill)
        else:
            fits = [_streamed_statistics(x, fold, scale) for fold in np.atleast_2d(rows)]
            centre, spread = (
                np.stack(parts) if rows.ndim == 2 else parts[0] for parts in zip(*fits, strict=True)
            )
        # A constant column stays 0.
        return cls(centre, np.where(spread > 0, spread, 1).astype(x.dtype), fill)

    @property
    def per_fold(self) -> bool:
        """Whether each fold of a k-fold split has a scaling of its own."""
        return np.ndim(self.spread) == 3

    def of_fold(self, fold: int) -> Scaling:
        """Fold `fold`'s scaling (this one, when every fold shares it)."""
        if not self.per_fold:
            return self
        fill = None if self.fill is None else self.fill[fold]
        return Scaling(np.asarray(self.centre)[fold], np.asarray(self.spread)[fold], fill)

    def apply(self, x: np.ndarray) -> np.ndarray:
        """`x` scaled, in place when it is a copy of its own (fancy indexing made it)."""
        if self.fill is not None:
            x = np.where(np.isnan(x), self.fill, x)
        if np.any(self.centre):
            x -= self.centre
        x /= self.spread
        return x


@dataclass(frozen=True)
class TargetScaling:
    """A measurement to predict, standardized with its training rows' mean and standard
    deviation (per fold: a leading fold axis), so that a learning rate means the same
    whatever the label's units; a model turns its outputs back with restore()."""

    mean: np.ndarray | float
    spread: np.ndarray | float

    @classmethod
    def fit(cls, y_train: np.ndarray) -> TargetScaling:
        mean = y_train.mean(axis=-1, keepdims=True, dtype=np.float64)
        spread = y_train.std(axis=-1, keepdims=True, dtype=np.float64)
        # Of a constant label the data says so (tables); a fold of one value stays as is.
        return cls(mean, np.where(spread > 0, spread, 1.0))

    def apply(self, y: np.ndarray) -> np.ndarray:
        return ((y - self.mean) / self.spread).astype(np.float32)

    def restore(self, y: np.ndarray) -> np.ndarray:
        return y * self.spread + self.mean


# Training rows gathered at a time for a scaling's statistics: 8 MB of 784 features.
STATISTIC_ROWS = 2560


def gather_rows(x: np.ndarray, rows: np.ndarray, out: np.ndarray) -> np.ndarray:
    """x[rows] written into the first len(rows) rows of `out`, and returned: a slice of
    a split's rows gathered without a new array each time (a new one is new memory to
    fault in). The indices are the split's own, all within x: "clip" spares take() a
    copy of them."""
    return np.take(x, rows, axis=0, out=out[: len(rows)], mode="clip")


def _reduced_rows(
    x: np.ndarray, rows: np.ndarray, ufunc: np.ufunc, centre: np.ndarray | None = None
) -> np.ndarray:
    """ufunc.reduce(x[rows], axis=0, keepdims=True), or of (x[rows] - centre) ** 2 when
    `centre` is given, without a copy of x[rows]: its rows are gathered STATISTIC_ROWS at
    a time, and each slice's reduction starts from the result so far, placed before
    the slice as one more row. numpy reduces a C-ordered array of two columns or more
    row after row, column by column, so the result is numpy's own to the bit (a test
    holds it to that; of one column numpy sums pairwise instead)."""
    size = min(STATISTIC_ROWS, len(rows))
    buffer = np.empty((size + 1, x.shape[1]), x.dtype)
    result = np.empty((1, x.shape[1]), x.dtype)
    so_far = 0  # the rows the result so far takes in the buffer: none before the first slice
    for start in range(0, len(rows), size):
        gathered = gather_rows(x, rows[start : start + size], buffer[so_far:])
        if centre is not None:
            np.subtract(gathered, centre, out=gathered)
            np.square(gathered, out=gathered)
        ufunc.reduce(buffer[: so_far + len(gathered)], axis=0, keepdims=True, out=result)
        buffer[0] = result[0]
        so_far = 1
    return result


def _copied_statistics(x_train: np.ndarray, scale: str, missing: bool):
    """(centre, spread, fill) of `x_train`, the training rows themselves (per fold: a
    leading axis), missing values filled with their feature's mean first; (None, None,
    fill) when the scale is "none"."""
    fill = None
    if missing:
        means = np.nanmean(x_train, axis=-2, keepdims=True)
        fill = np.where(np.isnan(means), 0.0, means).astype(x_train.dtype)
        x_train = np.where(np.isnan(x_train), fill, x_train)
    if scale == "standardize":
        return x_train.mean(axis=-2, keepdims=True), x_train.std(axis=-2, keepdims=True), fill
    if scale == "unit":
        centre = x_train.min(axis=-2, keepdims=True)
        return centre, x_train.max(axis=-2, keepdims=True) - centre, fill
    return None, None, fill


def _streamed_statistics(
    x: np.ndarray, rows: np.ndarray, scale: str
) -> tuple[np.ndarray, np.ndarray]:
    """(centre, spread) of x[rows], each (1, features), as numpy's mean and std (or
    min and max - min) of the copy give them, computed as they compute them."""
    if scale == "unit":
        centre = _reduced_rows(x, rows, np.minimum)
        return centre, _reduced_rows(x, rows, np.maximum) - centre
    count = np.intp(len(rows))  # numpy's mean and std divide by the count as an intp
    centre = _reduced_rows(x, rows, np.add)
    np.true_divide(centre, count, out=centre, casting="unsafe")
    variance = _reduced_rows(x, rows, np.add, centre)
    np.true_divide(variance, count, out=variance, casting="unsafe")
    return centre, np.sqrt(variance, out=variance)


def has_missing(x: np.ndarray) -> bool:
    """Whether `x` holds a missing value (NaN): its minimum is NaN then, found in one
    pass without the array of flags isnan() would make (47 MB for full MNIST)."""
    return bool(x.size) and bool(np.isnan(x.min()))


def fit_targets(
    dataset: Dataset, train: np.ndarray, val: np.ndarray
) -> tuple[np.ndarray, np.ndarray, TargetScaling | None]:
    """(training labels, validation labels, the target's scaling) of rows `train` and
    `val`: a regression's measurement standardized by its training rows' statistics
    (None for classes)."""
    y_train, y_val = dataset.y[train], dataset.y[val]
    if dataset.task != REGRESSION:
        return y_train, y_val, None
    target = TargetScaling.fit(y_train)
    return target.apply(y_train), target.apply(y_val), target


def _scaled(data: DataConfig, dataset: Dataset, train: np.ndarray, val: np.ndarray) -> Split:
    """The rows `train` and `val` of `dataset`, with missing values filled and scaled as
    data.scale says, by statistics of the training rows alone (per fold). The rows are
    copies (fancy indexing), scaled in place: full MNIST takes no third copy."""
    scaling = Scaling.fit(dataset.x, train, data.scale, dataset.kind, has_missing(dataset.x))
    x_train, x_val = dataset.x[train], dataset.x[val]
    y_train, y_val, target = fit_targets(dataset, train, val)
    return Split(
        scaling.apply(x_train),
        y_train,
        scaling.apply(x_val),
        y_val,
        scaling=scaling,
        target=target,
    )
