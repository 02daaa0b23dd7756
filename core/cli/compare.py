"""`hyperdesk compare`: two or more sessions side by side, and which is better."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hyperdesk.core.cli.exit_codes import EXIT_OK, EXIT_USAGE
from hyperdesk.core.comparison import compare_sessions
from hyperdesk.core.formatting import printable

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
    rows = [tuple(printable(cell) for cell in row) for row in comparison.table()]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print()
    print(printable(comparison.verdict, keep_lines=True))
    return EXIT_OK
