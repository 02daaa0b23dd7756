"""A session's results as CSV (one row per trial) and JSON (with every epoch)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import warnings
from datetime import datetime
from pathlib import Path
from typing import Any

from hyperdesk.core.files import replacing
from hyperdesk.core.formatting import spreadsheet_safe
from hyperdesk.core.storage.session import Session, front_rows, trial_costs
from hyperdesk.core.trials import ACCURACY, TrialStatus

TRIAL_COLUMNS_BEFORE = ("number", "status", "round")
# A classifier's figures, or a regression's, then what every trial has.
ACCURACY_COLUMNS = (
    "final_val_acc",
    "final_val_acc_std",
    "best_val_acc",
    "final_train_acc",
    "test_acc",
)
REGRESSION_COLUMNS = (
    "final_val_r2",
    "final_val_r2_std",
    "final_val_rmse",
    "final_val_rmse_std",
    "final_val_mae",
    "final_val_mae_std",
    "final_train_r2",
)
TRIAL_COLUMNS_AFTER = ("epochs", "seconds", "parameters", "note")
# A trade-off search's further columns: whether a trial is on the front, and whether
# it kept to the limits.
TRADE_OFF_COLUMNS = ("on_front", "feasible")


def param_names(session: Session) -> list[str]:
    """The searched parameters, in the config's order, then any others trials used."""
    names = [param.name for param in session.config.search.space]
    for row in session.trials():
        names.extend(name for name in row.params if name not in names)
    return names


def trial_rows(session: Session) -> tuple[list[str], list[dict[str, Any]]]:
    """(columns, one dict per trial) as the CSV holds them."""
    names = param_names(session)
    epochs = session.epochs()
    trials, trade_off = session.trials(), session.config.search.trade_off
    counts = {n: (len(records), sum(r.seconds for r in records)) for n, records in epochs.items()}
    costs = trial_costs(trials, counts)
    metric = session.metric
    own = _own_figures(trials) if session.config.own_code else ()
    if session.config.own_code:  # the figures its function reported, and no other
        figures = tuple(
            column
            for column in (*ACCURACY_COLUMNS, *REGRESSION_COLUMNS)
            if any(getattr(trial, column) is not None for trial in trials)
        )
    else:
        figures = ACCURACY_COLUMNS if metric is ACCURACY else REGRESSION_COLUMNS
    front = (
        {row.number for row in front_rows(trade_off, trials, costs, metric)}
        if trade_off.several
        else set()
    )
    rows = []
    for trial in trials:
        records = epochs.get(trial.number, [])
        row = {"number": trial.number, "status": trial.status, "round": trial.round}
        row.update({name: trial.params.get(name) for name in names})
        row.update({name: getattr(trial, name) for name in figures})
        row.update({f"final_{name}": (trial.final_extra or {}).get(name) for name in own})
        row.update(
            epochs=len(records),
            seconds=round(sum(record.seconds for record in records), 3),
            parameters=trial.parameters,
            note=trial.note,
        )
        if trade_off.several:
            row.update(
                on_front=trial.number in front,
                feasible=trade_off.feasible(costs[trial.number]),
            )
        rows.append(row)
    extra = TRADE_OFF_COLUMNS if trade_off.several else ()
    own_columns = [f"final_{name}" for name in own]
    columns = [*TRIAL_COLUMNS_BEFORE, *names, *figures, *own_columns, *TRIAL_COLUMNS_AFTER]
    return [*columns, *extra], rows


def _own_figures(trials) -> list[str]:
    """The figures of their own a function's trials ended with, in first-seen order."""
    names: dict[str, None] = {}
    for trial in trials:
        names.update(dict.fromkeys(trial.final_extra or {}))
    return list(names)


def to_csv(session: Session) -> str:
    columns, rows = trial_rows(session)
    buffer = io.StringIO()
    # Notes and names are a person's text: none runs as a formula in a spreadsheet.
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([spreadsheet_safe(column) for column in columns])
    writer.writerows([spreadsheet_safe(row.get(column, "")) for column in columns] for row in rows)
    return buffer.getvalue()


def to_json(session: Session) -> str:
    meta = session.meta
    epochs = session.epochs()
    trials = []
    for trial in session.trials():
        entry = dataclasses.asdict(trial)
        entry["epochs"] = [dataclasses.asdict(r) for r in epochs.get(trial.number, [])]
        trials.append(entry)
    document = {
        "name": meta.get("name"),
        "created_at": meta.get("created_at"),
        "schema_version": int(meta.get("schema_version", 0)),
        "config": meta.get("config"),
        "note": session.note,
        "trials": trials,
    }
    return json.dumps(document, indent=1)


