"""A search's split, prepared once and shared by its worker processes: the process that
runs the search writes the scaled arrays (only the input features some sample uses) to
files in the cache folder, and every worker maps them into memory read-only, so the
operating system keeps one copy of the data however many workers train on it."""

from __future__ import annotations

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
# Splits kept in the cache: a resumed or repeated search finds its own again; older
# ones are deleted when a new one is written.
KEPT_SPLITS = 3


def splits_dir() -> Path:
    return cache_dir() / "splits"


def compact(split: Split) -> Split:
    """`split` without the input features that are zero in every sample of it (MNIST's
    border pixels); `inputs` names the features kept, so networks drop the same weights."""
    used = used_inputs(split.x_train, split.x_val)
    return Split(
        np.ascontiguousarray(split.x_train[..., used]),
        split.y_train,
        np.ascontiguousarray(split.x_val[..., used]),
        split.y_val,
        used,
    )


def publish_split(data: DataConfig, fingerprint: str) -> Path:
    """The folder holding the split `data` describes of the data whose fingerprint is
    `fingerprint`, written there unless it already is."""
    key = hashlib.sha256(f"{fingerprint}\n{data!r}".encode()).hexdigest()[:24]
    folder = splits_dir() / key
    if folder.is_dir():
        os.utime(folder)  # used now: kept over older splits
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    split = compact(load_split(data))
    # Written whole under a temporary name, then renamed: a worker never maps half a split.
    writing = Path(tempfile.mkdtemp(prefix=".writing-", dir=folder.parent))
    try:
        for name in ARRAYS:
            np.save(writing / f"{name}.npy", getattr(split, name))
        writing.rename(folder)
    except OSError:
        shutil.rmtree(writing, ignore_errors=True)
        if not folder.is_dir():  # another process wrote the same split meanwhile: fine
            raise
    _forget_old_splits(keep=folder)
    return folder


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
    return Split(*(np.load(folder / f"{name}.npy", mmap_mode="r") for name in ARRAYS))
