"""The `hyperdesk` command: the window (`hyperdesk`, `hyperdesk gui`) and every headless
command of core.cli. Qt is imported only when the window opens."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from hyperdesk.core.cli import build_parser, dispatch
from hyperdesk.core.cli.arguments import WindowHooks
from hyperdesk.core.cli.exit_codes import EXIT_USAGE
from hyperdesk.core.storage.paths import SESSION_SUFFIX

NO_DISPLAY = (
    "hyperdesk: no display to open the window on. Run a search headless with "
    "'hyperdesk run CONFIG', or set QT_QPA_PLATFORM=offscreen to run the window without "
    "showing it."
)


def display_available() -> bool:
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_gui(args: argparse.Namespace) -> int:
    if not display_available():
        print(NO_DISPLAY, file=sys.stderr)
        return EXIT_USAGE
    from hyperdesk.desktop_app.app import run_window

    return run_window(getattr(args, "target", None), getattr(args, "start", False))


def add_window_commands(commands: argparse._SubParsersAction) -> None:
    gui = commands.add_parser("gui", help="open the window (the default with no command)")
    gui.add_argument(
        "target",
        nargs="?",
        type=Path,
        help=f"a config (.toml) or a session ({SESSION_SUFFIX}) to open",
    )
    gui.add_argument("--start", action="store_true", help="start the search at once")
    gui.set_defaults(handler=cmd_gui)


def export_plots(session: Path, folder: Path, fmt: str, scale: int) -> list[Path]:
    from hyperdesk.desktop_app.headless import render_session_panels

    return render_session_panels(session, folder, fmt, scale)


def bench_window(args: argparse.Namespace) -> int:
    from hyperdesk.desktop_app.window_bench import run_window_bench

    return run_window_bench(args.json)


def main(argv: Sequence[str] | None = None) -> int:
    # In a frozen build (PyInstaller) the worker processes start this executable again;
    # this hands them to multiprocessing instead of parsing their arguments. A no-op
    # everywhere else.
    multiprocessing.freeze_support()
    parser = build_parser(WindowHooks(add_window_commands, export_plots, bench_window))
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the window offscreen, run a 2-trial search, export an image, exit 0",
    )
    args = parser.parse_args(argv)
    if args.self_test:
        from hyperdesk.desktop_app.self_test import run_self_test

        return run_self_test()
    if args.command is None:
        return cmd_gui(args)
    return dispatch(args)


if __name__ == "__main__":
    sys.exit(main())
