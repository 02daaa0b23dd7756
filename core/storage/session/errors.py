"""What goes wrong with a session file, as exceptions a front end says in its own way."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


class SessionError(Exception):
    """A file that is not a readable Hyperdesk session; the message says why."""


class SessionBusyError(SessionError):
    """The session is being written by a running search."""


class SessionFullError(SessionError):
    """The disk filled while a session was written; what was committed before stays."""


# Less free space than this in a session's folder: an I/O error there is the disk full
# (SQLite says "disk I/O error" when its write-ahead log cannot grow).
NEARLY_FULL = 1 << 20


def is_full(error: sqlite3.Error, folder: Path) -> bool:
    code = getattr(error, "sqlite_errorcode", None)  # Python 3.11 and later
    # The primary code is the low byte of an extended one (SQLITE_IOERR_WRITE, ...).
    full = "full" in str(error) if code is None else code & 0xFF == sqlite3.SQLITE_FULL
    if full or "I/O error" not in str(error):
        return full
    return nearly_full(folder)


def nearly_full(folder: Path) -> bool:
    """Whether the disk holding `folder` has less than NEARLY_FULL free."""
    try:
        space = os.statvfs(folder)
    except OSError:
        return False
    return space.f_bavail * space.f_frsize < NEARLY_FULL
