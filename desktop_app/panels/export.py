"""Panels as image files: PNG at a chosen scale, drawn on an image of that pixel ratio,
and SVG through Qt's QSvgGenerator. (pyqtgraph 0.14's SVGExporter cannot read the path data
Qt 6 writes and raises on every plot: pyqtgraph issue 3485.) The window's menus and
`hyperdesk export --plots` both use these functions."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from xml.etree import ElementTree

import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QIODevice, QPoint, QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

from hyperdesk.core.files import replacing
from hyperdesk.core.storage.export import write_text
from hyperdesk.desktop_app.panels.base import Panel
from hyperdesk.desktop_app.panels.registry import KINDS

FORMATS = ("png", "svg")
SCALES = (1, 2, 4)
SVG_NS = "http://www.w3.org/2000/svg"
NUMBER = r"\s*(-?[\d.eE+-]+)\s*"
MATRIX = re.compile(rf"matrix\({NUMBER},{NUMBER},{NUMBER},{NUMBER},{NUMBER},{NUMBER}\)")


def export_plot(plot: pg.PlotWidget, path: Path, scale: int = 1) -> Path:
    """Write `plot` to `path` (.png or .svg); a PNG is `scale` times the on-screen size,
    drawn as a screen of that pixel ratio would draw it: lines, symbols, text and
    legends all `scale` times larger. Raises OSError when the file cannot be written."""
    path = Path(path)
    if path.suffix.lower() == ".svg":
        _write_svg(plot, path)
        return path
    if path.suffix.lower() != ".png":
        raise OSError(f"{path}: images are written as .png or .svg")
    area = plot.getPlotItem().sceneBoundingRect()
    image = QImage(
        round(area.width() * scale), round(area.height() * scale), QImage.Format.Format_ARGB32
    )
    image.setDevicePixelRatio(scale)
    image.fill(QColor("white"))
    painter = QPainter(image)
    with _lines_widened(plot, scale):
        _render(plot, painter, area)
    return _save_png(image, path)


def export_widget(widget: QWidget, path: Path, scale: int = 1) -> Path:
    """Write what `widget` shows (a panel that is no plot, such as a report of tables) to
    `path` (.png, `scale` times its size and as sharp, or .svg). Raises OSError when the
    file cannot be written."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise OSError(f"{path}: images are written as .png or .svg")
    widget.ensurePolished()
    size = widget.size()
    if suffix == ".svg":
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        generator = QSvgGenerator()
        generator.setOutputDevice(buffer)
        generator.setSize(size)
        generator.setResolution(widget.logicalDpiX())
        generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
        painter = QPainter(generator)
        widget.render(painter, QPoint())
        painter.end()
        write_text(path, bytes(buffer.data()).decode("utf-8"))
        return path
    image = QImage(size.width() * scale, size.height() * scale, QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(scale)
    image.fill(QColor("white"))
    painter = QPainter(image)
    widget.render(painter, QPoint())
    painter.end()
    return _save_png(image, path)


def _save_png(image: QImage, path: Path) -> Path:
    image.setDevicePixelRatio(1)  # the file's pixels are what it is measured in
    with replacing(path) as temporary:
        if not image.save(str(temporary), "PNG"):
            raise OSError(f"{path}: cannot be written (is the folder there and writable?)")
    return path


@contextlib.contextmanager
def _lines_widened(plot: pg.PlotWidget, factor: float):
    """Curves `factor` times as wide while they are drawn: their pens are cosmetic (as
    wide in pixels at any zoom), so a 4x image would draw them a quarter as thick."""
    curves = [item for item in plot.scene().items() if isinstance(item, pg.PlotCurveItem)]
    pens = [item.opts["pen"] for item in curves]
    for item, pen in zip(curves, pens, strict=True):
        wide = QPen(pen)
        wide.setWidthF(max(pen.widthF(), 1.0) * factor)
        item.setPen(wide)
    try:
        yield
    finally:
        for item, pen in zip(curves, pens, strict=True):
            item.setPen(pen)


def _render(plot: pg.PlotWidget, painter: QPainter, area: QRectF) -> None:
    """Draw the plot's `area` with `painter` (then ended) on a white page, in export
    mode as pyqtgraph's own exporters set it: symbols drawn as shapes, not as cached
    bitmaps."""
    page = QRectF(0, 0, area.width(), area.height())
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.fillRect(page, QColor("white"))
    items = [item for item in plot.scene().items() if hasattr(item, "setExportMode")]
    options = {"antialias": True, "background": QColor("white"), "painter": painter}
    for item in items:
        item.setExportMode(True, options)
    try:
        plot.scene().render(painter, page, area)
    finally:
        for item in items:
            item.setExportMode(False)
        painter.end()


def _write_svg(plot: pg.PlotWidget, path: Path) -> None:
    area = plot.getPlotItem().sceneBoundingRect()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(area.size().toSize())
    generator.setResolution(plot.logicalDpiX())  # fonts measured as on screen
    generator.setViewBox(QRectF(0, 0, area.width(), area.height()))
    generator.setTitle(plot.getPlotItem().titleLabel.text or "Hyperdesk panel")
    _render(plot, QPainter(generator), area)
    write_text(Path(path), _flatten_line_transforms(bytes(buffer.data()).decode("utf-8")))


def _transform_path(d: str, a: float, b: float, c: float, dd: float, e: float, f: float) -> str:
    """Path data (Qt writes absolute commands with x,y pairs) mapped through a matrix."""
    parts = []
    for token in d.split():
        command = token[0] if token[0].isalpha() else ""
        pair = token[len(command) :]
        if pair:
            x, y = (float(v) for v in pair.split(","))
            pair = f"{a * x + c * y + e:.3f},{b * x + dd * y + f:.3f}"
        parts.append(command + pair)
    return " ".join(parts)


def _flatten_line_transforms(svg: str) -> str:
    """Curves come out of Qt in data coordinates under a scaling transform, with strokes
    marked non-scaling; renderers that ignore that mark (librsvg, several slide tools)
    draw lines a hundred pixels thick. Mapping the points to page coordinates and
    dropping the transform draws the same picture everywhere."""
    ElementTree.register_namespace("", SVG_NS)
    ElementTree.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ElementTree.fromstring(svg)
    for group in root.iter(f"{{{SVG_NS}}}g"):
        match = MATRIX.fullmatch(group.get("transform", "").strip())
        children = list(group)
        if not match or not children:
            continue
        if not all(
            child.tag == f"{{{SVG_NS}}}path" and child.get("vector-effect") == "non-scaling-stroke"
            for child in children
        ):
            continue
        matrix = [float(value) for value in match.groups()]
        for child in children:
            child.set("d", _transform_path(child.get("d", ""), *matrix))
        del group.attrib["transform"]
    return ElementTree.tostring(root, encoding="unicode")


def panel_files(panels: dict[str, Panel], folder: Path, fmt: str) -> list[Path]:
    """The files export_panels writes for `panels` into `folder`."""
    return [folder / f"{KINDS[key].file_name}.{fmt}" for key in panels]


def export_panels(
    panels: dict[str, Panel], folder: Path, fmt: str = "png", scale: int = 1
) -> list[Path]:
    """One file per panel in `folder`, named as the registry names it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [
        export_plot(panel.plot, path, scale)
        for panel, path in zip(panels.values(), panel_files(panels, folder, fmt), strict=True)
    ]
