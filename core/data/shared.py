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
    load_split,
    split_rows,
    used_inputs,
)
from hyperdesk.core.data.tables import REGRESSION
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


def publish_split(data: DataConfig, fingerprint: str) -> Path:
    """The folder holding the split `data` describes of the data whose fingerprint is
    `fingerprint`, written there unless it already is. OSError when it cannot be written
    (or would leave the disk with less than DISK_RESERVE free): the workers then read
    the data themselves."""
    key = hashlib.sha256(f"{fingerprint}\n{data!r}".encode()).hexdigest()[:24]
    folder = splits_dir() / key
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


WRITTEN_ROWS = 4096  # rows made and written at a time: no whole copy of the features


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
    """The split `data` describes, as rows to write. Scaled by a fixed map (images to
    0..1), each slice of rows is cut from the data as it is written, so the process
    holds the data once, not a second copy of its training rows; scaling fitted on the
    training rows (tables, smaller) cuts the split whole first."""
    dataset = load_data(data)
    missing = bool(np.isnan(dataset.x).any())
    scaling = Scaling.fixed(data.scale, dataset.kind, dataset.x.dtype, missing)
    if scaling is None or dataset.task == REGRESSION:  # the target is fitted too
        split = load_split(data)
        used = used_inputs(split.x_train, split.x_val)
        return SplitArrays(
            *(_rows_of(getattr(split, name), used) for name in ("x_train", "x_val")),
            split.y_train,
            split.y_val,
            used,
            split.target,
        )
    _, folds = split_rows(data, dataset)
    train = np.stack([rows for rows, _ in folds])
    val = np.stack([rows for _, rows in folds])
    if len(folds) == 1:
        train, val = train[0], val[0]
    seen = np.unique(np.concatenate([train.ravel(), val.ravel()]))
    nonzero = np.zeros(dataset.inputs, dtype=bool)
    for start in range(0, len(seen), WRITTEN_ROWS):
        nonzero |= (dataset.x[seen[start : start + WRITTEN_ROWS]] != 0).any(axis=0)
    used = np.flatnonzero(nonzero)

    def rows(indices: np.ndarray) -> Rows:
        flat = indices.ravel()
        return Rows(
            (*indices.shape, len(used)),
            dataset.x.dtype,
            lambda start, stop: scaling.apply(dataset.x[flat[start:stop]][:, used]),
        )

    return SplitArrays(rows(train), rows(val), dataset.y[train], dataset.y[val], used)


def _rows_of(array: np.ndarray, columns: np.ndarray) -> Rows:
    flat = array.reshape(-1, array.shape[-1])
    if len(columns) == flat.shape[-1]:  # every column: the rows as they are, no copy
        return Rows(array.shape, array.dtype, lambda start, stop: flat[start:stop])
    return Rows(
        (*array.shape[:-1], len(columns)),
        array.dtype,
        lambda start, stop: flat[start:stop][:, columns],
    )


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
