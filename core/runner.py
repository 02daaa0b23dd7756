"""Runs a search: asks the strategy, trains each trial, saves every epoch as it arrives.

The command line and the window both drive this class; it knows nothing of either.
Resuming replays the strategy against the trials already in the session, so a resumed
search ends with exactly the trials and epochs of an uninterrupted one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core import config as config_module
from core.config import Config
from core.datasets import Split, holdout_indices, load_dataset, make_split
from core.paths import SESSION_SUFFIX
from core.session import COMPLETE, FINISHED, INTERRUPTED, Session, SessionError, TrialRow
from core.strategies import Strategy, Suggestion, make_strategy
from core.trainer import EpochRecord, TrialResult, train_trial


def trial_seed(search_seed: int, number: int) -> int:
    """The seed of trial `number`: fixed by the search seed, independent of what ran
    before it, so a trial rerun on resume (or on another worker) trains identically."""
    return int(np.random.SeedSequence([search_seed, number]).generate_state(1)[0])


def trial_score(status: str, final_val_acc: float | None) -> float | None:
    """What strategies and rankings go by: the final validation accuracy of a complete
    trial; None for one that diverged or has no result."""
    return final_val_acc if status == COMPLETE else None


class RunControl:
    """Stop and pause, safe to call from any thread. The trainer asks should_stop()
    between steps; while paused, that call waits, so a paused search holds its place."""

    def __init__(self):
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def should_stop(self) -> bool:
        self._running.wait()
        return self._stop.is_set()


@dataclass(frozen=True)
class TrialStart:
    number: int
    params: dict
    round: int
    seed: int


@dataclass(frozen=True)
class SearchOutcome:
    state: str  # complete or interrupted
    trials: list[TrialRow]


def load_split(config: Config) -> Split:
    pixels, labels = load_dataset(config.data.dataset)
    train, val = holdout_indices(
        len(pixels), config.data.samples, config.data.validation, config.data.seed
    )
    return make_split(pixels, labels, train, val)


class SearchRunner:
    """Drives one session to the end of its search, or until `control` stops it.

    Callbacks run on the runner's thread: on_trial_start(TrialStart),
    on_epoch(number, EpochRecord), on_trial_end(number, status).
    """

    def __init__(
        self,
        session: Session,
        control: RunControl | None = None,
        on_trial_start: Callable[[TrialStart], None] | None = None,
        on_epoch: Callable[[int, EpochRecord], None] | None = None,
        on_trial_end: Callable[[int, str], None] | None = None,
    ):
        self.session = session
        self.config = config_module.loads(session.config_toml)
        self.control = control or RunControl()
        self.on_trial_start = on_trial_start
        self.on_epoch = on_epoch
        self.on_trial_end = on_trial_end
        self.strategy: Strategy = make_strategy(self.config.search)

    @property
    def planned(self) -> int:
        return self.strategy.planned

    def run(self) -> SearchOutcome:
        data = load_split(self.config)
        input_size = data.x_train.shape[1]
        output_size = int(max(data.y_train.max(), data.y_val.max())) + 1
        stored = {row.number: row for row in self.session.trials()}
        self.session.begin_run(self.planned)
        state = INTERRUPTED
        try:
            number = 0
            while not self.control.should_stop():
                suggestion = self.strategy.ask()
                if suggestion is None:
                    state = COMPLETE
                    break
                number += 1
                row = stored.get(number)
                if row is not None and row.status in FINISHED:
                    self._replay(row, suggestion)
                    continue
                status = self._train(number, suggestion, data, input_size, output_size)
                if status == INTERRUPTED:
                    break
        finally:
            self.session.end_run(state)
        return SearchOutcome(state, self.session.trials())

    def _replay(self, row: TrialRow, suggestion: Suggestion) -> None:
        if row.params != suggestion.params:
            raise SessionError(
                f"{self.session.path}: trial {row.number} was run with {row.params}, but the "
                f"search now proposes {suggestion.params}; the session cannot be resumed"
            )
        self.strategy.tell(row.number, suggestion, trial_score(row.status, row.final_val_acc))

    def _train(
        self,
        number: int,
        suggestion: Suggestion,
        data: Split,
        input_size: int,
        output_size: int,
    ) -> str:
        seed = trial_seed(self.config.search.seed, number)
        network, settings = self.config.trial_settings(suggestion.params, input_size, output_size)
        self.session.start_trial(number, suggestion.params, seed, suggestion.round)
        if self.on_trial_start:
            self.on_trial_start(TrialStart(number, suggestion.params, suggestion.round, seed))

        def save(record: EpochRecord) -> None:
            self.session.add_epoch(number, record)
            if self.on_epoch:
                self.on_epoch(number, record)

        result: TrialResult = train_trial(
            data, network, settings, seed, on_epoch=save, should_stop=self.control.should_stop
        )
        self.session.finish_trial(number, result.status, result.records)
        if result.status != INTERRUPTED:
            final = result.records[-1].val_acc if result.records else None
            self.strategy.tell(number, suggestion, trial_score(result.status, final))
        if self.on_trial_end:
            self.on_trial_end(number, result.status)
        return result.status


def new_session_path(folder: Path, name: str) -> Path:
    """A fresh file name in `folder` for a session called `name`."""
    slug = "".join(c if c.isalnum() or c in "-_" else "-" for c in name).strip("-") or "session"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = folder / f"{slug}-{stamp}{SESSION_SUFFIX}"
    counter = 2
    while path.exists():
        path = folder / f"{slug}-{stamp}-{counter}{SESSION_SUFFIX}"
        counter += 1
    return path


def ranked(trials: list[TrialRow]) -> list[TrialRow]:
    """Scored trials, best first; ties go to the earlier trial."""
    scored = [row for row in trials if trial_score(row.status, row.final_val_acc) is not None]
    return sorted(scored, key=lambda row: (-row.final_val_acc, row.number))
