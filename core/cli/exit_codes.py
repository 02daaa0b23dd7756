"""What the `hyperdesk` command exits with; the README lists them for people and scripts."""

EXIT_OK = 0
EXIT_USAGE = 2  # bad config or arguments: every problem listed with its key path
EXIT_SESSION = 3  # not a session file, a damaged one, or one from a newer Hyperdesk
EXIT_BUSY = 4  # the session is being run by another process
EXIT_DISK_FULL = 5  # the disk filled: every epoch finished before is saved; resume later
EXIT_NO_DISPLAY = 6  # the window cannot open: no display, or Qt's libraries are missing
EXIT_INTERRUPTED = 130  # stopped (Ctrl+C): every finished epoch is saved

# What `hyperdesk --help` lists under its commands.
EXIT_CODES = (
    (EXIT_OK, "done"),
    (EXIT_USAGE, "bad config or arguments (each problem named); nothing was written"),
    (EXIT_SESSION, "not a session or model file, a damaged or newer one, or a read-only one"),
    (EXIT_BUSY, "another process runs a search in the session (resume --force takes over)"),
    (EXIT_DISK_FULL, "the disk filled: every finished epoch is saved; free space and resume"),
    (EXIT_NO_DISPLAY, "the window cannot open: no display, or Qt's libraries are missing"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl+C or SIGTERM): every finished epoch is saved"),
)
