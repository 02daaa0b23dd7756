"""A look inside a trial whose weights the session keeps, without training it again:
its class report on the validation split and its most confident mistakes (with their
pictures, for image data), or a regression's predictions against the actual values and
its worst ones, kept in the session so that reopening shows them at once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from hyperdesk.core.data.sources import check_fingerprint, load_data, picture, showable
from hyperdesk.core.data.splits import load_split, split_rows
from hyperdesk.core.data.tables import Dataset
from hyperdesk.core.execution.evaluation import chosen_trial, weights_not_kept
from hyperdesk.core.model.inspection import Inspection, RegressionLook, look_from_bytes
from hyperdesk.core.storage.session import Session, SessionError
from hyperdesk.core.training.network import Network, softmax
from hyperdesk.core.training.trainer import TrainingState


def inspect_trial(session_path: Path, number: int) -> Inspection | RegressionLook:
    """What trial `number`'s kept weights make of its validation split: a classifier's
    class report and mistakes, a regression's predictions against the actual values.
    ConfigError (naming the trial) when its weights are not kept."""
    with Session.open(session_path, writable=False) as session:
        config, fingerprint = session.config, session.data_fingerprint
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
        return look_from_bytes(stored)
    check_fingerprint(config.data, fingerprint)
    spec, _ = config.trial_settings(row.params)
    network = Network(spec, np.random.default_rng(0))
    network.load_state(state.network)
    split = load_split(config.data)
    outputs = network.predict(split.x_val.astype(spec.dtype), train=False)
    dataset = load_data(config.data)
    _, [(_, validation)] = split_rows(config.data, dataset)
    on = "validation split"
    if split.target is not None:
        predicted = split.target.restore(outputs[:, 0].astype(np.float64))
        look = RegressionLook.of(
            on, dataset.label, dataset.y[validation], predicted, validation, dataset
        )
    else:
        inspection = Inspection.of(on, split.y_val, softmax(outputs), dataset.classes)
        look = with_pictures(inspection, dataset, validation)
    try:
        with Session.open(session_path) as session:
            session.store_inspection(number, state.epochs, look.to_bytes())
    except SessionError:  # a search is writing it: shown now, looked at again next time
        pass
    return look


def with_pictures(inspection: Inspection, dataset: Dataset, rows: np.ndarray) -> Inspection:
    """`inspection` with its mistakes' pictures, for image data: mistake row r is
    `dataset`'s row rows[r]."""
    if not inspection.mistakes or not showable(dataset.image_shape):
        return inspection
    pictures = np.stack(
        [picture(dataset.x[rows[m.row]], dataset.image_shape) for m in inspection.mistakes]
    )
    return replace(inspection, pictures=pictures)
