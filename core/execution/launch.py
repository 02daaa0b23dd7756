"""A new search prepared the one way both front ends use (hyperdesk run and the window's
Start): its name checked, a warm start's trials read in, its memory checked for this
computer's workers, its planned trial count, and a fresh file in the sessions folder.
Nothing is written until the session itself is created."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hyperdesk.core.config import Config, ConfigError, DataConfig
from hyperdesk.core.data.downloads import DOWNLOADS, fetch
from hyperdesk.core.data.sources import load_data
from hyperdesk.core.data.splits import split_rows
from hyperdesk.core.execution.memory import check_memory
from hyperdesk.core.execution.runner import new_session_path
from hyperdesk.core.execution.warm_start import with_prior
from hyperdesk.core.paths import HOME_VARIABLE, sessions_dir
from hyperdesk.core.search.registry import planned_trials
from hyperdesk.core.storage.session import NAME_LENGTH


@dataclass(frozen=True)
class PreparedSearch:
    config: Config  # with a warm start's trials as its prior
    name: str
    path: Path  # where its session file will be made
    planned: int  # trials it will run


def writable_sessions_dir() -> Path:
    """The sessions folder, made if it is missing; OSError saying how to choose another
    when it cannot be written."""
    folder = sessions_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK):
            raise PermissionError(f"{folder} is read-only")
    except OSError as error:
        raise OSError(
            f"Sessions are saved in {folder}, which cannot be written: {error}. Make it "
            f"writable, or set {HOME_VARIABLE} to a folder that is."
        ) from error
    return folder


def check_data(data: DataConfig, report=None) -> None:
    """Before any session file is made: the data `data` names is here (a download is
    fetched first, `report(file, done, total)` telling its progress), can be read, and
    can be split as asked. DatasetError says what is wrong; nothing is written."""
    if not data.source and data.dataset in DOWNLOADS:
        fetch(data.dataset, report=report)
    # Read (kept for the search, which reads it next) and cut, not scaled: scaling the
    # whole set here and throwing it away was half of a 60,000-row search's start-up.
    split_rows(data, load_data(data))


def prepare_search(
    config: Config, name: str, workers: int, path: Path | None = None
) -> PreparedSearch:
    """What a new session of `config` called `name` will be, at `path` (default: a fresh
    file in the sessions folder). ConfigError naming the setting (`name`, or the one that
    weighs most in memory) when it cannot start; OSError when the sessions folder cannot
    be written."""
    if len(name) > NAME_LENGTH:
        raise ConfigError(
            [("name", f"is {len(name):,} characters; a session name takes up to {NAME_LENGTH}")]
        )
    if config.run.executor == "local" and not config.own_code:
        # (A cluster's workers have their own memory; a function's use is its own.)
        check_memory(config, workers)
    config = with_prior(config.resolved())  # a warm start's trials, read once and kept
    path = path or new_session_path(writable_sessions_dir(), name)
    return PreparedSearch(config, name, path, planned_trials(config.search))
