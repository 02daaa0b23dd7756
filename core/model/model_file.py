"""The `.hdmodel` file: an NPZ archive holding the network's arrays, the scaling fitted on
its training data, and a JSON header (the array `header`, UTF-8 bytes) that says what
the rest is: the architecture, every hyperparameter, how raw inputs become the
network's inputs (one-hot columns, image size and colour), the class names, the data's
fingerprint and the Hyperdesk version that wrote it.

Prediction applies the same preprocessing to raw inputs, so a model is used on files
as they come: a CSV without (or with) its label column, an image folder, NPZ, IDX."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hyperdesk.core import __version__
from hyperdesk.core.archive import from_json_array, json_array
from hyperdesk.core.data.datasets import DatasetError, read_idx
from hyperdesk.core.data.images import IMAGE_SUFFIXES, read_image
from hyperdesk.core.data.splits import Scaling
from hyperdesk.core.data.tables import Column, encode_csv, npz_arrays
from hyperdesk.core.training.network import Network, NetworkSpec, softmax

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

    def __post_init__(self):
        self.network = Network(self.spec, np.random.default_rng(0))
        self.network.load_state(self.arrays)

    # --- use ---------------------------------------------------------------------------

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """The probability of each class for each row of raw inputs (a table's encoded
        rows as encode_csv gives them, or images' pixels 0..255 flattened)."""
        x = np.array(x, dtype=np.dtype(self.spec.dtype), ndmin=2)
        x = x.reshape(len(x), -1)
        if x.shape[1] != self.spec.input_size:
            raise DatasetError(
                f"{x.shape[1]} input features per row; this model takes {self.spec.input_size}"
            )
        self._check_complete(x, "input row {row}")
        return softmax(self.network.predict(self.scaling.apply(x), train=False))

    def _check_complete(self, x: np.ndarray, where: str) -> None:
        """DatasetError naming the first missing value (`where` formats its row) when
        this model cannot fill it: it was trained without missing values."""
        if self.scaling.fill is not None or not np.isnan(x).any():
            return
        row, feature = np.argwhere(np.isnan(x))[0]
        rows = int(np.isnan(x).any(axis=1).sum())
        raise DatasetError(
            f"{where.format(row=row + 1, line=row + 2)}: no value for "
            f"{self._feature_name(feature)} ({rows:,} rows have a missing value). This model "
            "was trained without missing values: leave those rows out, or train with "
            'data.missing = "mean" for a model that fills them in'
        )

    def predict(self, x: np.ndarray) -> list[str]:
        """The most probable class of each row of raw inputs, by name."""
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
        if not path.exists():
            raise DatasetError(f"{path}: not found")
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
            **self.details,
        }
        arrays["header"] = json_array(header)
        writing = path.with_name(path.name + ".writing")
        with open(writing, "wb") as stream:
            np.savez_compressed(stream, **arrays)
        writing.replace(path)


def default_model_name(session_path: Path, trial: int, suffix: str = SUFFIX) -> str:
    """The file name a model of trial `trial` of the session at `session_path` gets
    unless a person names another: the window's Save dialog and `hyperdesk model`."""
    return f"{Path(session_path).stem}-trial{trial}{suffix}"


def load_model(path: Path | str) -> Model:
    """The model in a `.hdmodel` file; ModelError names what is wrong with the file."""
    path = Path(path)
    try:
        # Opened here, not by np.load, which leaves its own file open when it fails.
        with open(path, "rb") as stream, np.load(stream, allow_pickle=False) as archive:
            if "header" not in archive.files:
                raise ModelError(f"{path}: not a Hyperdesk model (it has no header)")
            header = from_json_array(archive["header"])
            contents = {name: archive[name] for name in archive.files if name != "header"}
    except FileNotFoundError:
        raise ModelError(f"{path}: not found") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise ModelError(f"{path}: not a readable model file ({error})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelError(f"{path}: not a Hyperdesk model (another program's NPZ file?)")
    missing = [key for key in REQUIRED if key not in header]
    if missing:
        raise ModelError(f"{path}: the model file has no {', '.join(missing)}")
    if header["format_version"] > FORMAT_VERSION:
        raise ModelError(
            f"{path}: written by Hyperdesk {header.get('hyperdesk_version', '(newer)')} in "
            f"model format {header['format_version']}; this Hyperdesk ({__version__}) reads "
            f"format {FORMAT_VERSION} and older. Update Hyperdesk to use it"
        )
    layers = [f"layer_{index}" for index in range(header["arrays"])]
    absent = [
        name for name in (*layers, "scaling_centre", "scaling_spread") if name not in contents
    ]
    if absent:
        raise ModelError(f"{path}: the model file has no array {absent[0]!r}")
    shape = header["architecture"]
    inputs = header["inputs"]
    spec = NetworkSpec(
        shape["input_size"],
        tuple(shape["hidden"]),
        shape["output_size"],
        shape["activation"],
        dropout=shape["dropout"],
        batchnorm=shape["batchnorm"],
        dtype=shape["dtype"],
    )
    scaling = Scaling(
        contents["scaling_centre"], contents["scaling_spread"], contents.get("scaling_fill")
    )
    details = {key: value for key, value in header.items() if key not in (*REQUIRED, "format")}
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
        )
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise ModelError(f"{path}: its arrays do not fit its architecture ({error})") from None
