"""A person's own data, read into one shape: rows of numbers and a class per row. CSV
tables (a header row; numeric columns are features, text columns are one-hot encoded),
NPZ arrays and IDX pairs. Every problem is a DatasetError that names the file and the
row, column or array it is about, and says what would do."""

from __future__ import annotations

import csv
import hashlib
import math
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hyperdesk.core.archive import npy_header
from hyperdesk.core.data.datasets import DatasetError, read_idx

# Cells that mean "no value" in the tables people export (R writes NA, pandas writes "").
MISSING_CELLS = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})
MISSING_RULES = ("", "drop", "mean")  # "": a missing value is an error
# A column counts as numeric when at least this share of its values are numbers: a
# stray word in it is then a mistake to report, not a reason to one-hot encode it.
NUMERIC_SHARE = 0.5
HEAD_ROWS = 5  # rows of a table the preview shows as written
# Whole-number labels with more different values than this, and than this share of the
# rows, are taken for a measurement (a regression target), not classes.
MANY_CLASSES = 20
CONTINUOUS_SHARE = 0.2


# What a label is: classes to tell apart, or a measurement to predict ("auto": the
# label's values decide, see _labels).
AUTO, CLASSIFICATION, REGRESSION = "auto", "classification", "regression"
TASKS = (AUTO, CLASSIFICATION, REGRESSION)


@dataclass(frozen=True)
class Column:
    """A table's feature column as it was encoded: numbers, or words one-hot encoded in
    the order of `words`."""

    name: str
    words: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Dataset:
    """Features as float32 rows before any scaling, and class indices into `classes`
    (a regression's y: the values to predict).
    `kind` is "images" (pixel values 0..255) or "table"; `notes` say what was done to
    the file's contents (one-hot columns, rows dropped, values filled), for the preview.
    `image_shape` is an image's (height, width[, channels]) when the rows are images of
    one shape; `head` a table's header and first rows as written, for the preview."""

    x: np.ndarray
    y: np.ndarray
    classes: tuple[str, ...]
    kind: str
    notes: tuple[str, ...] = ()
    image_shape: tuple[int, ...] = ()
    head: tuple[tuple[str, ...], ...] = ()
    columns: tuple[Column, ...] = ()  # a table's feature columns, in the order of x's
    label: str = ""  # a table's column of classes (or of the measurement)
    # "classification", or "regression": y holds the measurement (float64), no classes.
    task: str = CLASSIFICATION

    def fingerprint(self) -> str:
        """SHA-256 of the arrays as read (before scaling), their shapes and the classes:
        a session records it, so that it never goes on with other data."""
        digest = hashlib.sha256()
        for array in (self.x, self.y):
            digest.update(repr((array.dtype.str, array.shape)).encode())
            # The array's own memory, not a copy of it (full MNIST's would be 220 MB).
            digest.update(memoryview(np.ascontiguousarray(array)).cast("B"))
        digest.update("\n".join(self.classes).encode())
        return digest.hexdigest()

    @property
    def inputs(self) -> int:
        return int(self.x.shape[1])

    @property
    def outputs(self) -> int:
        return 1 if self.task == REGRESSION else len(self.classes)

    def row_values(self, row: int, limit: int) -> tuple[tuple[str, str], ...]:
        """Row `row`'s first `limit` features as a person reads them: (column, value),
        a word column's word, "missing" for an empty cell (the file's values, before
        any filling or scaling). Features without names (an NPZ) are x0, x1, ..."""
        values, position = [], 0
        columns = self.columns or tuple(Column(f"x{index}") for index in range(self.inputs))
        for column in columns[:limit]:
            width = 1 if column.words is None else len(column.words)
            cells = self.x[row, position : position + width]
            position += width
            if np.isnan(cells).any() or (column.words is not None and not cells.any()):
                values.append((column.name, "missing"))
            elif column.words is None:
                values.append((column.name, f"{float(cells[0]):g}"))
            else:
                values.append((column.name, column.words[int(np.argmax(cells))]))
        return tuple(values)


