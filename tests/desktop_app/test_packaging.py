"""What an installed Hyperdesk needs beyond the code: the desktop entry, AppStream
metainfo, icons, the menu install, the About box and the self-test."""

import configparser
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

from hyperdesk.core import __version__
from hyperdesk.core.cli.exit_codes import EXIT_NO_DISPLAY

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "io.github.hyperdesk.Hyperdesk"
LINUX = ROOT / "resources" / "linux"
DESKTOP_FILE = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
ICONS = ROOT / "resources" / "icons"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def desktop_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def test_every_icon_size_is_bundled_at_its_size():
    assert (ICONS / "hyperdesk.svg").read_text().lstrip().startswith("<?xml")
    for size in ICON_SIZES:
        assert png_size(ICONS / f"hyperdesk-{size}.png") == (size, size)


def test_desktop_entry_is_valid():
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(
            ["desktop-file-validate", str(DESKTOP_FILE)], capture_output=True, text=True
        )
        assert result.returncode == 0 and "error" not in result.stdout, result.stdout
    entry = desktop_entry(DESKTOP_FILE)
    assert entry["Type"] == "Application" and entry["Name"] == "Hyperdesk"
    assert entry["Exec"].split()[:2] == ["hyperdesk", "gui"]
    assert entry["Icon"] == APP_ID
    assert entry["Categories"].endswith(";") and "Science" in entry["Categories"]
    assert entry["Terminal"] == "false"


