"""A finished trial trained once more on every sample its search saw (its final test,
its final model), watched and stoppable: how far it has come, and a person's Cancel.
One protocol for both, so the window shows their progress the same way."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from hyperdesk.core.data.splits import Split
from hyperdesk.core.training.network import NetworkSpec
from hyperdesk.core.training.settings import TrainSettings
from hyperdesk.core.training.trainer import TrialResult, train_trial
from hyperdesk.core.trials import TrialStatus


class RetrainingCancelled(Exception):
    """The person cancelled it: nothing was stored or saved."""


@dataclass
class RetrainingWatch:
    """`report(epochs done, epochs in all)` after each epoch; `cancel()`, from any
    thread, ends the training at its next step."""

    report: Callable[[int, int], None] = lambda done, total: None
    cancelled: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self.cancelled.set()

    def train(
        self, data: Split, network: NetworkSpec, settings: TrainSettings, seed: int
    ) -> TrialResult:
        """train_trial, reporting each epoch; RetrainingCancelled when cancelled."""
        result = train_trial(
            data,
            network,
            settings,
            seed,
            on_epoch=lambda record: self.report(record.epoch, settings.epochs),
            should_stop=self.cancelled.is_set,
        )
        if result.status == TrialStatus.INTERRUPTED and self.cancelled.is_set():
            raise RetrainingCancelled("cancelled: nothing was saved")
        return result
