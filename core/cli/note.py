"""`hyperdesk note`: read or write a person's note on a session or one of its trials."""

from __future__ import annotations

import argparse
from pathlib import Path

from hyperdesk.core.cli.arguments import positive_int
from hyperdesk.core.cli.exit_codes import EXIT_OK
from hyperdesk.core.storage.session import Session

HELP = "read or write a note on a session or on one of its trials"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", help="the session file")
    parser.add_argument(
        "-m",
        "--message",
        dest="text",
        metavar="TEXT",
        help='write this note ("" clears it); without it, print the notes',
    )
    parser.add_argument("--trial", type=positive_int, help="a trial's note instead")


def run(args: argparse.Namespace) -> int:
    path = Path(args.session)
    if args.text is None:
        with Session.open(path, writable=False) as session:
            if args.trial is not None:
                notes = {row.number: row.note for row in session.trials()}
                if args.trial not in notes:
                    raise session.no_trial(args.trial)
                print(notes[args.trial])
                return EXIT_OK
            print(session.note)
            for row in session.trials():
                if row.note:
                    print(f"trial {row.number}: {row.note}")
        return EXIT_OK
    with Session.open(path) as session:
        session.set_note(args.text, args.trial)
    what = "the session" if args.trial is None else f"trial {args.trial}"
    print(f"{'Cleared' if not args.text.strip() else 'Wrote'} the note on {what} in {path.name}.")
    return EXIT_OK
