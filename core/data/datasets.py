"""Bundled data: an IDX reader and the MNIST test split shipped in resources/."""

from __future__ import annotations

import functools
import gzip
import importlib.resources
import math
import stat
import struct
import zlib
from pathlib import Path

import numpy as np

from hyperdesk.core import machine
from hyperdesk.core.formatting import size_text

IDX_UBYTE = 0x08
MNIST_IMAGES = "t10k-images-idx3-ubyte.gz"
MNIST_LABELS = "t10k-labels-idx1-ubyte.gz"
BUNDLED_DATASET = "mnist-10k"
# Every bundled dataset is 28 x 28 grey images of 10 classes.
INPUT_SIZE = 28 * 28
OUTPUT_SIZE = 10
# The bundled split, and the public datasets downloaded on first use (data.downloads).
DATASETS = (BUNDLED_DATASET, "mnist", "fashion-mnist")


class DatasetError(Exception):
    """A data file is missing or malformed; the message names the file."""


# What a path is when it is not a regular file: reading one would wait for a writer (a
# pipe), never end (/dev/zero, /dev/urandom) or block.
OTHER_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def check_regular(path: Path | str, folder_too: bool = False) -> None:
    """DatasetError unless `path` is a regular file (or, with `folder_too`, a folder),
    said before anything is opened; a link is judged by what it points to."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise DatasetError(f"{path}: not found") from None
    except OSError as error:
        raise DatasetError(f"{path}: cannot be read ({error.strerror})") from None
    if stat.S_ISREG(mode) or (folder_too and stat.S_ISDIR(mode)):
        return
    kind = next((name for test, name in OTHER_FILE_KINDS if test(mode)), "not a regular file")
    wanted = "a file or a folder of images" if folder_too else "a regular file"
    raise DatasetError(f"{path}: {kind}, not {wanted}; nothing was read from it")


# Of the memory free, what loading data may take: the search needs the rest.
LOADING_SHARE = 0.5


def check_fits(what: Path | str, needed: int) -> None:
    """DatasetError, with the figures, when reading `what` would take `needed` bytes
    and this machine has not that much free (refused before anything is read)."""
    free = machine.available_memory()
    if free is not None and needed > LOADING_SHARE * free:
        raise DatasetError(
            f"{what}: loading it would take about {size_text(needed)}, and this machine has "
            f"{size_text(free)} free (a search needs room besides its data). Use a "
            "smaller file, or fewer or smaller images"
        )


def _open_idx(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def idx_load_bytes(path: Path) -> int:
    """About the memory reading an IDX file takes: its bytes and their float32 copy,
    from its header; 0 when the header cannot be read (read_idx says why)."""
    try:
        with _open_idx(Path(path)) as stream:
            head = stream.read(4)
            dims = head[3] if len(head) == 4 else 0
            shape = struct.unpack(f">{dims}I", stream.read(4 * dims))
    except (OSError, EOFError, zlib.error, struct.error):
        return 0
    # Python's integers: a header of 4294967295 x 65535 x 65535 overflowed int64 into a
    # negative size.
    return math.prod(shape) * (1 + 4)


def read_idx(path: Path, ndim: int) -> np.ndarray:
    """Read an IDX file of unsigned bytes with `ndim` dimensions (gzip if it ends in .gz)."""
    path = Path(path)
    try:
        with _open_idx(path) as stream:
            raw = stream.read()
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None
    except (OSError, EOFError, zlib.error) as error:
        raise DatasetError(f"{path}: cannot be read ({error})") from None
    if len(raw) < 4:
        raise DatasetError(f"{path}: too short to be an IDX file ({len(raw)} bytes)")
    zero, type_code, dims = struct.unpack(">HBB", raw[:4])
    expected_magic = (IDX_UBYTE << 8) | ndim
    if zero != 0 or type_code != IDX_UBYTE or dims != ndim:
        raise DatasetError(
            f"{path}: wrong magic number 0x{struct.unpack('>I', raw[:4])[0]:08x}, "
            f"expected 0x{expected_magic:08x} (unsigned bytes, {ndim} dimensions)"
        )
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise DatasetError(f"{path}: truncated header")
    shape = struct.unpack(f">{ndim}I", raw[4:header_size])
    expected = math.prod(shape)
    actual = len(raw) - header_size
    if actual != expected:
        raise DatasetError(
            f"{path}: holds {actual} data bytes, but its header {shape} needs {expected}"
            + (" (the file is truncated)" if actual < expected else "")
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write unsigned bytes as IDX (gzip if the name ends in .gz); the inverse of read_idx."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, IDX_UBYTE, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as stream:
        stream.write(header + array.tobytes())


@functools.lru_cache(maxsize=1)
def bundled_mnist() -> tuple[np.ndarray, np.ndarray]:
    """The bundled MNIST test split: images (10000, 28, 28) and labels, as bytes."""
    folder = importlib.resources.files("hyperdesk.resources.mnist")
    with importlib.resources.as_file(folder / MNIST_IMAGES) as images_path:
        images = read_idx(images_path, ndim=3)
    with importlib.resources.as_file(folder / MNIST_LABELS) as labels_path:
        labels = read_idx(labels_path, ndim=1)
    if len(images) != len(labels):
        raise DatasetError(
            f"{MNIST_LABELS}: {len(labels)} labels for {len(images)} images in {MNIST_IMAGES}"
        )
    return images, labels
