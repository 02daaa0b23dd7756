"""The model a search was for: a chosen trial's configuration trained on every sample
the search saw (training and validation, never the test split), measured on the test
split when there is one, and kept as a model file."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from hyperdesk.core.config import ConfigError
from hyperdesk.core.data.sources import check_fingerprint, load_data
from hyperdesk.core.data.splits import load_test_split, split_rows
from hyperdesk.core.execution.evaluation import chosen_trial
from hyperdesk.core.execution.look_inside import with_pictures
from hyperdesk.core.execution.retraining import RetrainingWatch
from hyperdesk.core.model.inspection import Inspection, RegressionLook
from hyperdesk.core.model.model_file import Model
from hyperdesk.core.storage.session import Session
from hyperdesk.core.training.network import softmax
from hyperdesk.core.trials import TrialStatus


@dataclass(frozen=True)
class FinalModel:
    """A final model, and what it makes of the test split (or, without one, of the
    samples it trained on): its class report, kept in the model's details too, and its
    most confident mistakes, with their pictures for image data (not kept in the file);
    a regression's predictions against the actual values (its figures in the details)."""

    model: Model
    look: Inspection | RegressionLook


def train_final_model(
    session_path: Path, number: int | None = None, watch: RetrainingWatch | None = None
) -> FinalModel:
    """Train trial `number` (default: the best) of a session as its final model. Its
    `details` say where it came from and, with a test split, its test accuracy.
    ConfigError when the trial diverges on all the data (no model is made); `watch`
    hears each epoch, and RetrainingCancelled says it was cancelled."""
    with Session.open(session_path, writable=False) as session:
        config, fingerprint, name = session.config, session.data_fingerprint, session.name
        row = chosen_trial(session, number)
    check_fingerprint(config.data, fingerprint)
    network, settings = config.trial_settings(row.params)
    data = load_test_split(config.data)
    started = time.perf_counter()
    result = (watch or RetrainingWatch()).train(data, network, settings, row.seed)
    seconds = time.perf_counter() - started
    if result.status != TrialStatus.COMPLETE or result.network is None:
        raise ConfigError(
            [
                (
                    "trial",
                    f"trial {row.number} {result.status} when trained on all "
                    f"{len(data.x_train):,} samples; no model was made",
                )
            ]
        )
    dataset = load_data(config.data)
    final = result.records[-1]
    details = {
        "trial": row.number,
        "session": name,
        "params": row.params,
        "training": asdict(settings),
        "seed": row.seed,
        "weight_decay": network.weight_decay,
        "data": config.data.source or config.data.dataset,
        "features": config.data.features,
        "fingerprint": fingerprint,
        "train_samples": len(data.x_train),
        "test_samples": len(data.x_val) if config.data.keeps_test else 0,
        "test_accuracy": final.val_acc if config.data.keeps_test else None,
        "train_accuracy": final.train_acc,
        "task": network.task,
        "seconds": round(seconds, 3),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    model = Model(
        network,
        result.network.state(),
        data.scaling,
        dataset.classes,
        dataset.kind,
        dataset.columns,
        dataset.label,
        dataset.image_shape,
        details,
        None if data.target is None else (data.target.mean.item(), data.target.spread.item()),
    )
    on = "test split" if config.data.keeps_test else "training samples"
    test, folds = split_rows(config.data, dataset)
    measured = test if len(test) else np.concatenate(folds[0])
    outputs = model.network.predict(data.x_val.astype(network.dtype), train=False)
    if data.target is not None:
        # RMSE, MAE and R² on the test split (or the samples it trained on), as trained.
        details["evaluation"] = {
            "on": on,
            "rmse": final.val_rmse,
            "mae": final.val_mae,
            "r2": final.val_r2,
            "samples": len(data.x_val),
        }
        predicted = data.target.restore(outputs[:, 0].astype(np.float64))
        look = RegressionLook.of(
            on, dataset.label, dataset.y[measured], predicted, measured, dataset
        )
        return FinalModel(model, look)
    # Class by class, on the test split (or, without one, the samples it trained on).
    look = Inspection.of(on, data.y_val, softmax(outputs), dataset.classes)
    look = with_pictures(look, dataset, measured)
    details["inspection"] = {"on": on, **look.report.to_dict()}
    return FinalModel(model, look)


def save_final_model(
    session_path: Path, number: int | None, out: Path, watch: RetrainingWatch | None = None
) -> FinalModel:
    """train_final_model(), saved at `out` (nothing when cancelled)."""
    final = train_final_model(session_path, number, watch)
    final.model.save(out)
    return final
