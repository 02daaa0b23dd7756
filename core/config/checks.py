"""Problems that involve more than one key: the data's size against the split, the
optimizer's settings, where the trials run, and the search's own rules (from
core.search.checks)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hyperdesk.core.data.downloads import DOWNLOADS
from hyperdesk.core.data.sources import (
    ALL,
    OFFICIAL,
    dataset_rows,
    official_test_rows,
)
from hyperdesk.core.search.checks import search_problems
from hyperdesk.core.training.optimizers import CONDITIONS

if sys.version_info >= (3, 11):
    pass
else:
    pass
from hyperdesk.core.config.rules import LOCAL_CLUSTER, TLS_FILES
from hyperdesk.core.config.schema import Config, RunConfig
from hyperdesk.core.formatting import shown


def _split_checks(config: Config) -> list[tuple[str, str]]:
    """Whether the data has the samples asked for, and the split leaves both parts some."""
    problems = []
    official = official_test_rows(config.data)
    if config.data.test == OFFICIAL and not official:
        where = Path(config.data.source).name if config.data.source else config.data.dataset
        return [
            (
                "data.test",
                f'"{OFFICIAL}" is the test split that {" and ".join(DOWNLOADS)} ship with; '
                f"{where} has none: give a fraction to hold out, such as 0.2",
            )
        ]
    size = dataset_rows(config.data.dataset)
    if config.data.test == OFFICIAL:
        size -= official
    if not config.data.source and config.data.sample_count > size:
        kept = f" beside its {official:,} test samples" if config.data.test == OFFICIAL else ""
        problems.append(
            (
                "data.samples",
                f"{config.data.dataset} has {size:,} samples{kept}, asked for "
                f"{config.data.samples:,}",
            )
        )
    n_train, n_val = config.data.split_sizes()
    if config.data.folds > 1 and not (n_val >= 1 and n_train >= 1):
        problems.append(
            (
                "data.folds",
                f"{config.data.folds} folds of {n_train + n_val} samples (after the test "
                "split) leave a fold without validation samples; use fewer folds",
            )
        )
    elif config.data.folds == 1 and not (n_val >= 1 and n_train >= 1):
        problems.append(
            (
                "data.validation",
                f"{config.data.validation} of "
                f"{config.data.samples} samples leaves {n_val} for validation and "
                f"{n_train} for training; both need at least one",
            )
        )
    return problems


def _code_checks(config: Config) -> list[tuple[str, str]]:
    """A function's search: no network size to trade against, an epoch count for the
    rules that stop trials at rungs of epochs."""
    problems = []
    if "params" in config.search.objectives:
        problems.append(
            (
                "search.objectives",
                'a function of your own has no network size to trade against: use "train_seconds"',
            )
        )
    rule = config.search.early_stopping.rule
    if rule in ("asha", "hyperband") and config.code_epochs is None:
        problems.append(
            (
                "search.early_stopping.rule",
                f"{rule} stops trials at rungs of epochs: give the most epochs a trial "
                "reports as epochs in [code.fixed] (or search epochs)",
            )
        )
    if config.search.metric:
        problems.append(("search.metric", "with [code], code.metric names what ranks the trials"))
    return problems


def run_problems(run: RunConfig) -> list[tuple[str, str]]:
    """A Dask executor needs an address it can reach, and TLS files come as a set."""
    problems = []
    if run.executor == "dask" and not dask_address_valid(run.address):
        problems.append(
            (
                "run.address",
                f"the Dask scheduler: tcp://HOST:PORT or tls://HOST:PORT (e.g. "
                f"tcp://127.0.0.1:8786), or local:N for N processes on this computer; "
                f"got {shown(run.address)}",
            )
        )
    elif run.executor == "dask" and run.address.startswith(LOCAL_CLUSTER):
        count, cores = int(run.address.removeprefix(LOCAL_CLUSTER)), os.cpu_count() or 1
        if count > cores:  # local:100000 started processes for a minute, deaf to SIGTERM
            problems.append(
                (
                    "run.address",
                    f"local:{count} asks for {count:,} processes, and this computer has "
                    f"{cores} cores: local:N takes N up to {cores}",
                )
            )
    given = [name for name in TLS_FILES if getattr(run, name)]
    if run.executor == "dask" and run.address.startswith("tls://") and not given:
        problems.append(
            ("run.tls_ca", "a tls:// scheduler needs tls_ca, tls_cert and tls_key (PEM files)")
        )
    elif given and len(given) < 3:
        missing = [name for name in TLS_FILES if name not in given]
        problems.append(
            (f"run.{missing[0]}", "TLS needs all three of tls_ca, tls_cert and tls_key")
        )
    return problems


def dask_address_valid(address: str) -> bool:
    """Whether `address` names a scheduler (tcp:// or tls:// with a host and a port) or
    a local cluster (local:N, N >= 1)."""
    scheme, separator, rest = address.partition("://")
    if separator:
        host, colon, port = rest.rpartition(":")
        return scheme in ("tcp", "tls") and bool(host) and bool(colon) and port.isdigit()
    count = address.removeprefix(LOCAL_CLUSTER)
    return address.startswith(LOCAL_CLUSTER) and count.isdigit() and int(count) >= 1


def cross_checks(config: Config) -> list[tuple[str, str]]:
    """Problems that involve more than one key."""
    if config.own_code:
        return [*run_problems(config.run), *search_problems(config.search), *_code_checks(config)]
    problems = []
    # With "all" of a file's rows, how many there are is known once it is read: the
    # split is checked then (reading it here could be slow, and on the window's thread).
    if not (config.data.source and config.data.samples == ALL):
        problems.extend(_split_checks(config))
    searched = {param.name: param for param in config.search.space}
    for name, (setting, allowed) in CONDITIONS.items():
        if name in searched and setting not in searched:
            fixed = getattr(config.train, setting)
            if fixed not in allowed:
                problems.append(
                    (
                        f"search.space.{name}",
                        f"applies only when {setting} is {' or '.join(allowed)}, and "
                        f"train.{setting} is {fixed!r}",
                    )
                )
    problems.extend(run_problems(config.run))
    problems.extend(search_problems(config.search))
    return problems
