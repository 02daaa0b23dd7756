"""Trials on a Dask cluster: the pool the runner drives, with Dask workers in place of
local processes (Dask distributed does the networking; `pip install hyperdesk[dask]`).

Each task is a TrialTask, trained by the same code as a local worker's
(execution.worker.train_task). Its epochs stream back as Dask events (Worker.log_event,
batched by the scheduler, a few hundred microseconds each) as it trains; what each trial
ended with comes back as the task's result. The split travels to each worker once
(scattered, broadcast). Stop, pause, pruning and early stopping's verdicts reach the
workers as flags set in their processes (Client.run), read between two steps.

A worker that dies mid-task: Dask runs the task again on another worker, whose epochs
then start over; the pool reports the trials lost at the first repeated epoch (or when
the task fails), stops that run, and the runner trains them again from their seeds, as
it does when a local worker dies. Results do not depend on the executor: the runner
numbers, seeds and groups trials the same way.
"""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import logging
import os
import queue
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hyperdesk.core import __version__
from hyperdesk.core.config import LOCAL_CLUSTER, CodeConfig, RunConfig
from hyperdesk.core.execution.control import PAUSE_POLL_SECONDS, RunControl
from hyperdesk.core.execution.pool import Event, TrialTask
from hyperdesk.core.execution.user_code import CodeTask, code_files, run_code_task
from hyperdesk.core.execution.worker import EPOCH_BATCH_SECONDS, task_split, train_task
from hyperdesk.core.training.trainer import EpochRecord

WORKER_NICENESS = 10  # as execution.pool's worker processes
CONNECT_SECONDS = 10
POLL_SECONDS = 0.05
# A finished task's result may overtake its last epochs (they travel separately): its
# trials end once every epoch is in, or after this long.
LATE_EPOCH_SECONDS = 5.0
QUEUED_PER_THREAD = 2


class DaskError(RuntimeError):
    """The cluster cannot be used; the message says why and what to do."""


class ConnectInterrupted(DaskError):
    """Stop (Ctrl+C, SIGTERM, the window's Stop) came while connecting: nothing started."""


class ClusterLost(DaskError):
    """The scheduler went away during a search: what finished is saved, and a resume
    (here or on a cluster) goes on."""


def security(run: RunConfig):
    """Dask's TLS settings from [run] tls_ca, tls_cert and tls_key (None without)."""
    if not run.tls_ca:
        return None
    from distributed.security import Security

    return Security(
        tls_ca_file=run.tls_ca,
        tls_client_cert=run.tls_cert,
        tls_client_key=run.tls_key,
        require_encryption=True,
    )


def insecure_warning(run: RunConfig) -> str | None:
    """What to tell a person whose trials would cross a network unencrypted and
    unauthenticated: a tcp:// address of another machine, without TLS."""
    if not run.address.startswith("tcp://") or run.tls_ca:
        return None
    host = run.address.removeprefix("tcp://").rpartition(":")[0].strip("[]")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name
        loopback = False
    if loopback:
        return None
    return (
        f"{run.address} is reached without encryption or authentication: anyone on that "
        "network can run code on the workers. Set [run] tls_ca, tls_cert and tls_key, and "
        "give the address as tls://"
    )


@dataclass(frozen=True)
class WorkerInfo:
    address: str
    threads: int
    memory: int  # bytes Dask lets it use


@dataclass(frozen=True)
class ClusterInfo:
    """What Connect shows: the workers, and where the cluster's dashboard is."""

    workers: tuple[WorkerInfo, ...]
    dashboard: str

    @property
    def threads(self) -> int:
        return sum(worker.threads for worker in self.workers)


def cluster_info(client) -> ClusterInfo:
    workers = client.scheduler_info(n_workers=-1)["workers"]
    return ClusterInfo(
        tuple(
            WorkerInfo(address, info["nthreads"], info.get("memory_limit") or 0)
            for address, info in sorted(workers.items())
        ),
        client.dashboard_link or "",
    )


# A server that accepts the connection and never answers kept Client() waiting until it
# hung up (120 s and more, signals unheard): Client's own timeout does not bound the
# handshake, so the wait is bounded here.
HANDSHAKE_SECONDS = CONNECT_SECONDS + 5


