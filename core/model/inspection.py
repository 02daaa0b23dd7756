"""How good a model is, class by class: the confusion matrix, each class's precision,
recall and F1, and the accuracy with its binomial uncertainty (0.82 on 100 images is
0.82 +- 0.04: a difference smaller than that is noise)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from hyperdesk.core.archive import json_array, npz_bytes, unpacked

# Misclassified examples kept of a look inside a trial: the most confident mistakes.
MISTAKES_SHOWN = 24


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
