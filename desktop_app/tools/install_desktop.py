"""`hyperdesk install-desktop`: Hyperdesk in this user's applications menu (Linux): the
desktop entry, its icons, the AppStream metainfo, the `.hdsession` file type, and shell
completion for bash and zsh. Whatever installed Hyperdesk (pip, pipx, a checkout's
`make install-desktop`, a frozen build), the entry starts the executable that ran this.
`--remove` takes every one of them out again. No Qt: it only writes files."""

from __future__ import annotations

import argparse
import importlib.resources
import os
import shutil
import subprocess
import sys
from pathlib import Path

import shtab

from hyperdesk.core.cli.exit_codes import EXIT_OK, EXIT_USAGE

APP_ID = "io.github.hyperdesk.Hyperdesk"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
HELP = "put Hyperdesk in this user's applications menu, with shell completion (Linux)"


def data_home() -> Path:
    """Where per-user desktop files go (the XDG base directory specification)."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def installed_files(data: Path) -> dict[Path, str]:
    """Every file the install writes under `data`, by what it holds: a resource of
    hyperdesk.resources ("linux/NAME", "icons/NAME"), the "desktop entry" or a shell's
    "completion"."""
    apps = data / "icons" / "hicolor" / "{}" / "apps"
    files = {
        data / "applications" / f"{APP_ID}.desktop": "desktop entry",
        data / "metainfo" / f"{APP_ID}.metainfo.xml": f"linux/{APP_ID}.metainfo.xml",
        data / "mime" / "packages" / f"{APP_ID}.xml": "linux/application-x-hyperdesk-session.xml",
        Path(str(apps).format("scalable")) / f"{APP_ID}.svg": "icons/hyperdesk.svg",
        # bash-completion reads this folder by itself; zsh one on its fpath.
        data / "bash-completion" / "completions" / "hyperdesk": "bash completion",
        data / "zsh" / "site-functions" / "_hyperdesk": "zsh completion",
    }
    for size in ICON_SIZES:
        files[Path(str(apps).format(f"{size}x{size}")) / f"{APP_ID}.png"] = (
            f"icons/hyperdesk-{size}.png"
        )
    return files


def running_command() -> Path | None:
    """The absolute path of the `hyperdesk` executable running now (a menu does not see
    a terminal's PATH); None when it cannot be told."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve()
    invoked = Path(sys.argv[0])
    if invoked.name == "hyperdesk" and invoked.is_file():
        return invoked.absolute()
    found = shutil.which("hyperdesk")
    return Path(found).absolute() if found else None


def install(command: Path, data: Path, parser: argparse.ArgumentParser) -> list[Path]:
    """Write every file of the menu entry and completion under `data`, the entry
    starting `command`; the paths written."""
    resources = importlib.resources.files("hyperdesk.resources")
    entry = (resources / "linux" / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    entry = entry.replace("Exec=hyperdesk ", f"Exec={command} ").replace(
        "TryExec=hyperdesk\n", f"TryExec={command}\n"
    )
    contents: dict[Path, bytes] = {}
    for path, source in installed_files(data).items():
        if source == "desktop entry":
            contents[path] = entry.encode()
        elif source.endswith(" completion"):
            contents[path] = shtab.complete(parser, source.split()[0]).encode()
        else:
            contents[path] = resources.joinpath(*source.split("/")).read_bytes()
    for path, content in contents.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    _refresh(data)
    return list(contents)


def remove(data: Path) -> list[Path]:
    """Delete what install() wrote under `data`; the paths that were there."""
    removed = [path for path in installed_files(data) if path.exists()]
    for path in removed:
        path.unlink()
    _refresh(data)
    return removed


def _refresh(data: Path) -> None:
    """Tell the desktop's caches, where their tools exist; menus also rescan by themselves."""
    for tool, *arguments in (
        ("update-desktop-database", "-q", data / "applications"),
        ("update-mime-database", data / "mime"),
        ("gtk-update-icon-cache", "-q", "-t", data / "icons" / "hicolor"),
    ):
        if shutil.which(tool) and Path(arguments[-1]).is_dir():
            subprocess.run(
                [tool, *map(str, arguments)], capture_output=True, timeout=60, check=False
            )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--remove", action="store_true", help="take it all out again")
    parser.add_argument(
        "--command",
        dest="executable",  # `command` is the subcommand's name
        type=Path,
        help="the executable the menu entry starts (default: this hyperdesk)",
    )
    parser.add_argument(
        "--data-home",
        type=Path,
        help="where the files go (default: $XDG_DATA_HOME, else ~/.local/share)",
    )


def run(args: argparse.Namespace) -> int:
    data = args.data_home or data_home()
    if args.remove:
        removed = remove(data)
        print(f"Removed Hyperdesk's menu entry and completion from {data} ({len(removed)} files).")
        return EXIT_OK
    command = args.executable or running_command()
    if command is None or not command.is_absolute():
        print(
            f"hyperdesk install-desktop: --command must be the absolute path of the "
            f"hyperdesk executable (got {command or 'nothing'})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not (command.is_file() and os.access(command, os.X_OK)):
        print(
            f"hyperdesk install-desktop: --command {command} is not an executable", file=sys.stderr
        )
        return EXIT_USAGE
    install(command, data, args.parser)
    zsh = data / "zsh" / "site-functions"
    print(
        f"Installed Hyperdesk's menu entry into {data}; it starts {command}.\n"
        "Shell completion: bash picks it up in a new terminal; for zsh, add\n"
        f"    fpath=({zsh} $fpath)\n"
        "before compinit in ~/.zshrc."
    )
    return EXIT_OK
