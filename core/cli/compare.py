"""`hyperdesk compare`: two or more sessions side by side, and which is better."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hyperdesk.core.cli.exit_codes import EXIT_OK, EXIT_USAGE
from hyperdesk.core.comparison import compare_sessions
from hyperdesk.core.formatting import parameter_text, printable

HELP = "compare sessions: their best trials side by side, and which is better"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sessions", nargs="+", metavar="SESSION", help="two or more session files")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    if len(args.sessions) < 2:
        print("hyperdesk compare: give two sessions or more", file=sys.stderr)
        return EXIT_USAGE
    comparison = compare_sessions([Path(path) for path in args.sessions])
    if args.json:
        print(json.dumps(comparison.to_dict(), indent=1))
        return EXIT_OK
    sides = comparison.sides
    names = sorted({name for side in sides for name in side.best_params})
    rows = [
        ("", *(printable(side.name) for side in sides)),
        ("strategy", *(side.strategy for side in sides)),
        ("data", *(printable(side.data) for side in sides)),
        ("trials finished", *(str(side.trials) for side in sides)),
        ("epochs trained", *(f"{side.epochs:,}" for side in sides)),
        ("training time", *(f"{side.seconds:.2f} s" for side in sides)),
        ("best trial", *("" if s.best_trial is None else str(s.best_trial) for s in sides)),
        ("best val acc", *(_score(side) for side in sides)),
        *((name, *(_param(side.best_params.get(name)) for side in sides)) for name in names),
        ("its epochs", *(str(side.best_epochs) for side in sides)),
        ("its time", *(f"{side.best_seconds:.2f} s" for side in sides)),
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print()
    print(comparison.verdict)
    return EXIT_OK


def _score(side) -> str:
    if side.best_val_acc is None:
        return "none yet"
    error = "" if side.best_error is None else f" ± {side.best_error:.3f}"
    return f"{side.best_val_acc:.3f}{error}"


def _param(value) -> str:
    return "" if value is None else parameter_text(value)
