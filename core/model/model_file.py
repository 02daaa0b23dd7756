"""The `.hdmodel` file: an NPZ archive holding the network's arrays, the scaling fitted on
its training data, and a JSON header (the array `header`, UTF-8 bytes) that says what
the rest is: the architecture, every hyperparameter, how raw inputs become the
network's inputs (one-hot columns, image size and colour), the class names, the data's
fingerprint and the Hyperdesk version that wrote it.

Prediction applies the same preprocessing to raw inputs, so a model is used on files
as they come: a CSV without (or with) its label column, an image folder, NPZ, IDX."""

from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hyperdesk.core import __version__
from hyperdesk.core.archive import from_json_array, json_array, npy_header
from hyperdesk.core.data.datasets import DatasetError, check_fits, check_regular, read_idx
from hyperdesk.core.data.images import IMAGE_SUFFIXES, read_image
from hyperdesk.core.data.splits import Scaling, has_missing
from hyperdesk.core.data.tables import CLASSIFICATION, REGRESSION, Column, encode_csv, npz_arrays
from hyperdesk.core.files import replacing
from hyperdesk.core.training.network import ACTIVATIONS, DTYPES, Network, NetworkSpec, softmax

FORMAT = "hyperdesk-model"
FORMAT_VERSION = 1
SUFFIX = ".hdmodel"
# Header keys a model file must have; a file without one of them is refused by name.
REQUIRED = ("format", "format_version", "architecture", "classes", "inputs", "arrays")


class ModelError(Exception):
    """A model file that cannot be used; the message names the file and the reason."""


