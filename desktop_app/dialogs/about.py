"""The About box and the application icon."""

from __future__ import annotations

import importlib.resources
from importlib.metadata import PackageNotFoundError, version

from PySide6 import QtCore
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QMessageBox, QWidget

from hyperdesk.core import __version__

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# What the app is built on, as the distributions pip installs them.
LIBRARIES = (
    ("numpy", "numpy"),
    ("PySide6 (Qt for Python)", "PySide6-Essentials"),
    ("pyqtgraph", "pyqtgraph"),
    ("Optuna", "optuna"),
    ("SciPy", "scipy"),
    ("platformdirs", "platformdirs"),
    ("threadpoolctl", "threadpoolctl"),
)


def app_icon() -> QIcon:
    """The icon in every bundled size, so each place Qt draws it gets a sharp one."""
    folder = importlib.resources.files("hyperdesk.resources.icons")
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(folder / f"hyperdesk-{size}.png"), QtCore.QSize(size, size))
    return icon


def library_versions() -> list[tuple[str, str]]:
    found = []
    for label, distribution in LIBRARIES:
        try:
            found.append((label, version(distribution)))
        except PackageNotFoundError:  # a frozen build may carry no package metadata
            found.append((label, ""))
    return found


def about_html() -> str:
    libraries = (
        "".join(f"<li>{label} {number}</li>" for label, number in library_versions())
        + f"<li>Qt {QtCore.qVersion()}</li>"
    )
    return (
        f"<h3>Hyperdesk {__version__}</h3>"
        "<p>Tune a neural network's hyperparameters, point and click.</p>"
        "<p>Licensed under the MIT License.</p>"
        "<p><b>Bundled data.</b> The 10,000-image test split of the MNIST database of "
        "handwritten digits, by Yann LeCun, Corinna Cortes and Christopher J. C. Burges, "
        "distributed under the Creative Commons Attribution-Share Alike 3.0 licence.</p>"
        f"<p><b>Built with</b></p><ul>{libraries}</ul>"
    )


def show_about(parent: QWidget) -> None:
    box = QMessageBox(parent)
    box.setObjectName("aboutBox")
    box.setWindowTitle("About Hyperdesk")
    box.setIconPixmap(app_icon().pixmap(96, 96))
    box.setTextFormat(QtCore.Qt.TextFormat.RichText)
    box.setText(about_html())
    box.exec()
