"""Stop and pause, shared by a search and its worker processes."""

from __future__ import annotations

import multiprocessing
import time

# Spawn, not fork: forking a process that runs Qt threads is unsafe, and spawn behaves
# the same on Linux, macOS and Windows.
CONTEXT = multiprocessing.get_context("spawn")


# How often a paused worker looks whether the search goes on.
PAUSE_POLL_SECONDS = 0.05


class RunControl:
    """Stop and pause for a search, shared with its worker processes: safe to call from
    any thread. Workers ask should_stop() between steps; while paused, that call waits,
    so a paused search holds its place.

    The flags are two bytes of shared memory, read and written without a lock: a lock
    (as multiprocessing.Event holds one while it is read) is kept for good by a worker
    stopped or killed while it holds it, and the search then waits on it for ever."""

    def __init__(self):
        self._stop = CONTEXT.RawValue("b", 0)
        self._running = CONTEXT.RawValue("b", 1)

    def stop(self) -> None:
        self._stop.value = 1
        self._running.value = 1

    def pause(self) -> None:
        self._running.value = 0

    def resume(self) -> None:
        self._running.value = 1

    @property
    def paused(self) -> bool:
        return not self._running.value

    @property
    def stopped(self) -> bool:
        return bool(self._stop.value)

    def should_stop(self) -> bool:
        while not self._running.value:
            time.sleep(PAUSE_POLL_SECONDS)
        return bool(self._stop.value)

    def reset(self) -> None:
        """Ready for another search: not stopped, not paused."""
        self._stop.value = 0
        self._running.value = 1
