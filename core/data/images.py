"""Image folders, one subfolder per class (the convention of Keras'
image_dataset_from_directory and torchvision's ImageFolder), read with Pillow."""

from __future__ import annotations

import contextlib
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from hyperdesk.core.data.datasets import DatasetError, check_fits, check_regular
from hyperdesk.core.data.tables import Dataset

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
MAX_IMAGE_SIDE = 4096  # data.image_size: larger is no image a dense network trains on
COLOURS = ("", "gray", "rgb")  # "": RGB when any image has colour, else gray


def image_files(folder: Path) -> dict[str, list[Path]]:
    """The image files of each class subfolder, by class name, in name order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"{folder}: " + ("not a folder" if folder.exists() else "not found"))
    classes = {
        sub.name: sorted(p for p in sub.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        for sub in sorted(folder.iterdir())
        if sub.is_dir() and not sub.name.startswith(".")
    }
    for files in classes.values():
        for path in files:  # a pipe named cat.png would be waited on for ever
            check_regular(path)
    classes = {name: files for name, files in classes.items() if files}
    if len(classes) < 2:
        found = ", ".join(classes) or "none"
        raise DatasetError(
            f"{folder}: an image folder holds one subfolder of images per class (at least "
            f"two: cats/, dogs/); class folders with images found: {found}"
        )
    return classes


GRAY_MODES = ("L", "1", "I", "I;16", "F")
# Bytes a loaded pixel channel takes: the byte read and the float32 it becomes.
BYTES_PER_CHANNEL = 1 + 4


@contextlib.contextmanager
def opened_image(path: Path) -> Iterator[Image.Image]:
    """An image file opened (its header read, no pixel yet); DatasetError names one
    that cannot be read, or that declares more pixels than Pillow decodes safely (a
    57-byte PNG can declare 60,000 x 60,000). A folder's images are then weighed
    together against the memory free."""
    try:
        with warnings.catch_warnings():
            # Pillow's own warning for a very large image is a refusal here, as its error is.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                yield image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise DatasetError(
            f"{path}: an image of more pixels than any picture a network here trains on ({error})"
        ) from None
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise DatasetError(f"{path}: not a readable image ({error})") from None


def read_image(path: Path, mode: str, size: tuple[int, int]) -> np.ndarray:
    """One image in `mode` ("L" or "RGB") resized to `size` (width, height), as its
    pixel values 0..255, flattened; DatasetError names an image that cannot be read."""
    with opened_image(path) as image:
        resized = image.convert(mode).resize(size, Image.Resampling.BILINEAR)
    return np.asarray(resized, dtype=np.uint8).reshape(-1)


def read_image_folder(
    folder: Path, size: tuple[int, int] | None = None, colour: str = ""
) -> Dataset:
    """Every image resized to `size` (width, height; default: the most common size) in
    gray or RGB; pixel values 0..255, flattened. Each image's header is read first, so
    a folder too large for this machine's memory is refused before any pixel is."""
    classes = image_files(folder)
    headers: list[tuple[int, Path, tuple[int, int], str]] = []  # class, file, size, mode
    for index, files in enumerate(classes.values()):
        for path in files:
            with opened_image(path) as image:  # reads the header only
                headers.append((index, path, image.size, image.mode))
    sizes = Counter(image_size for _, _, image_size, _ in headers)
    target = size or sizes.most_common(1)[0][0]
    if not colour:
        coloured = any(mode not in GRAY_MODES for _, _, _, mode in headers)
        colour = "rgb" if coloured else "gray"
    mode = "RGB" if colour == "rgb" else "L"
    channels = 3 if mode == "RGB" else 1
    check_fits(folder, len(headers) * target[0] * target[1] * channels * BYTES_PER_CHANNEL)
    rows = np.empty((len(headers), target[0] * target[1] * channels), dtype=np.float32)
    for row, (_, path, _, _) in enumerate(headers):
        rows[row] = read_image(path, mode, target)
    y = np.array([index for index, _, _, _ in headers], dtype=np.int64)
    resized_count = sum(count for shape, count in sizes.items() if shape != target)
    notes = [f"{len(headers)} images of {target[0]} x {target[1]}, {colour}"]
    if resized_count:
        notes.append(f"{resized_count} images resized to {target[0]} x {target[1]}")
    shape = (target[1], target[0], *((3,) if mode == "RGB" else ()))
    return Dataset(rows, y, tuple(classes), "images", tuple(notes), shape)
