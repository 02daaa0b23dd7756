"""The catalogue of sessions: what the Sessions list and `hyperdesk sessions` show of
each file, read without opening it for writing; a trial's epochs read from a file by
path; and a session file deleted."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from hyperdesk.core.storage.lock import lock_path
from hyperdesk.core.storage.session.errors import SessionBusyError, SessionError
from hyperdesk.core.storage.session.repository import Session, read_only_uri
from hyperdesk.core.storage.session.rows import trial_costs
from hyperdesk.core.training.trainer import EpochRecord
from hyperdesk.core.trials import FINISHED, Metric, SearchState, best_trial


@dataclass(frozen=True)
class SessionSummary:
    """One line of a session list (the CLI's `sessions`, the window's browser)."""

    path: Path
    name: str
    created_at: str
    strategy: str
    done: int
    planned: int
    best_score: float | None  # the best trial's value of the search's metric
    metric: Metric
    status: SearchState
    best_trial: int | None = None  # the best within the search's limits (best_trial)
    data: str = ""  # the file of the person's own, or the bundled dataset's name
    parent: str = ""  # the session this one's search was narrowed from
    note: str = ""  # what a person wrote of it
    trial_notes: tuple[str, ...] = ()  # what they wrote of its trials

    def matches(self, words: str) -> bool:
        """Whether every word of `words` is in the name or a note (any case)."""
        text = " ".join((self.name, self.note, *self.trial_notes)).casefold()
        return all(word in text for word in words.casefold().split())


def summarize(path: Path) -> SessionSummary:
    """Read a session's summary without writing to it; SessionError if unreadable."""
    with Session.open(path, writable=False) as session:
        meta = session.meta
        trials = session.trials()
        config = session.config  # parsed and checked once, not for each field

        def costs() -> dict[int, dict[str, float]]:  # read only for a search with limits
            return trial_costs(trials, session.epoch_counts())

        metric = config.metric
        best = best_trial(trials, config.search.trade_off.within_limits(costs), metric)
        return SessionSummary(
            path=Path(path),
            name=meta.get("name", ""),
            created_at=meta.get("created_at", ""),
            strategy=config.search.strategy,
            done=sum(row.status in FINISHED for row in trials),
            planned=session.planned,
            best_score=None if best is None else metric.final(best),
            metric=metric,
            best_trial=None if best is None else best.number,
            data=config.data.source or config.data.dataset,
            status=session.status(),
            parent=meta.get("parent", ""),
            note=meta.get("note", ""),
            trial_notes=tuple(row.note for row in trials if row.note),
        )


def read_epochs(path: Path, number: int) -> list[EpochRecord]:
    """Trial `number`'s epochs from the session file at `path`, which was checked when
    it was opened (this runs for each trial drawn: no second check); none when the file
    can no longer be read (moved, deleted or damaged since)."""
    try:
        connection = sqlite3.connect(read_only_uri(Path(path)), uri=True)
    except sqlite3.Error:
        return []
    try:
        session = Session(Path(path), connection, writable=False)
        return session.epochs_of(number)
    except (SessionError, sqlite3.Error, TypeError):
        return []
    finally:
        connection.close()


def delete_session(path: Path) -> None:
    """Remove a session file with its write-ahead log, if it is not running."""
    path = Path(path)
    with Session.open(path, writable=False) as session:
        if session.status() == SearchState.RUNNING:
            raise SessionBusyError(f"{path}: a search is running in it; stop it first")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    lock_path(path).unlink(missing_ok=True)


def delete_if_empty(path: Path) -> bool:
    """Remove the session at `path` if no trial began in it (a search that could not
    start leaves nothing behind); whether it was removed."""
    try:
        with Session.open(Path(path), writable=False) as session:
            if session.trials():
                return False
    except SessionError:
        return False
    delete_session(path)
    return True
