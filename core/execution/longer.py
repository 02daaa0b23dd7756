"""A finished trial trained for more epochs from its kept state (weights, optimizer
memory, generators): its curve goes on, and its records are those one longer run
would have given."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from hyperdesk.core.config import ConfigError
from hyperdesk.core.data.sources import check_fingerprint
from hyperdesk.core.data.splits import load_split
from hyperdesk.core.storage.session import Session
from hyperdesk.core.training.trainer import EpochRecord, TrainingState, train_trials
from hyperdesk.core.trials import TrialStatus


def train_longer(
    session_path: Path,
    number: int,
    epochs: int,
    on_epoch: Callable[[EpochRecord], None] | None = None,
) -> list[EpochRecord]:
    """Train trial `number` for `epochs` more, saving each new epoch in the session and
    its new state; returns the new records. ConfigError (naming --trial) when the trial
    is not finished or its state is not kept."""
    with Session.open(session_path) as session, session.holding():
        config = session.config
        row = next((trial for trial in session.trials() if trial.number == number), None)
        if row is None or row.status != TrialStatus.COMPLETE:
            what = "no such trial" if row is None else f"it is {row.status}"
            raise ConfigError([("--trial", f"trial {number} cannot go on: {what}")])
        kept = session.kept_state(number)
        if kept is None:
            raise ConfigError(
                [
                    (
                        "--trial",
                        f"trial {number}'s weights are not kept (a session keeps those of "
                        f"its best {config.search.keep_weights} trials, search.keep_weights)"
                        "; train it again from the start instead: hyperdesk model "
                        f"--trial {number} trains it on all the data",
                    )
                ]
            )
        check_fingerprint(config.data, session.data_fingerprint)
        state = TrainingState.from_bytes(kept)
        network, settings = config.trial_settings(row.params)
        settings = replace(settings, epochs=state.epochs + epochs)

        def saved(index: int, record: EpochRecord) -> None:
            session.add_epochs([(number, record)])  # each epoch kept as it comes
            if on_epoch is not None:
                on_epoch(record)

        # Epochs of an extension that did not finish (a crash) go: it starts again from
        # the kept state, and so does this one if it is interrupted.
        session.drop_epochs_after(number, state.epochs)
        try:
            (result,) = train_trials(
                load_split(config.data),
                [network],
                [settings],
                [row.seed],
                saved,
                keep_states=True,
                start=state,
            )
        except BaseException:
            session.drop_epochs_after(number, state.epochs)
            raise
        records = session.epochs()[number]
        session.finish_trial(number, result.status, records, row.pruner_state)
        if result.state is not None:
            session.keep_state(number, result.state.epochs, result.state.to_bytes())
    return result.records