def _labels(
    path: Path, where: str, values: list[str], task: str, position: Callable[[int], str]
) -> tuple[np.ndarray, tuple[str, ...], str]:
    """(y, classes, task) for label cells: class indices into `classes` for words or
    whole numbers of a few values; with `task` "auto", continuous values (or many
    different whole numbers) are a measurement, y its values and classes empty.
    `position(i)` names where the i-th value is (a row, an index), for messages."""
    numbers = [_number(value) for value in values]
    numeric = all(number is not None for number in numbers)
    if task == REGRESSION or (task == AUTO and numeric and _continuous(numbers)):
        return _measurement(path, where, values, position), (), REGRESSION
    if numeric:
        if task == CLASSIFICATION and _fractional(numbers):
            raise DatasetError(
                f"{path}: {where} holds continuous values ({_examples(values)}), and "
                'data.task is "classification": a class is a word or a whole number. Set '
                'data.task = "regression" (or "auto") to predict the value'
            )
        ordered = sorted({int(number) for number in numbers})
        classes = tuple(str(value) for value in ordered)
        index = {value: position for position, value in enumerate(ordered)}
        y = np.array([index[int(number)] for number in numbers], dtype=np.int64)
    else:
        classes = tuple(sorted(set(values)))
        index = {value: position for position, value in enumerate(classes)}
        y = np.array([index[value] for value in values], dtype=np.int64)
    if len(classes) < 2:
        raise DatasetError(
            f"{path}: {where} holds one class only ({classes[0]!r}); a classifier needs at "
            "least two"
        )
    return y, classes, CLASSIFICATION


def _fractional(numbers: list[float]) -> bool:
    return any(not float(number).is_integer() for number in numbers)


def _continuous(numbers: list[float]) -> bool:
    """Whether numeric labels are a measurement: a fraction in one, or more different
    whole numbers than classes ever are."""
    if _fractional(numbers):
        return True
    distinct = len(set(numbers))
    return distinct > MANY_CLASSES and distinct > CONTINUOUS_SHARE * len(numbers)


def _measurement(
    path: Path, where: str, values: list[str], position: Callable[[int], str]
) -> np.ndarray:
    """A regression's target: every value a finite number within ±LARGEST, not all
    the same."""
    for index, value in enumerate(values):
        parsed = _parsed(value)
        if parsed is None or not abs(parsed) <= LARGEST:  # NaN and ±inf fail it too
            what = (
                "is not a number"
                if parsed is None
                else f"is not a finite number within ±{LARGEST:g}"
            )
            raise DatasetError(
                f"{path}, {position(index)}: {where}'s {value!r} {what}; a regression "
                "(data.task) predicts a number for every row. Choose a numeric column as "
                'data.label, or set data.task = "classification"'
            )
    y = np.array([float(value) for value in values], dtype=np.float64)
    if np.ptp(y) == 0:
        raise DatasetError(
            f"{path}: {where} is {values[0]} in every row: nothing to predict (R² is "
            "undefined for a constant). Choose another column as data.label"
        )
    return y


# The largest magnitude a feature's values may have (see read_csv).
LARGEST = 1e18


def _parsed(text: str) -> float | None:
    """The number `text` writes (inf and nan included); None when it is no number."""
    try:
        return float(text)
    except ValueError:
        return None


def _number(text: str) -> float | None:
    """The finite number `text` writes; None otherwise."""
    value = _parsed(text)
    return value if value is not None and math.isfinite(value) else None


def _examples(values: list[str]) -> str:
    return ", ".join(list(dict.fromkeys(values))[:3])


# While a table is read, each cell is a Python text object (about 60 bytes) in a row
# list, then a float64 in its column, then a float32 in the features.
CSV_CELL_BYTES = 60 + 8 + 8 + 4
CHUNK = 1 << 20


HEADER_BYTES = 1 << 20


