"""A first guess at this machine's training speed, for the time estimate of a search
before any search has run here: a few epochs of the seed experiment's shape, trained as
a search's worker trains them (stacked, MAX_GROUP at a time), timed."""

from __future__ import annotations

import time
from dataclasses import replace

from hyperdesk.core.config import Config
from hyperdesk.core.data.splits import load_split
from hyperdesk.core.execution.runner import MAX_GROUP
from hyperdesk.core.training.trainer import train_trials

EPOCHS = 3
# Timings taken; the fastest counts. The first estimate is measured as the window opens,
# while its worker processes start beside it: a single timing read a third slow.
TIMINGS = 3


def measure_gflops(workers: int) -> float:
    """GFLOP/s of `workers` processes training the seed experiment's shape, from one
    process timed on its own."""
    config = Config()
    config = replace(config, train=replace(config.train, epochs=EPOCHS))
    data = load_split(config.data)
    network, settings = config.trial_settings({})
    # Learning rates apart, as a search's stacked trials are (one diverging ends early).
    group = [replace(settings, lr=settings.lr * (1 + i) / MAX_GROUP) for i in range(MAX_GROUP)]
    fastest = float("inf")
    for _ in range(TIMINGS):
        started = time.perf_counter()
        train_trials(data, [network] * MAX_GROUP, group, list(range(MAX_GROUP)))
        fastest = min(fastest, time.perf_counter() - started)
    return config.training_flops(EPOCHS) * MAX_GROUP / fastest / 1e9 * workers
