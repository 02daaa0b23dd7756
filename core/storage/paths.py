"""Where Hyperdesk keeps its files. The only module that asks platformdirs."""

from __future__ import annotations

import os
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


def sessions_dir() -> Path:
    return data_dir() / "sessions"