@dataclass
class Model:
    """A trained network with everything needed to use it on raw inputs."""

    spec: NetworkSpec
    arrays: list[np.ndarray]  # Network.state()
    scaling: Scaling
    classes: tuple[str, ...]
    kind: str  # "images" or "table"
    columns: tuple[Column, ...] = ()  # a table's feature columns
    label: str = ""  # a table's class column (ignored when an input has it)
    image_shape: tuple[int, ...] = ()  # (height, width[, 3]) of the images trained on
    details: dict[str, Any] = field(default_factory=dict)  # hyperparameters, provenance
    # A regression's (spec.task): its output * spread + mean is the label's value.
    target: tuple[float, float] | None = None  # (mean, spread)

    def __post_init__(self):
        self.network = Network(self.spec, np.random.default_rng(0))
        self.network.load_state(self.arrays)

    # --- use ---------------------------------------------------------------------------

    @property
    def regression(self) -> bool:
        return self.spec.task == REGRESSION

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """The probability of each class for each row of raw inputs (a table's encoded
        rows as encode_csv gives them, or images' pixels 0..255 flattened)."""
        if self.regression:
            raise ModelError(
                f"this model predicts {self.label or 'a value'!r}, a number: it has no "
                "classes, nor their probabilities; predict() gives the values"
            )
        return softmax(self._outputs(x))

    def _outputs(self, x: np.ndarray) -> np.ndarray:
        """The network's outputs for rows of raw inputs."""
        x = np.array(x, dtype=np.dtype(self.spec.dtype), ndmin=2)
        x = x.reshape(len(x), -1)
        if x.shape[1] != self.spec.input_size:
            raise DatasetError(
                f"{x.shape[1]} input features per row; this model takes {self.spec.input_size}"
            )
        self._check_complete(x, "input row {row}")
        return self.network.predict(self.scaling.apply(x), train=False)

    def _check_complete(self, x: np.ndarray, where: str) -> None:
        """DatasetError naming the first missing value (`where` formats its row) when
        this model cannot fill it: it was trained without missing values."""
        if self.scaling.fill is not None or not has_missing(x):
            return
        row, feature = np.argwhere(np.isnan(x))[0]
        rows = int(np.isnan(x).any(axis=1).sum())
        raise DatasetError(
            f"{where.format(row=row + 1, line=row + 2)}: no value for "
            f"{self._feature_name(feature)} ({rows:,} rows have a missing value). This model "
            "was trained without missing values: leave those rows out, or train with "
            'data.missing = "mean" for a model that fills them in'
        )

    def predict(self, x: np.ndarray) -> list[str] | np.ndarray:
        """The most probable class of each row of raw inputs, by name; a regression's
        predicted values (float64, in the label's units)."""
        if self.regression:
            mean, spread = self.target
            return self._outputs(x)[:, 0].astype(np.float64) * spread + mean
        return [self.classes[index] for index in self.predict_proba(x).argmax(axis=1)]

    def _feature_name(self, feature: int) -> str:
        start = 0
        for column in self.columns:
            width = len(column.words) if column.words is not None else 1
            if feature < start + width:
                return f"column {column.name!r}"
            start += width
        return f"feature {feature + 1}"

    def read_inputs(self, path: Path) -> tuple[np.ndarray, list[str]]:
        """Raw inputs from a file or folder, in the form this model was trained on, and
        a name for each (a row number, an image's file)."""
        path = Path(path)
        check_regular(path, folder_too=True)
        if path.is_dir():
            return self._read_images(path)
        name = path.name.lower().removesuffix(".gz")
        if name.endswith(".csv"):
            if self.kind != "table":
                raise DatasetError(f"{path}: a table, and this model takes images")
            x = encode_csv(path, self.columns, self.label)
            self._check_complete(x, f"{path}, row {{line}}")
        elif name.endswith(".npz"):
            x = self._read_npz(path)
        elif "idx" in name or name.endswith("-ubyte"):
            x = read_idx(path, ndim=3).reshape(-1, self.spec.input_size)
        else:
            raise DatasetError(f"{path}: not a CSV, NPZ or IDX file, nor a folder of images")
        return x, [str(row) for row in range(1, len(x) + 1)]

    def _read_npz(self, path: Path) -> np.ndarray:
        wanted = self.details.get("features") or "X"
        (x,) = npz_arrays(path, (wanted,), "the array of inputs the model was trained on")
        return x.reshape(len(x), -1)

    def _read_images(self, folder: Path) -> tuple[np.ndarray, list[str]]:
        if self.kind != "images" or len(self.image_shape) not in (2, 3):
            raise DatasetError(f"{folder}: a folder of images, and this model takes a table")
        height, width = self.image_shape[:2]
        mode = "RGB" if len(self.image_shape) == 3 else "L"
        files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise DatasetError(f"{folder}: no PNG, JPEG or BMP images in it")
        rows = np.stack([read_image(path, mode, (width, height)) for path in files])
        return rows.astype(np.float32), [str(path.relative_to(folder)) for path in files]

    # --- the file ----------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the model to `path` (written whole under a temporary name, then
        renamed: an interrupted save leaves no half file)."""
        path = Path(path)
        arrays = {f"layer_{index}": array for index, array in enumerate(self.arrays)}
        for name in ("centre", "spread", "fill"):
            value = getattr(self.scaling, name)
            if value is not None:
                arrays[f"scaling_{name}"] = np.asarray(value)
        header = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "hyperdesk_version": __version__,
            "architecture": {
                "input_size": self.spec.input_size,
                "hidden": list(self.spec.hidden),
                "output_size": self.spec.output_size,
                "activation": self.spec.activation,
                "dropout": self.spec.dropout,
                "batchnorm": self.spec.batchnorm,
                "dtype": self.spec.dtype,
                "task": self.spec.task,
            },
            "classes": list(self.classes),
            "inputs": {
                "kind": self.kind,
                "columns": [
                    {"name": c.name, "words": None if c.words is None else list(c.words)}
                    for c in self.columns
                ],
                "label": self.label,
                "image_shape": list(self.image_shape),
            },
            "arrays": len(self.arrays),
            **({} if self.target is None else {"target": list(self.target)}),
            **self.details,
        }
        arrays["header"] = json_array(header)
        with replacing(path) as writing, open(writing, "wb") as stream:
            np.savez_compressed(stream, **arrays)


def default_model_name(session_path: Path, trial: int, suffix: str = SUFFIX) -> str:
    """The file name a model of trial `trial` of the session at `session_path` gets
    unless a person names another: the window's Save dialog and `hyperdesk model`."""
    return f"{Path(session_path).stem}-trial{trial}{suffix}"


# Bounds a header is held to before anything it describes is read: generous for any
# network a laptop trains, far below what a crafted file would make it allocate.
MAX_HEADER_BYTES = 16 << 20
MAX_LAYERS = 256
MAX_WIDTH = 1 << 20
MAX_CLASSES = 1 << 16


