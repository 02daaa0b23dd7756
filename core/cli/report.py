"""`hyperdesk report`: a session as one self-contained HTML file to share."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hyperdesk.core.cli.arguments import needs_the_window
from hyperdesk.core.cli.exit_codes import EXIT_OK, EXIT_USAGE
from hyperdesk.core.storage.report import write_report
from hyperdesk.core.storage.session import Session

HELP = "write a session as one HTML file: setup, data, best trials, panels, notes"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", help="the session file")
    parser.add_argument("--out", required=True, metavar="FILE", help="the HTML file to write")
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not args.force:
        print(f"hyperdesk report: {out} exists; --force replaces it", file=sys.stderr)
        return EXIT_USAGE
    if args.hooks.export_plots is None:
        return needs_the_window("report")
    session = Path(args.session)
    Session.check(session)
    try:
        write_report(session, out, args.hooks.export_plots)
    except OSError as error:
        print(f"hyperdesk: cannot write {out}: {error}; the session is unchanged", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {out}", file=sys.stderr)
    return EXIT_OK
