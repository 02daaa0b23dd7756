"""The window as a process: SIGTERM and Ctrl+C end it as closing it does, a running
search stopped as Stop stops it, with every process it started ended."""

import os
import signal
import subprocess
import sys
import time

import pytest

from hyperdesk.core.storage.session import Session
from tests.core.cli.test_cli import count_epochs

LONG_SEARCH = """
[data]
samples = 1000
[model]
hidden = [100, 100]
[train]
epochs = 500
[search]
strategy = "random"
trials = 4
[search.space.lr]
low = 1e-3
high = 1e-1
scale = "log"
"""


def descendants(pid: int) -> set[int]:
    """Every process under `pid` (children, theirs...), from /proc."""
    found, frontier = set(), [pid]
    while frontier:
        parent = frontier.pop()
        children = subprocess.run(
            ["pgrep", "-P", str(parent)], capture_output=True, text=True
        ).stdout.split()
        for child in map(int, children):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone but for its parent's reading of its status.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[1][0] != "Z"


@pytest.mark.parametrize(("sent", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_the_search_and_leaves_no_process(tmp_path, hyperdesk_home, sent, code):
    config = tmp_path / "long.toml"
    config.write_text(LONG_SEARCH)
    window = subprocess.Popen(
        [sys.executable, "-m", "hyperdesk.desktop_app.launcher", "gui", config, "--start"],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "HYPERDESK_HOME": str(hyperdesk_home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    sessions = hyperdesk_home / "sessions"
    deadline = time.monotonic() + 120
    while not (
        list(sessions.glob("*.hdsession")) and count_epochs(next(sessions.glob("*.hdsession"))) >= 2
    ):
        assert window.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    started = descendants(window.pid)
    assert started  # its worker processes and helper
    window.send_signal(sent)
    _, err = window.communicate(timeout=60)
    assert window.returncode == code, err.decode()
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in started if alive(pid)]
    (path,) = sessions.glob("*.hdsession")
    with Session.open(path, writable=False) as session:
        assert session.status() == "interrupted"  # Resume finishes it
        saved = sum(len(records) for records in session.epochs().values())
    assert saved >= 2
