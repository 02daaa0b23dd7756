"""Weights kept in the session for the best trials, and a finished trial trained
longer from them: its records are those of one longer run."""

import contextlib
import sqlite3

import pytest

from hyperdesk.core.config import loads
from hyperdesk.core.execution.longer import train_longer
from hyperdesk.core.storage.session import Session
from tests.conftest import TINY_CONFIG
from tests.core.cli.test_cli import run_cli
from tests.core.model.test_model import searched


def figures(records):
    return [(r.epoch, r.train_loss, r.train_acc, r.val_loss, r.val_acc) for r in records]


def test_the_best_trials_keep_their_weights_and_only_they(capsys, tmp_path):
    path = searched(capsys, tmp_path, TINY_CONFIG, "search.trials=6", "search.keep_weights=2")
    with Session.open(path, writable=False) as session:
        best = [row.number for row in sorted(session.trials(), key=lambda row: -row.final_val_acc)][
            :2
        ]
        assert session.kept_states() == set(best)
        kept = session.kept_state(best[0])
    assert 0 < len(kept) < 200_000  # compressed: a 2 x 16 network and its optimizer
    none = tmp_path / "none"
    none.mkdir()
    path = searched(capsys, none, TINY_CONFIG, "search.keep_weights=0")
    with Session.open(path, writable=False) as session:
        assert session.kept_states() == set()


def test_train_longer_gives_the_records_of_a_longer_run(capsys, tmp_path):
    """3 epochs, then 2 more from the kept state, equal 5 epochs from the start (same
    seeds: the search is the same)."""
    short = searched(capsys, tmp_path, TINY_CONFIG, "search.keep_weights=all")
    longer_dir = tmp_path / "longer"
    longer_dir.mkdir()
    whole = searched(capsys, longer_dir, TINY_CONFIG, "train.epochs=5")
    code, out, err = run_cli(capsys, "extend-trial", short, "--trial", 2, "--epochs", 2)
    assert code == 0, err
    assert "epoch 4:" in out and "now has 5 epochs" in out
    with Session.open(short, writable=False) as a, Session.open(whole, writable=False) as b:
        assert figures(a.epochs()[2]) == figures(b.epochs()[2])
        assert a.trials()[1].final_val_acc == b.trials()[1].final_val_acc
        assert len(a.epochs()[1]) == 3  # the other trials untouched
    # And on again: 5 -> 6, from the state kept after the extension.
    assert run_cli(capsys, "extend-trial", short, "--trial", 2, "--epochs", 1)[0] == 0
    with Session.open(short, writable=False) as session:
        assert [r.epoch for r in session.epochs()[2]] == [1, 2, 3, 4, 5, 6]


def test_a_trial_without_kept_weights_says_so_and_is_retrained_when_asked(capsys, tmp_path):
    path = searched(capsys, tmp_path, TINY_CONFIG, "search.keep_weights=0")
    before = path.read_bytes()
    code, _, err = run_cli(capsys, "extend-trial", path, "--trial", 1, "--epochs", 2)
    assert code == 2 and "trial 1's weights are not kept" in err and "--retrain" in err
    assert path.read_bytes() == before  # nothing written
    code, out, err = run_cli(capsys, "extend-trial", path, "--trial", 1, "--epochs", 2, "--retrain")
    assert code == 0, err
    assert "epoch 3:" not in out and "epoch 4:" in out  # only the new epochs are new
    longer_dir = tmp_path / "longer"
    longer_dir.mkdir()
    whole = searched(capsys, longer_dir, TINY_CONFIG, "train.epochs=5")
    with Session.open(path, writable=False) as a, Session.open(whole, writable=False) as b:
        assert figures(a.epochs()[1]) == figures(b.epochs()[1])
        assert 1 in a.kept_states()  # kept now: the next extension goes on from it


def test_an_interrupted_extension_leaves_the_trial_as_it_was(capsys, tmp_path, monkeypatch):
    path = searched(capsys, tmp_path, TINY_CONFIG, "search.keep_weights=all")
    calls = []

    def stop_after_one(record):
        calls.append(record)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_longer(path, 1, 3, on_epoch=stop_after_one)
    assert calls
    with Session.open(path, writable=False) as session:
        assert [r.epoch for r in session.epochs()[1]] == [1, 2, 3]
    records = train_longer(path, 1, 1)
    assert [r.epoch for r in records] == [4]
    assert loads(TINY_CONFIG).train.epochs == 3
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT epochs FROM states WHERE trial = 1").fetchone() == (4,)
