"""A long text to read and copy (what a trial of one's own training code printed), in a
window of its own that does not block the main one."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPlainTextEdit, QVBoxLayout, QWidget

TEXT_VIEW_SIZE = (760, 480)


def show_text(parent: QWidget, title: str, text: str) -> QDialog:
    """Show `text` (read-only, monospaced, scrolled to its end: the last lines say how
    it ended) under `title`; the dialog is deleted when closed."""
    dialog = QDialog(parent)
    dialog.setObjectName("textView")
    dialog.setWindowTitle(title)
    dialog.resize(*TEXT_VIEW_SIZE)
    view = QPlainTextEdit(text)
    view.setObjectName("textViewText")
    view.setReadOnly(True)
    view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    view.moveCursor(view.textCursor().MoveOperation.End)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.close)
    column = QVBoxLayout(dialog)
    column.addWidget(view)
    column.addWidget(buttons)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