def _answered_within(seconds: float, make, given_up: Callable[[], bool]):
    """What `make()` returns, made on a thread of its own; TimeoutError when it has not
    returned after `seconds`, ConnectInterrupted as soon as given_up() says so (the
    thread is left to end with the process)."""
    made: dict[str, object] = {}

    def attempt() -> None:
        try:
            made["value"] = make()
        except BaseException as error:  # handed to the caller below
            made["error"] = error

    worker = threading.Thread(target=attempt, name="dask-connect", daemon=True)
    worker.start()
    deadline = time.monotonic() + seconds
    while worker.is_alive() and time.monotonic() < deadline:
        if given_up():
            raise ConnectInterrupted("interrupted while connecting to the Dask scheduler")
        worker.join(POLL_SECONDS)
    if worker.is_alive():
        raise TimeoutError(f"no answer in {seconds:.0f} s")
    if "error" in made:
        raise made["error"]
    return made["value"]


def connect(run: RunConfig, given_up: Callable[[], bool] = lambda: False):
    """(client, the LocalCluster it started or None): a client of the cluster [run]
    names, its workers checked to run this version of Hyperdesk. DaskError says why
    when it cannot be used; ConnectInterrupted when given_up() turns true meanwhile."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise DaskError(
            "Dask is not installed: pip install 'hyperdesk[dask]' (on this computer and "
            "on every worker)"
        ) from None
    cluster = None
    try:
        if run.address.startswith(LOCAL_CLUSTER):
            cluster = LocalCluster(
                n_workers=int(run.address.removeprefix(LOCAL_CLUSTER)),
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
            # As this computer's own worker processes: training yields the CPU to the
            # scheduler, the runner and the window, which wait on it.
            client.run(_yield_the_cpu)
        else:
            client = _answered_within(
                HANDSHAKE_SECONDS,
                lambda: Client(run.address, security=security(run), timeout=CONNECT_SECONDS),
                given_up,
            )
    # ValueError, MemoryError: bytes that are no Dask message (a header declaring exabytes).
    except (OSError, TimeoutError, ValueError, MemoryError) as error:
        if cluster is not None:
            cluster.close()
        raise DaskError(
            f"cannot reach the Dask scheduler at {run.address}: {error}. Is it running?"
        ) from None
    # A lost scheduler is the runner's to say (ClusterLost, with how to resume): the
    # client's own log of its reconnection printed two tracebacks before it.
    logging.getLogger("distributed.client").setLevel(logging.CRITICAL)
    try:
        check_versions(client)
    except DaskError:
        client.close()
        if cluster is not None:
            cluster.close()
        raise
    return client, cluster


def check_versions(client) -> None:
    """DaskError unless every worker runs this version of Hyperdesk."""
    versions = client.run(_worker_version, on_error="return")
    wrong = {address: version for address, version in versions.items() if version != __version__}
    if wrong:
        listed = ", ".join(f"{address} has {version}" for address, version in wrong.items())
        raise DaskError(
            f"the workers must run the Hyperdesk this computer runs ({__version__}): "
            f"{listed}. Install hyperdesk=={__version__} on them"
        )


def _yield_the_cpu() -> None:
    if hasattr(os, "nice"):
        os.nice(WORKER_NICENESS)


def _worker_version() -> str:
    try:
        from hyperdesk.core import __version__ as installed
    except ImportError:
        return "no Hyperdesk"
    return installed


# --- what a worker process holds for the tasks it runs ---------------------------------
# Set by the client (Client.run; coroutines, which it need not wait for) and read by the
# task's thread between two steps.
_stopped: set[str] = set()  # runs and task keys to end
_paused: set[str] = set()  # runs whose trials wait
_pruned: dict[str, set[int]] = {}  # task key -> trial numbers to end early
_verdicts: dict[str, threading.Semaphore] = {}  # task key -> epochs it may go past


async def _stop(*names: str) -> None:
    _stopped.update(names)


async def _pause(run: str, paused: bool) -> None:
    (_paused.add if paused else _paused.discard)(run)


async def _prune(key: str, number: int) -> None:
    _pruned.setdefault(key, set()).add(number)


async def _verdict(key: str) -> None:
    _verdicts.setdefault(key, threading.Semaphore(0)).release()


def run_task(
    task: TrialTask | CodeTask,
    split,
    topic: str,
    run: str,
    key: str,
    version: str,
    sources: tuple[tuple[str, bytes], ...] = (),
) -> tuple:
    """A TrialTask on a Dask worker: its epochs sent as events on `topic`, then what its
    trials ended with ("state" and "end" events) and each one's epoch count. A CodeTask
    runs the function whose files (`sources`, name and bytes) came with it."""
    if version != __version__:
        raise DaskError(
            f"this worker runs Hyperdesk {__version__}, the search {version}: install "
            f"hyperdesk=={version} on it"
        )
    from distributed import get_worker
    from threadpoolctl import threadpool_limits

    worker = get_worker()
    epochs = dict.fromkeys(task.numbers, 0)
    unsent: list = []  # epochs not sent yet: one event per EPOCH_BATCH_SECONDS, not each
    sent_at = time.monotonic()

    def send() -> None:
        nonlocal sent_at
        if unsent:
            worker.log_event(topic, ("epochs", key, list(unsent)))
            unsent.clear()
        sent_at = time.monotonic()

    def on_epoch(number: int, record: EpochRecord) -> None:
        epochs[number] += 1
        unsent.append((number, dataclasses.astuple(record)))
        if time.monotonic() - sent_at >= EPOCH_BATCH_SECONDS:
            send()

    def should_stop() -> bool:
        while run in _paused and not ({run, key} & _stopped):
            time.sleep(PAUSE_POLL_SECONDS)
        return bool({run, key} & _stopped)

    def pruned() -> set[int]:
        chosen = _pruned.get(key, set())
        return {index for index, number in enumerate(task.numbers) if number in chosen}

    def epoch_end(epoch: int) -> None:
        send()  # the runner decides on this epoch: it must have it
        worker.log_event(topic, ("epoch_end", key, task.numbers[0], worker.address))
        allowed = _verdicts.setdefault(key, threading.Semaphore(0))
        while not allowed.acquire(timeout=PAUSE_POLL_SECONDS) and not should_stop():
            pass

    try:
        with threadpool_limits(1):  # as a local worker: one BLAS thread per task
            if isinstance(task, CodeTask):
                ended = _run_code(
                    task,
                    sources,
                    on_epoch,
                    should_stop,
                    lambda: bool(pruned()),
                    epoch_end if task.await_verdicts else None,
                )
            else:
                ended = train_task(
                    task,
                    split,
                    on_epoch,
                    should_stop,
                    pruned,
                    epoch_end if task.await_verdicts else None,
                )
    finally:
        send()
        _pruned.pop(key, None)
        _verdicts.pop(key, None)
    return ended, epochs


def _run_code(task: CodeTask, sources, on_epoch, should_stop, pruned, verdict) -> list[tuple]:
    """A function's trial on this worker, from its files written to a folder of its
    own: its epochs to `on_epoch`, the rest of what it sent returned, its output last
    (the client writes it to the trial's log beside the session)."""
    folder = Path(tempfile.mkdtemp(prefix="hyperdesk-code-"))
    try:
        for name, content in sources:
            (folder / name).write_bytes(content)
        where, _, function = task.entry.rpartition(":")
        entry = f"{folder / Path(where).name}:{function}" if sources else task.entry
        log = folder / "output.log"
        here = dataclasses.replace(task, entry=entry, workdir=str(folder / "work"), log=str(log))
        events: list[tuple] = []

        def send(event: tuple) -> None:
            if event[0] == "epoch":
                on_epoch(event[1], event[2])
            else:
                events.append(event)

        run_code_task(here, send, should_stop, pruned, verdict)
        output = log.read_text(errors="replace") if log.exists() else ""
        return [*events, ("output", task.number, output)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class _Running:
    future: Any
    numbers: tuple[int, ...]
    epochs: dict[int, int] = field(default_factory=dict)  # epochs received per trial
    address: str = ""  # the worker that runs it, once it has said
    result: tuple | None = None  # what the task returned: its trials' ends, their epochs
    done_at: float = 0.0
    log: str = ""  # a function's trial: where its output goes


class DaskPool:
    """The runner's pool (as execution.pool.TrialPool) on a Dask cluster: a task at a
    time per worker thread, and one waiting. close() (or a with block) lets the cluster
    go."""

    def __init__(self, run: RunConfig, control: RunControl):
        self.control = control
        self.address = run.address
        self.run = uuid.uuid4().hex
        self.topic = f"hyperdesk-{self.run}"
        self.client, self.cluster = connect(run, lambda: control.stopped)
        self.info = cluster_info(self.client)
        if not self.info.threads:  # close() needs the topic: an AttributeError before
            self.close()
            raise DaskError(f"the Dask cluster at {run.address} has no workers")
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.client.subscribe_topic(self.topic, lambda event: self._inbox.put(event[1]))
        self._running: dict[str, _Running] = {}
        self._lost: list[int] = []  # trials to report lost at the next events()
        # The data of the search's split, and the split scattered to every worker.
        self._split: tuple[Any, Any] | None = None
        self._stop_sent = False
        self._paused = False

    def __enter__(self) -> DaskPool:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def workers(self) -> list[str]:
        """A place per worker thread: what the runner sizes its groups by."""
        return [worker.address for worker in self.info.workers for _ in range(worker.threads)]

    @property
    def idle(self) -> int:
        """Places for more tasks: two per worker thread, so that a worker finds its next
        task waiting when one ends, instead of idling for the round trip through the
        scheduler and the runner (8% of the seed workload's time on a LocalCluster)."""
        return max(0, QUEUED_PER_THREAD * len(self.workers) - len(self._running))

    def submit(self, task: TrialTask, patience: float = 0.0, timeout: float | None = None) -> None:
        """Run `task` on the cluster (`patience` and `timeout` are for local workers'
        silence: Dask's own heartbeats find a dead worker). A function's trial takes
        its files along."""
        self._check_scheduler()
        if isinstance(task, CodeTask):
            sources = tuple(
                (path.name, path.read_bytes()) for path in code_files(CodeConfig(task.entry))
            )
            key = f"hyperdesk-code-{task.number}-{uuid.uuid4().hex[:8]}"
            future = self.client.submit(
                run_task,
                task,
                None,
                self.topic,
                self.run,
                key,
                __version__,
                sources,
                key=key,
                pure=False,
            )
            self._running[key] = _Running(future, task.numbers, {task.number: 0}, log=task.log)
            return
        source = task.split_folder or task.data
        # Scattered once; again for another search's data, and when every worker holding
        # it died (Dask cannot recompute data it was given).
        if self._split is None or self._split[0] != source or self._split[1].status != "finished":
            try:
                scattered = self.client.scatter(task_split(task), broadcast=True, hash=False)
            except OSError:  # the scheduler went while it was being sent
                self._check_scheduler()
                raise
            self._split = (source, scattered)
        key = f"hyperdesk-trials-{'-'.join(map(str, task.numbers))}-{uuid.uuid4().hex[:8]}"
        future = self.client.submit(
            run_task,
            task,
            self._split[1],
            self.topic,
            self.run,
            key,
            __version__,
            key=key,
            pure=False,
        )
        self._running[key] = _Running(future, task.numbers, dict.fromkeys(task.numbers, 0))

    def _check_scheduler(self) -> None:
        """ClusterLost once the client has lost its scheduler (it is reconnecting, or
        gave up)."""
        if self.client.status != "running":
            raise ClusterLost(f"lost the Dask scheduler at {self.address}")

    def _tell_workers(self, function: Callable, *args, address: str = "") -> None:
        """Set a flag in the worker processes (the one at `address`, or all)."""
        # A worker that left meanwhile has nothing to be told.
        with contextlib.suppress(OSError, ValueError):
            self.client.run(function, *args, workers=[address] if address else None, wait=False)

    def verdict(self, number: int) -> None:
        for key, running in self._running.items():
            if number in running.numbers:
                self._tell_workers(_verdict, key, address=running.address)

    def prune(self, number: int) -> None:
        for key, running in self._running.items():
            if number in running.numbers:
                self._tell_workers(_prune, key, number, address=running.address)

    def abandon(self) -> None:
        """Give up on the tasks still running (a stop they did not answer in time):
        cancelled, their trials reported lost by the next events()."""
        for key in list(self._running):
            self._lost.extend(self._give_up(key))

    def _give_up(self, key: str) -> tuple[int, ...]:
        """Cancel task `key` and end it where it runs; its trial numbers."""
        running = self._running.pop(key)
        running.future.cancel()
        self._tell_workers(_stop, key)
        return running.numbers

    def wait_for_a_finish(self, timeout: float) -> None:
        """Wait `timeout` seconds, or less once a task is done."""
        from distributed import wait
        from distributed.client import FuturesCancelledError

        futures = [running.future for running in self._running.values()]
        if futures:
            # A cancelled task (its data lost with its workers) is done too: events()
            # reports its trials lost.
            with contextlib.suppress(TimeoutError, FuturesCancelledError):
                wait(futures, timeout=timeout, return_when="FIRST_COMPLETED")

    def events(self) -> list[Event]:
        """What the cluster sent since the last call, waiting briefly for something.
        DaskError when the scheduler is gone."""
        # First: its tasks are gone with it, and reported lost they would be trained
        # again from the start, their epochs so far thrown away.
        self._check_scheduler()
        self._follow_control()
        found: list[Event] = [("lost", number, None) for number in self._lost]
        self._lost = []
        try:
            messages = [self._inbox.get(timeout=POLL_SECONDS if self._running else 0)]
        except queue.Empty:
            messages = []
        while not self._inbox.empty():
            messages.append(self._inbox.get())
        for message in messages:
            found.extend(self._received(message))
        for key, running in list(self._running.items()):
            found.extend(self._finished(key, running))
        return found

    def _follow_control(self) -> None:
        if self.control.stopped and not self._stop_sent:
            self._stop_sent = True
            # Running tasks end at their next step, queued ones as they start: each
            # reports its trials interrupted, as a local worker does.
            self._tell_workers(_stop, self.run)
        if self.control.paused != self._paused:
            self._paused = self.control.paused
            self._tell_workers(_pause, self.run, self._paused)

    def _received(self, message) -> list[Event]:
        kind, key, *rest = message
        running = self._running.get(key)
        if running is None:  # a task given up on, still reporting
            return []
        if kind == "epoch_end":
            number, running.address = rest
            return [("epoch_end", number, None)]
        found: list[Event] = []
        for number, fields in rest[0]:
            record = EpochRecord(*fields)
            if record.epoch <= running.epochs[number]:
                # Dask started the task over (its worker died): the trials start over
                # here too, on the runner's terms, from their seeds.
                return [*found, *(("lost", n, None) for n in self._give_up(key))]
            running.epochs[number] = record.epoch
            found.append(("epoch", number, record))
        return found

    def _finished(self, key: str, running: _Running) -> list[Event]:
        future = running.future
        if future.status == "pending":
            return []
        if future.status != "finished":
            self._running.pop(key)
            error = future.exception() if future.status == "error" else None
            if isinstance(error, DaskError):  # a worker of another version
                return [("error", running.numbers[0], str(error))]
            if error is not None and not _worker_lost(error):
                return [("error", running.numbers[0], _traceback(future))]
            self._check_scheduler()  # the scheduler, not a worker, may have gone
            return [("lost", number, None) for number in running.numbers]
        if running.result is None:
            running.result, running.done_at = future.result(), time.monotonic()
        ended, epochs = running.result
        all_in = all(running.epochs[number] >= count for number, count in epochs.items())
        if not all_in and time.monotonic() - running.done_at < LATE_EPOCH_SECONDS:
            return []
        self._running.pop(key)
        found = []
        for event in map(tuple, ended):
            if event[0] == "output":  # beside the session, as a local trial's
                Path(running.log).parent.mkdir(parents=True, exist_ok=True)
                Path(running.log).write_text(event[2])
            else:
                found.append(event)
        return found

    def close(self) -> None:
        """Let the cluster go (and stop the one this pool started); calling it again
        does nothing."""
        if self.client is None:
            return
        from distributed.client import ClosedClientError

        with contextlib.suppress(ValueError, ClosedClientError):  # gone with its scheduler
            self.client.unsubscribe_topic(self.topic)
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = None


def _worker_lost(error: BaseException) -> bool:
    """Whether a task failed because its worker went away (not because of its code)."""
    from distributed.scheduler import KilledWorker

    return isinstance(error, KilledWorker | OSError | TimeoutError)


def _traceback(future) -> str:
    import traceback

    return "".join(traceback.format_exception(future.exception(), tb=future.traceback()))