def test_metainfo_is_valid_and_names_the_desktop_entry():
    if shutil.which("appstreamcli"):
        result = subprocess.run(
            ["appstreamcli", "validate", "--no-net", str(METAINFO)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    root = ElementTree.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("project_license") == "MIT"
    assert root.findtext("metadata_license")
    assert root.findtext("name") == "Hyperdesk" and root.findtext("summary")
    assert root.find("description/p") is not None
    assert root.findtext("launchable") == DESKTOP_FILE.name
    assert root.find("releases/release").get("version") == __version__
    assert root.findtext("url[@type='homepage']").startswith("https://")
    # Software centres show the screenshots: each a picture kept in this repository.
    images = [image.text for image in root.iterfind("screenshots/screenshot/image")]
    assert images
    for url in images:
        picture = ROOT / url.split("/main/", 1)[1]
        assert png_size(picture)[0] >= 1000, url
    # Today's features are listed, each a list item (seen: the list stopped at Sobol).
    features = " ".join(item.text for item in root.iterfind("description/ul/li"))
    for feature in ("NSGA-II", "CSV", "ONNX", "Dask", "k-fold", "report"):
        assert feature in features


def hyperdesk(*args):
    """The installed `hyperdesk` command, as a person runs it."""
    command = Path(sys.executable).with_name("hyperdesk")
    return subprocess.run(
        [str(command), *map(str, args)], capture_output=True, text=True, timeout=120
    )


def test_install_desktop_puts_the_app_and_completion_in_place_and_removes_them(tmp_path):
    data = tmp_path / "share"
    command = Path(sys.executable).with_name("hyperdesk")
    installed = hyperdesk("install-desktop", "--data-home", data)  # this hyperdesk, found
    assert installed.returncode == 0, installed.stderr
    assert f"it starts {command}" in installed.stdout
    entry = desktop_entry(data / "applications" / DESKTOP_FILE.name)
    assert entry["Exec"] == f"{command} gui %f"
    assert entry["TryExec"] == str(command)
    assert (data / "metainfo" / METAINFO.name).read_bytes() == METAINFO.read_bytes()
    for size in ICON_SIZES:
        icon = data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert png_size(icon) == (size, size)
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").exists()
    bash = (data / "bash-completion" / "completions" / "hyperdesk").read_text()
    zsh = (data / "zsh" / "site-functions" / "_hyperdesk").read_text()
    for script in (bash, zsh):  # every command, the window's too
        assert all(name in script for name in ("install-desktop", "gui", "sessions", "predict"))
    assert zsh.startswith("#compdef hyperdesk")
    assert hyperdesk("completion", "bash").stdout.strip() == bash.strip()
    if shutil.which("bash"):  # the script loads, and offers the commands
        offered = subprocess.run(
            [
                "bash",
                "-c",
                f"source {data}/bash-completion/completions/hyperdesk && "
                "COMP_WORDS=(hyperdesk se); COMP_CWORD=1; _shtab_hyperdesk; "
                'printf "%s\\n" "${COMPREPLY[@]}"',
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert offered.stdout.split() == ["sessions"], offered.stderr

    removed = hyperdesk("install-desktop", "--remove", "--data-home", data)
    assert removed.returncode == 0, removed.stderr
    # Left: only the caches the desktop's own tools keep (update-mime-database's).
    assert not list(data.rglob(f"{APP_ID}*")) and not list(data.rglob("*hyperdesk"))


def test_install_desktop_refuses_a_relative_command(tmp_path):
    result = hyperdesk("install-desktop", "--command", "hyperdesk", "--data-home", tmp_path)
    assert result.returncode == 2 and "absolute path" in result.stderr
    assert not list(tmp_path.iterdir())


def test_about_box_names_version_licence_data_and_libraries(window):
    from hyperdesk.desktop_app.dialogs.about import about_html

    text = about_html()
    assert f"Hyperdesk {__version__}" in text and "MIT License" in text
    assert "MNIST" in text and "LeCun" in text and "Attribution-Share Alike 3.0" in text
    for library in ("numpy", "PySide6", "pyqtgraph", "Optuna", "Qt "):
        assert library in text
    titles = [
        action.text() for menu in window.menuBar().actions() for action in menu.menu().actions()
    ]
    assert "About Hyperdesk" in titles


def test_the_window_has_the_icon_in_every_size(window):
    from PySide6.QtWidgets import QApplication

    sizes = {size.width() for size in QApplication.windowIcon().availableSizes()}
    assert sizes == set(ICON_SIZES)


def test_self_test_passes_offscreen(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HYPERDESK_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "hyperdesk.desktop_app.launcher", "--self-test"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-test passed" in result.stdout
    assert "2 trials (complete, complete)" in result.stdout
    assert not list(tmp_path.iterdir()), "the self-test wrote into the user's data directory"


def test_without_a_display_the_window_command_explains_what_to_do(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    result = subprocess.run(
        [sys.executable, "-m", "hyperdesk.desktop_app.launcher"],
        capture_output=True,
        text=True,
        env={**env, "HYPERDESK_HOME": str(tmp_path)},
        cwd=ROOT,
        timeout=60,
    )
    # Not 2, which says the config was bad: the documented code for "no window here".
    assert result.returncode == EXIT_NO_DISPLAY == 6
    assert "no display" in result.stderr and "hyperdesk run CONFIG" in result.stderr
    assert "xvfb-run" in result.stderr
    assert "platform plugin" not in result.stderr  # Qt's own abort never happens


LDD_WITHOUT_XCB_CURSOR = """\
	linux-vdso.so.1 (0x00007ffd2b5f2000)
	libQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f68e7724000)
	libxkbcommon-x11.so.0 => not found
	libxcb-cursor.so.0 => not found
	libxcb-icccm.so.4 => /lib/x86_64-linux-gnu/libxcb-icccm.so.4 (0x00007f68e6b6b000)
	libX11-xcb.so.1 => not found
"""


def test_missing_x11_libraries_are_named_with_the_debian_packages_to_install(monkeypatch, capsys):
    """Qt's xcb plugin aborted with "xcb-cursor0 or libxcb-cursor0 is needed" and a core
    dump; the window command says what to install instead."""
    from hyperdesk.desktop_app import launcher

    missing = launcher.missing_libraries(LDD_WITHOUT_XCB_CURSOR)
    assert missing == ["libX11-xcb.so.1", "libxcb-cursor.so.0", "libxkbcommon-x11.so.0"]
    assert [launcher.debian_package(name) for name in missing] == [
        "libx11-xcb1",
        "libxcb-cursor0",
        "libxkbcommon-x11-0",
    ]
    monkeypatch.setattr(launcher, "display_available", lambda: True)
    monkeypatch.setattr(launcher, "xcb_libraries_missing", lambda: missing)
    assert launcher.main(["gui"]) == EXIT_NO_DISPLAY
    err = capsys.readouterr().err
    assert "sudo apt-get install libx11-xcb1 libxcb-cursor0 libxkbcommon-x11-0" in err


def test_the_check_reads_ldd_on_qts_own_x11_plugin(monkeypatch, tmp_path):
    from hyperdesk.desktop_app import launcher

    fake = tmp_path / "ldd"
    fake.write_text(
        f"#!/bin/sh\necho \"$1\" > {tmp_path}/asked\ncat <<'EOF'\n{LDD_WITHOUT_XCB_CURSOR}EOF\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert "libxcb-cursor.so.0" in launcher.xcb_libraries_missing()
    assert (tmp_path / "asked").read_text().strip().endswith("platforms/libqxcb.so")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # no X11 plugin: nothing to check
    assert launcher.xcb_libraries_missing() == []
