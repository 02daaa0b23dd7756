"""Session files: one SQLite database per search, written epoch by epoch.

Epochs are committed as the runner receives them (in batches at most 20 ms apart), so
killing the process loses at most the last batch and the epochs in flight."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import stat
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hyperdesk.core import config as config_module
from hyperdesk.core.files import fresh_file
from hyperdesk.core.storage.lock import LOCKS_WORK, RunLock
from hyperdesk.core.storage.session.blobs import KeptBlobs
from hyperdesk.core.storage.session.errors import (
    SessionBusyError,
    SessionError,
    SessionFullError,
    is_full,
    nearly_full,
)
from hyperdesk.core.storage.session.ownership import (
    RUNNING_HERE,
    claim_name,
    owner_alive,
    owner_tag,
)
from hyperdesk.core.storage.session.rows import (
    TrialRow,
    epoch_record_of,
    epoch_row,
    json_object,
    trial_costs,
    trial_row,
)
from hyperdesk.core.storage.session.schema import (
    APPLICATION,
    EPOCH_COLUMNS,
    EPOCH_FIELDS,
    SCHEMA,
    SCHEMA_VERSION,
    SQLITE_HEADER,
    TRIAL_COLUMNS,
    migrate,
    mistyped_column,
)
from hyperdesk.core.training.trainer import EpochRecord
from hyperdesk.core.trials import Metric, SearchState, TrialStatus

# TrialRow's fields, in the order TRIAL_COLUMNS selects them.
TRIAL_FIELDS = [name.strip() for name in TRIAL_COLUMNS.split(",")]


def read_only_uri(path: Path) -> str:
    """How to open a session only to read it. With no write-ahead log beside it, no
    search is writing it: opened immutable, SQLite leaves no -wal and -shm files behind
    (a plain read-only open of a WAL database makes both, even for a damaged file)."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    wal = path.with_name(path.name + "-wal")
    return uri if wal.exists() else uri + "&immutable=1"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Session(KeptBlobs):
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
                if is_full(error, path.parent):
                    raise SessionFullError(
                        f"disk full while creating {path}; nothing was saved. Free some "
                        "space and start again"
                    ) from None
                raise SessionError(f"{path}: cannot be created ({error})") from None
            finally:
                draft.close()
            claim_name(temporary, path)
        finally:
            for leftover in ("", "-wal", "-shm"):  # the draft and SQLite's files for it
                Path(f"{temporary}{leftover}").unlink(missing_ok=True)
        connection = sqlite3.connect(path)
        try:
            return cls._configure(path, connection, writable=True)
        except sqlite3.Error as error:
            # Its write-ahead log could not be made (a disk with room for the file
            # and not for the log read "malformed"): the new file holds nothing yet and
            # is not left behind.
            connection.close()
            for leftover in ("", "-wal", "-shm"):
                Path(f"{path}{leftover}").unlink(missing_ok=True)
            if is_full(error, path.parent) or nearly_full(path.parent):
                raise SessionFullError(
                    f"disk full while creating {path}; nothing was saved. Free some "
                    "space and start again"
                ) from None
            raise SessionError(f"{path}: cannot be created ({error})") from None

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
                connection = sqlite3.connect(read_only_uri(path), uri=True)
            return cls._configure(path, connection, writable)
        except sqlite3.Error as error:  # deleted or locked since the check
            raise SessionError(f"{path}: cannot be opened ({error})") from None

    @classmethod
    def _configure(cls, path: Path, connection: sqlite3.Connection, writable: bool) -> Session:
        connection.execute("PRAGMA busy_timeout = 10000")
        if writable:
            # A process crash cannot lose a committed epoch in WAL mode with NORMAL.
            connection.execute("PRAGMA synchronous = NORMAL")
            migrate(connection)
        return cls(path, connection, writable)

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
            connection = sqlite3.connect(read_only_uri(Path(path)), uri=True)
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
                mistyped = mistyped_column(connection)
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
            return [trial_row(dict(zip(TRIAL_FIELDS, row, strict=True))) for row in rows]
        except ValueError as error:  # an unknown status, or params that are not JSON
            raise SessionError(f"{self.path}: a trial cannot be read ({error})") from None

    def trial(self, number: int) -> TrialRow | None:
        """Trial `number`'s row (one row read, not the table)."""
        row = self._db.execute(
            f"SELECT {self._columns('trials', TRIAL_COLUMNS)} FROM trials WHERE number = ?",
            (number,),
        ).fetchone()
        return None if row is None else trial_row(dict(zip(TRIAL_FIELDS, row, strict=True)))

    def epochs(self) -> dict[int, list[EpochRecord]]:
        """Every trial's epochs, in order."""
        records: dict[int, list[EpochRecord]] = {}
        for trial, *values in self._db.execute(
            f"SELECT trial, {self._columns('epochs', EPOCH_COLUMNS)} "
            "FROM epochs ORDER BY trial, epoch"
        ):
            records.setdefault(trial, []).append(epoch_record_of(values))
        return records

    def epochs_of(self, number: int) -> list[EpochRecord]:
        """Trial `number`'s epochs, in order."""
        return [
            epoch_record_of(values)
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

    @property
    def metric(self) -> Metric:
        """What ranks this session's trials (its stored config's search metric)."""
        return self.config.metric

    def within_limits(self) -> Callable[[TrialRow], bool]:
        """Whether a trial keeps to the limits (costs read only when there are some)."""
        return self.config.search.trade_off.within_limits(self.costs)

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
        return [(trial, epoch_record_of(values)) for _, trial, *values in rows], newest

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
        if state == SearchState.RUNNING and not owner_alive(meta.get("owner"), self.path):
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
            if not is_full(error, self.path.parent):
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
                    and owner_alive(owner, self.path)
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
                    state=SearchState.RUNNING, owner=owner_tag(), planned_trials=str(planned)
                )
        except BaseException:
            self._lock.release()
            raise
        RUNNING_HERE.add(self.path.resolve())

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
            RUNNING_HERE.discard(self.path.resolve())
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
                f"INSERT INTO epochs(trial, {EPOCH_COLUMNS}) "
                f"VALUES (?, {', '.join('?' * len(EPOCH_FIELDS))})",
                [(n, *epoch_row(r)) for n, r in epochs],
            )

    def finish_trial(
        self,
        number: int,
        status: TrialStatus,
        records: list[EpochRecord],
        pruner_state: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        """Trial `number` ended as `status` after `records`; the last is its final
        figures (a function's returned ones merged in), `error` why it failed."""
        final = records[-1] if records else None
        with self._writing():
            self._db.execute(
                "UPDATE trials SET status = ?, finished_at = ?, final_train_acc = ?, "
                "final_val_acc = ?, best_val_acc = ?, final_val_acc_std = ?, "
                "pruner_state = ?, final_val_rmse = ?, final_val_mae = ?, final_val_r2 = ?, "
                "final_train_r2 = ?, final_val_rmse_std = ?, final_val_mae_std = ?, "
                "final_val_r2_std = ?, final_extra = ?, error = ? WHERE number = ?",
                (
                    status,
                    _now(),
                    final and final.train_acc,
                    final and final.val_acc,
                    max((r.val_acc for r in records if r.val_acc is not None), default=None),
                    final and final.val_acc_std,
                    None if pruner_state is None else json.dumps(pruner_state),
                    final and final.val_rmse,
                    final and final.val_mae,
                    final and final.val_r2,
                    final and final.train_r2,
                    final and final.val_rmse_std,
                    final and final.val_mae_std,
                    final and final.val_r2_std,
                    final and final.extra and json.dumps(final.extra),
                    error,
                    number,
                ),
            )

    def add_info(self, number: int, info: dict[str, Any]) -> None:
        """Merge `info` (what a function said of trial `number`: text or numbers by
        name) into what its row holds."""
        with self._writing():
            (stored,) = self._db.execute(
                "SELECT info FROM trials WHERE number = ?", (number,)
            ).fetchone()
            merged = {**(json_object(stored) or {}), **info}
            self._db.execute(
                "UPDATE trials SET info = ? WHERE number = ?", (json.dumps(merged), number)
            )

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

    def extend(self, config_toml: str, planned: int, take_over: bool = False) -> None:
        """Give a session that is not running a bigger search (more trials, another
        round); what it ran is kept and a resume runs the rest. `take_over`: one said to
        run on a host that is gone too (resume --force)."""
        with self._writing():
            self._db.execute("BEGIN IMMEDIATE")
            if self.status() == SearchState.RUNNING and not take_over:
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

    @property
    def code_digest(self) -> str:
        """A function's search: the SHA-256 of its code when it began ("" before)."""
        return self.meta.get("code_sha256", "")

    def record_code(self, digest: str) -> None:
        with self._writing():
            self._set_meta(code_sha256=digest)

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
