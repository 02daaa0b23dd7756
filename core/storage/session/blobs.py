"""What a session keeps of its trials beyond their epochs: the best trials' training
states (to train them longer, to look inside them) and what each look inside found.
Session (storage.session.repository) holds them; this part of it reads and writes
only its two tables."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager


class KeptBlobs:
    """The `states` and `inspections` tables of a Session: its `_db` connection and its
    `_writing()` transaction."""

    _db: sqlite3.Connection
    _writing: Callable[[], AbstractContextManager[None]]

    def keep_state(self, number: int, epochs: int, state: bytes) -> None:
        """Keep trial `number`'s training state after `epochs` (replacing an older one)."""
        with self._writing():
            self._db.execute(
                "INSERT OR REPLACE INTO states(trial, epochs, state) VALUES (?, ?, ?)",
                (number, epochs, sqlite3.Binary(state)),
            )

    def kept_state(self, number: int) -> bytes | None:
        """Trial `number`'s kept training state, or None (not kept, or an older session)."""
        if not self._has_table("states"):
            return None
        row = self._db.execute("SELECT state FROM states WHERE trial = ?", (number,)).fetchone()
        return None if row is None else bytes(row[0])

    def kept_states(self) -> set[int]:
        """The trials whose training states are kept."""
        if not self._has_table("states"):
            return set()
        return {number for (number,) in self._db.execute("SELECT trial FROM states")}

    def forget_states(self, numbers: set[int]) -> None:
        """Let go of the training states of trials `numbers`."""
        if numbers:
            with self._writing():
                self._db.executemany(
                    "DELETE FROM states WHERE trial = ?", [(n,) for n in sorted(numbers)]
                )

    def _has_table(self, name: str) -> bool:
        """A session opened read-only keeps its older schema: a table may be missing."""
        found = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return found is not None

    def store_inspection(self, number: int, epochs: int, inspection: bytes) -> None:
        """Keep what a look inside trial `number`, after `epochs`, found."""
        with self._writing():
            self._db.execute(
                "INSERT OR REPLACE INTO inspections(trial, epochs, inspection) VALUES (?, ?, ?)",
                (number, epochs, sqlite3.Binary(inspection)),
            )

    def inspection(self, number: int, epochs: int) -> bytes | None:
        """What a look inside trial `number` found, if it was made after `epochs` (a
        trial trained longer since is looked at again)."""
        if not self._has_table("inspections"):
            return None
        row = self._db.execute(
            "SELECT inspection FROM inspections WHERE trial = ? AND epochs = ?", (number, epochs)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def inspections(self) -> dict[int, bytes]:
        """Every look inside a trial kept in the session, by trial number."""
        if not self._has_table("inspections"):
            return {}
        rows = self._db.execute("SELECT trial, inspection FROM inspections ORDER BY trial")
        return {number: bytes(blob) for number, blob in rows}
