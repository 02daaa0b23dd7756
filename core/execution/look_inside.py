"""A look inside a trial whose weights the session keeps, without training it again:
its class report on the validation split and its most confident mistakes (with their
pictures, for image data), kept in the session so that reopening shows them at once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from hyperdesk.core.config import ConfigError
from hyperdesk.core.data.sources import check_fingerprint, load_data, picture, showable
from hyperdesk.core.data.splits import load_split, split_rows
from hyperdesk.core.data.tables import REGRESSION, Dataset
from hyperdesk.core.execution.evaluation import chosen_trial, weights_not_kept
from hyperdesk.core.model.inspection import Inspection
from hyperdesk.core.storage.session import Session, SessionError
from hyperdesk.core.training.network import Network, softmax
from hyperdesk.core.training.trainer import TrainingState

# What Inside does not show yet: a regression's predicted values against the actual ones.
NO_LOOK_FOR_REGRESSION = (
    "a look inside shows a classifier's confusion matrix and mistakes; a regression's "
    "predicted-against-actual view is not built yet (its RMSE, MAE and R² are in the table)"
)


def inspect_trial(session_path: Path, number: int) -> Inspection:
    """What trial `number`'s kept weights make of its validation split. ConfigError
    (naming the trial) when its weights are not kept, or its search is a regression."""
    with Session.open(session_path, writable=False) as session:
        config, fingerprint = session.config, session.data_fingerprint
        if config.data.task == REGRESSION:
            raise ConfigError([("trial", NO_LOOK_FOR_REGRESSION)])
        row = chosen_trial(session, number)
        kept = session.kept_state(number)
        if kept is None:
            raise weights_not_kept(
                number,
                config.search.keep_weights,
                "saving it as a model trains it again and reports it "
                f"(its menu, or hyperdesk model --trial {number})",
            )
        state = TrainingState.from_bytes(kept)
        stored = session.inspection(number, state.epochs)
    if stored is not None:
        return Inspection.from_bytes(stored)
    check_fingerprint(config.data, fingerprint)
    spec, _ = config.trial_settings(row.params)
    network = Network(spec, np.random.default_rng(0))
    network.load_state(state.network)
    split = load_split(config.data)
    probabilities = softmax(network.predict(split.x_val.astype(spec.dtype), train=False))
    dataset = load_data(config.data)
    inspection = Inspection.of("validation split", split.y_val, probabilities, dataset.classes)
    _, [(_, validation)] = split_rows(config.data, dataset)
    inspection = with_pictures(inspection, dataset, validation)
    try:
        with Session.open(session_path) as session:
            session.store_inspection(number, state.epochs, inspection.to_bytes())
    except SessionError:  # a search is writing it: shown now, looked at again next time
        pass
    return inspection


def with_pictures(inspection: Inspection, dataset: Dataset, rows: np.ndarray) -> Inspection:
    """`inspection` with its mistakes' pictures, for image data: mistake row r is
    `dataset`'s row rows[r]."""
    if not inspection.mistakes or not showable(dataset.image_shape):
        return inspection
    pictures = np.stack(
        [picture(dataset.x[rows[m.row]], dataset.image_shape) for m in inspection.mistakes]
    )
    return replace(inspection, pictures=pictures)
