"""`hyperdesk export`: write a session's results as CSV, JSON, an Optuna study or
images of its panels."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hyperdesk.core.cli.arguments import needs_the_window
from hyperdesk.core.cli.exit_codes import EXIT_OK, EXIT_USAGE
from hyperdesk.core.storage.export import to_csv, to_json, to_optuna, write_text
from hyperdesk.core.storage.session import Session

HELP = "write a session's results as CSV, JSON, an Optuna study or images"
STDOUT = "-"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", help="the session file")
    # As elsewhere, --json alone prints JSON; a FILE (the spelling before) writes it there.
    for flag, what in (("--csv", "one row per trial"), ("--json", "every trial with every epoch")):
        parser.add_argument(
            flag, nargs="?", const=STDOUT, metavar="FILE", help=f"{what} (no FILE or -: print it)"
        )
    parser.add_argument(
        "--optuna", metavar="URL", help="write an Optuna study, e.g. sqlite:///study.db"
    )
    parser.add_argument(
        "--plots",
        metavar="DIR",
        type=Path,
        help="write every panel as an image into DIR (no display needed)",
    )
    parser.add_argument("--format", choices=("png", "svg"), default="png")
    parser.add_argument(
        "--scale",
        type=int,
        choices=(1, 2, 4),
        default=1,
        help="PNG size as a multiple of the on-screen size",
    )


def run(args: argparse.Namespace) -> int:
    plots = args.plots
    if not (args.csv or args.json or plots or args.optuna):
        wanted = "--csv [FILE], --json [FILE], --optuna URL or --plots DIR"
        print(f"hyperdesk export: say what to write: {wanted}", file=sys.stderr)
        return EXIT_USAGE
    if plots and args.hooks.export_plots is None:
        return needs_the_window("export --plots")
    Session.check(Path(args.session))
    written = []
    try:
        if plots:
            written += args.hooks.export_plots(Path(args.session), plots, args.format, args.scale)
        with Session.open(args.session, writable=False) as session:
            for path, render in ((args.csv, to_csv), (args.json, to_json)):
                if path == STDOUT:
                    sys.stdout.write(render(session))
                elif path:
                    write_text(Path(path), render(session))
                    written.append(path)
            if args.optuna:
                name = to_optuna(session, args.optuna)
                written.append(f"{args.optuna} (study {name!r})")
    except BrokenPipeError:  # printing, to a reader that stopped: not a file's problem
        raise
    except (OSError, ValueError) as error:
        # ValueError covers Optuna's refusals: a bad URL, a study of that name already there.
        print(f"hyperdesk: cannot write: {error}; the session is unchanged", file=sys.stderr)
        return EXIT_USAGE
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return EXIT_OK