def csv_load_bytes(path: Path) -> int:
    """About the memory reading a CSV file takes, from its lines and header's columns
    (counted without parsing it); 0 when it cannot be opened (its reader says why)."""
    try:
        with open(path, "rb") as stream:
            # A header longer than this is no table's (a file of one endless line).
            columns = stream.readline(HEADER_BYTES).count(b",") + 1
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(CHUNK), b""))
    except OSError:
        return 0
    return (lines + 1) * columns * CSV_CELL_BYTES


# An array declaring more than BOMB_BYTES, packed more than BOMB_RATIO times, is no data:
# numbers compress a few times, deflated zeros about 1,030 times (deflate's most). 100 x
# 4e6 zeros took 47 s to refuse.
BOMB_BYTES = 256 << 20
BOMB_RATIO = 500


def npz_load_bytes(path: Path, features: str = "") -> int:
    """About the memory reading an NPZ file's features takes: the array as stored and
    its float32 copy, from the array's header; 0 when it cannot be looked at.
    DatasetError, before any of it is read, for an array packed like a zip bomb."""
    name = f"{features or 'X'}.npy"
    try:
        with zipfile.ZipFile(path) as archive, archive.open(name) as member:
            shape, _, dtype = npy_header(member)
            stored = archive.getinfo(name).compress_size
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return 0
    declared = math.prod(shape) * dtype.itemsize
    if declared > BOMB_BYTES and declared > BOMB_RATIO * max(stored, 1):
        raise DatasetError(
            f"{path}: {name.removesuffix('.npy')} declares {shape} ({declared:,} bytes) in "
            f"{stored:,} bytes of the file, packed tighter than any data is: refused before "
            "it is read (a zip bomb?)"
        )
    return math.prod(shape) * (dtype.itemsize + 4)


