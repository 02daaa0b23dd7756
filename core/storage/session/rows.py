"""A session's trials and epochs as rows (and the file's rows read into them), and what
is worked out from them once for every front end: each trial's costs and a trade-off's
front."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hyperdesk.core.search.objectives import TradeOff, measures
from hyperdesk.core.storage.session.schema import EPOCH_FIELDS
from hyperdesk.core.training.trainer import EpochRecord
from hyperdesk.core.trials import ACCURACY, Metric, TrialStatus, trial_score


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
    # A regression's last epoch (None for a classifier): RMSE and MAE in the label's
    # units, and R².
    final_val_rmse: float | None = None
    final_val_mae: float | None = None
    final_val_r2: float | None = None
    final_train_r2: float | None = None
    # Their spreads over the trial's runs (None for one run), as final_val_acc_std.
    final_val_rmse_std: float | None = None
    final_val_mae_std: float | None = None
    final_val_r2_std: float | None = None
    # A function of a person's own: its final figures beyond those above, what it
    # said of the trial (trial.info), and why it failed (the traceback's last lines).
    final_extra: dict[str, float] | None = None
    info: dict[str, Any] | None = None
    error: str | None = None

    def figures(self) -> dict[str, float]:
        """Its final figures by their names (val_acc, train_acc; or val_r2, val_rmse,
        val_mae, train_r2), for machine-readable outputs: those its task has."""
        named = {
            "val_acc": self.final_val_acc,
            "train_acc": self.final_train_acc,
            "val_r2": self.final_val_r2,
            "val_rmse": self.final_val_rmse,
            "val_mae": self.final_val_mae,
            "train_r2": self.final_train_r2,
        }
        return {name: value for name, value in named.items() if value is not None}


def trial_costs(
    rows: list[TrialRow], counts: dict[int, tuple[int, float]]
) -> dict[int, dict[str, float]]:
    """Each trial's costs (objectives.measures), from its row and its epochs' count and
    seconds (Session.epoch_counts)."""
    return {
        row.number: measures(row.parameters, counts.get(row.number, (0, 0.0))[1]) for row in rows
    }


def front_rows(
    trade_off: TradeOff,
    rows: list[TrialRow],
    costs: dict[int, dict[str, float]],
    metric: Metric = ACCURACY,
) -> list[TrialRow]:
    """The trials of `rows` on the front of `trade_off` (a search of two objectives:
    objectives.TradeOff.front), the cheapest first."""
    on = trade_off.front(
        {
            row.number: (trial_score(row.status, metric.final(row), metric), costs[row.number])
            for row in rows
        }
    )
    cost = trade_off.objectives[-1]
    return sorted(
        (row for row in rows if row.number in on),
        key=lambda row: (costs[row.number][cost], row.number),
    )


def trial_row(stored: dict[str, Any]) -> TrialRow:
    """A trials table's row, by column, as a TrialRow (its JSON and status parsed)."""
    pruner_state = stored["pruner_state"]
    return TrialRow(
        **{
            **stored,
            "status": TrialStatus(stored["status"]),
            "params": json.loads(stored["params"]),
            "pruner_state": None if pruner_state is None else json.loads(pruner_state),
            "note": stored["note"] or "",
            "final_extra": json_object(stored["final_extra"]),
            "info": json_object(stored["info"]),
        }
    )


def json_object(text: str | None) -> dict[str, Any] | None:
    """A JSON object column (a function's figures, a trial's info); None when empty.
    ValueError for anything else (a damaged file)."""
    if text is None:
        return None
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError(f"{text[:40]!r} is not a JSON object")
    return value


def epoch_row(record: EpochRecord) -> tuple:
    """An EpochRecord as an epochs row (EPOCH_FIELDS, `extra` as JSON)."""
    *figures, extra = (getattr(record, name) for name in EPOCH_FIELDS)
    return (*figures, None if extra is None else json.dumps(extra))


def epoch_record_of(values) -> EpochRecord:
    """An epochs row (EPOCH_FIELDS) as an EpochRecord."""
    return EpochRecord(*values[:-1], extra=json_object(values[-1]))
