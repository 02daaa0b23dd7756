"""What the window knows of a search: every trial and its epochs, fed live by the worker
or read from a session file. Plain Python; the panels and the table read from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from hyperdesk.core.config import Config
from hyperdesk.core.execution.ranges import outside
from hyperdesk.core.execution.runner import TrialStart
from hyperdesk.core.search.objectives import SCORE_ONLY, TradeOff, measures
from hyperdesk.core.storage.session import Session, read_epochs
from hyperdesk.core.training.trainer import EpochRecord
from hyperdesk.core.trials import (
    ACCURACY,
    FINISHED,
    TASK_METRICS,
    Metric,
    TrialStatus,
    best_trial,
    ranked,
)


@dataclass(frozen=True)
class StoredTrial:
    """What a session file says of a finished trial without reading its epochs: what
    the table, the rankings and the scatter need."""

    epochs: int
    seconds: float
    final_val_acc: float | None
    final_val_acc_std: float | None
    final_train_acc: float | None
    best_val_acc: float | None
    # A regression's last epoch: {"val_r2": ..., "val_rmse": ..., "val_mae": ...,
    # "train_r2": ..., and their spreads over its runs "val_r2_std", ...}.
    regression: dict[str, float | None] = field(default_factory=dict)


@dataclass
class Trial:
    """One trial as the window shows it: its parameters, status and epochs so far. A
    trial read from a file holds its summary (`stored`) and reads its epochs (`load`)
    only when something draws them: a session of 5,000 trials opens without reading
    its 250,000 epochs."""

    number: int
    params: dict[str, Any]
    round: int
    status: TrialStatus
    loaded: list[EpochRecord] = field(default_factory=list)
    test_acc: float | None = None
    stored: StoredTrial | None = None
    load: Callable[[int], list[EpochRecord]] | None = None
    note: str = ""  # what a person wrote of it
    parameters: int | None = None  # the learned numbers of its network
    metric: Metric = ACCURACY  # what ranks its search's trials
    # A training function's trial: its own final figures, what it said of itself, and
    # why it failed.
    final_extra: dict[str, float] | None = None
    info: dict[str, Any] | None = None
    error: str | None = None

    @property
    def records(self) -> list[EpochRecord]:
        if self.load is not None:
            self.loaded, self.load = self.load(self.number), None
        return self.loaded

    @property
    def _summary(self) -> StoredTrial | None:
        """The stored summary while the epochs are not read."""
        return self.stored if self.load is not None else None

    @property
    def epoch_count(self) -> int:
        summary = self._summary
        return summary.epochs if summary else len(self.loaded)

    @property
    def final_val_acc(self) -> float | None:
        if summary := self._summary:
            return summary.final_val_acc
        return self.loaded[-1].val_acc if self.loaded else None

    @property
    def final_val_acc_std(self) -> float | None:
        if summary := self._summary:
            return summary.final_val_acc_std
        return self.loaded[-1].val_acc_std if self.loaded else None

    @property
    def final_train_acc(self) -> float | None:
        if summary := self._summary:
            return summary.final_train_acc
        return self.loaded[-1].train_acc if self.loaded else None

    @property
    def best_val_acc(self) -> float | None:
        if summary := self._summary:
            return summary.best_val_acc
        return max((r.val_acc for r in self.loaded if r.val_acc is not None), default=None)

    def _final(self, name: str) -> float | None:
        if summary := self._summary:
            return summary.regression.get(name)
        return getattr(self.loaded[-1], name) if self.loaded else None

    @property
    def final_val_r2(self) -> float | None:
        return self._final("val_r2")

    @property
    def final_val_rmse(self) -> float | None:
        return self._final("val_rmse")

    @property
    def final_val_mae(self) -> float | None:
        return self._final("val_mae")

    @property
    def final_train_r2(self) -> float | None:
        return self._final("train_r2")

    @property
    def final_val_r2_std(self) -> float | None:
        return self._final("val_r2_std")

    @property
    def final_val_rmse_std(self) -> float | None:
        return self._final("val_rmse_std")

    @property
    def final_val_mae_std(self) -> float | None:
        return self._final("val_mae_std")

    def explain(
        self, error: str | None, info: dict[str, Any] | None, final_extra: dict | None
    ) -> None:
        """What a training function's trial said of itself, and why it failed."""
        self.error, self.info, self.final_extra = error, info, final_extra

    @property
    def info_text(self) -> str:
        """What a function said of its trial, then the figures of its own it ended with,
        as the table shows them: "phase: steady; f1=0.912, margin=2"."""
        said = ", ".join(f"{name}: {value}" for name, value in (self.info or {}).items())
        figures = ", ".join(f"{k}={v:.4g}" for k, v in (self.final_extra or {}).items())
        return "; ".join(part for part in (said, figures) if part)

    @property
    def seconds(self) -> float:
        if summary := self._summary:
            return summary.seconds
        return sum(record.seconds for record in self.loaded)

    @property
    def score(self) -> float | None:
        """Its final value of its search's metric, as the panels plot it (not oriented:
        an RMSE is drawn as the RMSE); None unless it is complete."""
        return self.metric.final(self) if self.status == TrialStatus.COMPLETE else None

    @property
    def costs(self) -> dict[str, float]:
        return measures(self.parameters, self.seconds)


