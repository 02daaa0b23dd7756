"""Where Hyperdesk keeps its files. The only module that asks platformdirs."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import platformdirs

HOME_VARIABLE = "HYPERDESK_HOME"
SESSION_SUFFIX = ".hdsession"


def data_dir() -> Path:
    """The user data directory: $HYPERDESK_HOME when set (tests, portable use)."""
    override = os.environ.get(HOME_VARIABLE)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir("hyperdesk", appauthor=False))


def settings_dir() -> Path | None:
    """Where the window keeps its settings (layout, recent files, the speed figure):
    under $HYPERDESK_HOME when it is set, so nothing of it lands elsewhere; None for the
    platform's usual place."""
    return data_dir() / "settings" if os.environ.get(HOME_VARIABLE) else None


def cache_dir() -> Path:
    """Downloaded datasets: $HYPERDESK_HOME/cache when it is set, else the user cache
    directory (they can be downloaded again, so they are not user data)."""
    override = os.environ.get(HOME_VARIABLE)
    if override:
        return Path(override).expanduser() / "cache"
    return Path(platformdirs.user_cache_dir("hyperdesk", appauthor=False))


def sessions_dir() -> Path:
    return data_dir() / "sessions"


def distinct_name(name: str, taken: Iterable[str]) -> str:
    """`name`, or the first of `name 2`, `name 3`, … that no name in `taken` is: runs
    of the same search get names a person can tell apart. A name that ends in a number
    counts on from it (seed 2 -> seed 3)."""
    taken = set(taken)
    if name not in taken:
        return name
    match = re.fullmatch(r"(.*\S) (\d+)", name)
    stem, number = (match[1], int(match[2])) if match else (name, 2)
    while f"{stem} {number}" in taken:
        number += 1
    return f"{stem} {number}"
