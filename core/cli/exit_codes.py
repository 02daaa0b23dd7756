"""What the `hyperdesk` command exits with; the README lists them for people and scripts."""

EXIT_OK = 0
EXIT_USAGE = 2  # bad config or arguments: every problem listed with its key path
EXIT_SESSION = 3  # not a session file, a damaged one, or one from a newer Hyperdesk
EXIT_BUSY = 4  # the session is being run by another process
EXIT_DISK_FULL = 5  # the disk filled: every epoch finished before is saved; resume later
EXIT_NO_DISPLAY = 6  # the window cannot open: no display, or Qt's libraries are missing
EXIT_INTERRUPTED = 130  # stopped (Ctrl+C): every finished epoch is saved
