"""The session file's SQLite schema, its version and the migrations that bring an older
file up to it. The schema is documented in the README."""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 10


# A session's name is for people; a longer one is surely not typed on purpose.
NAME_LENGTH = 200


APPLICATION = "hyperdesk"


SQLITE_HEADER = b"SQLite format 3\x00"


REGRESSION_SPREADS = ("val_rmse", "val_mae", "val_r2")


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
    parameters INTEGER,
    final_val_rmse REAL,
    final_val_mae REAL,
    final_val_r2 REAL,
    final_train_r2 REAL,
    final_val_rmse_std REAL,
    final_val_mae_std REAL,
    final_val_r2_std REAL,
    final_extra TEXT,
    info TEXT,
    error TEXT
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
    train_rmse REAL,
    train_mae REAL,
    train_r2 REAL,
    val_rmse REAL,
    val_mae REAL,
    val_r2 REAL,
    val_rmse_std REAL,
    val_mae_std REAL,
    val_r2_std REAL,
    extra TEXT,
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
# each trial's network size (what a trade-off between accuracy and size goes by);
# version 8 a regression's figures (RMSE, MAE and R² of each epoch and trial); version 9
# their spreads over a trial's runs (k folds, repeats), as version 2's of accuracy;
# version 10 what a function of a person's own reports beyond those figures (JSON
# objects: each epoch's `extra`, a trial's `final_extra` and `info`) and why a trial
# failed (`error`).
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
    7: (
        *(
            f"ALTER TABLE trials ADD COLUMN {name} REAL"
            for name in ("final_val_rmse", "final_val_mae", "final_val_r2", "final_train_r2")
        ),
        *(
            f"ALTER TABLE epochs ADD COLUMN {name} REAL"
            for name in ("train_rmse", "train_mae", "train_r2", "val_rmse", "val_mae", "val_r2")
        ),
    ),
    8: (
        *(f"ALTER TABLE trials ADD COLUMN final_{name}_std REAL" for name in REGRESSION_SPREADS),
        *(f"ALTER TABLE epochs ADD COLUMN {name}_std REAL" for name in REGRESSION_SPREADS),
    ),
    9: (
        "ALTER TABLE trials ADD COLUMN final_extra TEXT",
        "ALTER TABLE trials ADD COLUMN info TEXT",
        "ALTER TABLE trials ADD COLUMN error TEXT",
        "ALTER TABLE epochs ADD COLUMN extra TEXT",
    ),
}


# The columns that hold numbers a damaged file could hold text in.
EPOCH_FIGURES = (
    "train_loss",
    "train_acc",
    "val_loss",
    "val_acc",
    "seconds",
    "val_acc_std",
    "train_rmse",
    "train_mae",
    "train_r2",
    "val_rmse",
    "val_mae",
    "val_r2",
    "val_rmse_std",
    "val_mae_std",
    "val_r2_std",
)


# In EpochRecord's order; `extra` is JSON text in the file.
EPOCH_FIELDS = ("epoch", *EPOCH_FIGURES, "extra")
EPOCH_COLUMNS = ", ".join(EPOCH_FIELDS)


TRIAL_FIGURES = (
    "final_train_acc",
    "final_val_acc",
    "best_val_acc",
    "final_val_acc_std",
    "test_acc",
    "test_loss",
    "parameters",
    "final_val_rmse",
    "final_val_mae",
    "final_val_r2",
    "final_train_r2",
    "final_val_rmse_std",
    "final_val_mae_std",
    "final_val_r2_std",
)


TRIAL_COLUMNS = (
    "number, status, params, seed, round, started_at, finished_at, final_train_acc, "
    "final_val_acc, best_val_acc, final_val_acc_std, test_acc, test_loss, pruner_state, note, "
    "parameters, final_val_rmse, final_val_mae, final_val_r2, final_train_r2, "
    "final_val_rmse_std, final_val_mae_std, final_val_r2_std, final_extra, info, error"
)


NUMERIC_TYPES = ("integer", "real", "null")


def mistyped_column(connection: sqlite3.Connection) -> str | None:
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


def migrate(connection: sqlite3.Connection) -> None:
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
