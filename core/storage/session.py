"""Session files: one SQLite database per search, written epoch by epoch.

Epochs are committed as the runner receives them (in batches at most 20 ms apart), so
killing the process loses at most the last batch and the epochs in flight. The schema
is documented in the README.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hyperdesk.core import config as config_module
from hyperdesk.core.search.objectives import TradeOff, measures
from hyperdesk.core.storage.files import fresh_file
from hyperdesk.core.storage.lock import LOCKS_WORK, RunLock, held_by_another, lock_path
from hyperdesk.core.training.trainer import EpochRecord
from hyperdesk.core.trials import FINISHED, SearchState, TrialStatus, trial_score

SCHEMA_VERSION = 7
# A session's name is for people; a longer one is surely not typed on purpose.
NAME_LENGTH = 200
APPLICATION = "hyperdesk"
SQLITE_HEADER = b"SQLite format 3\x00"


SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE trials(
    number INTEGER PRIMARY KEY,
    status TEXT NOT NULL,
    params TEXT NOT NULL,
    seed INTEGER NOT NULL,
    round INTEGER NOT NULL DEFAULT 1,
    started_at TEXT,
    finished_at TEXT,
    final_train_acc REAL,
    final_val_acc REAL,
    best_val_acc REAL,
    final_val_acc_std REAL,
    test_acc REAL,
    test_loss REAL,
    pruner_state TEXT,
    note TEXT,
    parameters INTEGER
);
CREATE TABLE epochs(
    trial INTEGER NOT NULL REFERENCES trials(number),
    epoch INTEGER NOT NULL,
    train_loss REAL,
    train_acc REAL,
    val_loss REAL,
    val_acc REAL,
    seconds REAL,
    val_acc_std REAL,
    PRIMARY KEY (trial, epoch)
);
CREATE TABLE states(
    trial INTEGER PRIMARY KEY REFERENCES trials(number),
    epochs INTEGER NOT NULL,
    state BLOB NOT NULL
);
CREATE TABLE inspections(
    trial INTEGER PRIMARY KEY REFERENCES trials(number),
    epochs INTEGER NOT NULL,
    inspection BLOB NOT NULL
);
"""
# What a session of each older schema needs to become the current one. Version 2 added
# the spread over a trial's runs (k folds, repeats) and the held-out test result;
# version 3 what the early-stopping rule noted of each finished trial (its rungs);
# version 4 the training states kept of the best trials (TrainingState.to_bytes());
# version 5 what a look inside a kept trial found (model.inspection.Inspection);
# version 6 a person's note on each trial (the session's own is in meta); version 7
# each trial's network size (what a trade-off between accuracy and size goes by).
MIGRATIONS = {
    1: (
        "ALTER TABLE trials ADD COLUMN final_val_acc_std REAL",
        "ALTER TABLE trials ADD COLUMN test_acc REAL",
        "ALTER TABLE trials ADD COLUMN test_loss REAL",
        "ALTER TABLE epochs ADD COLUMN val_acc_std REAL",
    ),
    2: ("ALTER TABLE trials ADD COLUMN pruner_state TEXT",),
    3: (
        "CREATE TABLE states(trial INTEGER PRIMARY KEY REFERENCES trials(number), "
        "epochs INTEGER NOT NULL, state BLOB NOT NULL)",
    ),
    4: (
        "CREATE TABLE inspections(trial INTEGER PRIMARY KEY REFERENCES trials(number), "
        "epochs INTEGER NOT NULL, inspection BLOB NOT NULL)",
    ),
    5: ("ALTER TABLE trials ADD COLUMN note TEXT",),
    6: ("ALTER TABLE trials ADD COLUMN parameters INTEGER",),
}
EPOCH_COLUMNS = "epoch, train_loss, train_acc, val_loss, val_acc, seconds, val_acc_std"
# The columns that hold numbers a damaged file could hold text in.
EPOCH_FIGURES = ("train_loss", "train_acc", "val_loss", "val_acc", "seconds", "val_acc_std")
TRIAL_FIGURES = (
    "final_train_acc",
    "final_val_acc",
    "best_val_acc",
    "final_val_acc_std",
    "test_acc",
    "test_loss",
    "parameters",
)
TRIAL_COLUMNS = (
    "number, status, params, seed, round, started_at, finished_at, final_train_acc, "
    "final_val_acc, best_val_acc, final_val_acc_std, test_acc, test_loss, pruner_state, note, "
    "parameters"
)