def read_csv(path: Path, label: str = "", missing: str = "", task: str = AUTO) -> Dataset:
    """A CSV table with a header row. `label`: the column of classes (default: the last);
    `missing`: "" (a missing value is an error), "drop" (rows with one are left out) or
    "mean" (filled with the column's mean, or its most common word)."""
    path = Path(path)
    rows, separator = _read_rows(path)
    header, body = rows[0], rows[1:]
    if not body:
        raise DatasetError(f"{path}: a header row and no data rows")
    _check_widths(path, header, body)
    names = [name.strip() for name in header]
    label_name = label or names[-1]
    if label_name not in names:
        raise DatasetError(
            f"{path}: no column {label_name!r} for data.label; the columns are " + ", ".join(names)
        )
    label_column = names.index(label_name)
    cells = [[cell.strip() for cell in row] for row in body]
    row_numbers = list(range(2, len(body) + 2))  # each row's line, as a person counts it
    notes: list[str] = []
    if separator != ",":
        notes.append(f"columns separated by {SEPARATOR_NAMES[separator]}")
    missing_rows = [
        number
        for number, row in enumerate(cells)
        if any(cell.lower() in MISSING_CELLS for cell in row)
    ]
    if missing_rows:
        first = missing_rows[0]
        column = next(c for c, cell in enumerate(cells[first]) if cell.lower() in MISSING_CELLS)
        if not missing:
            what = "no label" if column == label_column else "a missing value"
            raise DatasetError(
                f"{path}, row {first + 2}, column {names[column]!r}: {what} "
                f"({cells[first][column]!r}); {len(missing_rows)} rows have one. Set "
                'data.missing = "drop" to leave such rows out'
                + ("" if column == label_column else ', or "mean" to fill them in')
            )
        if missing == "drop":
            kept = set(range(len(cells))) - set(missing_rows)
            cells = [row for number, row in enumerate(cells) if number in kept]
            row_numbers = [line for number, line in enumerate(row_numbers) if number in kept]
            notes.append(f"{len(missing_rows)} of {len(body)} rows with a missing value left out")
        else:
            unlabelled = {
                n for n in missing_rows if cells[n][label_column].lower() in MISSING_CELLS
            }
            if unlabelled:  # a label cannot be filled in
                cells = [row for n, row in enumerate(cells) if n not in unlabelled]
                row_numbers = [line for n, line in enumerate(row_numbers) if n not in unlabelled]
                notes.append(f"{len(unlabelled)} rows without a label left out")
    if not cells:
        raise DatasetError(f"{path}: every row has a missing value; no rows are left")
    y, classes, task = _labels(
        path,
        f"column {label_name!r}",
        [row[label_column] for row in cells],
        task,
        lambda index: f"row {row_numbers[index]}",
    )
    columns: list[np.ndarray] = []
    schema: list[Column] = []
    for column, name in enumerate(names):
        if column == label_column:
            continue
        values = [row[column] for row in cells]
        present = [value for value in values if value.lower() not in MISSING_CELLS]
        numbers = [_number(value) for value in present]
        numeric = sum(number is not None for number in numbers)
        if present and numeric >= NUMERIC_SHARE * len(present):
            if numeric < len(present):
                bad = next(v for v, n in zip(present, numbers, strict=True) if n is None)
                row = 2 + next(r for r, row in enumerate(cells) if row[column] == bad)
                raise DatasetError(
                    f"{path}, row {row}, column {name!r}: {bad!r} is not a number, and the "
                    "column's other values are numbers: write a finite number there, or "
                    "leave the cell empty for a missing value"
                )
            # A missing number stays NaN here: it is filled with the mean of the training
            # rows once the split is known (the validation rows must not shape it).
            filled = np.array(
                [_number(v) if v.lower() not in MISSING_CELLS else math.nan for v in values],
                dtype=np.float64,
            )
            too_large = np.abs(np.nan_to_num(filled)) > LARGEST
            if too_large.any():
                row = 2 + int(np.argmax(too_large))
                raise DatasetError(
                    f"{path}, row {row}, column {name!r}: {values[row - 2]} is too large to "
                    f"train on (a feature's values are within ±{LARGEST:g}: squared while "
                    "scaling and training, larger ones overflow 32-bit floats). Divide the "
                    "column by a power of ten first"
                )
            if np.isnan(filled).any():
                notes.append(f"{name}: missing values filled with the training rows' mean")
            columns.append(filled[:, None])
            schema.append(Column(name))
        else:
            words = sorted(set(present))
            one_hot = np.array([[value == word for word in words] for value in values])
            columns.append(one_hot.astype(np.float64))
            schema.append(Column(name, tuple(words)))
            notes.append(f"{name}: text, one-hot encoded as {len(words)} columns")
            if len(present) < len(values):
                notes.append(f"{name}: a missing value is none of its {len(words)} words")
    if not columns:
        raise DatasetError(f"{path}: no feature columns besides the label {label_name!r}")
    x = np.hstack(columns).astype(np.float32)
    head = tuple(tuple(row) for row in [names, *cells[:HEAD_ROWS]])
    return Dataset(
        x,
        y,
        classes,
        "table",
        tuple(notes),
        head=head,
        columns=tuple(schema),
        label=label_name,
        task=task,
    )


def encode_csv(path: Path, columns: tuple[Column, ...], label: str) -> np.ndarray:
    """The rows of a CSV file encoded as a table was for training (`columns`): each
    feature column by name, in any order; the label column, if there, is left out. A
    word not seen in training is none of its column's words; a missing number is NaN
    (the model fills it). DatasetError names a column missing or not known."""
    path = Path(path)
    rows, _ = _read_rows(path)  # predict reads a table whatever its separator
    names = [name.strip() for name in rows[0]]
    known = [column.name for column in columns]
    absent = [name for name in known if name not in names]
    if absent:
        raise DatasetError(
            f"{path}: no column {absent[0]!r}, which the model takes; its columns are "
            + ", ".join(names)
        )
    extra = [name for name in names if name not in known and name != label]
    if extra:
        raise DatasetError(
            f"{path}: column {extra[0]!r} is not one the model was trained on (it takes "
            f"{', '.join(known)}{f', and ignores {label!r}' if label else ''})"
        )
    body = rows[1:]
    _check_widths(path, names, body)
    encoded: list[np.ndarray] = []
    for column in columns:
        cells = [row[names.index(column.name)].strip() for row in body]
        if column.words is not None:
            encoded.append(np.array([[cell == word for word in column.words] for cell in cells]))
            continue
        values = []
        for number, cell in enumerate(cells, start=2):
            value = math.nan if cell.lower() in MISSING_CELLS else _number(cell)
            if value is None:
                raise DatasetError(
                    f"{path}, row {number}, column {column.name!r}: {cell!r} is not a number"
                )
            values.append(value)
        encoded.append(np.array(values)[:, None])
    if not body:
        return np.zeros((0, sum(len(c.words or (0,)) for c in columns)), dtype=np.float32)
    return np.hstack(encoded).astype(np.float32)


