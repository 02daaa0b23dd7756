"""Named arrays with a JSON part, in one NPZ: the form of a model file and of the blobs a
session keeps (a trial's training state, a look inside it). The JSON travels as an
array of UTF-8 bytes, so the file stays an NPZ any numpy reads without pickles."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np


def json_array(value: Any) -> np.ndarray:
    """`value` as JSON, in an array of bytes that an NPZ can hold."""
    return np.frombuffer(json.dumps(value).encode(), dtype=np.uint8)


def from_json_array(array: np.ndarray) -> Any:
    """The value json_array() stored."""
    return json.loads(bytes(array).decode())


def npz_bytes(arrays: dict[str, np.ndarray], compressed: bool = False) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def arrays_of(blob: bytes) -> dict[str, np.ndarray]:
    """Every array of an NPZ held in `blob`, by name."""
    with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def unpacked(blob: bytes) -> tuple[Any, dict[str, np.ndarray]]:
    """(the JSON `meta`, every array by name) of an NPZ that npz_bytes wrote with a
    json_array() called `meta` beside its arrays."""
    arrays = arrays_of(blob)
    return from_json_array(arrays["meta"]), arrays


def numbered(arrays: dict[str, np.ndarray], prefix: str) -> list[np.ndarray]:
    """The arrays named prefix0, prefix1, ... in that order."""
    found = []
    while f"{prefix}{len(found)}" in arrays:
        found.append(arrays[f"{prefix}{len(found)}"])
    return found


def npy_header(stream) -> tuple[tuple[int, ...], bool, np.dtype]:
    """(shape, Fortran order, dtype) an array in an NPZ member declares, read from the
    open `stream` without its data (which may be gigabytes). ValueError when it is not
    an array's header."""
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream)
    return np.lib.format.read_array_header_2_0(stream)
