"""`hyperdesk sessions`: list the sessions in the data directory, oldest first (by when
each was created), the unreadable ones last; --json for scripts."""

from __future__ import annotations

import argparse
import json

from hyperdesk.core.cli.exit_codes import EXIT_OK
from hyperdesk.core.formatting import printable
from hyperdesk.core.paths import SESSION_SUFFIX, sessions_dir
from hyperdesk.core.storage.session import SessionError, SessionSummary, summarize

HELP = "list the sessions in the data directory, oldest first"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--search",
        metavar="WORDS",
        default="",
        help="only the sessions whose name or notes (its own, its trials') hold every word",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list of the sessions (path, name, created, state, strategy, "
        "trials, best trial and score, data) instead of the table",
    )


def run(args: argparse.Namespace) -> int:
    folder = sessions_dir()
    paths = sorted(folder.glob(f"*{SESSION_SUFFIX}")) if folder.is_dir() else []
    if not paths:
        print(f"No sessions yet in {folder}. Start one with: hyperdesk run CONFIG")
        return EXIT_OK
    readable, unreadable = [], []
    for path in paths:
        try:
            info = summarize(path)
        except SessionError as error:
            if not args.search:
                unreadable.append((path, str(error).removeprefix(f"{path}: ")))
            continue
        if info.matches(args.search):
            readable.append(info)
    readable.sort(key=lambda info: (info.created_at, str(info.path)))
    if args.json:
        print(json.dumps([*map(_as_json, readable), *(_unreadable_json(*u) for u in unreadable)]))
        return EXIT_OK
    if not readable and not unreadable:
        print(f"No session in {folder} has {args.search!r} in its name or notes.")
        return EXIT_OK
    header = ("name", "created", "strategy", "trials", "best", "status", "path")
    lines = [
        (
            printable(info.name),
            info.created_at.replace("T", " ")[:19],
            info.strategy,
            f"{info.done}/{info.planned}",
            ""
            if info.best_score is None
            else f"{info.metric.short} {info.metric.text(info.best_score)}",
            info.status,
            printable(str(info.path)),
        )
        for info in readable
    ]
    lines += [
        ("?", "", "", "", "", "unreadable", printable(f"{path} ({reason})"))
        for path, reason in unreadable
    ]
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header) - 1)]
    for row in [header, *lines]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            + "  "
            + row[-1]
        )
    return EXIT_OK


def _as_json(info: SessionSummary) -> dict:
    return {
        "path": str(info.path),
        "name": info.name,
        "created": info.created_at,
        "state": str(info.status),
        "strategy": info.strategy,
        "trials_done": info.done,
        "trials_planned": info.planned,
        "best_trial": info.best_trial,
        "best_score": info.best_score,
        "metric": info.metric.name,
        "data": info.data,
    }


def _unreadable_json(path, reason: str) -> dict:
    return {"path": str(path), "state": "unreadable", "error": reason}