class SessionError(Exception):
    """A file that is not a readable Hyperdesk session; the message says why."""


class SessionBusyError(SessionError):
    """The session is being written by a running search."""


class SessionFullError(SessionError):
    """The disk filled while a session was written; what was committed before stays."""


# Less free space than this in a session's folder: an I/O error there is the disk full
# (SQLite says "disk I/O error" when its write-ahead log cannot grow).
NEARLY_FULL = 1 << 20


def _is_full(error: sqlite3.Error, folder: Path) -> bool:
    code = getattr(error, "sqlite_errorcode", None)  # Python 3.11 and later
    # The primary code is the low byte of an extended one (SQLITE_IOERR_WRITE, ...).
    full = "full" in str(error) if code is None else code & 0xFF == sqlite3.SQLITE_FULL
    if full or "I/O error" not in str(error):
        return full
    try:
        space = os.statvfs(folder)
    except OSError:
        return False
    return space.f_bavail * space.f_frsize < NEARLY_FULL


@dataclass(frozen=True)
class TrialRow:
    number: int
    status: TrialStatus
    params: dict[str, Any]
    seed: int
    round: int
    started_at: str | None
    finished_at: str | None
    final_train_acc: float | None
    final_val_acc: float | None
    best_val_acc: float | None
    # The spread of final_val_acc over the trial's runs (None for one run), and its
    # result on the held-out test split once evaluated (`hyperdesk evaluate`).
    final_val_acc_std: float | None = None
    test_acc: float | None = None
    test_loss: float | None = None
    # What the early-stopping rule noted of the trial (Optuna system attributes such as
    # successive halving's completed_rung_N): a resume gives it back, so the rule
    # decides the later trials as it would have without the interruption.
    pruner_state: dict[str, Any] | None = None
    note: str = ""  # what a person wrote of it
    # The learned numbers of its network (NetworkSpec.parameter_count); None in a
    # session stored before sizes were.
    parameters: int | None = None


def trial_costs(
    rows: list[TrialRow], counts: dict[int, tuple[int, float]]
) -> dict[int, dict[str, float]]:
    """Each trial's costs (objectives.measures), from its row and its epochs' count and
    seconds (Session.epoch_counts)."""
    return {
        row.number: measures(row.parameters, counts.get(row.number, (0, 0.0))[1]) for row in rows
    }


def front_rows(
    trade_off: TradeOff, rows: list[TrialRow], costs: dict[int, dict[str, float]]
) -> list[TrialRow]:
    """The trials of `rows` on the front of `trade_off` (a search of two objectives:
    objectives.TradeOff.front), the cheapest first."""
    on = trade_off.front(
        {
            row.number: (trial_score(row.status, row.final_val_acc), costs[row.number])
            for row in rows
        }
    )
    cost = trade_off.objectives[-1]
    return sorted(
        (row for row in rows if row.number in on),
        key=lambda row: (costs[row.number][cost], row.number),
    )


def _claim_name(temporary: Path, path: Path) -> None:
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


