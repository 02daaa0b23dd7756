"""Argument types the commands share."""

from __future__ import annotations

import argparse
import errno
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hyperdesk.core.cli.exit_codes import EXIT_DISK_FULL, EXIT_USAGE


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def add_set_argument(parser: argparse.ArgumentParser, help: str) -> None:
    """--set KEY=VALUE, repeatable: config keys overridden (args.set, a list)."""
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help=help)


PlotExporter = Callable[[Path, Path, str, int], list[Path]]


@dataclass(frozen=True)
class WindowHooks:
    """What the window's side lends the command line, which cannot draw without Qt:
    its own commands (`gui`), drawing a session's panels (`export --plots`) and
    measuring the window (`bench --gui`). Without them those options say so."""

    add_commands: Callable[[argparse._SubParsersAction], None] | None = None
    export_plots: PlotExporter | None = None
    bench_window: Callable[[argparse.Namespace], int] | None = None


def needs_the_window(what: str) -> int:
    print(
        f"hyperdesk {what} draws with the window's libraries: run it as the hyperdesk "
        "command, not as python -m hyperdesk.core.cli",
        file=sys.stderr,
    )
    return EXIT_USAGE


def refuse_existing(path: Path) -> int:
    """Say that `path` is there and is kept (a file is replaced only with --force)."""
    print(
        f"hyperdesk: {path} exists; give another --out, or --force to replace it", file=sys.stderr
    )
    return EXIT_USAGE


def cannot_write(path: Path, error: OSError) -> int:
    """Say why `path` could not be written (nothing was: outputs are written under a
    fresh name and renamed); exit 5 for a full disk, 2 otherwise."""
    print(
        f"hyperdesk: cannot write {path}: {error.strerror or error}; nothing was written",
        file=sys.stderr,
    )
    return EXIT_DISK_FULL if error.errno == errno.ENOSPC else EXIT_USAGE
