"""A trial trained once more (its final test, its final model): each epoch is reported
with the count to come, and a cancel ends it with nothing stored or saved."""

import pytest

from hyperdesk.core.execution.evaluation import evaluate_on_test
from hyperdesk.core.execution.final_model import save_final_model, train_final_model
from hyperdesk.core.execution.retraining import RetrainingCancelled, RetrainingWatch
from hyperdesk.core.storage.session import Session
from tests.conftest import TINY_CONFIG
from tests.core.model.test_model import searched


def test_each_epoch_is_reported_and_the_result_is_the_unwatched_one(capsys, tmp_path):
    path = searched(capsys, tmp_path, TINY_CONFIG, "data.test=0.2")
    heard = []
    watched = evaluate_on_test(path, 2, RetrainingWatch(report=lambda *p: heard.append(p)))
    assert heard == [(1, 3), (2, 3), (3, 3)]  # TINY_CONFIG trains 3 epochs
    assert evaluate_on_test(path, 2).test_acc == watched.test_acc  # same seed, same model


def test_a_cancelled_test_stores_nothing_and_a_cancelled_model_saves_nothing(capsys, tmp_path):
    path = searched(capsys, tmp_path, TINY_CONFIG, "data.test=0.2", "train.epochs=6")
    watch = RetrainingWatch()
    watch.report = lambda done, total: watch.cancel() if done == 2 else None
    with pytest.raises(RetrainingCancelled):
        evaluate_on_test(path, 1, watch)
    with Session.open(path, writable=False) as session:
        assert all(trial.test_acc is None for trial in session.trials())
    out = tmp_path / "m.hdmodel"
    later = RetrainingWatch()
    later.report = lambda done, total: later.cancel()
    with pytest.raises(RetrainingCancelled):
        save_final_model(path, None, out, later)
    assert not out.exists()
    assert train_final_model(path).model.details["trial"] >= 1  # uncancelled, it is made
