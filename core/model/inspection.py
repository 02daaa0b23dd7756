"""How good a model is, class by class: the confusion matrix, each class's precision,
recall and F1, and the accuracy with its binomial uncertainty (0.82 on 100 images is
0.82 +- 0.04: a difference smaller than that is noise). A regression's look instead
holds each sample's actual and predicted value, its figures with their standard
errors, and its worst predictions."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from hyperdesk.core.archive import json_array, npz_bytes, unpacked
from hyperdesk.core.training.network import r_squared, squares_about_mean

# Misclassified examples kept of a look inside a trial: the most confident mistakes.
MISTAKES_SHOWN = 24
# A regression's predictions kept with their rows' values: those furthest off.
WORST_SHOWN = 20
# Of each worst prediction's row, the columns shown (a table of 300 would not be read).
VALUES_SHOWN = 8


@dataclass(frozen=True)
class ClassReport:
    classes: tuple[str, ...]
    confusion: np.ndarray  # [true class, predicted class] counts

    @classmethod
    def of(cls, labels: np.ndarray, predicted: np.ndarray, classes: tuple[str, ...]) -> ClassReport:
        """From true and predicted class indices."""
        k = len(classes)
        confusion = np.bincount(labels * k + predicted, minlength=k * k).reshape(k, k)
        return cls(tuple(classes), confusion)

    @property
    def samples(self) -> int:
        return int(self.confusion.sum())

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.confusion) / max(self.samples, 1))

    @property
    def accuracy_error(self) -> float:
        """The standard error of the accuracy as a binomial proportion."""
        p = self.accuracy
        return math.sqrt(p * (1 - p) / max(self.samples, 1))

    @property
    def support(self) -> np.ndarray:
        return self.confusion.sum(axis=1)

    @property
    def precision(self) -> np.ndarray:
        """Of the samples predicted as each class, the share that are (0 when none are)."""
        predicted = self.confusion.sum(axis=0)
        return np.divide(
            np.diag(self.confusion), predicted, out=np.zeros(len(predicted)), where=predicted > 0
        )

    @property
    def recall(self) -> np.ndarray:
        """Of each class's samples, the share predicted as it (0 for a class absent)."""
        support = self.support
        return np.divide(
            np.diag(self.confusion), support, out=np.zeros(len(support)), where=support > 0
        )

    @property
    def f1(self) -> np.ndarray:
        both = self.precision + self.recall
        return np.divide(
            2 * self.precision * self.recall, both, out=np.zeros(len(both)), where=both > 0
        )

    def normalised(self) -> np.ndarray:
        """Each row as shares of its class's samples."""
        support = self.support[:, None]
        return np.divide(
            self.confusion, support, out=np.zeros(self.confusion.shape), where=support > 0
        )

    def to_dict(self) -> dict:
        return {"classes": list(self.classes), "confusion": self.confusion.tolist()}

    @classmethod
    def from_dict(cls, stored: dict) -> ClassReport:
        return cls(tuple(stored["classes"]), np.array(stored["confusion"], dtype=np.int64))

    def text(self) -> str:
        """The per-class table and the accuracy, as a terminal shows them."""
        width = max(8, *(len(name) for name in self.classes))
        lines = [f"{'class':<{width}}  precision  recall     F1  samples"]
        for index, name in enumerate(self.classes):
            lines.append(
                f"{name:<{width}}  {self.precision[index]:9.3f}  {self.recall[index]:6.3f}  "
                f"{self.f1[index]:5.3f}  {self.support[index]:7,}"
            )
        lines.append(
            f"accuracy {self.accuracy:.3f} +- {self.accuracy_error:.3f} on {self.samples:,} samples"
        )
        return "\n".join(lines)


@dataclass(frozen=True)
class Mistake:
    """A validation sample the model got wrong: its row, its true and predicted class
    (indices) and the probability the model gave its wrong answer."""

    row: int
    true: int
    predicted: int
    confidence: float


@dataclass(frozen=True)
class Inspection:
    """A look inside a trained trial, on `on` (its validation split): the class report,
    its most confident mistakes, and for image data their pictures (uint8, shaped)."""

    on: str
    report: ClassReport
    mistakes: tuple[Mistake, ...] = ()
    pictures: np.ndarray = field(default_factory=lambda: np.zeros((0,), np.uint8))

    @classmethod
    def of(
        cls, on: str, labels: np.ndarray, probabilities: np.ndarray, classes: tuple[str, ...]
    ) -> Inspection:
        """From true classes and predicted probabilities; pictures are added after."""
        predicted = probabilities.argmax(axis=1)
        confidence = probabilities[np.arange(len(predicted)), predicted]
        wrong = np.flatnonzero(predicted != labels)
        worst = wrong[np.argsort(-confidence[wrong], kind="stable")][:MISTAKES_SHOWN]
        mistakes = tuple(
            Mistake(int(row), int(labels[row]), int(predicted[row]), float(confidence[row]))
            for row in worst
        )
        return cls(on, ClassReport.of(labels, predicted, classes), mistakes)

    def to_bytes(self) -> bytes:
        meta = {
            "on": self.on,
            "report": self.report.to_dict(),
            "mistakes": [vars(mistake) for mistake in self.mistakes],
        }
        return npz_bytes({"meta": json_array(meta), "pictures": self.pictures}, compressed=True)

    @classmethod
    def from_bytes(cls, blob: bytes) -> Inspection:
        meta, arrays = unpacked(blob)
        return cls(
            meta["on"],
            ClassReport.from_dict(meta["report"]),
            tuple(Mistake(**mistake) for mistake in meta["mistakes"]),
            arrays["pictures"],
        )


