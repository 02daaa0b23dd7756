"""`hyperdesk bench --gui` measures the real window during a search and reports its
figures as one JSON line (their values depend on the machine: only their sense is
checked here)."""

import json
import os
import subprocess
import sys


def test_the_window_bench_reports_frame_gaps_and_gui_work(tmp_path):
    script = (
        "import sys\n"
        "from hyperdesk.desktop_app.tools.window_bench import run_window_bench\n"
        "sys.exit(run_window_bench(True, ('search.trials=4', 'train.epochs=5'), (300, 5)))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["state"] == "complete"
    assert figures["epochs"] == 20
    assert 0 < figures["frames"] <= figures["epochs"]
    assert 0 < figures["p99_gap_ms"] <= figures["longest_gap_ms"]
    assert figures["gui_cpu_per_frame_ms"] > 0
    assert 0 < figures["gui_cpu_share"] < 1
    assert figures["open_trials"] == 300 and figures["open_s"] > 0
    assert "longest" in done.stderr and "99th percentile" in done.stderr
    assert "opening a session of 300 trials" in done.stderr