def _check_widths(path: Path, header: list[str], body: list[list[str]]) -> None:
    """DatasetError naming the first row whose cells are not as many as the header's."""
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise DatasetError(
                f"{path}, row {number}: {len(row)} cells, but the header has {len(header)}"
            )


# What a table's columns may be separated by: a comma, or what spreadsheets write where
# the comma is the decimal mark (;), tabs, or bars.
SEPARATORS = ",;\t|"
SEPARATOR_NAMES = {";": "';'", "\t": "tabs", "|": "'|'"}
SNIFFED_CHARACTERS = 64 * 1024  # of the file's start, to find its header row


def _separator(start: str) -> str:
    """The character the header row (the first line of `start`) separates its columns
    with: a comma when it has one (as before), else the one of SEPARATORS that splits it."""
    header = start.splitlines()[0] if start else ""
    if "," in header:
        return ","
    try:
        return csv.Sniffer().sniff(header, delimiters=SEPARATORS).delimiter
    except csv.Error:  # one column, or nothing to tell by: the comma, as before
        return ","


# Characters a table's line may hold: 50,000 columns of ten digits fit twenty times over;
# longer is no table (a file of one endless line, a binary file named .csv).
MAX_LINE = 8 << 20


def _bounded_lines(path: Path, stream):
    """The lines of `stream`, each read with a limit: DatasetError names the first line
    longer than any table's, before it fills the memory."""
    for number, line in enumerate(iter(lambda: stream.readline(MAX_LINE), ""), start=1):
        if len(line) == MAX_LINE and not line.endswith("\n"):
            raise DatasetError(
                f"{path}: line {number:,} is longer than {MAX_LINE:,} characters: not a "
                "table (a CSV has one row per line)"
            )
        yield line


def _read_rows(path: Path) -> tuple[list[list[str]], str]:
    """The table's non-empty rows, and the separator its header row uses."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:
            separator = _separator(stream.read(SNIFFED_CHARACTERS))
            stream.seek(0)
            lines = _bounded_lines(path, stream)
            rows = [row for row in csv.reader(lines, delimiter=separator) if row]
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise DatasetError(f"{path}: a folder, not a CSV file") from None
    except UnicodeDecodeError as error:
        raise DatasetError(f"{path}: not a text file (byte {error.start} is not UTF-8)") from None
    except (OSError, csv.Error) as error:
        raise DatasetError(f"{path}: cannot be read ({error})") from None
    if not rows:
        raise DatasetError(f"{path}: the file is empty")
    return rows, separator


def csv_columns(path: Path) -> list[str]:
    """The names in a CSV table's header row, read without the rest of the file."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:
            separator = _separator(stream.read(SNIFFED_CHARACTERS))
            stream.seek(0)
            lines = _bounded_lines(path, stream)
            header = next((row for row in csv.reader(lines, delimiter=separator) if row), [])
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DatasetError(f"{path}: cannot be read ({error})") from None
    return [name.strip() for name in header]


