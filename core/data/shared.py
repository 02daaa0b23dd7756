"""A search's split, prepared once and shared by its worker processes: the process that
runs the search writes the scaled arrays (only the input features some sample uses) to
files in the cache folder, and every worker maps them into memory read-only, so the
operating system keeps one copy of the data however many workers train on it."""

from __future__ import annotations

import errno
import hashlib
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hyperdesk.core.data.sources import load_data
from hyperdesk.core.data.splits import (
    Scaling,
    Split,
    TargetScaling,
    fit_targets,
    gather_rows,
    has_missing,
    split_rows,
)
from hyperdesk.core.paths import cache_dir

if TYPE_CHECKING:  # the config describes the data; the data never needs the config
    from hyperdesk.core.config import DataConfig

ARRAYS = ("x_train", "y_train", "x_val", "y_val", "inputs")
# Free disk a split leaves at least, for the sessions (SQLite stops a process with
# SIGBUS when its shared-memory file finds a full disk) and everything else.
DISK_RESERVE = 256 << 20
# Splits kept in the cache: a resumed or repeated search finds its own again; older
# ones are deleted when a new one is written.
KEPT_SPLITS = 3


def splits_dir() -> Path:
    return cache_dir() / "splits"


def split_folder(data: DataConfig, fingerprint: str) -> Path:
    """Where the split `data` describes of the data whose fingerprint is `fingerprint`
    is kept once published."""
    return splits_dir() / hashlib.sha256(f"{fingerprint}\n{data!r}".encode()).hexdigest()[:24]


def publish_split(data: DataConfig, fingerprint: str) -> Path:
    """The folder holding the split `data` describes of the data whose fingerprint is
    `fingerprint`, written there unless it already is. OSError when it cannot be written
    (or would leave the disk with less than DISK_RESERVE free): the workers then read
    the data themselves."""
    folder = split_folder(data, fingerprint)
    if folder.is_dir():
        os.utime(folder)  # used now: kept over older splits
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    arrays = _split_arrays(data)
    size = sum(rows.nbytes for rows in (arrays.x_train, arrays.x_val))
    if shutil.disk_usage(folder.parent).free < size + DISK_RESERVE:
        raise OSError(errno.ENOSPC, f"no room for a {size:,}-byte split beside the sessions")
    # Written whole under a temporary name, then renamed: a worker never maps half a split.
    writing = Path(tempfile.mkdtemp(prefix=".writing-", dir=folder.parent))
    try:
        for name in ("x_train", "x_val"):
            _save_rows(writing / f"{name}.npy", getattr(arrays, name))
        for name in ("y_train", "y_val", "inputs"):
            np.save(writing / f"{name}.npy", getattr(arrays, name))
        if arrays.target is not None:
            np.save(writing / "target_mean.npy", np.asarray(arrays.target.mean))
            np.save(writing / "target_spread.npy", np.asarray(arrays.target.spread))
        writing.rename(folder)
    except OSError:
        shutil.rmtree(writing, ignore_errors=True)
        if not folder.is_dir():  # another process wrote the same split meanwhile: fine
            raise
    _forget_old_splits(keep=folder)
    return folder


# Rows made and written at a time: no whole copy of the features, and a slice of 784
# features (3 MB) is gathered, scaled and written while it is in the cache (4,096 rows
# took 2.5x as long at 60,000 MNIST rows).
WRITTEN_ROWS = 1024


@dataclass(frozen=True)
class Rows:
    """Rows to write, made a slice at a time: `make(start, stop)` gives the rows start
    to stop of a `shape` array (every axis but the last flattened), ready to store."""

    shape: tuple[int, ...]
    dtype: np.dtype
    make: Callable[[np.ndarray], np.ndarray]

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


@dataclass(frozen=True)
class SplitArrays:
    x_train: Rows
    x_val: Rows
    y_train: np.ndarray
    y_val: np.ndarray
    inputs: np.ndarray  # the input features kept: some sample uses each
    target: TargetScaling | None = None  # a regression's (y is standardized)


