"""`hyperdesk bench --own-code`: what running a training function of one's own through
Hyperdesk costs beyond calling it in a loop: per trial (a worker's round trip, the
session's rows, the import of the file) and per reported epoch (a message to the
runner and a row in the session). The function does no work of its own, so every
second measured is overhead; each figure is the median of alternating rounds."""

from __future__ import annotations

import importlib.util
import statistics
import tempfile
import time
from pathlib import Path

from hyperdesk.core import config as config_module
from hyperdesk.core.execution.runner import SearchRunner
from hyperdesk.core.search.registry import planned_trials
from hyperdesk.core.storage.session import Session

FUNCTION = """
def fit(params, trial):
    for epoch in range(1, params["epochs"] + 1):
        trial.report(epoch, val_acc=0.5, train_loss=1.0)
        if trial.should_stop():
            return None
    return None
"""

CONFIG = """
[code]
entry = "{file}:fit"
[code.fixed]
epochs = {epochs}
[search]
strategy = "random"
trials = {trials}
[search.space.lr]
low = 0.001
high = 0.1
"""


class _Direct:
    """What the function is given when it is called in a plain loop."""

    def __init__(self):
        self.reports = []

    def report(self, epoch: int, **figures: float) -> None:
        self.reports.append((epoch, figures))

    def should_stop(self) -> bool:
        return False


def _direct(fit, trials: int, epochs: int) -> float:
    started = time.perf_counter()
    for _ in range(trials):
        fit({"epochs": epochs, "lr": 0.01}, _Direct())
    return time.perf_counter() - started


def _through_hyperdesk(folder: Path, file: Path, trials: int, epochs: int, workers: int) -> float:
    config = config_module.loads(CONFIG.format(file=file, epochs=epochs, trials=trials))
    path = Path(tempfile.mkdtemp(dir=folder)) / "bench.hdsession"
    with Session.create(path, "bench", config.to_toml(), planned_trials(config.search)) as session:
        started = time.perf_counter()
        SearchRunner(session, workers=workers).run()
        return time.perf_counter() - started


def own_code_main(trials: int, workers: int, rounds: int = 3) -> int:
    """Print the overhead per trial (one epoch each) and per reported epoch (the slope
    from 1 to 101 epochs a trial), with the direct loop's own times."""
    with tempfile.TemporaryDirectory(prefix="hyperdesk-bench-") as scratch:
        folder = Path(scratch)
        file = folder / "nothing.py"
        file.write_text(FUNCTION)
        spec = importlib.util.spec_from_file_location("nothing", file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        many = 101
        times: dict[str, list[float]] = {
            "direct 1": [],
            "direct many": [],
            "ours 1": [],
            "ours many": [],
        }
        for _ in range(rounds):  # alternating: a slow moment costs both sides alike
            times["direct 1"].append(_direct(module.fit, trials, 1))
            times["ours 1"].append(_through_hyperdesk(folder, file, trials, 1, workers))
            times["direct many"].append(_direct(module.fit, trials, many))
            times["ours many"].append(_through_hyperdesk(folder, file, trials, many, workers))
    median = {name: statistics.median(values) for name, values in times.items()}
    per_trial = (median["ours 1"] - median["direct 1"]) / trials
    per_epoch = (
        (median["ours many"] - median["ours 1"]) - (median["direct many"] - median["direct 1"])
    ) / (trials * (many - 1))
    print(
        f"A function that does nothing, {trials} trials on {workers} worker"
        f"{'s' * (workers != 1)}, medians of {rounds} alternating rounds:"
    )
    print(
        f"  called in a loop: {median['direct 1'] * 1e6 / trials:.1f} us a trial, "
        f"{(median['direct many'] - median['direct 1']) * 1e6 / (trials * (many - 1)):.2f} us "
        "an epoch"
    )
    print(
        f"  through Hyperdesk: {median['ours 1']:.2f} s for {trials} one-epoch trials, "
        f"{median['ours many']:.2f} s for {many} epochs each"
    )
    print(
        f"  overhead: {per_trial * 1e3:.1f} ms a trial, {per_epoch * 1e6:.0f} us a reported epoch"
    )
    return 0
