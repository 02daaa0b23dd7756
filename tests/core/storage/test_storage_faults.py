"""What survives a full disk and a read-only folder. Each test mounts a small tmpfs as
the data directory (root can, as on CI; elsewhere they are skipped)."""

import contextlib
import subprocess
import sys

import pytest

from hyperdesk.core.storage.session import Session


@contextlib.contextmanager
def mounted(folder, size):
    folder.mkdir(parents=True, exist_ok=True)
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
    )
    if made.returncode != 0:
        pytest.skip("needs to mount a tmpfs (root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def remount(folder, options):
    subprocess.run(["mount", "-o", f"remount,{options}", str(folder)], check=True)


def hyperdesk(*args, home):
    return subprocess.run(
        [sys.executable, "-m", "hyperdesk.core.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"HYPERDESK_HOME": str(home), "PATH": "/usr/bin:/bin"},
    )


@pytest.mark.parametrize("size", ["8k", "40k", "96k", "104k", "120k", "200k"])
def test_a_full_disk_says_what_is_saved_and_the_session_resumes(tmp_path, size):
    """Chained 'database or disk is full' tracebacks at every size, and at the smallest
    a stub that stayed unreadable; with 96-120 KB free, room for the file and not its
    write-ahead log, 'database disk image is malformed' (exit 1) and a file left that
    read as unreadable. Now: a message, exit 5, and a session that resumes (or, when
    even its first page did not fit, none at all)."""
    with mounted(tmp_path / "disk", size) as home:
        done = hyperdesk("run", "--example", "seed", "--set", "search.trials=60", home=home)
        assert done.returncode == 5, done.stderr
        assert "disk full while" in done.stderr and "Traceback" not in done.stderr
        sessions = list((home / "sessions").glob("*.hdsession"))
        assert not list((home / "sessions").glob(".*.partial*"))
        if not sessions:
            assert "nothing was saved" in done.stderr
            assert not list((home / "sessions").iterdir())  # no log, no lock either
            return
        (path,) = sessions
        assert f"hyperdesk resume {path}" in done.stderr
        remount(home, "size=64m")  # space freed
        resumed = hyperdesk("resume", path, home=home)
        assert resumed.returncode == 0, resumed.stderr
        with Session.open(path, writable=False) as session:
            assert session.status() == "complete"
            assert len(session.trials()) == 60


def test_a_read_only_folder_is_read_and_never_written(tmp_path, tiny_config):
    with mounted(tmp_path / "disk", "4m") as home:
        made = hyperdesk("run", tiny_config, home=home)
        assert made.returncode == 0, made.stderr
        (path,) = (home / "sessions").glob("*.hdsession")
        remount(home, "ro")
        listing = hyperdesk("sessions", home=home)
        assert "complete" in listing.stdout and "unreadable" not in listing.stdout
        exported = hyperdesk("export", path, "--csv", tmp_path / "out.csv", home=home)
        assert exported.returncode == 0, exported.stderr
        resumed = hyperdesk("resume", path, home=home)
        assert resumed.returncode == 3 and "read-only" in resumed.stderr
        again = hyperdesk("run", tiny_config, home=home)
        assert again.returncode == 3 and "cannot create the session file" in again.stderr
        assert "Traceback" not in resumed.stderr + again.stderr