class SearchResults:
    """Trials by number, in the order they started. `runs` > 1: each trial's figures are
    means over its folds or repeats, with a spread; `test`: the search keeps a test
    split, on which trials can be evaluated."""

    def __init__(
        self,
        param_names: list[str],
        planned: int,
        epochs_per_trial: int,
        runs: int = 1,
        test: bool = False,
        rounds: bool = False,
        space: tuple = (),
        history: int = 0,
        trade_off: TradeOff = SCORE_ONLY,
        metric: Metric = ACCURACY,
        own_code: bool = False,
    ):
        self.param_names = param_names
        self.planned = planned
        self.epochs_per_trial = epochs_per_trial
        self.runs = runs
        self.test = test
        self.rounds = rounds  # its trials come in rounds (coarse-to-fine)
        # The search space now, and the trials run before its ranges last changed.
        self.space, self.history = space, history
        self.trials: dict[int, Trial] = {}
        # The trials whose weights the session keeps (Look inside, Train longer).
        self.kept: frozenset[int] = frozenset()
        self.paused = False  # the search is paused: its running trials wait
        self.trade_off = trade_off
        self.metric = metric
        self.own_code = own_code  # its trials ran a function of the person's own
        # A regression's trials have R², RMSE and MAE where a classifier's have accuracies.
        self.regression = metric.name in TASK_METRICS["regression"]
        # (each finished trial's score and epochs, the front and those over a limit)
        self._marks: tuple | None = None

    @classmethod
    def for_config(cls, config: Config, planned: int) -> SearchResults:
        return cls(
            [param.name for param in config.search.space],
            planned,
            config.train.epochs,
            config.runs,
            config.data.keeps_test,
            config.search.strategy == "coarse-to-fine",
            config.search.space,
            config.search.history,
            config.search.trade_off,
            config.metric,
            config.own_code,
        )

    @classmethod
    def from_session(cls, session: Session, config: Config, planned: int) -> SearchResults:
        """The session's trials with their stored summaries; each trial's epochs are
        read from the file when first drawn (a trial still running: at once, as its
        next epochs will follow them)."""
        results = cls.for_config(config, planned)
        counts = session.epoch_counts()
        path = session.path
        for row in session.trials():
            epochs, seconds = counts.get(row.number, (0, 0.0))
            stored = StoredTrial(
                epochs,
                seconds,
                row.final_val_acc,
                row.final_val_acc_std,
                row.final_train_acc,
                row.best_val_acc,
                {
                    "val_r2": row.final_val_r2,
                    "val_rmse": row.final_val_rmse,
                    "val_mae": row.final_val_mae,
                    "train_r2": row.final_train_r2,
                    "val_r2_std": row.final_val_r2_std,
                    "val_rmse_std": row.final_val_rmse_std,
                    "val_mae_std": row.final_val_mae_std,
                },
            )
            trial = Trial(row.number, row.params, row.round, row.status, [], row.test_acc)
            trial.note, trial.parameters = row.note, row.parameters
            trial.metric = results.metric
            trial.explain(row.error, row.info, row.final_extra)
            if row.status in FINISHED:
                trial.stored, trial.load = stored, partial(read_epochs, path)
            else:
                trial.loaded = read_epochs(path, row.number) if epochs else []
            results.trials[row.number] = trial
        results.kept = frozenset(session.kept_states())
        return results

    def start(self, start: TrialStart) -> None:
        self.trials[start.number] = Trial(
            start.number,
            start.params,
            start.round,
            TrialStatus.RUNNING,
            parameters=start.parameters,
            metric=self.metric,
        )

    def add_epoch(self, number: int, record: EpochRecord) -> None:
        self.trials[number].records.append(record)

    def finish(self, number: int, status: TrialStatus) -> None:
        self.trials[number].status = TrialStatus(status)

    def interrupt_running(self) -> list[int]:
        """Mark trials still running as interrupted (the search ended); their numbers."""
        stopped = [t.number for t in self.trials.values() if t.status == TrialStatus.RUNNING]
        for number in stopped:
            self.trials[number].status = TrialStatus.INTERRUPTED
        return stopped

    def within_limits(self, trial: Trial) -> bool:
        """Whether `trial` keeps to the search's limits (TradeOff.feasible)."""
        return self.trade_off.feasible(trial.costs)

    def ranked(self) -> list[Trial]:
        """Best first, those within the search's limits before any over them."""
        return ranked(self.trials.values(), self.within_limits, self.metric)

    def best(self) -> Trial | None:
        """The best trial within the search's limits (core.trials.best_trial)."""
        return best_trial(self.trials.values(), self.within_limits, self.metric)

    def shown_status(self, trial: Trial) -> str:
        """What a person is told of a trial: a running trial of a paused search is paused."""
        if self.paused and trial.status == TrialStatus.RUNNING:
            return "paused"
        if trial.number <= self.history and outside(self.space, trial.params):
            return f"{trial.status}, outside the ranges"
        return trial.status

    def front(self) -> set[int]:
        """A trade-off search's front (objectives.TradeOff.front) among the finished
        trials; empty for a search of the score alone."""
        return set(self._trade_off_marks()[0])

    def _trade_off_marks(self) -> tuple[set[int], set[int]]:
        """(the front, the finished trials over a limit), worked out again only when the
        finished trials change: the table asks for them on every frame it paints."""
        if not self.trade_off.several:
            return set(), set()
        # A finished trial trained longer (extend-trial) has another score and cost.
        finished = {
            n: (t.score, t.epoch_count) for n, t in self.trials.items() if t.status in FINISHED
        }
        if self._marks is None or self._marks[0] != finished:
            costs = {n: self.trials[n].costs for n in finished}
            front = self.trade_off.front(
                {n: (self.metric.oriented(self.trials[n].score), costs[n]) for n in finished}
            )
            over = {n for n, cost in costs.items() if not self.trade_off.feasible(cost)}
            self._marks = (finished, front, over)
        return self._marks[1], self._marks[2]

    def trade_off_mark(self, trial: Trial) -> str:
        """What the table says of a trial in a trade-off: on the front, or over a limit."""
        front, over = self._trade_off_marks()
        if trial.number in front:
            return "front"
        return "over the limit" if trial.number in over else ""

    def running(self) -> list[Trial]:
        return [trial for trial in self.trials.values() if trial.status == TrialStatus.RUNNING]

    def best_so_far(self) -> tuple[list[int], list[float]]:
        """(trial numbers, best final value of the search's metric among complete trials
        within the search's limits up to each), over those trials, in number order."""
        numbers, values, best = [], [], None
        for number in sorted(self.trials):
            trial = self.trials[number]
            score = trial.score
            if score is None or not self.within_limits(trial):
                continue
            if best is None or self.metric.oriented(score) > self.metric.oriented(best):
                best = score
            numbers.append(number)
            values.append(best)
        return numbers, values

    @property
    def epochs_done(self) -> int:
        return sum(trial.epoch_count for trial in self.trials.values())

    @property
    def trials_done(self) -> int:
        """Trials whose result stands (complete, pruned or diverged)."""
        return sum(trial.status in FINISHED for trial in self.trials.values())