def _read_header(archive: zipfile.ZipFile, member: str) -> Any:
    if archive.getinfo(member).file_size > MAX_HEADER_BYTES:
        raise ModelError(f"{archive.filename or 'the file'}: its header is larger than any model's")
    with archive.open(member) as stream:
        try:
            return from_json_array(np.lib.format.read_array(stream, allow_pickle=False))
        except RecursionError:  # nested a hundred thousand deep
            raise ValueError("its header is nested deeper than any model's") from None
        except UnicodeDecodeError as error:
            raise ValueError(f"its header is not UTF-8 text ({error.reason})") from None


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def checked_header(path: Path, header: Any) -> dict[str, Any]:
    """`header` when it is a model's header of a format this Hyperdesk reads, each field
    of the type and range the format gives it; ModelError naming the first that is not."""
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelError(f"{path}: not a Hyperdesk model (another program's NPZ file?)")
    missing = [key for key in REQUIRED if key not in header]
    if missing:
        raise ModelError(f"{path}: the model file has no {', '.join(missing)}")
    version = header["format_version"]
    if not _whole(version, 1, 1 << 30):
        raise ModelError(f"{path}: format_version is {version!r}, not a format number")
    if version > FORMAT_VERSION:
        raise ModelError(
            f"{path}: written by Hyperdesk {header.get('hyperdesk_version', '(newer)')} in "
            f"model format {version}; this Hyperdesk ({__version__}) reads "
            f"format {FORMAT_VERSION} and older. Update Hyperdesk to use it"
        )
    shape, inputs, classes = header["architecture"], header["inputs"], header["classes"]
    problems = []
    if not isinstance(shape, dict):
        problems.append("architecture is not a table of settings")
    else:
        hidden = shape.get("hidden")
        checks = (
            ("architecture.input_size", _whole(shape.get("input_size"), 1, MAX_WIDTH * 64)),
            (
                "architecture.hidden",
                isinstance(hidden, list)
                and len(hidden) <= MAX_LAYERS
                and all(_whole(width, 1, MAX_WIDTH) for width in hidden),
            ),
            (
                "architecture.task",
                shape.get("task", CLASSIFICATION) in (CLASSIFICATION, REGRESSION),
            ),
            (
                "architecture.output_size",
                shape.get("output_size") == 1
                if shape.get("task") == REGRESSION
                else _whole(shape.get("output_size"), 2, MAX_CLASSES),
            ),
            ("architecture.activation", shape.get("activation") in ACTIVATIONS),
            (
                "architecture.dropout",
                isinstance(shape.get("dropout"), int | float) and 0 <= shape["dropout"] < 1,
            ),
            ("architecture.batchnorm", isinstance(shape.get("batchnorm"), bool)),
            ("architecture.dtype", shape.get("dtype") in DTYPES),
        )
        problems += [f"{key} is {shape.get(key.split('.')[1])!r}" for key, ok in checks if not ok]
    if not _whole(header["arrays"], 2, 6 * (MAX_LAYERS + 1)):
        problems.append(f"arrays is {header['arrays']!r}")
    regression = isinstance(shape, dict) and shape.get("task") == REGRESSION
    if regression:
        target = header.get("target")
        if not (
            isinstance(target, list)
            and len(target) == 2
            and all(isinstance(v, int | float) and math.isfinite(v) for v in target)
            and target[1] > 0
        ):
            problems.append("target is not a regression's [mean, spread > 0]")
        if classes != []:
            problems.append("classes is not empty, and a regression has none")
    elif not (
        isinstance(classes, list)
        and all(isinstance(name, str) for name in classes)
        and isinstance(shape, dict)
        and len(classes) == shape.get("output_size")
    ):
        problems.append("classes is not a list of one name per output")
    if not (
        isinstance(inputs, dict)
        and inputs.get("kind") in ("images", "table")
        and isinstance(inputs.get("label", ""), str)
        and isinstance(inputs.get("columns"), list)
        and all(
            isinstance(column, dict)
            and isinstance(column.get("name"), str)
            and (column.get("words") is None or isinstance(column.get("words"), list))
            for column in inputs["columns"]
        )
        and isinstance(inputs.get("image_shape"), list)
        and all(_whole(side, 1, MAX_WIDTH) for side in inputs["image_shape"])
    ):
        problems.append("inputs does not say how raw inputs are read")
    if problems:
        raise ModelError(f"{path}: a damaged model header: {problems[0]}")
    return header


def _spec(shape: dict[str, Any]) -> NetworkSpec:
    return NetworkSpec(
        shape["input_size"],
        tuple(shape["hidden"]),
        shape["output_size"],
        shape["activation"],
        dropout=shape["dropout"],
        batchnorm=shape["batchnorm"],
        dtype=shape["dtype"],
        task=shape.get("task", CLASSIFICATION),
    )


