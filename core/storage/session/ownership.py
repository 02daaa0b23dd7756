"""Who runs a session: the owner tag a search writes (pid@host), whether that process
still runs it, and a new file's name claimed without replacing one made meanwhile."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from hyperdesk.core.storage.lock import held_by_another
from hyperdesk.core.storage.session.errors import SessionBusyError, SessionError


def claim_name(temporary: Path, path: Path) -> None:
    """Give the finished file `temporary` the name `path`, never replacing a file that
    took that name meanwhile."""
    try:
        os.link(temporary, path)  # fails if `path` exists: nothing is overwritten
    except FileExistsError:  # another process made it a moment ago, and runs it
        raise SessionBusyError(f"{path}: another process has just started it") from None
    except OSError:  # a file system without hard links
        if path.exists():
            raise SessionError(f"{path}: already exists; nothing was overwritten") from None
        os.rename(temporary, path)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_tag() -> str:
    return f"{os.getpid()}@{socket.gethostname()}"


# Sessions this process is running now. A tag with this process's own pid is believed
# only for them: after a reboot a new process can get the pid of one that died.
RUNNING_HERE: set[Path] = set()


def owner_alive(owner: str | None, path: Path) -> bool:
    """Whether the process named by an owner tag still runs its search (on this host:
    by its lock, which dies with it; else by its pid, which a new process may reuse)."""
    if not owner:
        return False
    pid, _, host = owner.partition("@")
    if host != socket.gethostname():
        return True  # cannot tell from here: assume it runs (resume --force takes over)
    if not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return path.resolve() in RUNNING_HERE
    held = held_by_another(path)
    return process_alive(int(pid)) if held is None else held