def _split_arrays(data: DataConfig) -> SplitArrays:
    """The split `data` describes, as rows to write: each slice of rows is cut from the
    data, scaled and narrowed to the kept features as it is written, so the process
    holds the data once, not a second copy of its rows (and a scaling fitted on the
    training rows is fitted a slice at a time too: Scaling.fit)."""
    dataset = load_data(data)
    _, folds = split_rows(data, dataset)
    train = np.stack([rows for rows, _ in folds])
    val = np.stack([rows for _, rows in folds])
    if len(folds) == 1:
        train, val = train[0], val[0]
    scaling = Scaling.fit(dataset.x, train, data.scale, dataset.kind, has_missing(dataset.x))
    y_train, y_val, target = fit_targets(dataset, train, val)

    # Every slice's rows are gathered into this one array (gather_rows).
    gathered = np.empty((WRITTEN_ROWS, dataset.inputs), dataset.x.dtype)

    def scaled(indices: np.ndarray, fold: int, start: int, stop: int, at: int = 0) -> np.ndarray:
        """Rows indices[start:stop] scaled by fold `fold`'s scaling, in the gathering
        memory from its row `at` on."""
        rows = gather_rows(dataset.x, indices[start:stop], gathered[at:])
        result = scaling.of_fold(fold).apply(rows)  # in place, unless it fills gaps
        if result is not rows:
            rows[...] = result
        return rows

    # The features some sample uses once scaled (as used_inputs finds them in a split
    # of its own): each fold's rows by its own scaling, or every row seen once.
    if scaling.per_fold:
        seen = [np.concatenate([train[fold], val[fold]]) for fold in range(len(folds))]
    else:
        seen = [np.unique(np.concatenate([train.ravel(), val.ravel()]))]
    nonzero = np.zeros(dataset.inputs, dtype=bool)
    flags = np.empty(gathered.shape, dtype=bool)
    for fold, indices in enumerate(seen):
        for start in range(0, len(indices), WRITTEN_ROWS):
            part = scaled(indices, fold, start, start + WRITTEN_ROWS)
            nonzero |= np.not_equal(part, 0, out=flags[: len(part)]).any(axis=0)
    used = np.flatnonzero(nonzero)

    def rows(indices: np.ndarray) -> Rows:
        """Rows of `indices` ((folds, n) with k folds), each by its fold's scaling."""
        flat, per_fold = indices.ravel(), indices.shape[-1]

        def make(start: int, stop: int) -> np.ndarray:
            at = 0
            while start < stop:  # a slice crossing folds is scaled fold by fold
                fold = start // per_fold
                end = min(stop, (fold + 1) * per_fold)
                scaled(flat, fold, start, end, at)
                at, start = at + end - start, end
            rows = gathered[:at]
            return rows if len(used) == dataset.inputs else rows[:, used]

        return Rows((*indices.shape, len(used)), dataset.x.dtype, make)

    return SplitArrays(rows(train), rows(val), y_train, y_val, used, target)


def _save_rows(path: Path, rows: Rows) -> None:
    """Save `rows` as np.save would, a slice at a time. Written, not mapped: a full disk
    is then an OSError, where a mapped file's pages that find no room kill the process
    (SIGBUS)."""
    header = {
        "descr": np.lib.format.dtype_to_descr(rows.dtype),
        "fortran_order": False,
        "shape": rows.shape,
    }
    count = math.prod(rows.shape[:-1])
    with open(path, "wb") as stream:
        np.lib.format.write_array_header_2_0(stream, header)
        for start in range(0, count, WRITTEN_ROWS):
            part = rows.make(start, min(start + WRITTEN_ROWS, count))
            # The slice's own memory when it is contiguous (a copy only when it is not).
            stream.write(np.ascontiguousarray(part, dtype=rows.dtype).data)


ABANDONED_SECONDS = 24 * 3600  # a split still being written after this was abandoned


def _forget_old_splits(keep: Path) -> None:
    now = time.time()
    for writing in splits_dir().glob(".writing-*"):
        if now - writing.stat().st_mtime > ABANDONED_SECONDS:
            shutil.rmtree(writing, ignore_errors=True)
    folders = sorted(
        (
            path
            for path in splits_dir().iterdir()
            if path.is_dir() and path != keep and not path.name.startswith(".")
        ),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    for old in folders[KEPT_SPLITS - 1 :]:
        # A split a running search still maps stays readable where it is mapped (POSIX);
        # where the system refuses to delete it (Windows), it goes next time.
        shutil.rmtree(old, ignore_errors=True)


def open_split(folder: Path | str) -> Split:
    """A published split, mapped read-only: its pages are shared between processes."""
    folder = Path(folder)
    arrays = [np.load(folder / f"{name}.npy", mmap_mode="r") for name in ARRAYS]
    target = None
    if (folder / "target_spread.npy").exists():
        target = TargetScaling(
            np.load(folder / "target_mean.npy"), np.load(folder / "target_spread.npy")
        )
    return Split(*arrays, target=target)
