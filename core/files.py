"""Files made safely: a new temporary file beside its final name, created exclusively
(never a file or link already there) with the permissions any new file gets."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path


def fresh_file(beside: Path) -> Path:
    """A new, empty, hidden file in `beside`'s folder, named after it."""
    while True:
        candidate = beside.with_name(f".{beside.name}.{secrets.token_hex(4)}.partial")
        try:
            handle = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(handle)
        return candidate


def check_replaceable(path: Path) -> None:
    """OSError unless `path` is absent, a regular file or a link (replaced, never
    written through): a device, a pipe or a folder is never replaced by a file (as root,
    /dev/full became one)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        what = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise OSError(errno.EEXIST, f"{path} is {what}; only a file is replaced")


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A fresh file beside `path` to write in the block; it replaces `path` when the
    block ends and is removed when the block fails, so no half file is left. A link
    planted beside `path` is never written through, and `path` itself, if a link, is
    replaced rather than written through; anything else but a file is refused."""
    path = Path(path)
    check_replaceable(path)
    temporary = fresh_file(path)
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
