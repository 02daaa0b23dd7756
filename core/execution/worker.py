"""The life of a worker process: train each task it is given, one BLAS thread. How one
task trains is shared with the Dask executor (execution.dask_pool)."""

from __future__ import annotations

import os
import signal
import time
import traceback
from collections.abc import Callable

from threadpoolctl import threadpool_limits

from hyperdesk.core.data.shared import open_split
from hyperdesk.core.data.splits import load_split
from hyperdesk.core.execution.control import RunControl
from hyperdesk.core.execution.user_code import CodeTask, run_code_task
from hyperdesk.core.training.trainer import EpochRecord, TrainingCallbacks, train_configurations

# A worker (a Dask task too) sends the epochs it finished at most this often, together:
# one event per epoch cost Dask's scheduler and client a fifth of the search's time
# (measured with `bench --executor dask`), and woke a local search's parent (which
# outranks its workers) for every epoch; the window draws at 20 frames a second anyway.
EPOCH_BATCH_SECONDS = 0.05


def task_split(task):
    """The split a task trains on: the one published for the workers, mapped, or read
    from the data itself."""
    return open_split(task.split_folder) if task.split_folder else load_split(task.data)


def train_task(
    task,
    split,
    on_epoch: Callable[[int, EpochRecord], None],
    should_stop: Callable[[], bool],
    pruned: Callable[[], set[int]],
    on_epoch_end: Callable[[int], None] | None,
) -> list[tuple]:
    """Train a TrialTask's trials stacked on `split`, each epoch given to on_epoch(trial
    number, record); then what each trial ended with: ("state", number, bytes) for a
    kept TrainingState, and ("end", number, status)."""
    outcomes = train_configurations(
        split,
        list(task.networks),
        list(task.settings),
        list(task.seeds),
        task.runs,
        task.data.folds,
        TrainingCallbacks(
            on_epoch=lambda index, record: on_epoch(task.numbers[index], record),
            should_stop=should_stop,
            pruned=pruned,
            on_epoch_end=on_epoch_end,
        ),
        keep_states=task.keep_states,
    )
    ended = []
    for number, outcome in zip(task.numbers, outcomes, strict=True):
        if outcome.state is not None:
            ended.append(("state", number, outcome.state.to_bytes()))
        ended.append(("end", number, outcome.status))
    return ended


def serve(
    tasks,
    results,
    finished,
    control: RunControl,
    parent_pid: int,
    epoch_batch_seconds: float = EPOCH_BATCH_SECONDS,
) -> None:
    """Train each task received on `tasks`, sending its epochs on `results` as ("epochs",
    0, [(number, EpochRecord), ...]), one message per `epoch_batch_seconds` (0: one per
    epoch), then ("end", number, status) or ("error", number, traceback) (a CodeTask: as
    execution.user_code.run_code_task sends), and then an empty message on `finished`,
    which wakes the parent to send the next task. The pipes are this worker's own, so a
    worker killed mid-message damages nobody else's; the worker ends on None, or when
    its parent is gone."""
    # Ctrl+C in a terminal reaches the whole process group; the parent decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threadpool_limits(1)
    splits = {}

    def should_stop() -> bool:
        # An orphan (its parent killed) stops instead of training for nobody.
        return os.getppid() != parent_pid or control.should_stop()

    prune_requests: set[int] = set()  # trial numbers the parent asked to end

    def read_message() -> bool:
        """Take one message from the parent; True when it was a verdict."""
        message = tasks.recv()
        if message[0] == "prune":
            prune_requests.add(message[1])
        return message[0] == "verdict"

    def pruned_in(numbers: tuple[int, ...]):
        def pruned() -> set[int]:
            while tasks.poll():
                read_message()
            return {index for index, number in enumerate(numbers) if number in prune_requests}

        return pruned

    unsent: list[tuple[int, EpochRecord]] = []  # epochs not sent yet
    sent_at = time.monotonic()

    def send_epochs() -> None:
        nonlocal sent_at
        if unsent:
            results.send(("epochs", 0, list(unsent)))
            unsent.clear()
        sent_at = time.monotonic()

    def on_epoch(number: int, record: EpochRecord) -> None:
        # A message per EPOCH_BATCH_SECONDS, not per epoch: the parent (which outranks
        # the workers) is not woken a thousand times a second.
        unsent.append((number, record))
        if time.monotonic() - sent_at >= epoch_batch_seconds:
            send_epochs()

    def await_verdict(numbers: tuple[int, ...]):
        def epoch_end(epoch: int) -> None:
            send_epochs()  # the runner decides on this epoch: it must have it
            results.send(("epoch_end", numbers[0], epoch))
            while not read_message():
                pass

        return epoch_end

    while True:
        try:
            task = tasks.recv()
        except EOFError:  # the parent is gone
            return
        if task is None:
            return
        if isinstance(task, tuple):  # a prune request for a trial that has ended
            continue
        if isinstance(task, CodeTask):  # a person's own function: its failures are its own
            try:
                prune = pruned_in(task.numbers)
                run_code_task(
                    task,
                    results.send,
                    should_stop,
                    lambda prune=prune: bool(prune()),
                    await_verdict(task.numbers) if task.await_verdicts else None,
                )
                finished.send_bytes(b"")
            except BrokenPipeError:
                return
            continue
        try:
            source = task.split_folder or task.data
            if source not in splits:
                splits.clear()  # one search's data at a time
                splits[source] = task_split(task)
            ended = train_task(
                task,
                splits[source],
                on_epoch,
                should_stop,
                pruned_in(task.numbers),
                await_verdict(task.numbers) if task.await_verdicts else None,
            )
            send_epochs()  # before the trials' ends, which the runner finishes them by
            for event in ended:
                results.send(event)
            finished.send_bytes(b"")
        except BrokenPipeError:  # the parent is gone
            return
        except Exception:
            send_epochs()
            results.send(("error", task.numbers[0], traceback.format_exc()))
            finished.send_bytes(b"")
