"""What every area of core says about trials: the status of a trial, the state of a
search, a trial's score and how trials rank. The lowest module of core: it imports
nothing of Hyperdesk."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol, TypeVar


class TrialStatus(str, Enum):
    """Where a trial is. A `str`, so it is stored, printed and sent as its value."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETE = "complete"
    PRUNED = "pruned"  # ended early by a rule or by hand; its epochs are kept
    DIVERGED = "diverged"  # its loss stopped being finite: a result, not a failure
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # the search stopped while it ran; a resume reruns it

    def __str__(self) -> str:
        return self.value

    @property
    def finished(self) -> bool:
        """Whether the trial's result stands: a resumed search keeps it."""
        return self in FINISHED


# Trials whose result stands: a resumed search keeps them and reruns the rest.
FINISHED = frozenset({TrialStatus.COMPLETE, TrialStatus.PRUNED, TrialStatus.DIVERGED})


class SearchState(str, Enum):
    """Where a search (a session) is."""

    NEW = "new"
    RUNNING = "running"
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"  # stopped, killed or crashed: it can be resumed
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value


class Scored(Protocol):
    number: int
    status: TrialStatus


T = TypeVar("T", bound=Scored)


@dataclass(frozen=True)
class Metric:
    """What ranks a search's trials: a figure of each epoch (EpochRecord's `name`) and
    of each trial (its last epoch's, the row's final_<name>), and which way is better.
    Strategies, early stopping and rankings go by the oriented score (higher is always
    better); people are shown the value."""

    name: str
    title: str  # for people: "validation R²"
    short: str  # in a column or a line: "val R²"
    higher_is_better: bool

    @property
    def heading(self) -> str:
        """Its title at the start of a label: "Validation R²"."""
        return self.title[:1].upper() + self.title[1:]

    def text(self, value: float) -> str:
        """A value as lines and tables show it: three decimals for accuracy and R², four
        significant digits for errors in the label's units."""
        return f"{value:.3f}" if self.name in ("val_acc", "val_r2") else f"{value:.4g}"

    def oriented(self, value: float | None) -> float | None:
        if value is None:
            return None
        return value if self.higher_is_better else -value

    def score_text(self, trial) -> str:
        """A trial's final value, with its spread over the trial's runs (folds, repeats)
        when it has several."""
        spread = self.spread(trial)
        if spread is None:
            return self.text(self.final(trial))
        return f"{self.text(self.final(trial))} ± {self.text(spread)}"

    def spread(self, trial) -> float | None:
        """The spread (standard deviation) of a trial's final value over its runs (folds,
        repeats); None for a trial of one run."""
        return getattr(trial, f"final_{self.name}_std", None)

    def final(self, trial) -> float | None:
        """A trial row's value of the metric (its last epoch's); a figure of a
        function's own from its `final_extra`."""
        value = getattr(trial, f"final_{self.name}", None)
        if value is None:
            value = (getattr(trial, "final_extra", None) or {}).get(self.name)
        return value

    def of_epoch(self, record) -> float | None:
        """An epoch's oriented score."""
        return self.oriented(record.figure(self.name))


ACCURACY = Metric("val_acc", "validation accuracy", "val acc", True)
R2 = Metric("val_r2", "validation R²", "val R²", True)
METRICS = {
    metric.name: metric
    for metric in (
        ACCURACY,
        R2,
        Metric("val_rmse", "validation RMSE", "val RMSE", False),
        Metric("val_mae", "validation MAE", "val MAE", False),
    )
}
# What [search] metric may name for each task; the first is the default.
TASK_METRICS = {
    "classification": ("val_acc",),
    "regression": ("val_r2", "val_rmse", "val_mae"),
}


def trial_score(
    status: TrialStatus, value: float | None, metric: Metric = ACCURACY
) -> float | None:
    """What strategies and rankings go by: a complete trial's final value of `metric`,
    oriented so that higher is better; None for one that diverged, was pruned or has no
    result."""
    return metric.oriented(value) if status == TrialStatus.COMPLETE else None


def _no_limits(trial) -> bool:
    return True


def ranked(
    trials: Iterable[T],
    within_limits: Callable[[T], bool] = _no_limits,
    metric: Metric = ACCURACY,
) -> list[T]:
    """The trials with a score, best first: every trial within the search's limits
    (`within_limits`, from TradeOff.within_limits) before any over them; equal scores
    in trial order."""
    scored = [
        (not within_limits(trial), -score, trial.number, trial)
        for trial in trials
        if (score := trial_score(trial.status, metric.final(trial), metric)) is not None
    ]
    scored.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in scored]


def best_trial(
    trials: Iterable[T],
    within_limits: Callable[[T], bool] = _no_limits,
    metric: Metric = ACCURACY,
) -> T | None:
    """The search's best trial, for every front end (window, run, sessions, compare,
    report, export, evaluate): the best score of its metric within its limits. A trial
    over a limit is never the best; None when no trial has a score within them."""
    best = next(iter(ranked(trials, within_limits, metric)), None)
    return best if best is not None and within_limits(best) else None
