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
from hyperdesk.core.execution.evaluation import refuse_own_code, weights_not_kept
from hyperdesk.core.storage.session import Session
from hyperdesk.core.training.trainer import (
    EpochRecord,
    TrainingCallbacks,
    TrainingState,
    train_trials,
)
from hyperdesk.core.trials import TrialStatus


def train_longer(
    session_path: Path,
    number: int,
    epochs: int,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    retrain: bool = False,
) -> list[EpochRecord]:
    """Train trial `number` for `epochs` more, saving each new epoch in the session and
    its new state; returns the new records. Without a kept state, `retrain` trains it
    again from the start (same seed: its first epochs come out as they did) to as many
    more epochs. ConfigError (naming the trial) when the trial is not finished, is of
    several runs, or has no kept state and `retrain` is not asked for."""
    with Session.open(session_path) as session, session.holding():
        config = session.config
        refuse_own_code(config)
        row = next((trial for trial in session.trials() if trial.number == number), None)
        if row is None or row.status != TrialStatus.COMPLETE:
            what = "no such trial" if row is None else f"it is {row.status}"
            raise ConfigError([("trial", f"trial {number} cannot go on: {what}")])
        if config.runs > 1:
            raise ConfigError(
                [
                    (
                        "trial",
                        f"trial {number} trains {config.runs} runs (folds or repeats): "
                        "a trial of one run can be trained longer",
                    )
                ]
            )
        kept = session.kept_state(number)
        if kept is None and not retrain:
            raise weights_not_kept(
                number,
                config.search.keep_weights,
                "add --retrain to train it again from the start, to the same epochs and as "
                "many more",
            )
        check_fingerprint(config.data, session.data_fingerprint)
        state = None if kept is None else TrainingState.from_bytes(kept)
        done = len(session.epochs().get(number, [])) if state is None else state.epochs
        network, settings = config.trial_settings(row.params)
        settings = replace(settings, epochs=done + epochs)

        def saved(index: int, record: EpochRecord) -> None:
            if record.epoch <= done:  # retrained from the start: these are stored already
                return
            session.add_epochs([(number, record)])  # each epoch kept as it comes
            if on_epoch is not None:
                on_epoch(record)

        # Epochs of an extension that did not finish (a crash) go: it starts again from
        # where the trial stood, and so does this one if it is interrupted.
        session.drop_epochs_after(number, done)
        try:
            (result,) = train_trials(
                load_split(config.data),
                [network],
                [settings],
                [row.seed],
                TrainingCallbacks(on_epoch=saved),
                keep_states=True,
                start=state,
            )
        except BaseException:
            session.drop_epochs_after(number, done)
            raise
        records = session.epochs()[number]
        session.finish_trial(number, result.status, records, row.pruner_state)
        if result.state is not None:
            session.keep_state(number, result.state.epochs, result.state.to_bytes())
    return [record for record in result.records if record.epoch > done]
