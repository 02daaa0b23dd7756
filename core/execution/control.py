"""Stop and pause, shared by a search and its worker processes."""

from __future__ import annotations

import multiprocessing

# Spawn, not fork: forking a process that runs Qt threads is unsafe, and spawn behaves
# the same on Linux, macOS and Windows.
CONTEXT = multiprocessing.get_context("spawn")


class RunControl:
    """Stop and pause for a search, shared with its worker processes: safe to call from
    any thread. Workers ask should_stop() between steps; while paused, that call waits,
    so a paused search holds its place."""

    def __init__(self):
        self._stop = CONTEXT.Event()
        self._running = CONTEXT.Event()
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

    def reset(self) -> None:
        """Ready for another search: not stopped, not paused."""
        self._stop.clear()
        self._running.set()
