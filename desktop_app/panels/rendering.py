"""A saved session's panels drawn without a display and written as images: what
`hyperdesk export --plots` does. The same PanelSet as the window, laid out once."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from hyperdesk.core.model.inspection import look_from_bytes
from hyperdesk.core.storage.session import Session
from hyperdesk.desktop_app.app import make_application, offscreen_warnings_hidden
from hyperdesk.desktop_app.panels.export import export_panels, export_widget
from hyperdesk.desktop_app.panels.inside_report import look_view
from hyperdesk.desktop_app.panels.registry import PanelSet
from hyperdesk.desktop_app.run.results import SearchResults

PANEL_SIZE = (900, 560)


def render_session_panels(session_path: Path, folder: Path, fmt: str, scale: int) -> list[Path]:
    """Every panel the session's search has, as `fmt` files in `folder`."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    make_application()
    with Session.open(session_path, writable=False) as session:
        config = session.config
        planned = session.planned
        results = SearchResults.from_session(session, config, planned)
        looks = {n: look_from_bytes(blob) for n, blob in session.inspections().items()}
    panels = PanelSet()
    with offscreen_warnings_hidden():
        panels.draw(config, results)
        shown = panels.shown()
        frames = [panels.frames[key] for key in shown]
        for frame in frames:
            frame.setCurrentWidget(frame.panel_widget)  # a file shows the plot, even empty
            frame.resize(*PANEL_SIZE)
            # Laid out at its size, never on a screen (in the window's process, too).
            frame.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
            frame.show()
        QApplication.processEvents()
        paths = export_panels(shown, folder, fmt, scale)
        for frame in frames:
            frame.close()
        # Each trial looked inside (in the window): its report, as the Inside panel shows it.
        for number, look in looks.items():
            report = look_view(f"<b>Trial {number}</b>.", look)
            report.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
            report.show()  # fits its tables to their cells
            QApplication.processEvents()
            report.as_printed()
            QApplication.processEvents()
            # Its whole height (adjustSize would stop at the screen's).
            report.resize(report.sizeHint())
            paths.append(export_widget(report, folder / f"inside-trial-{number}.{fmt}", scale))
            report.close()
    return paths