@dataclass(frozen=True)
class WorstPrediction:
    """A sample a regression got most wrong: its row in the data as read (0-based), its
    actual and predicted value, and its first features as (column, value)."""

    row: int
    actual: float
    predicted: float
    values: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RegressionLook:
    """A look inside a regression on `on`: each sample's actual and predicted value of
    `label` (in its units) and the predictions furthest off."""

    on: str
    label: str
    actual: np.ndarray
    predicted: np.ndarray
    worst: tuple[WorstPrediction, ...] = ()

    @classmethod
    def of(cls, on: str, label: str, actual, predicted, rows, dataset) -> RegressionLook:
        """From the actual and predicted values of `dataset`'s rows `rows`."""
        actual = np.asarray(actual, dtype=np.float64)
        predicted = np.asarray(predicted, dtype=np.float64)
        far = np.argsort(-np.abs(predicted - actual), kind="stable")[:WORST_SHOWN]
        worst = tuple(
            WorstPrediction(
                int(rows[i]),
                float(actual[i]),
                float(predicted[i]),
                dataset.row_values(int(rows[i]), VALUES_SHOWN),
            )
            for i in far
        )
        return cls(on, label, actual, predicted, worst)

    @property
    def residuals(self) -> np.ndarray:
        """Predicted minus actual, per sample."""
        return self.predicted - self.actual

    @property
    def samples(self) -> int:
        return len(self.actual)

    @property
    def rmse(self) -> float:
        return math.sqrt(float(np.mean(self.residuals**2)))

    @property
    def mae(self) -> float:
        return float(np.mean(np.abs(self.residuals)))

    @property
    def r2(self) -> float:
        """1 - SSE / the actual values' sum of squares about their mean (NaN when they
        are all equal), as the search measures it."""
        return float(r_squared(np.sum(self.residuals**2), squares_about_mean(self.actual)))

    def standard_error(self, metric: str) -> float:
        """The standard error of `metric` (val_rmse, val_mae or val_r2) over these
        samples, from the spread of their errors: of the mean squared error sd(e^2)/sqrt(n),
        carried to RMSE by the delta method (divided by 2 RMSE) and to R^2 by the actual
        values' variance; of the MAE sd(|e|)/sqrt(n)."""
        n = max(self.samples, 1)
        squared_error = float(np.std(self.residuals**2)) / math.sqrt(n)
        if metric == "val_mae":
            return float(np.std(np.abs(self.residuals))) / math.sqrt(n)
        if metric == "val_rmse":
            return squared_error / (2 * self.rmse) if self.rmse > 0 else 0.0
        variance = float(np.var(self.actual))
        return squared_error / variance if variance > 0 else math.nan

    def text(self) -> str:
        """Its figures as a terminal shows them."""
        return (
            f"RMSE {self.rmse:.4g} +- {self.standard_error('val_rmse'):.2g}, MAE "
            f"{self.mae:.4g}, R² {self.r2:.3f} +- {self.standard_error('val_r2'):.3f} on "
            f"{self.samples:,} samples"
        )

    def to_bytes(self) -> bytes:
        meta = {
            "kind": "regression",
            "on": self.on,
            "label": self.label,
            "worst": [
                {**vars(worst), "values": [list(pair) for pair in worst.values]}
                for worst in self.worst
            ],
        }
        arrays = {"meta": json_array(meta), "actual": self.actual, "predicted": self.predicted}
        return npz_bytes(arrays, compressed=True)


def look_from_bytes(blob: bytes) -> Inspection | RegressionLook:
    """The look inside a session keeps (Inspection.to_bytes or RegressionLook.to_bytes)."""
    meta, arrays = unpacked(blob)
    if meta.get("kind") != "regression":
        return Inspection.from_bytes(blob)
    worst = tuple(
        WorstPrediction(
            int(w["row"]),
            float(w["actual"]),
            float(w["predicted"]),
            tuple((str(name), str(value)) for name, value in w["values"]),
        )
        for w in meta["worst"]
    )
    return RegressionLook(meta["on"], meta["label"], arrays["actual"], arrays["predicted"], worst)
