"""Render resources/icons/hyperdesk.svg into the PNG sizes desktops ask for.

Run after changing the SVG (the PNGs are committed, so neither an install nor a build
needs this): `QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/render_icons.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from hyperdesk.desktop_app.dialogs.about import ICON_SIZES

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "hyperdesk.svg"))
    if not renderer.isValid():
        print(f"cannot read {ICONS / 'hyperdesk.svg'}", file=sys.stderr)
        return 1
    for size in ICON_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        path = ICONS / f"hyperdesk-{size}.png"
        image.save(str(path))
        print(f"wrote {path}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
