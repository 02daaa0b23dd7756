"""The progress line `run` and `resume` draw on stderr."""

from __future__ import annotations

import sys
import time

from hyperdesk.core.execution.runner import TrialStart
from hyperdesk.core.formatting import clock
from hyperdesk.core.training.trainer import EpochRecord


class Progress:
    """A progress line on stderr: a bar, trials, epochs, elapsed and ETA. On a terminal it
    redraws in place at most ten times a second; elsewhere it prints a line per trial."""

    def __init__(self, planned_trials: int, epochs_per_trial: int, done_trials: int):
        self.planned = planned_trials
        self.epochs_per_trial = epochs_per_trial
        self.done_at_start = done_trials
        self.done = done_trials
        self.epochs = 0
        self.current_epoch = 0
        self.started = time.monotonic()
        self.drawn = 0.0
        self.live = sys.stderr.isatty()

    def trial_started(self, start: TrialStart) -> None:
        self.current_epoch = 0

    def epoch(self, number: int, record: EpochRecord) -> None:
        self.epochs += 1
        self.current_epoch = record.epoch
        if self.live and time.monotonic() - self.drawn > 0.1:
            self._draw()

    def trial_ended(self, number: int, status: str) -> None:
        self.done += 1
        self.current_epoch = 0
        if self.live:
            self._draw()
        else:
            print(self._line(), file=sys.stderr, flush=True)

    def _line(self) -> str:
        fraction = (self.done + self.current_epoch / self.epochs_per_trial) / max(self.planned, 1)
        elapsed = time.monotonic() - self.started
        worked = fraction - self.done_at_start / max(self.planned, 1)
        # Before a trial of this run has ended, the time is mostly starting up (workers,
        # data): an estimate from it read 27 minutes for a 25 s search.
        measured = self.done > self.done_at_start and worked > 0
        eta = clock(elapsed * (1 - fraction) / worked) if measured else "--:--"
        bar = "#" * round(24 * fraction)
        return (
            f"[{bar:<24}] {self.done}/{self.planned} trials  {self.epochs} epochs  "
            f"{clock(elapsed)} elapsed  ETA {eta}"
        )

    def _draw(self) -> None:
        self.drawn = time.monotonic()
        print("\r" + self._line(), end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.live:
            print(file=sys.stderr)


def download_progress(name: str, done: int, total: int) -> None:
    """A download's progress on stderr: one line redrawn on a terminal, the end alone
    elsewhere."""
    if not total:
        return
    line = f"Downloading {name}: {done / 1e6:.1f} of {total / 1e6:.1f} MB"
    if sys.stderr.isatty():
        print("\r" + line, end="\n" if done >= total else "", file=sys.stderr, flush=True)
    elif done >= total:
        print(line, file=sys.stderr, flush=True)
