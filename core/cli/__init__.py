"""The `hyperdesk` command line: the same engine as the window, without a display. One
module per command, each with its HELP, add_arguments(parser) and run(args); COMMANDS
is the table the parser is built from."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from hyperdesk.core import __version__
from hyperdesk.core.cli import (
    bench,
    check_code,
    compare,
    demo,
    evaluate,
    export,
    extend_trial,
    model,
    note,
    predict,
    report,
    resume,
    run,
    sessions,
)
from hyperdesk.core.cli.arguments import WindowHooks
from hyperdesk.core.cli.exit_codes import (
    EXIT_BUSY,
    EXIT_CODES,
    EXIT_DISK_FULL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_SESSION,
    EXIT_USAGE,
)
from hyperdesk.core.config import ConfigError
from hyperdesk.core.data.datasets import DatasetError
from hyperdesk.core.execution.dask_pool import ConnectInterrupted, DaskError
from hyperdesk.core.execution.user_code import EntryError
from hyperdesk.core.formatting import printable
from hyperdesk.core.storage.session import SessionBusyError, SessionError, SessionFullError

COMMANDS = {
    "demo": demo,
    "run": run,
    "check-code": check_code,
    "resume": resume,
    "evaluate": evaluate,
    "extend-trial": extend_trial,
    "model": model,
    "predict": predict,
    "note": note,
    "sessions": sessions,
    "compare": compare,
    "bench": bench,
    "export": export,
    "report": report,
}


HEADLESS = WindowHooks()


def build_parser(hooks: WindowHooks = HEADLESS) -> argparse.ArgumentParser:
    """The command-line parser; the window's side lends its commands and drawing through
    `hooks`."""
    parser = argparse.ArgumentParser(
        prog="hyperdesk",
        description="Tune a neural network's hyperparameters.",
        epilog="exit codes:\n" + "\n".join(f"  {code:<5}{meaning}" for code, meaning in EXIT_CODES),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"hyperdesk {__version__}")
    parser.set_defaults(hooks=hooks)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    if hooks.add_commands is not None:
        hooks.add_commands(commands)
    for name, command in COMMANDS.items():
        subparser = commands.add_parser(name, help=command.HELP)
        command.add_arguments(subparser)
        subparser.set_defaults(handler=command.run)
    return parser


# Settings that core's errors name and this command line takes as flags.
FLAGS = {"trial": "--trial", "enqueue": "--enqueue", "example": "--example", "name": "--name"}

# Errors a person can act on, most particular first: the exit code each gives.
SESSION_ERRORS = (
    (SessionBusyError, EXIT_BUSY),
    (SessionFullError, EXIT_DISK_FULL),
    (SessionError, EXIT_SESSION),
)


def dispatch(args: argparse.Namespace) -> int:
    """Run the parsed command; errors a person can fix become messages and exit codes.
    Their text can quote a file (a column's name, a session's): what reaches the
    terminal has its escape sequences written out."""
    stderr = sys.stderr
    sys.stderr = _EscapedWriter(stderr)
    try:
        return _dispatch(args)
    finally:
        sys.stderr = stderr


class _EscapedWriter:
    """A text stream passing on what is written with control characters escaped (newlines
    and tabs kept)."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(printable(text, keep_lines=True))

    def __getattr__(self, name):
        return getattr(self.stream, name)


def _dispatch(args: argparse.Namespace) -> int:
    try:
        return args.handler(args)
    except ConfigError as error:
        problems = "\n".join(f"{FLAGS.get(key, key)}: {message}" for key, message in error.problems)
        print(f"hyperdesk: the configuration has problems:\n{problems}", file=sys.stderr)
        return EXIT_USAGE
    except EntryError as error:  # a function of one's own that cannot be run; nothing started
        print(f"hyperdesk: the training code cannot be run: {error}", file=sys.stderr)
        return EXIT_USAGE
    except DatasetError as error:  # the data a config names cannot be used; nothing started
        print(f"hyperdesk: the data cannot be used: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ConnectInterrupted:
        print(
            "hyperdesk: interrupted while connecting to Dask; nothing was started", file=sys.stderr
        )
        return EXIT_INTERRUPTED
    except DaskError as error:  # the cluster cannot be used: nothing started
        # The way on without it is a command: the window has its own "Where it runs".
        print(
            f"hyperdesk: {error}\n(A search in a session goes on on this computer with: "
            "hyperdesk resume SESSION --local)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except SessionError as error:
        print(f"hyperdesk: {error}", file=sys.stderr)
        return next(code for kind, code in SESSION_ERRORS if isinstance(error, kind))
    except KeyboardInterrupt:  # Ctrl+C before a search took over the signal
        print("hyperdesk: interrupted; nothing was started", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader stopped reading (hyperdesk sessions | head): nothing is wrong. Output
        # still buffered goes nowhere, not into a second error as Python exits.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    return dispatch(args)
