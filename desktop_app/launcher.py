"""The `hyperdesk` command: the window (`hyperdesk`, `hyperdesk gui`) and every headless
command of core.cli. Qt is imported only when the window opens."""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from hyperdesk.core.cli import build_parser, dispatch
from hyperdesk.core.cli.arguments import WindowHooks
from hyperdesk.core.cli.exit_codes import EXIT_NO_DISPLAY, EXIT_OK
from hyperdesk.core.paths import SESSION_SUFFIX

NO_DISPLAY = (
    "hyperdesk: no display to open the window on. Run a search without the window with "
    "'hyperdesk run CONFIG' (for example: hyperdesk run --example seed), or start a "
    "virtual display: xvfb-run -a hyperdesk"
)
LIBRARIES_MISSING = (
    "hyperdesk: Qt cannot open a window here: its X11 plugin needs {libraries}, which "
    "this system does not have. On Debian or Ubuntu:\n\n    sudo apt-get install "
    "{packages}\n\nWithout the window, searches run with 'hyperdesk run CONFIG'."
)


def display_available() -> bool:
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def missing_libraries(ldd_output: str) -> list[str]:
    """The shared libraries `ldd` says it cannot find, by name (libxcb-cursor.so.0)."""
    return sorted({line.split()[0] for line in ldd_output.splitlines() if "=> not found" in line})


def debian_package(library: str) -> str:
    """The Debian package that ships a library, by Debian's naming of library packages:
    libxcb-cursor.so.0 -> libxcb-cursor0, libxkbcommon-x11.so.0 -> libxkbcommon-x11-0."""
    name, _, version = library.partition(".so.")
    name = name.lower()
    version = version.split(".")[0]
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def xcb_libraries_missing() -> list[str]:
    """What Qt's X11 plugin would fail to load for (Qt aborts then, with a message that
    names one library and no package), found with ldd before Qt is loaded. Empty when
    nothing is missing or it cannot be told (no ldd, another platform)."""
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM", "xcb") != "xcb":
        return []
    if not os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return []
    spec = importlib.util.find_spec("PySide6")
    locations = list(spec.submodule_search_locations or []) if spec else []
    plugin = Path(locations[0], "Qt", "plugins", "platforms", "libqxcb.so") if locations else None
    ldd = shutil.which("ldd")
    if plugin is None or not plugin.exists() or ldd is None:
        return []
    try:
        found = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return missing_libraries(found.stdout)


def cmd_gui(args: argparse.Namespace) -> int:
    if not display_available():
        print(NO_DISPLAY, file=sys.stderr)
        return EXIT_NO_DISPLAY
    if missing := xcb_libraries_missing():
        packages = " ".join(sorted({debian_package(library) for library in missing}))
        print(
            LIBRARIES_MISSING.format(libraries=", ".join(missing), packages=packages),
            file=sys.stderr,
        )
        return EXIT_NO_DISPLAY
    from hyperdesk.desktop_app.window.launch import run_window

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
    from hyperdesk.desktop_app.tools import install_desktop

    menu = commands.add_parser("install-desktop", help=install_desktop.HELP)
    install_desktop.add_arguments(menu)
    menu.set_defaults(handler=install_desktop.run)
    completion = commands.add_parser(
        "completion", help="print the shell completion script (install-desktop installs it)"
    )
    completion.add_argument("shell", choices=("bash", "zsh"))
    completion.set_defaults(handler=cmd_completion)


def cmd_completion(args: argparse.Namespace) -> int:
    import shtab

    print(shtab.complete(args.parser, args.shell))
    return EXIT_OK


def export_plots(session: Path, folder: Path, fmt: str, scale: int) -> list[Path]:
    from hyperdesk.desktop_app.panels.rendering import render_session_panels

    return render_session_panels(session, folder, fmt, scale)


def bench_window(args: argparse.Namespace) -> int:
    from hyperdesk.desktop_app.tools.window_bench import run_window_bench

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
    parser.set_defaults(parser=parser)  # what completion scripts are made from
    args = parser.parse_args(argv)
    if args.self_test:
        from hyperdesk.desktop_app.tools.self_test import run_self_test

        return run_self_test()
    if args.command is None:
        return cmd_gui(args)
    return dispatch(args)


if __name__ == "__main__":
    sys.exit(main())
