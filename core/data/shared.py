"""A search's split, prepared once and shared by its worker processes: the process that
runs the search writes the scaled arrays (only the input features some sample uses) to
files in the cache folder, and every worker maps them into memory read-only, so the
operating system keeps one copy of the data however many workers train on it."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hyperdesk.core.data.splits import Split, load_split, used_inputs
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
    split = load_split(data)
    used = used_inputs(split.x_train, split.x_val)
    rows = split.x_train[..., 0].size + split.x_val[..., 0].size  # every fold's
    size = rows * len(used) * split.x_train.itemsize
    if shutil.disk_usage(folder.parent).free < size + DISK_RESERVE:
        raise OSError(errno.ENOSPC, f"no room for a {size:,}-byte split beside the sessions")
    # Written whole under a temporary name, then renamed: a worker never maps half a split.
    writing = Path(tempfile.mkdtemp(prefix=".writing-", dir=folder.parent))
    try:
        for name in ("x_train", "x_val"):
            _save_columns(writing / f"{name}.npy", getattr(split, name), used)
        for name, array in (("y_train", split.y_train), ("y_val", split.y_val), ("inputs", used)):
            np.save(writing / f"{name}.npy", array)
        writing.rename(folder)
    except OSError:
        shutil.rmtree(writing, ignore_errors=True)
        if not folder.is_dir():  # another process wrote the same split meanwhile: fine
            raise
    _forget_old_splits(keep=folder)
    return folder


ABANDONED_SECONDS = 24 * 3600  # a split still being written after this was abandoned


WRITTEN_ROWS = 4096  # rows copied at a time: no whole second copy of the features


def _save_columns(path: Path, rows: np.ndarray, columns: np.ndarray) -> None:
    """Save `rows` with only `columns` of their last axis, as np.save would, a slice at
    a time. Written, not mapped: a full disk is then an OSError, where a mapped file's
    pages that find no room kill the process (SIGBUS)."""
    shape = (*rows.shape[:-1], len(columns))
    flat = rows.reshape(-1, rows.shape[-1])
    header = {
        "descr": np.lib.format.dtype_to_descr(rows.dtype),
        "fortran_order": False,
        "shape": shape,
    }
    with open(path, "wb") as stream:
        np.lib.format.write_array_header_2_0(stream, header)
        for start in range(0, len(flat), WRITTEN_ROWS):
            stream.write(
                np.ascontiguousarray(flat[start : start + WRITTEN_ROWS, columns]).tobytes()
            )


ABANDONED_SECONDS = 24 * 3600  # a split still being written after this was abandoned


WRITTEN_ROWS = 4096  # rows copied at a time: no whole second copy of the features


def _save_columns(path: Path, rows: np.ndarray, columns: np.ndarray) -> None:
    """Save `rows` with only `columns` of their last axis, as np.save would."""
    shape = (*rows.shape[:-1], len(columns))
    stored = np.lib.format.open_memmap(path, mode="w+", dtype=rows.dtype, shape=shape)
    flat_rows, flat_stored = rows.reshape(-1, rows.shape[-1]), stored.reshape(-1, len(columns))
    for start in range(0, len(flat_rows), WRITTEN_ROWS):
        flat_stored[start : start + WRITTEN_ROWS] = flat_rows[start : start + WRITTEN_ROWS, columns]
    stored.flush()
    del stored


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
    return Split(*(np.load(folder / f"{name}.npy", mmap_mode="r") for name in ARRAYS))