def write_text(path: Path, text: str) -> None:
    """Write an export through a fresh temporary file (see files.replacing)."""
    with replacing(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def to_optuna(session: Session, storage: str) -> str:
    """Write the session as an Optuna study in `storage` (e.g. sqlite:///study.db), so
    optuna.load_study and optuna-dashboard open it; returns the study's name. Complete
    trials keep their final value of the search's metric (validation accuracy, or a
    regression's R², RMSE or MAE, its direction set) and every epoch's as intermediate values
    (a trade-off's study: its objectives, each trial's values and how far it went past
    each limit as its constraints); pruned ones are pruned; the rest (diverged, failed,
    interrupted) are failed."""
    import optuna

    from hyperdesk.core.search.optuna_strategies import distribution, ended_trial

    config = session.config
    trade_off, costs, metric = config.search.trade_off, session.costs(), config.metric
    distributions = {param.name: distribution(param) for param in config.search.space}
    # The search's metric is the first objective, with its own direction (RMSE: minimize).
    directions = ["maximize" if metric.higher_is_better else "minimize"]
    try:
        study = optuna.create_study(
            study_name=session.name,
            storage=storage,
            directions=[*directions, *trade_off.directions[1:]],
        )
    except optuna.exceptions.DuplicatedStudyError:
        raise ValueError(
            f"{storage} already holds a study named {session.name!r}; nothing was overwritten"
        ) from None
    except ImportError:  # SQLAlchemy found no driver for the database the URL names
        raise ValueError(_missing_driver(storage)) from None
    epochs = session.epochs()
    states = {
        TrialStatus.COMPLETE: optuna.trial.TrialState.COMPLETE,
        TrialStatus.PRUNED: optuna.trial.TrialState.PRUNED,
    }
    with warnings.catch_warnings():  # experimental in Optuna, and what the dashboard shows
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.set_metric_names([metric.name, *trade_off.objectives[1:]])
    for trial in session.trials():
        state = states.get(trial.status, optuna.trial.TrialState.FAIL)
        complete = state == optuna.trial.TrialState.COMPLETE
        values = trade_off.values(metric.final(trial), costs[trial.number]) if complete else None
        intermediate = {r.epoch: r.figure(metric.name) for r in epochs.get(trial.number, [])}
        if state == optuna.trial.TrialState.PRUNED and intermediate and not trade_off.several:
            # As Optuna's own tell does: a pruned trial's value is its last reported one
            # (without it the dashboard leaves the trial out of its history plots).
            values = [intermediate[max(intermediate)]]
        violations = trade_off.violations(costs[trial.number])
        exported = ended_trial(
            distributions,
            trial.params,
            values=None if values is None else list(values),
            state=state,
            constraints=violations or None,
            # The list form too: Optuna's samplers and the dashboard read this one.
            system_attrs={"constraints": list(violations.values())} if violations else None,
            intermediate_values=intermediate,
            user_attrs={
                "hyperdesk_trial": trial.number,
                "status": trial.status,
                "round": trial.round,
                "seed": trial.seed,
            },
        )
        # When it really ran (create_trial stamps the export's time): the Timeline.
        exported.datetime_start = _local_time(trial.started_at) or exported.datetime_start
        exported.datetime_complete = _local_time(trial.finished_at) or exported.datetime_start
        study.add_trial(exported)
    return study.study_name


def _local_time(stamp: str | None) -> datetime | None:
    """A session's UTC time stamp as the naive local time Optuna keeps its own in."""
    return datetime.fromisoformat(stamp).astimezone().replace(tzinfo=None) if stamp else None


# The package SQLAlchemy's default driver for each database comes in (its dialects'
# documentation); a URL may name another driver after a +, as postgresql+pg8000://.
DRIVERS = {"postgresql": "psycopg2-binary", "mysql": "mysqlclient", "mssql": "pyodbc"}


def _missing_driver(storage: str) -> str:
    """What to install for the database `storage` names (never the URL itself: it may
    hold a password)."""
    scheme = storage.partition(":")[0]
    database, _, driver = scheme.partition("+")
    package = driver or DRIVERS.get(database, f"the Python driver for {database}")
    return (
        f"a {database} study needs its database driver, which is not installed: pip install "
        f"{package} (sqlite:///study.db needs none)"
    )
