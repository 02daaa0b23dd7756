"""The final check of a search: train a chosen configuration on every sample the search
saw (training and validation) and measure it once on the held-out test split."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from hyperdesk.core.config import ConfigError
from hyperdesk.core.data.sources import check_fingerprint
from hyperdesk.core.data.splits import load_test_split
from hyperdesk.core.execution.retraining import RetrainingWatch
from hyperdesk.core.storage.session import Session, TrialRow
from hyperdesk.core.trials import TrialStatus, best_trial


@dataclass(frozen=True)
class TestResult:
    number: int
    params: dict
    status: str  # complete, or diverged (then nothing is stored)
    test_acc: float | None
    test_loss: float | None
    train_samples: int
    test_samples: int
    epochs: int
    seconds: float
    # A regression's RMSE and MAE (in the label's units) and R² on the test split.
    test_rmse: float | None = None
    test_mae: float | None = None
    test_r2: float | None = None

    def figures(self) -> dict[str, float]:
        """Its test figures by name, those its task has (for --json)."""
        named = {
            "test_acc": self.test_acc,
            "test_loss": self.test_loss,
            "test_rmse": self.test_rmse,
            "test_mae": self.test_mae,
            "test_r2": self.test_r2,
        }
        return {name: value for name, value in named.items() if value is not None}

    def text(self) -> str:
        """What the test found, as the command line and the window say it."""
        if self.test_r2 is not None:
            return f"test RMSE {self.test_rmse:.4g}, MAE {self.test_mae:.4g}, R² {self.test_r2:.3f}"
        return f"test accuracy {self.test_acc:.3f} (loss {self.test_loss:.3f})"


def chosen_trial(session: Session, number: int | None) -> TrialRow:
    """Trial `number` of the session, or its best when None, to train or run again;
    ConfigError naming the trial setting when there is no such trial, none has finished,
    or the session ran a function of one's own."""
    refuse_own_code(session.config)
    trials = session.trials()
    if number is None:
        best = best_trial(trials, session.within_limits(), session.metric)
        if best is None:
            raise ConfigError([("trial", "no trial has finished within the search's limits yet")])
        return best
    row = next((trial for trial in trials if trial.number == number), None)
    if row is None:
        raise ConfigError([("trial", f"no trial {number}; trials are 1 to {len(trials)}")])
    return row


def refuse_own_code(config) -> None:
    """ConfigError when `config` ran a person's own training function: a model made,
    evaluated, looked inside or trained longer is Hyperdesk's network, and the
    function's model is its own."""
    if config.own_code:
        raise ConfigError(
            [
                (
                    "trial",
                    "this session ran your own training code ([code]): its models are the "
                    "function's own, so Hyperdesk cannot save, evaluate, look inside or train "
                    "them longer; save one from your function (trial.workdir)",
                )
            ]
        )


def weights_not_kept(number: int, keep_weights: int | str, remedy: str) -> ConfigError:
    """The error for trial `number` asked to go on from weights its session did not keep,
    naming the setting that decides and what to do instead (`remedy`)."""
    return ConfigError(
        [
            (
                "trial",
                f"trial {number}'s weights are not kept (a session keeps those of its best "
                f"{keep_weights} trials, search.keep_weights); {remedy}",
            )
        ]
    )


def evaluate_on_test(
    path: Path, number: int | None = None, watch: RetrainingWatch | None = None
) -> TestResult:
    """Train trial `number` (default: the best) with its own settings and seed for the
    config's epochs on training + validation samples, test it, and store the result in
    the session. ConfigError when the session keeps no test split or has no such trial;
    `watch` hears each epoch, and RetrainingCancelled says it was cancelled (nothing is
    stored)."""
    with Session.open(path) as session:
        config = session.config
        refuse_own_code(config)
        if not config.data.keeps_test:
            raise ConfigError(
                [
                    (
                        "data.test",
                        "this search keeps no test split (data.test is 0); set data.test, "
                        "e.g. 0.2, in a new search to hold samples out for a final test",
                    )
                ]
            )
        row = chosen_trial(session, number)
        check_fingerprint(config.data, session.data_fingerprint)
        network, settings = config.trial_settings(row.params)
        data = load_test_split(config.data)
        started = time.perf_counter()
        result = (watch or RetrainingWatch()).train(data, network, settings, row.seed)
        seconds = time.perf_counter() - started
        final = result.records[-1] if result.status == TrialStatus.COMPLETE else None
        if final is not None:
            session.record_test(row.number, final.val_acc, final.val_loss)
    return TestResult(
        row.number,
        row.params,
        result.status,
        final and final.val_acc,
        final and final.val_loss,
        len(data.x_train),
        len(data.x_val),
        len(result.records),
        seconds,
        final and final.val_rmse,
        final and final.val_mae,
        final and final.val_r2,
    )