def _read_only_uri(path: Path) -> str:
    """How to open a session only to read it. With no write-ahead log beside it, no
    search is writing it: opened immutable, SQLite leaves no -wal and -shm files behind
    (a plain read-only open of a WAL database makes both, even for a damaged file)."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    wal = path.with_name(path.name + "-wal")
    return uri if wal.exists() else uri + "&immutable=1"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner_tag() -> str:
    return f"{os.getpid()}@{socket.gethostname()}"


# Sessions this process is running now. A tag with this process's own pid is believed
# only for them: after a reboot a new process can get the pid of one that died.
_RUNNING_HERE: set[Path] = set()


def _owner_alive(owner: str | None, path: Path) -> bool:
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
        return path.resolve() in _RUNNING_HERE
    held = held_by_another(path)
    return _process_alive(int(pid)) if held is None else held


class Session:
    """An open session file. `create` makes a new one; `open` checks an existing one
    before touching it, so a foreign or damaged file is refused unchanged."""

    def __init__(self, path: Path, connection: sqlite3.Connection, writable: bool):
        self.path = path
        self._db = connection
        self.writable = writable
        self._lock = RunLock(path)

    # --- opening --------------------------------------------------------------------

    @classmethod
    def create(
        cls, path: Path, name: str, config_toml: str, planned: int, parent: str = ""
    ) -> Session:
        """A new session file; `parent` is the session a child search was started from."""
        path = Path(path)
        if path.exists():
            raise SessionError(f"{path}: already exists; nothing was overwritten")
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under a hidden temporary name, then given its name: a process
        # killed at any moment leaves either a complete session or none (a stub could
        # never be resumed or opened).
        temporary = fresh_file(path)
        try:
            draft = sqlite3.connect(temporary)
            try:
                draft.execute("PRAGMA journal_mode=WAL")
                with draft:
                    draft.executescript(SCHEMA)
                    draft.executemany(
                        "INSERT INTO meta(key, value) VALUES (?, ?)",
                        [
                            ("application", APPLICATION),
                            ("schema_version", str(SCHEMA_VERSION)),
                            ("created_at", _now()),
                            ("name", name),
                            ("config", config_toml),
                            ("planned_trials", str(planned)),
                            ("parent", parent),
                            ("state", SearchState.NEW),
                        ],
                    )
            except sqlite3.OperationalError as error:
                if _is_full(error, path.parent):
                    raise SessionFullError(
                        f"disk full while creating {path}; nothing was saved. Free some "
                        "space and start again"
                    ) from None
                raise SessionError(f"{path}: cannot be created ({error})") from None
            finally:
                draft.close()
            _claim_name(temporary, path)
        finally:
            for leftover in ("", "-wal", "-shm"):  # the draft and SQLite's files for it
                Path(f"{temporary}{leftover}").unlink(missing_ok=True)
        return cls._configure(path, sqlite3.connect(path), writable=True)

    @classmethod
    def open(cls, path: Path, writable: bool = True) -> Session:
        path = Path(path)
        cls.check(path)
        # SQLite needs its folder too (for the write-ahead log), and says only "unable
        # to open database file" when it cannot have it.
        if writable and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            raise SessionError(
                f"{path}: read-only (the file or its folder cannot be written). It can be "
                "opened to view and exported; copy it to a writable folder to resume or "
                "change it"
            )
        try:
            if writable:
                connection = sqlite3.connect(path)
            else:
                connection = sqlite3.connect(_read_only_uri(path), uri=True)
            return cls._configure(path, connection, writable)
        except sqlite3.Error as error:  # deleted or locked since the check
            raise SessionError(f"{path}: cannot be opened ({error})") from None

    @classmethod
    def _configure(cls, path: Path, connection: sqlite3.Connection, writable: bool) -> Session:
        connection.execute("PRAGMA busy_timeout = 10000")
        if writable:
            # A process crash cannot lose a committed epoch in WAL mode with NORMAL.
            connection.execute("PRAGMA synchronous = NORMAL")
            cls._migrate(connection)
        return cls(path, connection, writable)

    @staticmethod
    def _migrate(connection: sqlite3.Connection) -> None:
        """Bring an older session to the current schema, in one transaction: it only
        adds columns, so every trial and epoch stays as it was."""
        (version,) = connection.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'"
        ).fetchone()
        if int(version) == SCHEMA_VERSION:
            return
        with connection:
            connection.execute("BEGIN IMMEDIATE")
            for old in range(int(version), SCHEMA_VERSION):
                for statement in MIGRATIONS[old]:
                    connection.execute(statement)
            connection.execute(
                "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
            )

    def _columns(self, table: str, wanted: str) -> str:
        """`wanted` columns, NULL for those an older session opened read-only lacks."""
        present = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
        return ", ".join(
            name if name in present else f"NULL AS {name}"
            for name in (part.strip() for part in wanted.split(","))
        )

    @staticmethod
    def check(path: Path) -> None:
        """Raise SessionError unless `path` is a session this version can read. Reads
        only: the file is left exactly as it was."""
        try:
            # Before opening: a named pipe or a device would block the read forever.
            if not stat.S_ISREG(os.stat(path).st_mode):
                raise SessionError(f"{path}: not a regular file, so not a session")
            with open(path, "rb") as stream:
                header = stream.read(len(SQLITE_HEADER))
        except FileNotFoundError:
            raise SessionError(f"{path}: no such file") from None
        except OSError as error:
            raise SessionError(f"{path}: cannot be read ({error.strerror})") from None
        if header != SQLITE_HEADER:
            raise SessionError(f"{path}: not a Hyperdesk session (not an SQLite database)")
        try:
            connection = sqlite3.connect(_read_only_uri(Path(path)), uri=True)
            try:
                tables = {
                    row[0]
                    for row in connection.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table'"
                    )
                }
                if not {"meta", "trials", "epochs"} <= tables:
                    raise SessionError(
                        f"{path}: not a Hyperdesk session (an SQLite database without its "
                        "meta, trials and epochs tables)"
                    )
                meta = dict(connection.execute("SELECT key, value FROM meta"))
                connection.execute("SELECT count(*) FROM epochs").fetchone()
                mistyped = _mistyped_column(connection)
                connection.execute("PRAGMA quick_check").fetchone()
            finally:
                connection.close()
        except sqlite3.DatabaseError as error:
            raise SessionError(f"{path}: damaged or truncated session ({error})") from None
        if mistyped:
            raise SessionError(f"{path}: damaged session ({mistyped})")
        if meta.get("application") != APPLICATION:
            raise SessionError(f"{path}: not a Hyperdesk session (no application mark)")
        version = meta.get("schema_version", "")
        if not version.isdigit() or int(version) < 1:
            raise SessionError(f"{path}: damaged session (schema version {version!r})")
        if int(version) > SCHEMA_VERSION:
            raise SessionError(
                f"{path}: written by a newer Hyperdesk (session schema {version}; this "
                f"version reads up to {SCHEMA_VERSION}). Update Hyperdesk to open it."
            )

    def close(self) -> None:
        self._lock.release()
        self._db.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # --- reading --------------------------------------------------------------------

    @property
    def meta(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM meta"))

    @property
    def config_toml(self) -> str:
        try:
            return self.meta["config"]
        except KeyError:
            raise SessionError(f"{self.path}: damaged session (it holds no config)") from None

    @property
    def config(self) -> config_module.Config:
        """The search this session runs. A stored config that cannot be read is a
        damaged session (SessionError), not a bad config of the person's."""
        try:
            return config_module.loads_stored(self.config_toml)
        except config_module.ConfigError as error:
            raise SessionError(
                f"{self.path}: damaged session (its stored config cannot be read: {error})"
            ) from None

    @property
    def name(self) -> str:
        return self.meta.get("name", self.path.stem)

    @property
    def note(self) -> str:
        """What a person wrote of the session ("" for nothing)."""
        return self.meta.get("note", "")

    def set_note(self, text: str, trial: int | None = None) -> None:
        """Write a person's note on the session, or on trial `trial`; "" clears it.
        SessionError for a trial the session does not have."""
        text = text.strip()
        with self._writing():
            if trial is None:
                self._set_meta(note=text)
                return
            changed = self._db.execute(
                "UPDATE trials SET note = ? WHERE number = ?", (text or None, trial)
            ).rowcount
        if not changed:
            raise self.no_trial(trial)

    def no_trial(self, number: int) -> SessionError:
        """The error for trial `number` asked of a session that does not have it."""
        numbers = [row.number for row in self.trials()]
        span = f"1 to {max(numbers)}" if numbers else "none yet"
        return SessionError(f"{self.path.name} has no trial {number} (its trials: {span})")

    @property
    def planned(self) -> int:
        """How many trials the search plans."""
        text = self.meta.get("planned_trials", "0") or "0"
        if not text.isdigit():
            raise SessionError(f"{self.path}: damaged session (planned trials {text!r})")
        return int(text)

    def trials(self) -> list[TrialRow]:
        rows = self._db.execute(
            f"SELECT {self._columns('trials', TRIAL_COLUMNS)} FROM trials ORDER BY number"
        )
        try:
            return [
                TrialRow(
                    row[0],
                    TrialStatus(row[1]),
                    json.loads(row[2]),
                    *row[3:-3],
                    pruner_state=None if row[-3] is None else json.loads(row[-3]),
                    note=row[-2] or "",
                    parameters=row[-1],
                )
                for row in rows
            ]
        except ValueError as error:  # an unknown status, or params that are not JSON
            raise SessionError(f"{self.path}: a trial cannot be read ({error})") from None

    def epochs(self) -> dict[int, list[EpochRecord]]:
        """Every trial's epochs, in order."""
        records: dict[int, list[EpochRecord]] = {}
        for trial, *values in self._db.execute(
            f"SELECT trial, {self._columns('epochs', EPOCH_COLUMNS)} "
            "FROM epochs ORDER BY trial, epoch"
        ):
            records.setdefault(trial, []).append(EpochRecord(*values))
        return records

    def epochs_of(self, number: int) -> list[EpochRecord]:
        """Trial `number`'s epochs, in order."""
        return [
            EpochRecord(*values)
            for values in self._db.execute(
                f"SELECT {self._columns('epochs', EPOCH_COLUMNS)} FROM epochs "
                "WHERE trial = ? ORDER BY epoch",
                (number,),
            )
        ]

    def epoch_counts(self) -> dict[int, tuple[int, float]]:
        """Each trial's number of epochs and their seconds, without reading them."""
        return {
            trial: (count, seconds or 0.0)
            for trial, count, seconds in self._db.execute(
                "SELECT trial, count(*), sum(seconds) FROM epochs GROUP BY trial"
            )
        }

    def costs(self) -> dict[int, dict[str, float]]:
        """Each trial's costs (objectives.measures: its size and training seconds)."""
        return trial_costs(self.trials(), self.epoch_counts())

    def last_epoch_rowid(self) -> int:
        """Where the epochs saved so far end (epochs_since reads what comes after)."""
        return self._db.execute("SELECT coalesce(max(rowid), 0) FROM epochs").fetchone()[0]

    def epochs_since(self, rowid: int) -> tuple[list[tuple[int, EpochRecord]], int]:
        """Epochs saved after the one with `rowid`, as (trial, record) pairs, and the
        newest rowid: how a viewer follows a search another process is running."""
        rows = self._db.execute(
            f"SELECT rowid, trial, {self._columns('epochs', EPOCH_COLUMNS)} "
            "FROM epochs WHERE rowid > ? ORDER BY rowid",
            (rowid,),
        ).fetchall()
        newest = rows[-1][0] if rows else rowid
        return [(trial, EpochRecord(*values)) for _, trial, *values in rows], newest

    def status(self) -> SearchState:
        """complete, running, interrupted or new. A search whose process died while
        running (crash, kill -9, power loss) is interrupted."""
        meta = self.meta
        try:
            state = SearchState(meta.get("state", SearchState.NEW))
        except ValueError:
            raise SessionError(
                f"{self.path}: the search state {meta['state']!r} is none Hyperdesk knows"
            ) from None
        if state == SearchState.RUNNING and not _owner_alive(meta.get("owner"), self.path):
            return SearchState.INTERRUPTED
        return state

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One transaction; a full disk becomes a SessionFullError that says what is
        saved and how to go on (SQLite rolls the transaction back: the file stays whole)."""
        try:
            with self._db:
                yield
        except sqlite3.OperationalError as error:
            if not _is_full(error, self.path.parent):
                raise
            saved = self._db.execute("SELECT count(*) FROM epochs").fetchone()[0]
            raise SessionFullError(
                f"disk full while saving {self.path}; the {saved:,} epochs finished before "
                f"it are saved. Free some space and run: hyperdesk resume {self.path}"
            ) from None

    def owner_elsewhere(self) -> str | None:
        """The owner tag (pid@host) of a search said to run this session on another
        host, which this one cannot see; None when none is, or it is on this host."""
        meta = self.meta
        owner = meta.get("owner", "")
        if meta.get("state") != SearchState.RUNNING or not owner:
            return None
        return owner if owner.partition("@")[2] != socket.gethostname() else None

    # --- writing --------------------------------------------------------------------

    def _set_meta(self, **values: str) -> None:
        self._db.executemany(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            list(values.items()),
        )

    def begin_run(self, planned: int, take_over: bool = False) -> None:
        """Claim the session for this process; refuses when another one is running it.
        `take_over`: claim it even when its owner is on another host, which this host
        cannot see (the person says that search is gone)."""
        if not self._lock.acquire():
            owner = self.meta.get("owner", "another process")
            raise SessionBusyError(
                f"{self.path}: a search is running in it (process {owner}); open it "
                "read-only to follow along"
            )
        try:
            with self._writing():
                self._db.execute("BEGIN IMMEDIATE")
                meta = self.meta
                owner = meta.get("owner", "")
                # Holding the lock, this process knows no other on this host runs the
                # search; one on another host it cannot see.
                elsewhere = owner.partition("@")[2] != socket.gethostname()
                if (
                    meta.get("state") == SearchState.RUNNING
                    and (elsewhere or not LOCKS_WORK)
                    and _owner_alive(owner, self.path)
                    and not take_over
                ):
                    raise SessionBusyError(
                        f"{self.path}: a search on another computer ({owner}) was running "
                        "in it, and this one cannot tell whether it still is. If it is "
                        "not, take over with: hyperdesk resume --force "
                        + str(self.path)
                        + " (if it still runs, both would write the same file)"
                    )
                self._set_meta(
                    state=SearchState.RUNNING, owner=_owner_tag(), planned_trials=str(planned)
                )
        except BaseException:
            self._lock.release()
            raise
        _RUNNING_HERE.add(self.path.resolve())

    @contextlib.contextmanager
    def holding(self):
        """Hold the session against a search being run in it by another process, while
        one of its trials is changed (trained longer); its state stays as it was."""
        if not self._lock.acquire():
            raise SessionBusyError(f"{self.path}: a search is running in it; wait for its end")
        try:
            yield self
        finally:
            self._lock.release()

    def end_run(self, state: SearchState) -> None:
        """Release the session: `state` is complete or interrupted. Trials left running
        are marked interrupted. A complete search ran every trial it was going to: its
        planned count becomes that (grid rounds of coarse-to-fine leave out points
        trained in an earlier round, so they may run fewer than they could)."""
        try:
            with self._writing():
                self._db.execute(
                    "UPDATE trials SET status = ? WHERE status IN (?, ?)",
                    (TrialStatus.INTERRUPTED, TrialStatus.RUNNING, TrialStatus.QUEUED),
                )
                ran = {}
                if state == SearchState.COMPLETE:
                    (count,) = self._db.execute("SELECT COUNT(*) FROM trials").fetchone()
                    ran = {"planned_trials": str(count)}
                self._set_meta(state=state, owner="", **ran)
        finally:
            _RUNNING_HERE.discard(self.path.resolve())
            self._lock.release()

    def start_trial(
        self,
        number: int,
        params: dict[str, Any],
        seed: int,
        round_: int,
        parameters: int | None = None,
    ) -> None:
        """Record a trial (whose network has `parameters` learned numbers) as running;
        a rerun trial loses the epochs of its earlier try."""
        with self._writing():
            self._db.execute("DELETE FROM epochs WHERE trial = ?", (number,))
            # A rerun trial starts afresh, but keeps what a person wrote of it.
            (note,) = self._db.execute(
                "SELECT note FROM trials WHERE number = ? UNION ALL SELECT NULL LIMIT 1",
                (number,),
            ).fetchone()
            self._db.execute(
                "INSERT OR REPLACE INTO trials(number, status, params, seed, round, "
                "started_at, note, parameters) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    number,
                    TrialStatus.RUNNING,
                    json.dumps(params),
                    seed,
                    round_,
                    _now(),
                    note,
                    parameters,
                ),
            )

    def add_epochs(self, epochs: list[tuple[int, EpochRecord]]) -> None:
        """Save (trial number, record) pairs in one transaction."""
        if not epochs:
            return
        with self._writing():
            self._db.executemany(
                f"INSERT INTO epochs(trial, {EPOCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        n,
                        r.epoch,
                        r.train_loss,
                        r.train_acc,
                        r.val_loss,
                        r.val_acc,
                        r.seconds,
                        r.val_acc_std,
                    )
                    for n, r in epochs
                ],
            )

    def finish_trial(
        self,
        number: int,
        status: TrialStatus,
        records: list[EpochRecord],
        pruner_state: dict[str, Any] | None = None,
    ) -> None:
        final = records[-1] if records else None
        with self._writing():
            self._db.execute(
                "UPDATE trials SET status = ?, finished_at = ?, final_train_acc = ?, "
                "final_val_acc = ?, best_val_acc = ?, final_val_acc_std = ?, "
                "pruner_state = ? WHERE number = ?",
                (
                    status,
                    _now(),
                    final and final.train_acc,
                    final and final.val_acc,
                    max((r.val_acc for r in records), default=None),
                    final and final.val_acc_std,
                    None if pruner_state is None else json.dumps(pruner_state),
                    number,
                ),
            )

    # --- kept training states (the best trials' weights) ----------------------------

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

    def drop_epochs_after(self, number: int, epoch: int) -> None:
        """Let go of trial `number`'s epochs after `epoch` (an unfinished extension's)."""
        with self._writing():
            self._db.execute("DELETE FROM epochs WHERE trial = ? AND epoch > ?", (number, epoch))

    def record_test(self, number: int, test_acc: float, test_loss: float) -> None:
        """Store a trial's result on the held-out test split."""
        with self._writing():
            self._db.execute(
                "UPDATE trials SET test_acc = ?, test_loss = ? WHERE number = ?",
                (test_acc, test_loss, number),
            )

    def rename(self, name: str) -> None:
        with self._writing():
            self._set_meta(name=name)

    def extend(self, config_toml: str, planned: int) -> None:
        """Give a session that is not running a bigger search (more trials, another
        round); what it ran is kept and a resume runs the rest."""
        with self._writing():
            self._db.execute("BEGIN IMMEDIATE")
            if self.status() == SearchState.RUNNING:
                raise SessionBusyError(f"{self.path}: a search is running in it")
            self._set_meta(
                config=config_toml, planned_trials=str(planned), state=SearchState.INTERRUPTED
            )

    @property
    def data_fingerprint(self) -> str:
        """The fingerprint of the data the session trains on ("" before its first run)."""
        return self.meta.get("data_fingerprint", "")

    def record_data(self, fingerprint: str) -> None:
        with self._writing():
            self._set_meta(data_fingerprint=fingerprint)

    def relocate_data(self, config_toml: str) -> None:
        """The same search with its data found elsewhere (the file moved); the caller
        checked it is the same data."""
        with self._writing():
            self._db.execute("BEGIN IMMEDIATE")
            if self.status() == SearchState.RUNNING:
                raise SessionBusyError(f"{self.path}: a search is running in it")
            self._set_meta(config=config_toml)

    def copy_to(self, destination: Path) -> None:
        """A consistent copy of this session at `destination` (which must not exist),
        even while a search writes to it."""
        destination = Path(destination)
        if destination.exists():
            raise SessionError(f"{destination}: already exists; nothing was overwritten")
        target = sqlite3.connect(destination)
        try:
            self._db.backup(target)
        finally:
            target.close()


