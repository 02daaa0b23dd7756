"""Runs a search: asks the strategy, trains each trial, saves every epoch as it arrives.

The command line and the window both drive this class; it knows nothing of either.
Resuming replays the strategy against the trials already in the session, so a resumed
search ends with exactly the trials and epochs of an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hyperdesk.core.config import RunConfig
from hyperdesk.core.data.shared import publish_split
from hyperdesk.core.data.sources import (
    ALL,
    check_fingerprint,
    forget_data,
    load_data,
    remember_shape,
)
from hyperdesk.core.execution.control import RunControl
from hyperdesk.core.execution.pool import WINDOW_NICENESS, TrialPool, TrialTask
from hyperdesk.core.execution.user_code import CodeTask, code_digest, trial_files, with_figures
from hyperdesk.core.paths import SESSION_SUFFIX
from hyperdesk.core.search.objectives import measures
from hyperdesk.core.search.registry import make_strategy
from hyperdesk.core.search.strategies import Strategy, Suggestion
from hyperdesk.core.storage.session import Session, SessionError, TrialRow, trial_costs
from hyperdesk.core.training.network import NetworkSpec
from hyperdesk.core.training.settings import TrainSettings
from hyperdesk.core.training.trainer import EpochRecord, stackable
from hyperdesk.core.trials import FINISHED, SearchState, TrialStatus, ranked, trial_score

# A trial to train: its number, the strategy's suggestion, its network and settings.
Entry = tuple[int, Suggestion, NetworkSpec, TrainSettings]
# What _next_suggestion gives for a trial an earlier run of the session finished.
REPLAYED = object()


def trial_seed(search_seed: int, number: int) -> int:
    """The seed of trial `number`: fixed by the search seed, independent of what ran
    before it, so a trial rerun on resume (or on another worker) trains identically."""
    return int(np.random.SeedSequence([search_seed, number]).generate_state(1)[0])


@dataclass(frozen=True)
class TrialStart:
    number: int
    params: dict
    round: int
    seed: int
    parameters: int | None = None  # the learned numbers of its network


@dataclass(frozen=True)
class SearchOutcome:
    state: SearchState  # complete or interrupted
    trials: list[TrialRow]


# Trials stacked per task. Measured here (6 x 100, float32, one BLAS thread): 0.119 s per
# trial alone, 0.106 stacked by 2, 0.101 by 4, 0.103 by 8, 0.111 by 16 (SkylakeX kernels;
# Haswell kernels 0.182 / 0.169 / 0.168 / 0.175 / 0.185): past 4 the stack's arrays
# outgrow the caches.
MAX_GROUP = 4
# How often a search without early stopping takes in the epochs the workers sent.
BATCH_SECONDS = 0.02
# How long workers get to end their step once a stop is asked for; a worker that has
# not answered by then (stopped with SIGSTOP, hung) is killed: Ctrl+C always ends a run.
STOP_GRACE_SECONDS = 1.5
# A trial's first epoch is allowed this many times what it would take at SLOW_FLOPS
# before its worker is declared lost (then at least 50 times its epochs' pace).
FIRST_EPOCH_MARGIN = 20
SLOW_FLOPS = 0.5e9


class TrialError(RuntimeError):
    """A trial raised an exception in its worker; the message holds its traceback."""


def default_workers() -> int:
    """One worker process per core."""
    return os.cpu_count() or 1


class SearchRunner:
    """Drives one session to the end of its search, or until `control` stops it.

    Trials train in `workers` processes; their epochs come back here, are saved, and are
    passed to the callbacks, which run on the runner's thread: on_trial_start(TrialStart),
    on_epoch(number, EpochRecord), on_trial_end(number, status). Trial numbers, seeds
    and the strategy's decisions do not depend on the number of workers, so neither do
    the results.
    """

    def __init__(
        self,
        session: Session,
        control: RunControl | None = None,
        on_trial_start: Callable[[TrialStart], None] | None = None,
        on_epoch: Callable[[int, EpochRecord], None] | None = None,
        on_trial_end: Callable[[int, str], None] | None = None,
        workers: int | None = None,
        pool: TrialPool | None = None,
        executor: RunConfig | None = None,
        niceness: int = WINDOW_NICENESS,
    ):
        """`pool` is a pool of worker processes to use (and leave open); without one
        the runner starts, for this run, `workers` processes (default: one per core) or
        connects to the Dask cluster that `executor` (default: the config's [run])
        names."""
        self.session = session
        self.config = session.config
        self.control = control or RunControl()
        self.on_trial_start = on_trial_start
        self.on_epoch = on_epoch
        self.on_trial_end = on_trial_end
        # A training function's trial.info(...), as it says it: on_trial_info(number, dict).
        self.on_trial_info: Callable[[int, dict], None] | None = None
        self.strategy: Strategy = make_strategy(self.config.search)
        self.metric = self.config.metric
        self.workers = workers or default_workers()
        self.pool = pool
        self.niceness = niceness  # of the worker processes it starts
        self.executor = executor or self.config.run
        self._in_flight: dict[int, Suggestion] = {}
        # Trials a person stopped by hand, from any thread; the run loop passes them on.
        self._prune_requests: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._stopper = None
        if self.config.search.early_stopping.rule != "none":
            from hyperdesk.core.search.early_stopping import EarlyStopper  # Optuna, only when used

            epochs = self.config.code_epochs if self.config.own_code else self.config.train.epochs
            self._stopper = EarlyStopper(self.config.search.early_stopping, epochs, self.metric)
        self._records: dict[int, list[EpochRecord]] = {}
        self._states: dict[int, bytes] = {}  # a finished trial's TrainingState, sent first
        self._lost = False
        self._rerun: set[int] = set()  # trials whose worker was lost once already
        # A function's trial: what it returned beyond its epochs, and why it failed.
        self._returned: dict[int, dict[str, float]] = {}

    @property
    def planned(self) -> int:
        """The session's trials when the search is done: those before its ranges last
        changed, and its own."""
        return self.config.search.history + self.strategy.planned

    def run(self, take_over: bool = False) -> SearchOutcome:
        """Run the search to its end or until stopped. `take_over`: claim the session
        even when a search on another host is named as running it."""
        self._stored = {row.number: row for row in self.session.trials()}
        self._stored_epochs = self.session.epochs() if self._stopper else {}
        self._stored_costs = trial_costs(list(self._stored.values()), self.session.epoch_counts())
        if self.config.own_code:
            self._split_folder = ""
            if not self.session.code_digest:  # what a resume is checked against
                self.session.record_code(code_digest(self.config.code))
        # Never go on with other data than the session began with.
        elif self.session.data_fingerprint:
            check_fingerprint(self.config.data, self.session.data_fingerprint)
        elif not self._stored:
            self.session.record_data(load_data(self.config.data).fingerprint())
        # The workers start (a process and its imports each) while the split is cut.
        pool = self.pool or self._own_pool()
        try:
            # Read and cut once here; the workers map the arrays (one copy, however many).
            if not self.config.own_code:
                self._publish_split()
            self.session.begin_run(self.planned, take_over)
        except BaseException:
            if not self.pool:
                pool.close()
            raise
        state = SearchState.INTERRUPTED
        self._pool = pool
        # Trials of one shape train stacked, a group per worker: enough per group to
        # share Python's cost per step, few enough that every worker gets some.
        group = min(max(1, MAX_GROUP // self.config.runs), self.planned // (2 * len(pool.workers)))
        if self.strategy.batch is not None:  # share each batch among the workers
            group = min(group, self.strategy.batch // len(pool.workers))
        self._group_size = max(1, group)
        self._asked = 0
        self._drained = time.monotonic()
        self._stopping: set[int] = set()
        self._waiting: list[Entry] = []
        stop_asked_at = None
        try:
            with contextlib.nullcontext(pool) if self.pool else pool:
                while True:
                    if self.control.stopped and self._in_flight:
                        stop_asked_at = stop_asked_at or time.monotonic()
                        if time.monotonic() - stop_asked_at > STOP_GRACE_SECONDS:
                            pool.abandon()
                    while pool.idle and not self.control.stopped:
                        group = self._next_group()
                        if group is None:
                            break
                        if group:  # else every place in it was a trial finished before
                            self._submit(pool, group)
                    if not self._in_flight:
                        if not self.control.stopped and not self._lost:
                            state = SearchState.COMPLETE
                        break
                    while not self._prune_requests.empty():
                        pool.prune(self._prune_requests.get())
                    if self._stopper is None:
                        # Epochs arrive every millisecond or two; taking them in batches
                        # saves this process (which outranks the niced workers) thousands
                        # of wake-ups and commits. A worker that finishes its task wakes
                        # the runner at once, so it never waits for its next one. With
                        # early stopping the workers wait for each epoch's verdict, so
                        # there the runner answers at once.
                        pool.wait_for_a_finish(
                            max(0.0, self._drained + BATCH_SECONDS - time.monotonic())
                        )
                    self._drained = time.monotonic()
                    self._handle(pool.events())
        except BaseException:
            self.control.stop()  # the workers stop at their next step
            raise
        finally:
            self.session.end_run(state)
        return SearchOutcome(state, self.session.trials())

    def _publish_split(self) -> None:
        """Read and cut the data once here; the workers map the arrays (one copy,
        however many)."""
        fingerprint = self.session.data_fingerprint or load_data(self.config.data).fingerprint()
        try:
            self._split_folder = str(publish_split(self.config.data, fingerprint))
        except OSError:  # no room in the cache: each worker reads the data itself, as before
            self._split_folder = ""
        else:
            # The workers have what they need: this process keeps no second copy of the
            # data while they train (a large table or full MNIST is hundreds of MB), only
            # its shape, which every trial's settings ask for.
            remember_shape(self.config.data, load_data(self.config.data))
            forget_data()

    def _own_pool(self):
        """The pool this run starts: worker processes here, or a Dask cluster."""
        if self.executor.executor == "dask":
            from hyperdesk.core.execution.dask_pool import DaskPool  # needs hyperdesk[dask]

            return DaskPool(self.executor, self.control)
        return TrialPool(max(1, min(self.workers, self.planned)), self.control, self.niceness)

    def prune(self, number: int) -> None:
        """End a running trial early, keeping its epochs (it is marked pruned). Safe to
        call from any thread."""
        self._prune_requests.put(number)

    def _next_suggestion(self) -> Entry | None:
        """The next trial to train: one set aside earlier, or a new one from the
        strategy; REPLAYED when the strategy's next trial was finished by an earlier run
        (told again, not trained); None when the strategy has nothing to propose."""
        if self._waiting:
            return self._waiting.pop(0)
        suggestion = self.strategy.ask()
        if suggestion is None:
            return None
        self._asked += 1
        number = self.config.search.history + self._asked
        row = self._stored.get(number)
        if row is not None and row.status in FINISHED:
            self._replay(row, suggestion)
            return REPLAYED
        return number, suggestion, *self._settings(suggestion)

    def _settings(self, suggestion: Suggestion) -> tuple:
        """A trial's network and training settings; a function's trial has neither."""
        if self.config.own_code:
            return None, None
        return self.config.trial_settings(suggestion.params)

    def _next_group(self) -> list[Entry] | None:
        """The trials the next task trains together; None when there are none to give.
        A group takes its places in the order trials are asked, finished ones included:
        a resumed search groups its remaining trials as the uninterrupted one did (with
        early stopping, which trials train side by side is part of what the rule sees)."""
        # Groups shrink towards the end of the search so that the workers finish
        # together instead of one training a last full group while the others idle.
        remaining = self.strategy.planned - self._asked + len(self._waiting)
        size = max(1, min(self._group_size, remaining // (2 * len(self._pool.workers))))
        if self.config.own_code:  # a function's trials run one to a worker
            size = 1
        group: list[Entry] = []
        for _ in range(size):
            entry = self._next_suggestion()
            if entry is None:
                break
            if entry is REPLAYED:
                continue
            if group and stackable(*entry[2:]) != stackable(*group[0][2:]):
                self._waiting.insert(0, entry)  # starts the next group
                break
            group.append(entry)
        else:
            return group
        return group or None

    def _replay(self, row: TrialRow, suggestion: Suggestion) -> None:
        if row.params != suggestion.params:
            raise SessionError(
                f"{self.session.path}: trial {row.number} was run with {row.params}, but the "
                f"search now proposes {suggestion.params}; the session cannot be resumed"
            )
        self.strategy.tell(
            row.number - self.config.search.history,  # the strategy numbers its own
            suggestion,
            trial_score(row.status, self.metric.final(row), self.metric),
            self._stored_costs[row.number],
        )
        if self._stopper:
            self._stopper.replay(row, self._stored_epochs.get(row.number, []))

    def _submit(self, pool: TrialPool, group: list[Entry]) -> None:
        seeds = []
        for number, suggestion, network, _ in group:
            seed = trial_seed(self.config.search.seed, number)
            seeds.append(seed)
            parameters = None if network is None else network.parameter_count
            self.session.start_trial(number, suggestion.params, seed, suggestion.round, parameters)
            self._in_flight[number] = suggestion
            self._records[number] = []
            if self._stopper:
                self._stopper.start(number)
            if self.on_trial_start:
                self.on_trial_start(
                    TrialStart(number, suggestion.params, suggestion.round, seed, parameters)
                )
        if self.config.own_code:
            self._submit_code(pool, group[0][0], group[0][1], seeds[0])
            return
        first_epoch = self.config.training_flops(1) * len(group) / SLOW_FLOPS
        pool.submit(
            TrialTask(
                self.config.data,
                tuple(entry[0] for entry in group),
                tuple(seeds),
                tuple(entry[2] for entry in group),
                tuple(entry[3] for entry in group),
                runs=self.config.runs,
                await_verdicts=self._stopper is not None,
                split_folder=self._split_folder,
                keep_states=self.config.search.keep_weights != 0 and self.config.runs == 1,
            ),
            patience=FIRST_EPOCH_MARGIN * first_epoch,
        )

    def _submit_code(self, pool: TrialPool, number: int, suggestion: Suggestion, seed: int):
        """Trial `number` of a person's function: its parameters and the fixed ones."""
        workdir, log = trial_files(self.session.path, number)
        code = self.config.code
        pool.submit(
            CodeTask(
                number,
                seed,
                {**code.fixed, **suggestion.params},
                code.entry,
                str(workdir),
                str(log),
                code.metric,
                await_verdicts=self._stopper is not None,
            ),
            timeout=code.timeout or math.inf,
        )

    def _handle(self, events: list) -> None:
        epochs = [(number, record) for kind, number, record in events if kind == "epoch"]
        # One transaction for all epochs that arrived together.
        self.session.add_epochs(epochs)
        for kind, number, payload in events:
            if kind == "epoch":
                self._records[number].append(payload)
                if (
                    self._stopper
                    and number not in self._stopping
                    and (self._stopper.should_stop(number, payload))
                ):
                    self._stopping.add(number)
                    self._pool.prune(number)
                if self.on_epoch:
                    self.on_epoch(number, payload)
            elif kind == "epoch_end":
                self._pool.verdict(number)
            elif kind == "state":
                self._states[number] = payload
            elif kind == "end":
                self._finish(number, payload)
            elif kind == "lost" and self.config.own_code and not self.control.stopped:
                why = (
                    f"said nothing for {self.config.code.timeout:g} s (code.timeout)"
                    if payload == "silent"
                    else f"its worker process ended (exit code {payload})"
                )
                self._finish(number, TrialStatus.FAILED, why)
            elif kind == "lost":
                self._lost_worker(number)
            elif kind == "info":
                self.session.add_info(number, payload)
                if self.on_trial_info:
                    self.on_trial_info(number, payload)
            elif kind == "final":
                self._returned[number] = payload
            elif kind == "failed":
                self._finish(number, TrialStatus.FAILED, payload)
            elif kind == "error":
                self._finish(number, TrialStatus.FAILED)
                self.control.stop()
                raise TrialError(f"trial {number} failed in its worker:\n{payload}")

    def _keep_best_states(self, number: int, epochs: int, state: bytes) -> None:
        """Keep trial `number`'s training state while it is among the search's best
        `keep_weights` trials; let go of one that falls out of them. A state that would
        be let go of at once is never written (half a megabyte a trial of the seed)."""
        kept = self.config.search.keep_weights
        if kept != ALL:
            holding = self.session.kept_states() | {number}
            rows = ranked(self.session.trials(), self.session.within_limits(), self.metric)
            best = [row.number for row in rows if row.number in holding]
            self.session.forget_states(set(best[kept:]) - {number})
            if number not in best[:kept]:
                return
        self.session.keep_state(number, epochs, state)

    def _lost_worker(self, number: int) -> None:
        """Trial `number`'s worker died or went silent. Trained again by another worker
        (from its seed: the same result), once; stopped, or lost twice, it is
        interrupted and a resume reruns it."""
        if self.control.stopped or number in self._rerun:
            self._lost = self._lost or not self.control.stopped
            self._finish(number, TrialStatus.INTERRUPTED)
            return
        self._rerun.add(number)
        suggestion = self._in_flight.pop(number)
        self._records.pop(number)
        self._stopping.discard(number)
        if self._stopper:
            self._stopper.finish(number, TrialStatus.INTERRUPTED, None)
        self._waiting.insert(0, (number, suggestion, *self._settings(suggestion)))

    def _finish(self, number: int, status: TrialStatus, error: str | None = None) -> None:
        suggestion = self._in_flight.pop(number)
        records = self._records.pop(number)
        returned = self._returned.pop(number, None)
        if returned and records:  # what the function returned is its trial's final word
            records = [*records[:-1], with_figures(records[-1], returned)]
        self._stopping.discard(number)
        noted = None
        last = records[-1] if records else None
        if self._stopper:
            noted = self._stopper.finish(number, status, last)
        self.session.finish_trial(number, status, records, noted, error)
        state = self._states.pop(number, None)
        if state is not None and status == TrialStatus.COMPLETE:
            self._keep_best_states(number, len(records), state)
        if status != TrialStatus.INTERRUPTED:  # (a function's failed trial is told: no score)
            network, _ = self._settings(suggestion)
            size = None if network is None else network.parameter_count
            costs = measures(size, sum(r.seconds for r in records))
            final = None if last is None else last.figure(self.metric.name)
            self.strategy.tell(
                number - self.config.search.history,
                suggestion,
                trial_score(status, final, self.metric),
                costs,
            )
        if self.on_trial_end:
            self.on_trial_end(number, status)


# A file name is derived from the session's name, cut to this many characters (a
# name can be as long as a person likes; file systems allow 255 bytes).
SLUG_LENGTH = 60


def new_session_path(folder: Path, name: str) -> Path:
    """A fresh file name in `folder` for a session called `name`: its letters, digits,
    - and _ (others become -), cut short, and the time."""
    slug = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in name)
    slug = slug[:SLUG_LENGTH].strip("-") or "session"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = folder / f"{slug}-{stamp}{SESSION_SUFFIX}"
    counter = 2
    while path.exists():
        path = folder / f"{slug}-{stamp}-{counter}{SESSION_SUFFIX}"
        counter += 1
    return path
