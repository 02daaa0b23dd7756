"""The setup form's widgets: spin and combo boxes, and sections that fold. Turning the
mouse wheel over the form scrolls it: a box takes the wheel only once it has been clicked
(a wheel over the form changed Epochs from 50 to 48 with no sign)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


class _WheelWhenFocused:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel does not focus it

    def wheelEvent(self, event) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # to the scroll area around the form


class SpinBox(_WheelWhenFocused, QSpinBox):
    pass


class DoubleSpinBox(_WheelWhenFocused, QDoubleSpinBox):
    pass


class ComboBox(_WheelWhenFocused, QComboBox):
    pass


class CollapsibleSection(QWidget):
    """A titled group whose contents fold away behind a header button. Folded, the header
    still says what the group holds (`set_summary`), so the search space and the
    strategy fit above the fold on a laptop screen without hiding the settings."""

    def __init__(self, title: str, expanded: bool = False):
        super().__init__()
        self.title = title
        self.header = QToolButton()
        self.header.setObjectName(f"section{title.replace(' ', '')}")
        self.header.setCheckable(True)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # A long summary (a file's path) is elided to the column, never widens it: the
        # header's own width would have set the whole setup column's.
        self.header.setMinimumWidth(1)
        self.header.installEventFilter(self)
        # Open or folded, a header looks the same: only its arrow turns (the setup's
        # style for checked buttons is for Linear | Log).
        self.header.setStyleSheet(
            "QToolButton, QToolButton:checked { border: none; background: transparent; "
            "color: palette(window-text); font-weight: bold; text-align: left; padding: 2px; }"
        )
        self.body = QFrame()
        self.body.setFrameShape(QFrame.Shape.StyledPanel)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.header)
        column.addWidget(self.body)
        self.summary = ""
        self.header.toggled.connect(self._show)
        self.header.setChecked(expanded)
        self._show(expanded)

    @property
    def expanded(self) -> bool:
        return self.header.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        self.header.setChecked(expanded)

    def set_summary(self, summary: str) -> None:
        self.summary = summary
        self._label()

    def _show(self, expanded: bool) -> None:
        self.body.setVisible(expanded)
        self.header.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self._label()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.header and event.type() == QEvent.Type.Resize:
            self._label()
        return super().eventFilter(watched, event)

    def _label(self) -> None:
        folded = not self.expanded and self.summary
        text = f"{self.title}: {self.summary}" if folded else self.title
        # The arrow and the padding take about two lines' height of the width.
        room = self.header.width() - 2 * self.header.fontMetrics().height()
        bold = QFont(self.header.font())
        bold.setBold(True)
        self.header.setText(QFontMetrics(bold).elidedText(text, Qt.TextElideMode.ElideRight, room))
        shown = f"{text}\n\nClick to show the {self.title.lower()} settings"
        self.header.setToolTip(shown if not self.expanded else "")