def read_epochs(path: Path, number: int) -> list[EpochRecord]:
    """Trial `number`'s epochs from the session file at `path`, which was checked when
    it was opened (this runs for each trial drawn: no second check); none when the file
    can no longer be read (moved, deleted or damaged since)."""
    try:
        connection = sqlite3.connect(_read_only_uri(Path(path)), uri=True)
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


@dataclass(frozen=True)
class SessionSummary:
    """One line of a session list (the CLI's `sessions`, the window's browser)."""

    path: Path
    name: str
    created_at: str
    strategy: str
    done: int
    planned: int
    best_val_acc: float | None
    status: SearchState
    parent: str = ""  # the session this one's search was narrowed from
    note: str = ""  # what a person wrote of it
    trial_notes: tuple[str, ...] = ()  # what they wrote of its trials

    def matches(self, words: str) -> bool:
        """Whether every word of `words` is in the name or a note (any case)."""
        text = " ".join((self.name, self.note, *self.trial_notes)).casefold()
        return all(word in text for word in words.casefold().split())


NUMERIC_TYPES = ("integer", "real", "null")


def _mistyped_column(connection: sqlite3.Connection) -> str | None:
    """The first figure stored as something other than a number (an edited file), said
    in words; None when every figure is a number or empty."""
    for table, columns in (
        ("trials", ("number", "seed", "round", *TRIAL_FIGURES)),
        ("epochs", ("trial", "epoch", *EPOCH_FIGURES)),
    ):
        present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        checked = [name for name in columns if name in present]
        # One pass over the table (not one per column: a session of 250,000 epochs
        # opens in the time of one scan), then which column it was.
        row = connection.execute(
            f"SELECT rowid, {', '.join(f'typeof({name})' for name in checked)} FROM {table} "
            f"WHERE {' OR '.join(f'typeof({name}) NOT IN {NUMERIC_TYPES}' for name in checked)} "
            "LIMIT 1"
        ).fetchone()
        if row is not None:
            kind, column = next(
                (kind, name)
                for kind, name in zip(row[1:], checked, strict=True)
                if kind not in NUMERIC_TYPES
            )
            return f"{table}.{column} holds {kind} in row {row[0]}, not a number"
    return None


def summarize(path: Path) -> SessionSummary:
    """Read a session's summary without writing to it; SessionError if unreadable."""
    with Session.open(path, writable=False) as session:
        meta = session.meta
        trials = session.trials()
        strategy = session.config.search.strategy
        scores = [
            row.final_val_acc
            for row in trials
            if row.status == TrialStatus.COMPLETE and row.final_val_acc is not None
        ]
        return SessionSummary(
            path=Path(path),
            name=meta.get("name", ""),
            created_at=meta.get("created_at", ""),
            strategy=strategy,
            done=sum(row.status in FINISHED for row in trials),
            planned=session.planned,
            best_val_acc=max(scores, default=None),
            status=session.status(),
            parent=meta.get("parent", ""),
            note=meta.get("note", ""),
            trial_notes=tuple(row.note for row in trials if row.note),
        )
