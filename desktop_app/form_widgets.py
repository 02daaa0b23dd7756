"""The setup form's spin and combo boxes. Turning the mouse wheel over the form scrolls
it: a box takes the wheel only once it has been clicked (a wheel over the form changed
Epochs from 50 to 48 with no sign)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QSpinBox


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
