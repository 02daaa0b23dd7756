"""Images from arrays: a sample of the data, as the setup's preview and the Inside
panel's mistakes show it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap


def example_pixmap(image: np.ndarray, side: int) -> QPixmap:
    """A gray (H, W) or RGB (H, W, 3) byte image, scaled to fit `side` pixels, sharp."""
    image = np.ascontiguousarray(image)
    height, width = image.shape[:2]
    if image.ndim == 2:
        picture = QImage(image.data, width, height, width, QImage.Format.Format_Grayscale8)
    else:
        picture = QImage(image.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(picture.copy()).scaled(
        side,
        side,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.FastTransformation,  # pixels stay pixels at this size
    )
