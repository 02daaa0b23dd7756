"""Worker processes that train trials and stream their epochs back.

Each worker maps a search's split, which the search wrote once for all of them (and
keeps it for the next search on the same data), limits its BLAS to one thread (measured here: two
processes of one thread run these small products faster than one process of two), and
trains the trials it is given. Stop and pause reach it through shared events it checks
between steps. A worker that dies is replaced; its trials are reported lost. So is a
worker that says nothing for far longer than its task's epochs should take (stopped
with SIGSTOP, or hung): it is killed first.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any

from hyperdesk.core.config import DataConfig
from hyperdesk.core.execution.control import CONTEXT, RunControl
from hyperdesk.core.execution.worker import EPOCH_BATCH_SECONDS, serve
from hyperdesk.core.training.network import NetworkSpec
from hyperdesk.core.training.settings import TrainSettings

POLL_SECONDS = 0.05
# The least silence after which a worker with a task is declared lost; a task whose
# epochs are slow gets longer: SILENCE_EPOCHS times the gap between its messages.
SILENCE_FLOOR = 30.0
SILENCE_EPOCHS = 50
# How long a worker whose pipes closed gets to finish ending, for its exit code.
EXIT_WAIT_SECONDS = 1.0


class PoolError(RuntimeError):
    """The worker processes cannot run."""


@dataclass(frozen=True)
class TrialTask:
    """Trials a worker trains together (stacked, see training.trainer.train_trials)."""

    data: DataConfig
    numbers: tuple[int, ...]
    seeds: tuple[int, ...]
    networks: tuple[NetworkSpec, ...]
    settings: tuple[TrainSettings, ...]
    # Networks per trial (k folds x repeats), trained stacked; a trial reports their mean.
    runs: int = 1
    # With early stopping, a worker waits after each epoch for the runner's verdict, so
    # a trial stops at the same epoch however fast the runner answers.
    await_verdicts: bool = False
    # The split published for the workers to map (data.shared); "": each reads its own.
    split_folder: str = ""
    # Send each complete trial's TrainingState (as bytes) before its end: the session
    # keeps the best trials' ones.
    keep_states: bool = False


# What workers send back: ("epoch", number, EpochRecord), ("state", number, bytes),
# ("end", number, status), ("error", number, traceback text), and for a function's
# trial ("info", number, dict), ("final", number, figures), ("failed", number, reason);
# the pool adds ("lost", number, why): "silent" (killed for it) or the exit code.
Event = tuple[str, int, Any]


# How much lower than their parent's the workers' priority is (nice), by default: the
# window's stay responsive while they train.
WINDOW_NICENESS = 10


class _Worker:
    def __init__(self, pool: TrialPool):
        # Pipes, not queues: when either side dies the other reads EOF at once, so an
        # idle worker whose parent was killed ends instead of waiting forever.
        receiver, self.tasks = CONTEXT.Pipe(duplex=False)
        self.results, sender = CONTEXT.Pipe(duplex=False)
        self.finished, finished_sender = CONTEXT.Pipe(duplex=False)
        self.process = CONTEXT.Process(
            target=serve,
            args=(
                receiver,
                sender,
                finished_sender,
                pool.control,
                os.getpid(),
                pool.epoch_batch_seconds,
            ),
            daemon=True,
        )
        self.process.start()
        if hasattr(os, "setpriority") and pool.niceness:
            # Training, and the worker's own start-up, yield the CPU to the window and to
            # whatever else the person runs. Set from here, so it holds from the start.
            niceness = os.getpriority(os.PRIO_PROCESS, 0) + pool.niceness
            os.setpriority(os.PRIO_PROCESS, self.process.pid, niceness)
        # The worker holds the only other ends: EOF on either side means the other died.
        receiver.close()
        sender.close()
        finished_sender.close()
        self.trials: set[int] = set()
        self.dead = False
        self.last_heard = time.monotonic()  # when it last sent anything
        self.patience = SILENCE_FLOOR  # how long its current task may stay silent
        self.fixed_patience = False  # a function's timeout: not stretched by its pace
        self.silenced = False  # killed for its silence

    def receive(self) -> list[Event]:
        found = []
        try:
            # Signals first: a task's "end" events precede its signal on the other
            # pipe, so they are read below, whichever signal is taken here.
            while self.finished.poll():
                self.finished.recv_bytes()
            while self.results.poll():
                message = self.results.recv()
                if message[0] == "epochs":  # a worker's batch: an event per epoch
                    found.extend(("epoch", number, record) for number, record in message[2])
                else:
                    found.append(message)
        except (EOFError, OSError):
            self.dead = True
        if found:
            now = time.monotonic()
            if not self.fixed_patience:
                # What its epochs take, seen so far, sets how long it may stay silent.
                self.patience = max(self.patience, SILENCE_EPOCHS * (now - self.last_heard))
            self.last_heard = now
        return found

    def kill(self) -> None:
        """End it now, even stopped (SIGKILL reaches a stopped process)."""
        if self.process.is_alive():
            self.process.kill()
            self.process.join()

    def close_pipes(self) -> None:
        for pipe in (self.tasks, self.results, self.finished):
            pipe.close()


class TrialPool:
    """`workers` processes training trials, ready before the first task and kept between
    searches; close() (or a with block) ends them."""

    def __init__(
        self,
        workers: int,
        control: RunControl,
        niceness: int = WINDOW_NICENESS,
        epoch_batch_seconds: float = EPOCH_BATCH_SECONDS,
    ):
        """`niceness`: how much lower than this process's their priority is (0: the
        same; a headless run's default, the window's is WINDOW_NICENESS).
        `epoch_batch_seconds`: how long a worker gathers epochs before it sends them (0:
        a message per epoch, as the bench measures against)."""
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.control = control
        self.niceness = niceness
        self.epoch_batch_seconds = epoch_batch_seconds
        # Deaths since a trial last ended normally: a worker that cannot even start
        # would otherwise be replaced forever.
        self.deaths_in_a_row = 0
        self.workers = [_Worker(self) for _ in range(workers)]

    def __enter__(self) -> TrialPool:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def idle(self) -> int:
        return sum(not worker.trials for worker in self.workers)

    def submit(self, task: TrialTask, patience: float = 0.0, timeout: float | None = None) -> None:
        """Give `task` to an idle worker; `patience`: the seconds its first epoch may
        take (its data loaded, its networks built) before it is declared lost. A
        function's trial (execution.user_code.CodeTask) gets `timeout` seconds of
        silence instead, whatever its pace (math.inf: no limit)."""
        worker = next(worker for worker in self.workers if not worker.trials)
        worker.trials = set(task.numbers)
        worker.last_heard = time.monotonic()
        worker.fixed_patience = timeout is not None
        if timeout is not None:
            worker.patience = timeout
        else:
            worker.patience = max(SILENCE_FLOOR, patience)
        worker.tasks.send(task)

    def abandon(self) -> None:
        """Kill every worker that still has a task (a stop that they did not answer in
        time); their trials are reported lost by the next events()."""
        for worker in self.workers:
            if worker.trials:
                worker.kill()

    def verdict(self, number: int) -> None:
        """Let the worker training `number` go on to its next epoch (the trials to stop
        were sent before)."""
        for worker in self.workers:
            if number in worker.trials:
                worker.tasks.send(("verdict",))

    def prune(self, number: int) -> None:
        """Ask the worker training trial `number` to end it (between two steps)."""
        for worker in self.workers:
            if number in worker.trials:
                worker.tasks.send(("prune", number))

    def wait_for_a_finish(self, timeout: float) -> bool:
        """Wait `timeout` seconds, or less if a worker finishes its task (or dies):
        whether one did."""
        handles = [worker.finished for worker in self.workers]
        return bool(wait(handles + [worker.process.sentinel for worker in self.workers], timeout))

    def events(self) -> list[Event]:
        """What the workers sent since the last call, waiting briefly for something."""
        handles = [worker.results for worker in self.workers]
        handles += [worker.process.sentinel for worker in self.workers]
        wait(handles, timeout=POLL_SECONDS)
        found: list[Event] = []
        for index, worker in enumerate(self.workers):
            # Alive before reading: whatever a worker sent before it died is read below.
            alive = worker.process.is_alive()
            for event in worker.receive():
                found.append(event)
                if event[0] in ("end", "failed"):  # (a function's trial that failed)
                    worker.trials.discard(event[1])
                elif event[0] == "error":
                    worker.trials.clear()
                    self.deaths_in_a_row = 0
            if self.control.paused:  # a paused worker waits: its silence is not a hang
                worker.last_heard = time.monotonic()
            silent = time.monotonic() - worker.last_heard
            if worker.trials and alive and not worker.dead and silent > worker.patience:
                worker.kill()  # stopped or hung: its trials go elsewhere
                worker.silenced, alive = True, False
            if worker.dead or not alive:
                # Its pipes closed as it ended: its exit code comes once it is reaped.
                worker.process.join(timeout=EXIT_WAIT_SECONDS)
                why = "silent" if worker.silenced else worker.process.exitcode
                found.extend(("lost", number, why) for number in sorted(worker.trials))
                worker.close_pipes()
                self.deaths_in_a_row += 1
                if self.deaths_in_a_row > 2 * len(self.workers):
                    raise PoolError(
                        f"worker processes died {self.deaths_in_a_row} times in a row "
                        f"(the last with exit code {worker.process.exitcode}); see the "
                        "messages above for why they cannot run"
                    )
                self.workers[index] = _Worker(self)
        return found

    def close(self) -> None:
        """End every worker; calling it again does nothing."""
        for worker in self.workers:
            if worker.process.is_alive():
                worker.tasks.send(None)
        for worker in self.workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.close_pipes()
        self.workers = []
