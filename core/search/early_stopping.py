"""Stopping poor trials early with Optuna's pruners (median rule, successive halving,
Hyperband), fed epoch by epoch by the runner.

A decision looks at the epochs the other trials have reported by then, so with more than
one worker it can depend on which worker was faster: a search with early stopping is
exactly reproducible with one worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import optuna
from optuna.trial import TrialState

from hyperdesk.core.training.trainer import EpochRecord
from hyperdesk.core.trials import ACCURACY, Metric, TrialStatus

if TYPE_CHECKING:  # described by the config, replayed from a session: types only
    from hyperdesk.core.config import EarlyStopping
    from hyperdesk.core.storage.session import TrialRow

optuna.logging.set_verbosity(optuna.logging.WARNING)


def make_pruner(rule: EarlyStopping, epochs: int) -> optuna.pruners.BasePruner:
    if rule.rule == "median":
        return optuna.pruners.MedianPruner(
            n_startup_trials=rule.startup, n_warmup_steps=rule.warmup
        )
    if rule.rule == "asha":
        return optuna.pruners.SuccessiveHalvingPruner(
            min_resource=rule.min_epochs, reduction_factor=rule.reduction
        )
    if rule.rule == "hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=rule.min_epochs, max_resource=epochs, reduction_factor=rule.reduction
        )
    raise ValueError(f"no pruner for early-stopping rule {rule.rule!r}")


class EarlyStopper:
    """One Optuna study whose trials mirror the search's, reporting the search's metric
    per epoch (oriented: higher is better, so one direction serves every metric);
    should_stop() says when the pruner would stop a trial."""

    def __init__(self, rule: EarlyStopping, epochs: int, metric: Metric = ACCURACY):
        self.metric = metric
        # A fixed name: Hyperband places trials in brackets by hashing it.
        self.study = optuna.create_study(
            study_name="hyperdesk-early-stopping",
            direction="maximize",
            pruner=make_pruner(rule, epochs),
        )
        self._trials: dict[int, optuna.trial.Trial] = {}

    def start(self, number: int) -> None:
        self._trials[number] = self.study.ask()

    def should_stop(self, number: int, record: EpochRecord) -> bool:
        trial = self._trials[number]
        trial.report(self.metric.of_epoch(record), record.epoch)
        return trial.should_prune()

    def finish(self, number: int, status: TrialStatus, final: EpochRecord | None) -> dict[str, Any]:
        """End the trial's mirror (`final`: its last epoch); what the pruner noted of it
        (its system attributes), for the session to keep."""
        trial = self._trials.pop(number)
        # The study numbers its trials 0, 1, ... in the order they are added.
        noted = dict(self.study.get_trials(deepcopy=False)[trial.number].system_attrs)
        score = None if final is None else self.metric.of_epoch(final)
        if status == TrialStatus.COMPLETE and score is not None:
            self.study.tell(trial, score)
        else:
            self.study.tell(
                trial, state=TrialState.PRUNED if status == TrialStatus.PRUNED else TrialState.FAIL
            )
        return noted

    def replay(self, row: TrialRow, records: list[EpochRecord]) -> None:
        """A trial a resumed session already finished, so decisions weigh it again, with
        what the pruner had noted of it (successive halving reads its rungs there)."""
        state = {
            TrialStatus.COMPLETE: TrialState.COMPLETE,
            TrialStatus.PRUNED: TrialState.PRUNED,
        }.get(row.status, TrialState.FAIL)
        self.study.add_trial(
            optuna.trial.create_trial(
                state=state,
                value=(
                    self.metric.oriented(self.metric.final(row))
                    if state == TrialState.COMPLETE
                    else None
                ),
                intermediate_values={
                    record.epoch: self.metric.of_epoch(record) for record in records
                },
                system_attrs=row.pruner_state or {},
            )
        )
