"""Sessions compared: each side's figures from its trials, and the verdict's arithmetic."""

import json
import math
from pathlib import Path

from hyperdesk.core.comparison import SessionSide, compare_sessions, verdict
from hyperdesk.core.execution.look_inside import inspect_trial
from hyperdesk.core.paths import sessions_dir
from hyperdesk.core.storage.session import Session
from hyperdesk.core.training.trainer import EpochRecord
from tests.core.cli.test_cli import run_cli


def write_session(path, scores, validation="0.2"):
    """A session of finished trials with final validation accuracies `scores` (None: one
    that diverged), two epochs of 0.5 s each."""
    config = f'[data]\nsamples = 500\nvalidation = {validation}\n[search]\nstrategy = "random"\n'
    session = Session.create(path, path.stem, config, planned=len(scores))
    session.begin_run(len(scores))
    for number, score in enumerate(scores, start=1):
        session.start_trial(number, {"lr": 0.01 * number}, number, 1)
        records = [EpochRecord(e, 1.0, 0.5, 1.0, score or 0.1, 0.5) for e in (1, 2)]
        session.add_epochs([(number, record) for record in records])
        session.finish_trial(number, "complete" if score is not None else "diverged", records)
    session.end_run("complete")
    session.close()
    return path


def test_each_side_counts_its_trials_epochs_and_best_so_far(tmp_path):
    a = write_session(tmp_path / "a.hdsession", [0.5, None, 0.7, 0.6])
    b = write_session(tmp_path / "b.hdsession", [0.55, 0.52])
    first, second = compare_sessions([a, b]).sides
    assert (first.trials, first.epochs, first.seconds) == (4, 8, 4.0)
    assert (first.best_trial, first.best_score, first.best_params) == (3, 0.7, {"lr": 0.03})
    assert first.by_trials == [(1, 0.5), (2, 0.5), (3, 0.7), (4, 0.7)]
    assert first.by_epochs == [(2, 0.5), (4, 0.5), (6, 0.7), (8, 0.7)]
    # 100 validation samples (500 x 0.2): the binomial error of 0.7 on them.
    assert first.best_error == round(math.sqrt(0.7 * 0.3 / 100), 4)
    assert second.best_score == 0.55


def test_the_verdict_weighs_the_difference_against_the_validation_noise():
    def side(name, acc, error, data="mnist-10k"):
        return SessionSide(name, "", "random", data, 1, 1, 1.0, 1, acc, error)

    # 0.70 and 0.60 on 100 samples each: difference 0.10, standard error
    # hypot(0.0458, 0.0490) = 0.067; 0.10 < 1.96 x 0.067.
    within = verdict([side("a", 0.7, 0.0458), side("b", 0.6, 0.0490)])
    assert within.startswith("a is best: 0.700") and "within the validation noise" in within
    beyond = verdict([side("a", 0.9, 0.01), side("b", 0.6, 0.0490)])
    assert "beyond the validation noise" in beyond
    assert "different data" in verdict([side("a", 0.9, 0.01), side("b", 0.6, 0.05, "x.csv")])
    assert "nothing to compare" in verdict([side("a", 0.9, 0.01), side("b", None, None)])


def test_compare_prints_the_table_and_json(capsys, tmp_path):
    a = write_session(tmp_path / "a.hdsession", [0.5, 0.9])
    b = write_session(tmp_path / "b.hdsession", [0.52])
    code, out, _ = run_cli(capsys, "compare", a, b)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["a", "b"]
    best = next(line for line in lines if line.startswith("best val acc"))
    assert "0.900 ± 0.030" in best and "0.520 ± 0.050" in best
    assert out.strip().endswith("beyond the validation noise.")
    code, out, _ = run_cli(capsys, "compare", a, b, "--json")
    document = json.loads(out)
    assert [side["best_score"] for side in document["sessions"]] == [0.9, 0.52]
    assert document["verdict"].startswith("a is best")
    code, _, err = run_cli(capsys, "compare", a)
    assert code == 2 and "two sessions or more" in err


def test_regression_sessions_are_compared_by_their_metric_the_way_it_goes(
    capsys, tmp_path, hyperdesk_home, tiny_config
):
    from tests.core.search.test_metric_direction import regression_run

    first = regression_run(capsys, tmp_path / "a", "val_rmse")
    table = tmp_path / "a" / "t.csv"
    second = regression_run(capsys, tmp_path / "b", "val_rmse", "model.hidden=[4]", table=table)
    comparison = compare_sessions([Path(first["session"]), Path(second["session"])])
    rmse = {side.name: side.best_score for side in comparison.sides}
    assert [side.metric for side in comparison.sides] == ["val_rmse", "val_rmse"]
    assert rmse == {
        side.name: run["best"]["val_rmse"]
        for side, run in zip(comparison.sides, (first, second), strict=True)
    }
    winner = min(rmse, key=rmse.get)  # lower is better
    assert comparison.verdict.startswith(f"{winner} is best: ")
    # The noise of each best RMSE, from the spread of its validation errors.
    for side in comparison.sides:
        look = inspect_trial(Path(side.path), side.best_trial)
        assert side.best_error == round(look.standard_error("val_rmse"), 4) > 0
    noise = math.hypot(*(side.best_error for side in comparison.sides))
    assert f"its standard error {noise:.4g}" in comparison.verdict
    assert (
        "best val RMSE",
        *(side.score_text() for side in comparison.sides),
    ) in comparison.table()
    assert run_cli(capsys, "run", tiny_config)[0] == 0
    (classifier,) = (p for p in sessions_dir().glob("*.hdsession") if p.stem.startswith("tiny"))
    mixed = compare_sessions([Path(first["session"]), classifier])
    assert (
        mixed.verdict
        == "These sessions rank their trials by different metrics: nothing to compare."
    )
