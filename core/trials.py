"""What every area of core says about trials: the status of a trial, the state of a
search, a trial's score and how trials rank. The lowest module of core: it imports
nothing of Hyperdesk."""

from __future__ import annotations

from collections.abc import Iterable
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


def ranked(trials: Iterable[T]) -> list[T]:
    """The trials with a score, best first; equal scores in trial order."""
    scored = [
        (score, trial)
        for trial in trials
        if (score := trial_score(trial.status, trial.final_val_acc)) is not None
    ]
    scored.sort(key=lambda pair: (-pair[0], pair[1].number))
    return [trial for _, trial in scored]
