"""`hyperdesk note`: read or write a person's note on a session or one of its trials."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hyperdesk.core.cli.arguments import positive_int
from hyperdesk.core.cli.exit_codes import EXIT_OK, EXIT_USAGE
from hyperdesk.core.formatting import printable
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
    parser.add_argument(
        "--json",
        action="store_true",
        help='when reading: one JSON object, {"session": NOTE, "trials": {"N": NOTE}}',
    )


def run(args: argparse.Namespace) -> int:
    path = Path(args.session)
    if args.text is None:
        with Session.open(path, writable=False) as session:
            notes = {row.number: row.note for row in session.trials()}
            if args.trial is not None and args.trial not in notes:
                raise session.no_trial(args.trial)
            session_note = session.note
        _print_notes(session_note, notes, args.trial, args.json)
        return EXIT_OK
    if args.json:
        print("hyperdesk note: --json is for reading notes; leave out -m", file=sys.stderr)
        return EXIT_USAGE
    with Session.open(path) as session:
        session.config  # noqa: B018 - a damaged session is refused here as compare refuses it
        session.set_note(args.text, args.trial)
    what = "the session" if args.trial is None else f"trial {args.trial}"
    print(f"{'Cleared' if not args.text.strip() else 'Wrote'} the note on {what} in {path.name}.")
    return EXIT_OK


def _print_notes(session_note: str, notes: dict[int, str], trial: int | None, as_json: bool):
    """The session's note and each trial's that has one, or trial `trial`'s alone."""
    if trial is not None:
        text = json.dumps({"trial": trial, "note": notes[trial]}) if as_json else notes[trial]
        print(printable(text, keep_lines=True))
        return
    written = {number: note for number, note in notes.items() if note}
    if as_json:
        trials = {str(number): note for number, note in written.items()}
        print(json.dumps({"session": session_note, "trials": trials}))
        return
    # A note is a person's text from a file: no escape sequence reaches the terminal.
    print(printable(session_note, keep_lines=True))
    for number, note in written.items():
        print(printable(f"trial {number}: {note}", keep_lines=True))