def _expected_sizes(path: Path, spec: NetworkSpec, arrays: int, members: dict[str, str]):
    """Each array to read and the numbers it must hold; ModelError when the header's
    count disagrees with its architecture, an array is missing, or the whole would not
    fit in memory."""
    counts = spec.state_sizes
    if arrays != len(counts):
        raise ModelError(
            f"{path}: a damaged model header: arrays is {arrays}, and its architecture "
            f"has {len(counts)}"
        )
    needed = {f"layer_{index}": (count,) for index, count in enumerate(counts)}
    # The scaling is one number for every input (images: 0..255 to 0..1) or one each.
    scaling = (1, spec.input_size)
    needed |= {"scaling_centre": scaling, "scaling_spread": scaling}
    if "scaling_fill" in members:
        needed["scaling_fill"] = scaling
    absent = [name for name in needed if name not in members]
    if absent:
        raise ModelError(f"{path}: the model file has no array {absent[0]!r}")
    try:
        # Read, then the network's copy.
        check_fits(path, sum(max(sizes) for sizes in needed.values()) * 8 * 2)
    except DatasetError as error:
        raise ModelError(str(error)) from None
    return needed


def _read_array(
    archive: zipfile.ZipFile, member: str, sizes: tuple[int, ...], path: Path
) -> np.ndarray:
    """An array of one of `sizes` numbers, its declared shape and type checked before
    its data is read (a few compressed bytes can declare gigabytes)."""
    with archive.open(member) as stream:
        shape, fortran, dtype = npy_header(stream)
        name = member.removesuffix(".npy")
        size = math.prod(shape)
        if dtype.kind != "f" or size not in sizes:
            raise ModelError(
                f"{path}: array {name!r} is {dtype} of shape {shape}; its architecture "
                f"needs {' or '.join(f'{n:,}' for n in sizes)} floating-point numbers"
            )
        count = size * dtype.itemsize
        data = stream.read(count)
        if len(data) != count:
            raise ModelError(f"{path}: array {name!r} is cut short")
        return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C").copy()


def load_model(path: Path | str) -> Model:
    """The model in a `.hdmodel` file; ModelError names what is wrong with the file.
    Nothing but its header is read until the header is checked against the model
    format and every array's declared shape against the architecture it describes."""
    path = Path(path)
    try:
        check_regular(path)
    except DatasetError as error:
        raise ModelError(str(error)) from None
    try:
        # Opened here, not by np.load, which leaves its own file open when it fails.
        with open(path, "rb") as stream, zipfile.ZipFile(stream) as archive:
            members = {name.removesuffix(".npy"): name for name in archive.namelist()}
            if "header" not in members:
                raise ModelError(f"{path}: not a Hyperdesk model (it has no header)")
            header = checked_header(path, _read_header(archive, members["header"]))
            spec = _spec(header["architecture"])
            expected = _expected_sizes(path, spec, header["arrays"], members)
            contents = {
                name: _read_array(archive, members[name], size, path)
                for name, size in expected.items()
            }
    except FileNotFoundError:
        raise ModelError(f"{path}: not found") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise ModelError(f"{path}: not a readable model file ({error})") from None
    layers = [f"layer_{index}" for index in range(header["arrays"])]
    for name, array in contents.items():
        if not np.isfinite(array).all():
            raise ModelError(f"{path}: array {name!r} holds values that are not finite numbers")
    if (contents["scaling_spread"] == 0).any():
        raise ModelError(f"{path}: its scaling divides by zero (array 'scaling_spread')")
    inputs = header["inputs"]
    scaling = Scaling(
        contents["scaling_centre"], contents["scaling_spread"], contents.get("scaling_fill")
    )
    details = {
        key: value for key, value in header.items() if key not in (*REQUIRED, "format", "target")
    }
    try:
        return Model(
            spec,
            [contents[name] for name in layers],
            scaling,
            tuple(header["classes"]),
            inputs["kind"],
            tuple(Column(c["name"], c["words"] and tuple(c["words"])) for c in inputs["columns"]),
            inputs["label"],
            tuple(inputs["image_shape"]),
            details,
            None if spec.task != REGRESSION else tuple(header["target"]),
        )
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise ModelError(f"{path}: its arrays do not fit its architecture ({error})") from None
