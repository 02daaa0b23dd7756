"""A first guess at this machine's training speed, for the time estimate of a search
before any search has run here: a few epochs of one small trial, timed."""

from __future__ import annotations

import time
from dataclasses import replace

from hyperdesk.core.config import Config
from hyperdesk.core.data.splits import load_split
from hyperdesk.core.training.trainer import train_trial

EPOCHS = 3


def measure_gflops(workers: int) -> float:
    """GFLOP/s of `workers` processes training the seed experiment's shape, from one
    process timed on its own. A search stacks trials and runs faster than this, so the
    estimate it gives errs on the long side until a real search is measured."""
    config = Config()
    config = replace(config, train=replace(config.train, epochs=EPOCHS))
    data = load_split(config.data)
    network, settings = config.trial_settings({})
    train_trial(data, network, settings, seed=0, on_epoch=None)  # allocations, caches
    started = time.perf_counter()
    train_trial(data, network, settings, seed=0)
    seconds = time.perf_counter() - started
    return config.training_flops(EPOCHS) / seconds / 1e9 * workers
