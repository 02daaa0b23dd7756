"""What every area of core says about trials: the status of a trial, the state of a
search, a trial's score and how trials rank. The lowest module of core: it imports
nothing of Hyperdesk."""

from __future__ import annotations

from collections.abc import Callable, Iterable
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

    @property
    def final_val_acc(self) -> float | None: ...


T = TypeVar("T", bound=Scored)


def trial_score(status: TrialStatus, final_val_acc: float | None) -> float | None:
    """What strategies and rankings go by: the final validation accuracy of a complete
    trial; None for one that diverged, was pruned or has no result."""
    return final_val_acc if status == TrialStatus.COMPLETE else None


def _no_limits(trial) -> bool:
    return True


def ranked(trials: Iterable[T], within_limits: Callable[[T], bool] = _no_limits) -> list[T]:
    """The trials with a score, best first: every trial within the search's limits
    (`within_limits`, from TradeOff.within_limits) before any over them; equal scores
    in trial order."""
    scored = [
        (not within_limits(trial), -score, trial.number, trial)
        for trial in trials
        if (score := trial_score(trial.status, trial.final_val_acc)) is not None
    ]
    scored.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in scored]


def best_trial(trials: Iterable[T], within_limits: Callable[[T], bool] = _no_limits) -> T | None:
    """The search's best trial, for every front end (window, run, sessions, compare,
    report, export, evaluate): the highest score within its limits. A trial over a limit
    is never the best; None when no trial has a score within them."""
    best = next(iter(ranked(trials, within_limits)), None)
    return best if best is not None and within_limits(best) else None
