import sqlite3

import pytest

from hyperdesk.core.storage.session import (
    SCHEMA_VERSION,
    Session,
    SessionBusyError,
    SessionError,
    summarize,
)
from hyperdesk.core.training.trainer import EpochRecord


def make_session(path):
    session = Session.create(path, "demo", '[search]\nstrategy = "random"\n', planned=3)
    session.begin_run(3)
    session.start_trial(1, {"lr": 0.001234567890123, "optimizer": "adam"}, 42, 1)
    records = [EpochRecord(e, 2.0 / e, 0.1 * e, 2.1 / e, 0.09 * e, 0.01) for e in (1, 2, 3)]
    session.add_epochs([(1, record) for record in records])
    session.finish_trial(1, "complete", records)
    session.start_trial(2, {"lr": 0.5, "optimizer": "sgd"}, 43, 1)
    session.add_epochs([(2, records[0])])
    return session, records


def test_round_trip(tmp_path):
    session, records = make_session(tmp_path / "a.hdsession")
    session.end_run("interrupted")
    session.close()
    with Session.open(tmp_path / "a.hdsession", writable=False) as again:
        trials = again.trials()
        assert [t.number for t in trials] == [1, 2]
        assert trials[0].params == {"lr": 0.001234567890123, "optimizer": "adam"}
        assert (trials[0].status, trials[0].seed, trials[0].round) == ("complete", 42, 1)
        assert trials[0].final_val_acc == records[-1].val_acc
        assert trials[0].best_val_acc == max(r.val_acc for r in records)
        assert trials[1].status == "interrupted"
        assert again.epochs() == {1: records, 2: records[:1]}
        assert again.name == "demo" and again.meta["schema_version"] == str(SCHEMA_VERSION)


def test_a_complete_search_plans_the_trials_it_ran_and_an_interrupted_one_keeps_its_plan(
    tmp_path,
):
    """A coarse-to-fine grid round leaves out points trained before, so a search can end
    with fewer trials than it planned: complete, it says N of N, not N of N + 1."""
    session, _ = make_session(tmp_path / "a.hdsession")
    session.end_run("interrupted")
    with Session.open(tmp_path / "a.hdsession", writable=False) as interrupted:
        assert interrupted.planned == 3
    session.begin_run(3)
    session.end_run("complete")
    session.close()
    with Session.open(tmp_path / "a.hdsession", writable=False) as again:
        assert again.planned == 2 == len(again.trials())


def test_notes_on_the_session_and_its_trials_are_kept_through_a_rerun(tmp_path):
    session, _ = make_session(tmp_path / "a.hdsession")
    session.set_note("  first try, data not scaled \n")
    session.set_note("diverges above lr 0.3", trial=2)
    with pytest.raises(SessionError, match="has no trial 9 \\(its trials: 1 to 2\\)"):
        session.set_note("nothing", trial=9)
    session.end_run("interrupted")
    session.begin_run(3)
    session.start_trial(2, {"lr": 0.5, "optimizer": "sgd"}, 43, 1)  # a resume reruns it
    session.end_run("interrupted")
    session.close()
    with Session.open(tmp_path / "a.hdsession", writable=False) as again:
        assert again.note == "first try, data not scaled"
        assert [row.note for row in again.trials()] == ["", "diverges above lr 0.3"]
        assert summarize(tmp_path / "a.hdsession").note == "first try, data not scaled"


def test_schema_is_readable_by_plain_sqlite(tmp_path):
    session, _ = make_session(tmp_path / "a.hdsession")
    session.close()
    db = sqlite3.connect(tmp_path / "a.hdsession")
    columns = [row[1] for row in db.execute("PRAGMA table_info(trials)")]
    assert columns == [
        "number",
        "status",
        "params",
        "seed",
        "round",
        "started_at",
        "finished_at",
        "final_train_acc",
        "final_val_acc",
        "best_val_acc",
        "final_val_acc_std",
        "test_acc",
        "test_loss",
        "pruner_state",
        "note",
        "parameters",
        "final_val_rmse",
        "final_val_mae",
        "final_val_r2",
        "final_train_r2",
        "final_val_rmse_std",
        "final_val_mae_std",
        "final_val_r2_std",
        "final_extra",
        "info",
        "error",
    ]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT count(*) FROM epochs WHERE trial = 1").fetchone()[0] == 3


