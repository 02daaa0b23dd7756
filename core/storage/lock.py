"""The lock a running search holds on its session: an OS lock (flock) on a hidden file
beside it, held as long as the search runs. The kernel lets go when the process ends,
however it ends, so a lock left by a dead process is never taken for a live one: a pid
written in the file can belong to another process by then, a lock cannot."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: sessions fall back to the owner's pid
    fcntl = None


LOCKS_WORK = fcntl is not None


def lock_path(session: Path) -> Path:
    return session.with_name(f".{session.name}.lock")


class RunLock:
    def __init__(self, session: Path):
        self.path = lock_path(session)
        self._handle: int | None = None

    def acquire(self) -> bool:
        """True when this process now holds the lock; False when another holds it.
        OSError when the lock file cannot be made (a read-only folder)."""
        if fcntl is None:
            return True
        handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            os.close(self._handle)  # closing lets go of the lock
            self._handle = None


def held_by_another(session: Path) -> bool | None:
    """Whether another process holds `session`'s lock now; None where this cannot be
    told (no OS locks, or no lock file: a search never ran, or an older Hyperdesk)."""
    path = lock_path(session)
    if fcntl is None or not path.exists():
        return None
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        with contextlib.suppress(OSError):
            os.close(handle)
    return False
