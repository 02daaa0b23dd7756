"""`hyperdesk sessions`: list the sessions in the data directory."""

from __future__ import annotations

import argparse

from hyperdesk.core.cli.exit_codes import EXIT_OK
from hyperdesk.core.formatting import printable
from hyperdesk.core.paths import SESSION_SUFFIX, sessions_dir
from hyperdesk.core.storage.session import SessionError, summarize

HELP = "list the sessions in the data directory"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--search",
        metavar="WORDS",
        default="",
        help="only the sessions whose name or notes (its own, its trials') hold every word",
    )


def run(args: argparse.Namespace) -> int:
    folder = sessions_dir()
    paths = sorted(folder.glob(f"*{SESSION_SUFFIX}")) if folder.is_dir() else []
    if not paths:
        print(f"No sessions yet in {folder}. Start one with: hyperdesk run CONFIG")
        return EXIT_OK
    header = ("name", "created", "strategy", "trials", "best val", "status", "path")
    lines = []
    for path in paths:
        try:
            info = summarize(path)
        except SessionError as error:
            reason = str(error).removeprefix(f"{path}: ")
            if not args.search:
                lines.append(("?", "", "", "", "", "unreadable", printable(f"{path} ({reason})")))
            continue
        if not info.matches(args.search):
            continue
        best = "" if info.best_val_acc is None else f"{info.best_val_acc:.3f}"
        lines.append(
            (
                printable(info.name),
                info.created_at.replace("T", " ")[:19],
                info.strategy,
                f"{info.done}/{info.planned}",
                best,
                info.status,
                printable(str(path)),
            )
        )
    if not lines:
        print(f"No session in {folder} has {args.search!r} in its name or notes.")
        return EXIT_OK
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header) - 1)]
    for row in [header, *lines]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            + "  "
            + row[-1]
        )
    return EXIT_OK
