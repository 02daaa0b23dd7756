"""Configs as text and files: TOML read with KEY=VALUE overrides and data files found
beside the config, the bundled examples, and configs a session stored."""

from __future__ import annotations

import importlib.resources
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib
from hyperdesk.core.config.reading import from_dict
from hyperdesk.core.config.rules import ConfigError
from hyperdesk.core.config.schema import Config


def loads(
    text: str,
    overrides: Iterable[str] = (),
    folder: Path | None = None,
    enqueue: Iterable[str] = (),
) -> Config:
    """Parse TOML text, apply KEY=VALUE overrides, add the `enqueue` configurations
    (`lr=0.01,weight_decay=1e-6`) to run first, validate. A relative data file is found
    from `folder` (the config file's) when the text names it, from the working directory
    when an override does: a session records where it really is."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([("(file)", f"not valid TOML: {error}")]) from None
    except RecursionError:  # arrays or tables nested thousands deep
        raise ConfigError([("(file)", "nested too deeply to be a Hyperdesk config")]) from None
    except ValueError:  # an integer of thousands of digits (Python's conversion limit)
        raise ConfigError([("(file)", "holds a number longer than any setting takes")]) from None
    _anchor_data_files(raw, folder or Path.cwd())
    apply_overrides(raw, overrides)
    _anchor_data_files(raw, Path.cwd())
    for point in enqueue:
        search = raw.setdefault("search", {})
        if isinstance(search, dict) and isinstance(search.setdefault("enqueue", []), list):
            search["enqueue"].append(parse_point(point))
    return from_dict(raw)


def parse_point(text: str) -> dict[str, Any]:
    """`lr=0.01,weight_decay=1e-6` as {"lr": 0.01, "weight_decay": 1e-06}. ConfigError
    (naming enqueue) for a part that is not NAME=VALUE."""
    point = {}
    for part in text.split(","):
        name, separator, value = part.partition("=")
        if not separator or not name.strip():
            raise ConfigError(
                [("enqueue", f"{part!r}: give NAME=VALUE pairs, e.g. lr=0.01,weight_decay=1e-6")]
            )
        point[name.strip()] = _parse_value(value.strip())
    return point


def _anchor_data_files(raw: dict[str, Any], folder: Path) -> None:
    code = raw.get("code")
    if isinstance(code, dict) and isinstance(code.get("entry"), str):
        file, colon, function = code["entry"].rpartition(":")
        named = file.endswith(".py") or (folder / file).is_file()  # else a module's name
        if colon and file and named and not Path(file).expanduser().is_absolute():
            code["entry"] = f"{folder / file}:{function}"
    data = raw.get("data")
    if not isinstance(data, dict):
        return
    keys = ["source"] + (["label"] if data.get("format") == "idx" else [])
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
            data[key] = str(folder / value)


def example_names() -> list[str]:
    """The example configs bundled with Hyperdesk (resources/examples), by name."""
    folder = importlib.resources.files("hyperdesk.resources.examples")
    return sorted(
        item.name[: -len(".toml")] for item in folder.iterdir() if item.name.endswith(".toml")
    )


def loads_stored(text: str) -> Config:
    """A config a session stored. One stored before a setting existed says nothing of
    it, and its search goes on as it began: the plain shuffle it had before splits were
    stratified, the random rounds before coarse-to-fine had grid rounds, the repeated
    points before Optuna searches skipped them, a classifier before regressions were
    learnt (a new session stores its task as it was found, see Config.resolved)."""
    try:
        raw = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return loads(text)  # the message says what is wrong
    if isinstance(raw.get("data"), dict):
        raw["data"].setdefault("stratify", False)
        raw["data"].setdefault("task", "classification")
    # One stored before running training figures measured the training set after each
    # epoch: a resume goes on the same way.
    if isinstance(raw.get("train"), dict):
        raw["train"].setdefault("train_metrics", "pass")
    # One stored before coarse-to-fine had grid rounds drew its rounds at random, and
    # one stored before Optuna searches skipped repeated points trained them.
    if isinstance(raw.get("search"), dict):
        raw["search"].setdefault("sampler", "random")
        raw["search"].setdefault("skip_repeats", False)
    return from_dict(raw)


def example_config(name: str, overrides: Iterable[str] = (), enqueue: Iterable[str] = ()) -> Config:
    """A bundled example config; a data file it names lies beside it."""
    # The folder of the example's own file: a frozen build serves the package as a
    # MultiplexedPath, whose str() is no path, while each file in it is a real one.
    toml = importlib.resources.files("hyperdesk.resources.examples") / f"{name}.toml"
    return loads(example_text(name), overrides, Path(str(toml)).parent, enqueue)


def example_text(name: str) -> str:
    """The TOML text of a bundled example config."""
    if name not in example_names():
        raise ConfigError(
            [
                (
                    "example",
                    f"no example called {name!r}; choose one of {', '.join(example_names())}",
                )
            ]
        )
    return (importlib.resources.files("hyperdesk.resources.examples") / f"{name}.toml").read_text()


# A config is a few hundred bytes; anything this large is some other file.
MAX_CONFIG_BYTES = 1 << 20


def load(path: Path, overrides: Iterable[str] = (), enqueue: Iterable[str] = ()) -> Config:
    path = Path(path)
    try:
        # Only a regular file: reading a named pipe or a device would wait forever.
        if path.exists() and not path.is_file():
            raise ConfigError([(str(path), "is not a regular file: give a TOML config file")])
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(
                [(str(path), f"is {path.stat().st_size:,} bytes: not a config (a few KB)")]
            )
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError([(str(path), f"cannot be read: {error.strerror or error}")]) from None
    except UnicodeDecodeError:
        raise ConfigError([(str(path), "is not text: a config is a UTF-8 TOML file")]) from None
    return loads(text, overrides, path.resolve().parent, enqueue)


def _parse_value(text: str) -> Any:
    """A TOML value (`1e-3`, `[50, 50]`, `true`, `"adam"`); bare words are strings."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        # Validation then says what the key accepts (ValueError: an integer longer than
        # Python converts, thousands of digits).
        return text


def apply_overrides(raw: dict[str, Any], overrides: Iterable[str]) -> None:
    """Set dotted keys (`search.trials=10`) in a raw config dict, in place."""
    problems = []
    for override in overrides:
        key, separator, text = override.partition("=")
        key = key.strip()
        if not separator or not key:
            problems.append((override, "an override is KEY=VALUE, e.g. search.trials=10"))
            continue
        *parents, leaf = key.split(".")
        table = raw
        for part in parents:
            table = table.setdefault(part, {})
            if not isinstance(table, dict):
                problems.append((key, f"{part!r} is not a table"))
                break
        else:
            table[leaf] = _parse_value(text.strip())
    if problems:
        raise ConfigError(problems)
