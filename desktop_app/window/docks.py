"""Where the window's parts sit: the setup and the Sessions tab on the left, the panels
of the registry above the table in two tabbed groups, the Inside panel beside the
learning curves."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from hyperdesk.desktop_app.panels.registry import PanelSet

MOVABLE = QDockWidget.DockWidgetFeature.DockWidgetMovable
FLOATABLE = QDockWidget.DockWidgetFeature.DockWidgetFloatable
LEFT = Qt.DockWidgetArea.LeftDockWidgetArea


def dock(window: QMainWindow, title: str, name: str, widget: QWidget, features) -> QDockWidget:
    made = QDockWidget(title, window)
    made.setObjectName(name)
    made.setWidget(widget)
    made.setFeatures(features)
    return made


def left_docks(
    window: QMainWindow, setup: QWidget, browser: QWidget
) -> tuple[QDockWidget, QDockWidget]:
    """The setup column and the Sessions tab behind it."""
    setup_dock = dock(window, "Search setup", "setupDock", setup, MOVABLE)
    browser_dock = dock(window, "Sessions", "sessionsDock", browser, MOVABLE)
    window.addDockWidget(LEFT, setup_dock)
    window.addDockWidget(LEFT, browser_dock)
    window.tabifyDockWidget(setup_dock, browser_dock)
    setup_dock.raise_()
    WidthKeeper(window, setup_dock)
    return setup_dock, browser_dock


class WidthKeeper(QObject):
    """Keeps the setup column at the width it was given (by the window's first layout
    or a person's drag). What it holds may need more for a moment, as a section opens
    and lays itself out, and the main window widens the dock then; it never narrows it
    again by itself. Once the column has settled, it goes back to that width, or to the
    least it now needs."""

    def __init__(self, window: QMainWindow, dock: QDockWidget):
        super().__init__(dock)
        self.window, self.dock, self.column = window, dock, dock.widget()
        self.given: int | None = None
        dock.installEventFilter(self)
        self.column.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.dock and event.type() == QEvent.Type.Resize:
            width, before = event.size().width(), event.oldSize().width()
            # Widened to what its contents needed just then: not a width it was given.
            forced = before > 0 and width > before and width <= self.dock.minimumSizeHint().width()
            if not forced:
                self.given = width
        elif watched is self.column and event.type() == QEvent.Type.LayoutRequest:
            QTimer.singleShot(0, self, self._settle)  # not once this keeper is gone
        return False

    def _settle(self) -> None:
        wanted = max(self.given or 0, self.dock.minimumSizeHint().width())
        if self.given and self.dock.width() > wanted:
            self.window.resizeDocks([self.dock], [wanted], Qt.Orientation.Horizontal)


def panel_docks(window: QMainWindow, panels: PanelSet) -> dict[str, QDockWidget]:
    """One dock per panel of the registry: the left ones tabbed behind the learning
    curves, the right ones behind the scatter, the two groups side by side."""
    docks: dict[str, QDockWidget] = {}
    for kind, panel in panels:
        docks[kind.key] = made = dock(
            window, kind.title, f"{kind.key}Dock", panels.frames[kind.key], MOVABLE | FLOATABLE
        )
        made.visibilityChanged.connect(panel.visibility_changed)
    # Split before tabbing: a dock split off a tabbed one would join its tabs.
    first = {
        side: next(docks[k.key] for k, _ in panels if k.side == side) for side in ("left", "right")
    }
    window.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, first["left"])
    window.splitDockWidget(first["left"], first["right"], Qt.Orientation.Horizontal)
    for kind, _ in panels:
        if docks[kind.key] is not first[kind.side]:
            window.tabifyDockWidget(first[kind.side], docks[kind.key])
    for made in first.values():
        made.raise_()
    window.setCorner(Qt.Corner.TopLeftCorner, LEFT)
    window.setCorner(Qt.Corner.BottomLeftCorner, LEFT)
    return docks


def inside_dock(window: QMainWindow, inside: QWidget, curves: QDockWidget) -> QDockWidget:
    """The Inside panel, a tab beside the learning curves (the wider group: its tables
    need the room, and a sixth tab beside the scatter cut their titles)."""
    made = dock(window, "Inside", "insideDock", inside, MOVABLE | FLOATABLE)
    window.tabifyDockWidget(curves, made)
    curves.raise_()
    return made


def default_sizes(window: QMainWindow, setup: QDockWidget, curves, scatter) -> None:
    """Once the window has its real size: plots above get 55% of the height, the
    curves 55% of the width beside the setup."""
    right = window.width() - setup.width()
    window.resizeDocks(
        [curves, scatter], [int(right * 0.55), int(right * 0.45)], Qt.Orientation.Horizontal
    )
    window.resizeDocks([curves], [int(window.height() * 0.55)], Qt.Orientation.Vertical)
