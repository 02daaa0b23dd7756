"""What the window remembers between runs of the app (QSettings): the folder each kind
of file dialog last used, and the files last opened of each kind."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

from hyperdesk.core.paths import sessions_dir

RECENT = 8  # entries a recent-files menu lists


def last_folder(kind: str) -> Path:
    """Where a file dialog for `kind` ("sessions", "exports", "data") starts: the folder last
    used for it, else the sessions folder or the documents folder."""
    kept = QSettings().value(f"folders/{kind}")
    if kept and Path(str(kept)).is_dir():
        return Path(str(kept))
    if kind == "sessions":
        return sessions_dir()
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents) if documents and Path(documents).is_dir() else Path.home()


def remember_folder(kind: str, folder: Path) -> None:
    QSettings().setValue(f"folders/{kind}", str(folder))


def recent(key: str) -> list[str]:
    """The entries last remembered under `key`, newest first."""
    return [str(entry) for entry in QSettings().value(key, []) or []]


def remember_recent(key: str, entry: str) -> None:
    """Put `entry` first among the recent `key` entries (once), keeping RECENT of them."""
    kept = [old for old in recent(key) if old != entry]
    QSettings().setValue(key, [entry, *kept][:RECENT])
