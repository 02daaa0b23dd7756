"""Which way is better: a metric of errors (RMSE, MAE) ranks and stops trials the other
way from accuracy or R², for every rule that goes by it. Each test would pick the wrong
trial if the direction were reversed."""

import json
from dataclasses import dataclass

import pytest

from hyperdesk.core.config.schema import EarlyStopping
from hyperdesk.core.search.early_stopping import EarlyStopper
from hyperdesk.core.training.trainer import EpochRecord
from hyperdesk.core.trials import ACCURACY, METRICS, TrialStatus, best_trial, ranked
from tests.conftest import REGRESSION_CONFIG
from tests.core.cli.test_cli import run_cli

RMSE = METRICS["val_rmse"]


@dataclass
class Row:
    number: int
    status: TrialStatus
    final_val_acc: float | None = None
    final_val_rmse: float | None = None


def test_the_lowest_error_is_the_best_trial():
    rows = [Row(1, TrialStatus.COMPLETE, 0.9, 3.0), Row(2, TrialStatus.COMPLETE, 0.5, 1.0)]
    rows.append(Row(3, TrialStatus.DIVERGED, None, 0.1))  # never ranked
    assert best_trial(rows, metric=RMSE).number == 2
    assert [row.number for row in ranked(rows, metric=RMSE)] == [2, 1]
    assert best_trial(rows, metric=ACCURACY).number == 1


def epochs(rmse_by_epoch):
    return [
        EpochRecord(epoch, 0.0, None, value**2, None, 0.0, val_rmse=value)
        for epoch, value in enumerate(rmse_by_epoch, start=1)
    ]


@pytest.mark.parametrize("worse", [True, False])
def test_median_stopping_stops_the_trial_whose_error_is_above_the_median(worse):
    rule = EarlyStopping(rule="median", warmup=1, startup=2)
    stopper = EarlyStopper(rule, epochs=3, metric=RMSE)
    for number in (1, 2, 3):
        stopper.start(number)
        for record in epochs([1.0, 0.8, 0.6]):
            assert not stopper.should_stop(number, record)
        stopper.finish(number, TrialStatus.COMPLETE, epochs([1.0, 0.8, 0.6])[-1])
    stopper.start(4)
    value = 5.0 if worse else 0.2
    stopped = [stopper.should_stop(4, record) for record in epochs([value, value, value])]
    assert any(stopped) == worse


def regression_run(capsys, tmp_path, metric, *more_changes, table=None):
    """`run --json`'s last line for a small regression search ranked by `metric`, on
    `table` (default: one written in `tmp_path`)."""
    tmp_path.mkdir(exist_ok=True)
    if table is None:
        table = tmp_path / "t.csv"
        table.write_text(
            "a,b,y\n"
            + "".join(f"{i % 5},{i % 7},{3.5 * (i % 5) - (i % 7) + 0.25}\n" for i in range(80))
        )
    config = tmp_path / "c.toml"
    config.write_text(REGRESSION_CONFIG.format(path=table))
    changes = [
        "model.hidden=[8]",
        "train.epochs=8",
        "search.trials=5",
        "search.space.lr.low=1e-4",
        "search.space.lr.high=1e-1",
        f"search.metric={metric}",
        *more_changes,
    ]
    sets = [arg for change in changes for arg in ("--set", change)]
    code, out, _ = run_cli(capsys, "run", config, "--json", *sets)
    assert code == 0
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("metric", ["val_rmse", "val_r2", "val_mae"])
def test_run_names_the_best_trial_by_the_chosen_metric(capsys, tmp_path, hyperdesk_home, metric):
    best = regression_run(capsys, tmp_path, metric)["best"]
    trials = [json.loads(line) for line in _trials(best, tmp_path)]
    values = {t["number"]: t[metric] for t in trials}
    pick = min if METRICS[metric].higher_is_better is False else max
    assert best["number"] == pick(values, key=values.get)
    assert best["score"] == {"metric": metric, "value": values[best["number"]]}
    assert {"val_r2", "val_rmse", "val_mae"} <= set(best) and "val_acc" not in best


def test_exports_carry_a_regression_s_figures_and_its_direction(capsys, tmp_path, hyperdesk_home):
    import optuna

    session = regression_run(capsys, tmp_path, "val_rmse")["session"]
    code, out, _ = run_cli(capsys, "export", session, "--csv")
    assert code == 0
    header = out.splitlines()[0].split(",")
    assert {"final_val_r2", "final_val_rmse", "final_val_mae", "final_train_r2"} <= set(header)
    assert "final_val_acc" not in header
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    assert run_cli(capsys, "export", session, "--optuna", storage)[0] == 0
    (name,) = optuna.get_all_study_names(storage)
    study = optuna.load_study(study_name=name, storage=storage)
    assert study.direction == optuna.study.StudyDirection.MINIMIZE
    assert study.metric_names == ["val_rmse"]
    rmse = {t["number"]: t["val_rmse"] for t in map(json.loads, _trials(None, tmp_path))}
    assert study.best_trial.user_attrs["hyperdesk_trial"] == min(rmse, key=rmse.get)


def _trials(best, tmp_path):
    from hyperdesk.core.paths import sessions_dir
    from hyperdesk.core.storage.session import Session

    (path,) = sessions_dir().glob("*.hdsession")
    with Session.open(path, writable=False) as session:
        rows = [row for row in session.trials() if row.status == TrialStatus.COMPLETE]
    for row in rows:
        yield json.dumps({"number": row.number, **row.figures()})


def test_a_metric_of_another_task_is_refused_by_name(capsys, tmp_path, hyperdesk_home, tiny_config):
    code, _, err = run_cli(capsys, "run", tiny_config, "--set", "search.metric=val_rmse")
    assert code == 2 and "search.metric: val_rmse is not a figure of a classification" in err


def test_k_folds_give_each_trial_its_metric_s_mean_and_spread(capsys, tmp_path, hyperdesk_home):
    from hyperdesk.core.paths import sessions_dir
    from hyperdesk.core.storage.export import trial_rows
    from hyperdesk.core.storage.session import Session

    regression_run(capsys, tmp_path, "val_mae", "data.folds=3", "search.trials=2")
    (path,) = sessions_dir().glob("*.hdsession")
    with Session.open(path, writable=False) as session:
        rows = [row for row in session.trials() if row.status == "complete"]
        _, exported = trial_rows(session)
    assert rows and all(row.final_val_mae_std > 0 for row in rows)
    assert all(row.final_val_acc_std is None for row in rows)
    mae = METRICS["val_mae"]
    assert mae.score_text(rows[0]) == (
        f"{rows[0].final_val_mae:.4g} ± {rows[0].final_val_mae_std:.4g}"
    )
    assert exported[0]["final_val_mae_std"] == rows[0].final_val_mae_std
