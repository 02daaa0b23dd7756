"""`hyperdesk bench --gui`: how responsive the window stays while the seed search runs,
measured in the real window, offscreen.

A 10 ms timer on the GUI thread beats while the search runs; the gaps between its beats
are what a person feels as the window freezing (the longest, and the 99th percentile).
Beside them, the GUI thread's own CPU time per frame (time.thread_time), which does not
depend on how busy the machine is: the tests assert that one, this command reports both."""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from hyperdesk.core import config as config_module
from hyperdesk.core.storage.session import Session
from hyperdesk.core.training.trainer import EpochRecord
from hyperdesk.core.trials import SearchState, TrialStatus
from hyperdesk.desktop_app.app import make_application, offscreen_warnings_hidden, settle_memory
from hyperdesk.desktop_app.window.main_window import MainWindow

HEARTBEAT_MS = 10
# The session the bench opens: 5,000 trials of 50 epochs (a long search's worth).
LARGE_SESSION = (5000, 50)


def run_window_bench(
    as_json: bool, overrides: tuple[str, ...] = (), large_session: tuple[int, int] = LARGE_SESSION
) -> int:
    """The seed search (with config `overrides`, as --set takes them) in the window, then
    opening a session of `large_session` (trials, epochs)."""
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
    opening = measure_opening(window, Path(home), large_session)
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
        **opening,
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
    say(
        f"opening a session of {opening['open_trials']:,} trials x {opening['open_epochs']} "
        f"epochs: {opening['open_s']:.2f} s, {opening['open_mb']:.0f} MB more memory "
        f"(peak {opening['peak_mb']:.0f} MB)"
    )
    if as_json:
        print(json.dumps(figures))
    return 0 if measured["state"] == "complete" else 1


def measure_opening(window: MainWindow, home: Path, size: tuple[int, int]) -> dict:
    """How long the window takes to show a large session, and the memory it adds."""
    trials, epochs = size
    path = home / "large.hdsession"
    write_synthetic_session(path, config_module.example_text("seed"), trials, epochs)
    before = peak_mb()
    started = time.perf_counter()
    window.actions.open_session(path)
    QApplication.processEvents()  # the table and panels laid out and drawn
    seconds = time.perf_counter() - started
    return {
        "open_trials": trials,
        "open_epochs": epochs,
        "open_s": round(seconds, 3),
        "open_mb": round(peak_mb() - before, 1),
        "peak_mb": round(peak_mb(), 1),
    }


def peak_mb() -> float:
    """This process's peak resident memory so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_synthetic_session(path: Path, config_toml: str, trials: int, epochs: int) -> None:
    """A complete session of `trials` x `epochs` made-up records (seeded, rising
    accuracies), written in one transaction per trial: what measuring how a large
    session opens needs, in seconds instead of a search's hours."""
    rng = np.random.default_rng(0)
    with Session.create(path, "synthetic", config_toml, trials) as session:
        session.begin_run(trials)
        for number in range(1, trials + 1):
            params = {"lr": 10 ** rng.uniform(-6, -2), "weight_decay": 10 ** rng.uniform(-8, -4)}
            session.start_trial(number, params, number, 1)
            ceiling = rng.uniform(0.1, 0.9)
            records = [
                EpochRecord(
                    epoch,
                    2.0 / epoch,
                    ceiling * epoch / epochs,
                    2.1 / epoch,
                    ceiling * epoch / epochs,
                    0.01,
                )
                for epoch in range(1, epochs + 1)
            ]
            session.add_epochs([(number, record) for record in records])
            session.finish_trial(number, TrialStatus.COMPLETE, records)
        session.end_run(SearchState.COMPLETE)
