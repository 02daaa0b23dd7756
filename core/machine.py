"""What this machine has to give: the memory free now."""

from __future__ import annotations

import os
from pathlib import Path

MIB = 1 << 20


def available_memory() -> int | None:
    """Bytes this machine can give without swapping (MemAvailable); None where unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None
