"""Two or more sessions side by side: how fast each found its best (against trials and
against epochs trained), each one's best trial, and which is better, if the difference
is larger than the noise of its validation score."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hyperdesk.core.config import ConfigError
from hyperdesk.core.data.datasets import DatasetError
from hyperdesk.core.execution.look_inside import inspect_trial
from hyperdesk.core.formatting import parameter_text
from hyperdesk.core.model.inspection import RegressionLook
from hyperdesk.core.storage.session import Session, SessionError, trial_costs
from hyperdesk.core.trials import ACCURACY, FINISHED, METRICS, Metric, TrialStatus, best_trial

# Two scores differ beyond noise when they are this many standard errors of their
# difference apart (about 95% two-sided for a normal approximation).
Z_BEYOND_NOISE = 1.96


@dataclass(frozen=True)
class SessionSide:
    """One session as a comparison shows it."""

    name: str
    path: str
    strategy: str
    data: str  # what it searched on, as its config names it
    trials: int  # finished
    epochs: int  # trained, by every trial
    seconds: float  # of training, every trial
    best_trial: int | None
    best_score: float | None  # its best trial's value of `metric`
    # One standard error of the best score: its spread over its runs (folds, repeats),
    # else the binomial error of an accuracy on the validation samples, or a
    # regression's from the spread of its validation errors (when its weights are kept).
    best_error: float | None
    metric: str = ACCURACY.name  # what ranks its trials (core.trials.METRICS)
    best_params: dict[str, Any] = field(default_factory=dict)
    best_epochs: int = 0
    best_seconds: float = 0.0
    # (trial number, best score so far) and (epochs trained so far, best score so far),
    # over the finished trials in number order.
    by_trials: list[tuple[int, float]] = field(default_factory=list)
    by_epochs: list[tuple[int, float]] = field(default_factory=list)
    # Every finished trial's parameters and score, for a scatter of all sessions.
    points: list[tuple[dict[str, Any], float | None]] = field(default_factory=list)
    log_params: tuple[str, ...] = ()  # the searched ranges on a log scale

    def score_text(self) -> str:
        if self.best_score is None:
            return "none yet"
        metric = METRICS[self.metric]
        error = "" if self.best_error is None else f" ± {metric.text(self.best_error)}"
        return f"{metric.text(self.best_score)}{error}"


@dataclass(frozen=True)
class Comparison:
    sides: list[SessionSide]
    verdict: str

    @property
    def metric(self) -> Metric:
        """What the sides rank by (accuracy when they differ: the verdict says so)."""
        return _metric_of(self.sides)

    def table(self) -> list[tuple[str, ...]]:
        """The sides as rows of text: a heading, then one row per figure, a column per
        session (what `hyperdesk compare` prints and the window's Compare shows)."""
        sides = self.sides
        names = list(dict.fromkeys(name for side in sides for name in side.best_params))

        def param(side: SessionSide, name: str) -> str:
            value = side.best_params.get(name)
            return "" if value is None else parameter_text(value, name in side.log_params)

        return [
            ("", *(side.name for side in sides)),
            ("strategy", *(side.strategy for side in sides)),
            ("data", *(side.data for side in sides)),
            ("trials finished", *(str(side.trials) for side in sides)),
            ("epochs trained", *(f"{side.epochs:,}" for side in sides)),
            ("training time", *(f"{side.seconds:.2f} s" for side in sides)),
            ("best trial", *("" if s.best_trial is None else str(s.best_trial) for s in sides)),
            (f"best {self.metric.short}", *(side.score_text() for side in sides)),
            *((name, *(param(side, name) for side in sides)) for name in names),
            ("its epochs", *(str(side.best_epochs) for side in sides)),
            ("its time", *(f"{side.best_seconds:.2f} s" for side in sides)),
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "sessions": [
                {
                    key: value
                    for key, value in vars(side).items()
                    if key not in ("by_trials", "by_epochs", "points", "log_params")
                }
                for side in self.sides
            ],
            "verdict": self.verdict,
        }


def read_side(path: Path) -> SessionSide:
    """One session's side of a comparison. SessionError when it cannot be read."""
    with Session.open(path, writable=False) as session:
        config, name = session.config, session.name
        rows = session.trials()
        counts = session.epoch_counts()
    within_limits = config.search.trade_off.within_limits(lambda: trial_costs(rows, counts))
    data = config.code.name if config.own_code else config.data.source or config.data.dataset
    finished = [row for row in rows if row.status in FINISHED]
    metric = config.metric
    by_trials, by_epochs, points = [], [], []
    best, trained = None, 0  # the best value so far, within the limits
    for row in finished:
        value = metric.final(row) if row.status == TrialStatus.COMPLETE else None
        trained += counts.get(row.number, (0, 0.0))[0]
        points.append((row.params, value))
        better = best is None or (
            value is not None and metric.oriented(value) > metric.oriented(best)
        )
        if value is not None and within_limits(row) and better:
            best = value
        if best is not None:
            by_trials.append((row.number, best))
            by_epochs.append((trained, best))
    best_row = best_trial(finished, within_limits, metric)
    error = None if best_row is None else metric.spread(best_row)
    # A function's validation samples are its own: their count and errors unknown here.
    if best_row is not None and error is None and not config.own_code:
        error = _validation_error(path, config, best_row.number, best, metric)
    best_epochs, best_seconds = counts.get(best_row.number, (0, 0.0)) if best_row else (0, 0.0)
    return SessionSide(
        name=name,
        path=str(path),
        strategy=config.search.strategy,
        data=data,
        trials=len(finished),
        epochs=trained,
        seconds=round(sum(seconds for _, seconds in counts.values()), 3),
        best_trial=None if best_row is None else best_row.number,
        best_score=best,
        best_error=None if error is None else round(error, 4),
        metric=metric.name,
        best_params={} if best_row is None else best_row.params,
        best_epochs=best_epochs,
        best_seconds=round(best_seconds, 3),
        by_trials=by_trials,
        by_epochs=by_epochs,
        points=points,
        log_params=tuple(
            param.name for param in config.search.space if getattr(param, "scale", "") == "log"
        ),
    )


def _validation_error(path: Path, config, number: int, best: float, metric: Metric):
    """One standard error of trial `number`'s score `best` on its validation samples:
    binomial for an accuracy, from its errors' spread for a regression; None when the
    data or the weights are not at hand."""
    if metric is not ACCURACY:
        return _residual_error(path, number, metric)
    try:
        n_val = config.data.split_sizes()[1]
    except (ValueError, OSError):  # data that cannot be sized here
        return None
    return math.sqrt(best * (1 - best) / n_val) if n_val else None


def _residual_error(path: Path, number: int, metric: Metric) -> float | None:
    """The standard error of a regression trial's `metric` from the spread of its
    validation errors, by its kept weights (the look inside it); None when they are not
    kept or its data cannot be read here."""
    try:
        look = inspect_trial(path, number)
    except (ConfigError, DatasetError, SessionError, OSError, ValueError):
        return None
    if not isinstance(look, RegressionLook):
        return None
    error = look.standard_error(metric.name)
    return None if math.isnan(error) else error


def compare_sessions(paths: list[Path]) -> Comparison:
    """The sessions at `paths` side by side, and which is better. SessionError (naming
    the file) when one cannot be read; ValueError for fewer than two."""
    if len(paths) < 2:
        raise ValueError(f"compare needs two sessions or more, got {len(paths)}")
    sides = [read_side(Path(path)) for path in paths]
    if len({side.name for side in sides}) < len(sides):  # two named alike: by their files
        sides = [replace(side, name=f"{side.name} ({Path(side.path).stem})") for side in sides]
    return Comparison(sides, verdict(sides))


def _metric_of(sides: list[SessionSide]) -> Metric:
    """The metric the sides rank by; accuracy's name when they differ (the verdict says)."""
    names = {side.metric for side in sides}
    return METRICS[names.pop()] if len(names) == 1 else ACCURACY


def verdict(sides: list[SessionSide]) -> str:
    """Which session found the better trial, and whether the difference from the
    runner-up is beyond the noise of their validation scores."""
    if len({side.metric for side in sides}) > 1:
        return "These sessions rank their trials by different metrics: nothing to compare."
    metric = _metric_of(sides)
    scored = sorted(
        (side for side in sides if side.best_score is not None),
        key=lambda side: -metric.oriented(side.best_score),
    )
    if len(scored) < 2:
        return "Fewer than two of these sessions have a finished trial: nothing to compare."
    first, second = scored[0], scored[1]
    gap = abs(first.best_score - second.best_score)
    head = (
        f"{first.name} is best: {metric.text(first.best_score)} (trial {first.best_trial}) "
        f"against {metric.text(second.best_score)} for {second.name}"
    )
    if len({side.data for side in sides}) > 1:
        return f"{head}; but they searched different data, so the scores do not compare."
    if first.best_error is None or second.best_error is None:
        return f"{head}; the noise of their scores is not known."
    noise = math.hypot(first.best_error, second.best_error)
    spread = f"a difference of {metric.text(gap)}, its standard error {metric.text(noise)}"
    if gap > Z_BEYOND_NOISE * noise:
        return f"{head}: {spread}, beyond the validation noise."
    return f"{head}: {spread}, within the validation noise; neither is better on this evidence."
