"""`hyperdesk bench --gui`: how responsive the window stays while the seed search runs,
measured in the real window, offscreen.

A 10 ms timer on the GUI thread beats while the search runs; the gaps between its beats
are what a person feels as the window freezing (the longest, and the 99th percentile).
Beside them, the GUI thread's own CPU time per frame (time.thread_time), which does not
depend on how busy the machine is: the tests assert that one, this command reports both."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer

from hyperdesk.core import config as config_module
from hyperdesk.desktop_app.app import make_application, offscreen_warnings_hidden, settle_memory
from hyperdesk.desktop_app.main_window import MainWindow

HEARTBEAT_MS = 10


def run_window_bench(as_json: bool, overrides: tuple[str, ...] = ()) -> int:
    """The seed search (with config `overrides`, as --set takes them) in the window."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = tempfile.mkdtemp(prefix="hyperdesk-bench-")
    os.environ["HYPERDESK_HOME"] = home  # the bench's sessions are not the person's

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(Path(home)))
    app = make_application()
    window = MainWindow()
    seed = config_module.loads(config_module.example_text("seed"), overrides)
    window.setup.load_config(seed, "seed")
    window.resize(1366, 768)
    with offscreen_warnings_hidden():
        window.show()
    settle_memory()
    gaps: list[float] = []
    frames: list[int] = []
    last = [0.0]
    measured: dict[str, float] = {}

    def beat() -> None:
        now = time.monotonic()
        # From the first epoch on: starting (the table's rows, the legends' first
        # layout) is a one-off, not what a person watching a search feels.
        if window.model.results.epochs_done > 0 and last[0]:
            gaps.append(now - last[0])
        last[0] = now

    def ended(state) -> None:
        measured["cpu"] = time.thread_time() - measured["cpu"]
        measured["wall"] = time.monotonic() - measured["wall"]
        measured["state"] = str(state)
        app.quit()

    window.model.trialsChanged.connect(lambda numbers: frames.append(len(numbers)))
    window.controller.searchEnded.connect(ended)
    heartbeat = QTimer()
    heartbeat.timeout.connect(beat)

    def start() -> None:
        measured["cpu"] = time.thread_time()
        measured["wall"] = time.monotonic()
        heartbeat.start(HEARTBEAT_MS)
        window.start()

    QTimer.singleShot(0, start)
    with offscreen_warnings_hidden():
        app.exec()
    heartbeat.stop()
    epochs = window.model.results.epochs_done
    window.shutdown()
    shutil.rmtree(home, ignore_errors=True)
    gaps.sort()
    figures = {
        "state": measured["state"],
        "epochs": epochs,
        "seconds": round(measured["wall"], 3),
        "frames": len(frames),
        "longest_gap_ms": round(1000 * gaps[-1], 1) if gaps else None,
        "p99_gap_ms": round(1000 * gaps[int(0.99 * (len(gaps) - 1))], 1) if gaps else None,
        "gui_cpu_s": round(measured["cpu"], 3),
        "gui_cpu_per_frame_ms": round(1000 * measured["cpu"] / max(len(frames), 1), 2),
        "gui_cpu_share": round(measured["cpu"] / measured["wall"], 3),
    }
    say = (lambda *a: print(*a, file=sys.stderr)) if as_json else print
    say(
        f"seed search in the window ({figures['state']}): {epochs} epochs in "
        f"{figures['seconds']:.1f} s, {len(frames)} frames"
    )
    say(
        f"gap between heartbeats ({HEARTBEAT_MS} ms timer): longest "
        f"{figures['longest_gap_ms']} ms, 99th percentile {figures['p99_gap_ms']} ms"
    )
    say(
        f"GUI thread CPU: {figures['gui_cpu_s']:.2f} s, {figures['gui_cpu_per_frame_ms']:.1f} "
        f"ms per frame, {100 * figures['gui_cpu_share']:.0f}% of the time"
    )
    if as_json:
        print(json.dumps(figures))
    return 0 if measured["state"] == "complete" else 1
