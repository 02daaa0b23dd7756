"""Where a search's data comes from: the bundled MNIST split, or a person's own file or
folder (CSV, NPZ, IDX pair, image folder), read once per process and kept while the
file is unchanged."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hyperdesk.core.data.datasets import (
    BUNDLED_DATASET,
    INPUT_SIZE,
    OUTPUT_SIZE,
    DatasetError,
    bundled_mnist,
    check_fits,
    check_regular,
    idx_load_bytes,
)
from hyperdesk.core.data.downloads import DOWNLOADS, TEST_FILES, TRAIN_FILES, cached_files, fetch
from hyperdesk.core.data.images import read_image_folder
from hyperdesk.core.data.tables import (
    AUTO,
    CLASSIFICATION,
    REGRESSION,
    Dataset,
    csv_columns,
    csv_load_bytes,
    npz_array_names,
    npz_load_bytes,
    read_csv,
    read_idx_pair,
    read_npz,
)

if TYPE_CHECKING:  # the config describes the data; the data never needs the config
    from hyperdesk.core.config import DataConfig

FORMATS = ("", "csv", "npz", "idx", "images")  # "": by the file's extension
ALL = "all"  # data.samples: every sample the data has
OFFICIAL = "official"  # data.test: the test split a downloaded dataset ships with
BUNDLED_ROWS = 10_000


def source_format(source: str, fmt: str = "") -> str:
    """The format of `source`: `fmt` when given, else a folder is images, and the
    extension tells the rest."""
    if fmt:
        return fmt
    path = Path(source)
    if path.is_dir():
        return "images"
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".npz"):
        return "npz"
    if "idx" in name or name.endswith("-ubyte"):
        return "idx"
    raise DatasetError(
        f"{source}: cannot tell its format from its name; set data.format to one of "
        "csv, npz, idx or images"
    )


def official_test_rows(data: DataConfig) -> int:
    """How many samples, at the end of the dataset a config names, are its official
    test split; 0 for data without one (the bundled split, a person's own files)."""
    if data.source or data.dataset not in DOWNLOADS:
        return 0
    return DOWNLOADS[data.dataset].test_rows


def check_fingerprint(data: DataConfig, recorded: str) -> None:
    """DatasetError when the data `data` names is not the data a session recorded
    (`recorded`, empty for sessions from before fingerprints: nothing to check)."""
    if not recorded:
        return
    if load_data(data).fingerprint() != recorded:
        where = data.source or data.dataset
        raise DatasetError(
            f"{where} is not the data this session trained on: it changed since (or is "
            "another file by the same name). Point the session at the data it used "
            "(hyperdesk resume --data PATH, or Locate data… in the window); it never goes on "
            "with other data"
        )


@dataclass(frozen=True)
class DataSummary:
    """What a person checks before Start: the data's size, classes and what was done,
    and a look at it: an example image of each class (as 0..255 bytes, shaped as the
    images are), or a table's first rows as written."""

    rows: int
    inputs: int
    classes: tuple[str, ...]
    counts: tuple[int, ...]
    kind: str
    notes: tuple[str, ...]
    examples: tuple[np.ndarray, ...] = ()
    head: tuple[tuple[str, ...], ...] = ()
    task: str = CLASSIFICATION
    label: str = ""
    # A regression's label: (mean, standard deviation, lowest, highest) over every row.
    target: tuple[float, float, float, float] | None = None

    @property
    def outputs(self) -> int:
        return 1 if self.task == REGRESSION else len(self.classes)

    def describe(self, unit: str = "rows") -> str:
        """What the search will learn, in a line: "regression on 'price': 1,234 rows,
        mean 31.2, sd 8.4", or the classes counted."""
        if self.target is None:
            return f"{self.rows:,} {unit} x {self.inputs:,} features, {len(self.classes)} classes"
        mean, sd, _, _ = self.target
        label = f" on {self.label!r}" if self.label else ""
        return (
            f"regression{label}: {self.rows:,} {unit} x {self.inputs:,} features, "
            f"mean {mean:.4g}, sd {sd:.4g}"
        )


def preview_data(data: DataConfig) -> DataSummary:
    """The summary of the data a config names; DatasetError says why it cannot be used."""
    dataset = load_data(data)
    target = None
    if dataset.task == REGRESSION:
        y = dataset.y
        counts: tuple[int, ...] = ()
        target = (float(y.mean()), float(y.std()), float(y.min()), float(y.max()))
    else:
        counts = tuple(int(c) for c in np.bincount(dataset.y, minlength=dataset.outputs))
    return DataSummary(
        len(dataset.y),
        dataset.inputs,
        dataset.classes,
        counts,
        dataset.kind,
        dataset.notes,
        _examples(dataset),
        dataset.head,
        dataset.task,
        dataset.label,
        target,
    )


EXAMPLE_CLASSES = 12  # the preview shows an image of at most this many classes


def showable(shape: tuple[int, ...]) -> bool:
    """Whether rows of this image shape are pictures a screen can show."""
    return len(shape) == 2 or (len(shape) == 3 and shape[2] in (1, 3, 4))


def picture(row: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """One row of image data as a picture: gray (H, W) or RGB (H, W, 3) bytes, its
    values stretched to 0..255 (NPZ images may hold any range)."""
    image = row.reshape(shape)
    if image.ndim == 3:  # gray with a channel axis, RGB, or RGB and alpha
        image = image[..., 0] if shape[2] == 1 else image[..., :3]
    low, high = np.nanmin(image), np.nanmax(image)
    stretched = (image - low) * (255 / (high - low)) if high > low else image * 0
    return np.nan_to_num(stretched).astype(np.uint8)


def _examples(dataset: Dataset) -> tuple[np.ndarray, ...]:
    """The first image of each class; none when the rows are no images of one shape a
    screen can show."""
    if not showable(dataset.image_shape):
        return ()
    shown = []
    for label in range(min(len(dataset.classes), EXAMPLE_CLASSES)):
        (rows,) = np.nonzero(dataset.y == label)
        if len(rows):
            shown.append(picture(dataset.x[rows[0]], dataset.image_shape))
    return tuple(shown)


# Shapes learnt from a summary made elsewhere (the window's helper process), so that the
# window's own estimates never read a large file on its GUI thread.
_known_shapes: dict[tuple, tuple[int, int, int, str]] = {}  # key -> (inputs, outputs, rows, task)


def data_key(data: DataConfig) -> tuple | None:
    """What identifies the data a config names, a file's version included; None when
    the file cannot be looked at."""
    if not data.source:
        return ("dataset", data.dataset)
    try:
        stat = Path(data.source).expanduser().stat()
    except OSError:
        return None
    return (
        data.source,
        data.format,
        data.label,
        data.features,
        data.missing,
        data.colour,
        data.image_size,
        data.task,
        stat.st_mtime_ns,
        stat.st_size,
    )


def remember_shape(data: DataConfig, what: DataSummary | Dataset) -> None:
    """Keep the shape of the data `data` names, read or summarized, for data_shape and
    data_rows to answer without reading it again."""
    key = data_key(data)
    if key is not None:
        rows = what.rows if isinstance(what, DataSummary) else len(what.y)
        _known_shapes[key] = (what.inputs, what.outputs, rows, what.task)


def shape_known(data: DataConfig) -> bool:
    """Whether data_shape answers without reading a file."""
    return not data.source or data_key(data) in _known_shapes


def data_task(data: DataConfig) -> str:
    """ "classification" or "regression": what the data a config names is learnt as
    (data.task, or with "auto" what its label's values say)."""
    if data.task != AUTO:
        return data.task
    if not data.source:
        return CLASSIFICATION
    known = _known_shapes.get(data_key(data))
    return known[3] if known is not None else load_data(data).task


def data_shape(data: DataConfig) -> tuple[int, int]:
    """(input features, outputs: classes, or 1 for a regression) of the data a config
    names; MNIST's and Fashion-MNIST's without reading (or downloading) them, a file's
    once a summary told it."""
    if not data.source:
        return INPUT_SIZE, OUTPUT_SIZE
    known = _known_shapes.get(data_key(data))
    if known is not None:
        return known[0], known[1]
    dataset = load_data(data)
    return dataset.inputs, dataset.outputs


def dataset_rows(name: str) -> int:
    """The samples of a bundled or downloaded dataset, known without reading it."""
    return DOWNLOADS[name].rows if name in DOWNLOADS else BUNDLED_ROWS


def data_rows(data: DataConfig) -> int:
    """How many samples the data a config names has (a file's once read or summarized)."""
    if not data.source:
        return dataset_rows(data.dataset)
    known = _known_shapes.get(data_key(data))
    return known[2] if known is not None else len(load_data(data).y)


def label_choices(data: DataConfig) -> tuple[tuple[str, ...], str]:
    """What data.label can name in the file `data` names (a CSV table's columns, an
    NPZ file's arrays) and the one an empty label means; ((), "") for data whose label
    is not one of its own names (an IDX labels file, images, a dataset)."""
    if not data.source:
        return (), ""
    path = Path(data.source).expanduser()
    if not path.is_file():  # not there, or a folder, a pipe, a device: nothing to list
        return (), ""
    fmt = source_format(str(path), data.format)
    if fmt == "csv":
        columns = tuple(csv_columns(path))
        return columns, columns[-1] if columns else ""
    if fmt == "npz":
        return tuple(npz_array_names(path)), "y"
    return (), ""


def load_data(data: DataConfig) -> Dataset:
    """The whole dataset a config names, unscaled. DatasetError names what is wrong."""
    if not data.source and data.dataset in DOWNLOADS:
        return _downloaded(data.dataset)
    if not data.source and data.task == REGRESSION:
        raise DatasetError(
            f"{data.dataset} is images of classes; a regression (data.task) needs a CSV, "
            "NPZ or IDX file of your own as data.source"
        )
    if not data.source:
        if data.dataset != BUNDLED_DATASET:
            raise DatasetError(f"unknown dataset {data.dataset!r}")
        images, labels = bundled_mnist()
        classes = tuple(str(digit) for digit in range(OUTPUT_SIZE))
        x = images.reshape(len(images), -1).astype(np.float32)
        return Dataset(x, labels.astype(np.int64), classes, "images", image_shape=images.shape[1:])
    path = Path(data.source).expanduser()
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise DatasetError(f"{path}: not found (data.source)") from None
    except OSError as error:
        raise DatasetError(f"{path}: cannot be read ({error.strerror})") from None
    check_regular(path, folder_too=True)
    # `version` (modification time and size) is part of the key: a changed file is read again.
    key = (
        str(path),
        source_format(str(path), data.format),
        data.label,
        data.features,
        data.missing,
        data.colour,
        data.image_size,
        (stat.st_mtime_ns, stat.st_size),
    )
    kept = _kept.get(key)
    # A search stores the task its "auto" found: the dataset that read found is the one
    # an explicit task reads (60,000 images are not read a second time for it).
    if kept is not None and (kept[0] == data.task or kept[1].task == data.task):
        return kept[1]
    dataset = _read(*key[:-1], data.task)
    _kept[key] = (data.task, dataset)
    while len(_kept) > KEPT_DATASETS:
        del _kept[next(iter(_kept))]
    return dataset


# The datasets read last, by what names them: (the task asked for, the dataset).
KEPT_DATASETS = 2
_kept: dict[tuple, tuple[str, Dataset]] = {}


def forget_data() -> None:
    """Let go of the datasets read so far (the next load_data reads its file again)."""
    _kept.clear()
    _downloaded.cache_clear()


@functools.lru_cache(maxsize=1)
def _downloaded(name: str) -> Dataset:
    """A downloaded dataset, its training and test files together: the search cuts its
    own splits from them."""
    # Fetched (and checked) by the process that starts a search; its workers, and later
    # reads, take the files from the cache without asking the network.
    files = cached_files(name) or fetch(name)
    parts = [
        read_idx_pair(files[images], files[labels]) for images, labels in (TRAIN_FILES, TEST_FILES)
    ]
    return Dataset(
        np.concatenate([part.x for part in parts]),
        np.concatenate([part.y for part in parts]),
        DOWNLOADS[name].classes,
        "images",
        (DOWNLOADS[name].title,),
        parts[0].image_shape,
    )


def _read(source, fmt, label, features, missing, colour, image_size, task) -> Dataset:
    # Too large a file is refused before it is read (an image folder, once its headers are).
    path = Path(source)
    if fmt != "images":
        check_regular(path)
    if fmt == "csv":
        check_fits(source, csv_load_bytes(path))
        return read_csv(path, label, missing, task)
    if fmt == "npz":
        check_fits(source, npz_load_bytes(path, features))
        return read_npz(path, features, label, task)
    if fmt == "idx":
        if not label:
            raise DatasetError(
                f"{source}: an IDX images file needs its labels file: set data.label to it"
            )
        check_regular(Path(label).expanduser())
        check_fits(source, idx_load_bytes(path))
        return read_idx_pair(path, Path(label).expanduser(), task)
    if task == REGRESSION:
        raise DatasetError(
            f"{source}: a folder of images names classes (a subfolder each); a regression "
            '(data.task = "regression") needs a CSV, NPZ or IDX file of labels'
        )
    return read_image_folder(path, tuple(image_size) or None, colour)