def make_version_1_session(path):
    """A session as Hyperdesk 0.1 wrote it: without the spread, test, early-stopping,
    note, size and regression columns."""
    session, records = make_session(path)
    session.end_run("interrupted")
    session.close()
    db = sqlite3.connect(path)
    with db:
        for table, column in (
            ("trials", "final_val_acc_std"),
            ("trials", "test_acc"),
            ("trials", "test_loss"),
            ("trials", "pruner_state"),
            ("trials", "note"),
            ("trials", "parameters"),
            *(
                ("trials", f"final_{name}")
                for name in ("val_rmse", "val_mae", "val_r2", "train_r2")
            ),
            *(("trials", f"final_val_{name}_std") for name in ("rmse", "mae", "r2")),
            ("epochs", "val_acc_std"),
            *(
                ("epochs", f"{part}_{name}")
                for part in ("train", "val")
                for name in ("rmse", "mae", "r2")
            ),
            *(("epochs", f"val_{name}_std") for name in ("rmse", "mae", "r2")),
            *(("trials", name) for name in ("final_extra", "info", "error")),
            ("epochs", "extra"),
        ):
            db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        db.execute("DROP TABLE states")
        db.execute("DROP TABLE inspections")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    db.close()
    return records


def test_a_version_1_session_reads_as_it_was_read_only_and_untouched(tmp_path):
    path = tmp_path / "old.hdsession"
    records = make_version_1_session(path)
    with Session.open(path, writable=False) as old:
        assert old.epochs() == {1: records, 2: records[:1]}
        assert old.trials()[0].final_val_acc == records[-1].val_acc
        assert old.trials()[0].test_acc is None and old.meta["schema_version"] == "1"
        assert old.kept_states() == set() and old.kept_state(1) is None


def test_opening_a_version_1_session_for_writing_upgrades_it_keeping_everything(tmp_path):
    path = tmp_path / "old.hdsession"
    records = make_version_1_session(path)
    with Session.open(path) as upgraded:
        assert upgraded.meta["schema_version"] == str(SCHEMA_VERSION)
        assert upgraded.epochs() == {1: records, 2: records[:1]}
        assert upgraded.trials()[0].best_val_acc == max(r.val_acc for r in records)
        upgraded.record_test(1, 0.8, 0.6)
        upgraded.keep_state(1, 3, b"state")
        upgraded.set_note("lr too high", trial=1)
    with Session.open(path, writable=False) as again:
        assert (again.trials()[0].test_acc, again.trials()[0].test_loss) == (0.8, 0.6)
        assert again.trials()[0].note == "lr too high"
        assert again.kept_state(1) == b"state" and again.kept_states() == {1}


def test_a_dead_runner_leaves_the_session_interrupted(tmp_path):
    session, _ = make_session(tmp_path / "a.hdsession")
    db = sqlite3.connect(tmp_path / "a.hdsession")
    with db:  # a pid that cannot be running
        db.execute(
            "UPDATE meta SET value = ? WHERE key = 'owner'",
            (f"999999999@{session.meta['owner'].split('@')[1]}",),
        )
    session.close()  # as the process's death would, this lets go of its lock
    assert summarize(tmp_path / "a.hdsession").status == "interrupted"
    with Session.open(tmp_path / "a.hdsession") as again:
        assert again.status() == "interrupted"


def test_a_live_runner_keeps_others_out(tmp_path):
    session, _ = make_session(tmp_path / "a.hdsession")
    db = sqlite3.connect(tmp_path / "a.hdsession")
    with db:  # pid 1 is always alive
        db.execute(
            "UPDATE meta SET value = ? WHERE key = 'owner'",
            (f"1@{session.meta['owner'].split('@')[1]}",),
        )
    with pytest.raises(SessionBusyError, match="a search is running in it"):
        Session.open(tmp_path / "a.hdsession").begin_run(3)


def test_create_never_overwrites(tmp_path):
    path = tmp_path / "a.hdsession"
    path.write_text("precious")
    with pytest.raises(SessionError, match="already exists"):
        Session.create(path, "x", "", 1)
    assert path.read_text() == "precious"


def newer_schema(path):
    session, _ = make_session(path)
    session.close()
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def truncated(path):
    session, _ = make_session(path)
    session.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def foreign_sqlite(path):
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE songs(title TEXT)")
    db.commit()
    db.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("name,score\nx,1\n"), "not an SQLite database"),
        (foreign_sqlite, "without its meta, trials and epochs tables"),
        (truncated, "damaged or truncated"),
        (newer_schema, "written by a newer Hyperdesk"),
    ],
)
def test_bad_files_are_refused_and_left_untouched(tmp_path, make, message):
    path = tmp_path / "bad.hdsession"
    make(path)
    before = path.read_bytes()
    with pytest.raises(SessionError, match=message):
        Session.open(path)
    assert path.read_bytes() == before