def npz_array_names(path: Path) -> list[str]:
    """The arrays an NPZ file holds, from its zip directory (none is read)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile) as error:
        raise DatasetError(f"{path}: not a readable NPZ file ({error})") from None
    return [name.removesuffix(".npy") for name in names if name.endswith(".npy")]


def npz_arrays(path: Path, names: tuple[str, ...], advice: str) -> list[np.ndarray]:
    """The arrays `names` of an NPZ file; DatasetError naming one missing (with `advice`
    and the arrays the file holds) or why the file cannot be read."""
    try:
        # Opened here, not by np.load, which leaves its own file open when it fails.
        with open(path, "rb") as stream, np.load(stream, allow_pickle=False) as archive:
            present = list(archive.files)
            missing = [name for name in names if name not in present]
            if missing:
                raise DatasetError(
                    f"{path}: no array {missing[0]!r} ({advice}); the file holds: "
                    + (", ".join(present) or "nothing")
                )
            return [archive[name] for name in names]
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        raise DatasetError(f"{path}: not a readable NPZ file ({error})") from None


def _within_largest(values: np.ndarray) -> bool:
    """Whether every value is finite and within ±LARGEST: from the extremes alone (NaN
    carries into them), two passes over the array instead of six."""
    if not values.size:
        return True
    low, high = float(values.min()), float(values.max())
    return math.isfinite(low) and math.isfinite(high) and low >= -LARGEST and high <= LARGEST


def read_npz(path: Path, features: str = "", label: str = "", task: str = AUTO) -> Dataset:
    """Arrays `X` and `y` of an NPZ file (or those named by `features` and `label`);
    images as (N, H, W) or (N, H, W, C) are flattened."""
    path = Path(path)
    x_name, y_name = features or "X", label or "y"
    x, y = npz_arrays(
        path, (x_name, y_name), "set data.features and data.label to the arrays to use"
    )
    if x.ndim < 2 or x.dtype.kind not in "biuf":
        raise DatasetError(
            f"{path}: {x_name} must be numbers, one row per sample; it is {x.dtype} of shape "
            f"{x.shape}"
        )
    if y.ndim != 1 or len(y) != len(x):
        raise DatasetError(
            f"{path}: {y_name} must hold one class per row of {x_name}: {x_name} has "
            f"{len(x)} rows, {y_name} has shape {y.shape}"
        )
    if not len(x) or not math.prod(x.shape[1:]):
        raise DatasetError(
            f"{path}: {x_name} has shape {x.shape}: no samples to learn from (a row per "
            "sample, each of one value or more)"
        )
    images = x.ndim >= 3
    y_codes, classes, task = _labels(
        path, f"array {y_name!r}", [str(v) for v in y.tolist()], task, lambda i: f"{y_name}[{i}]"
    )
    # No copy of an array that is float32 already (60,000 images: 188 MB).
    flat = np.asarray(x.reshape(len(x), -1), dtype=np.float32)
    if not _within_largest(flat):  # then find the first value that is not
        unusable = ~np.isfinite(flat) | (np.abs(np.nan_to_num(flat)) > LARGEST)
        row, feature = np.argwhere(unusable)[0]
        raise DatasetError(
            f"{path}: {x_name}[{row}, {feature}] is {x.reshape(len(x), -1)[row, feature]}: "
            f"a feature's values are finite numbers within ±{LARGEST:g}"
        )
    notes = (
        (f"{x_name}: {x.shape[1:]} images flattened to {flat.shape[1]} values",) if images else ()
    )
    kind = "images" if images else "table"
    return Dataset(flat, y_codes, classes, kind, notes, x.shape[1:] if images else (), task=task)


def read_idx_pair(images: Path, labels: Path, task: str = AUTO) -> Dataset:
    """An IDX images file and its labels file, as MNIST ships them (gzip or not)."""
    pixels, classes = read_idx(images, ndim=3), read_idx(labels, ndim=1)
    if len(pixels) != len(classes):
        raise DatasetError(
            f"{labels}: {len(classes)} labels for the {len(pixels)} images in {images}"
        )
    y, names, task = _labels(
        Path(labels), "the labels", [str(v) for v in classes.tolist()], task, lambda i: f"label {i}"
    )
    flat = pixels.reshape(len(pixels), -1).astype(np.float32)
    return Dataset(flat, y, names, "images", image_shape=pixels.shape[1:], task=task)
