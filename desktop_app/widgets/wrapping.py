"""Text that wraps where Qt would not break it: a path has no space to wrap at, so a
label or a cell either widens to hold it whole or cuts it off."""

from __future__ import annotations

BREAKABLE = ("/", "\\", "_")  # a line may break after each of these
ZERO_WIDTH_SPACE = "\u200b"


def breakable(text: str) -> str:
    """`text` with an invisible break point after each "/", "\\" and "_" (a path's
    folders and a file's words), for a word-wrapped label or cell."""
    for mark in BREAKABLE:
        text = text.replace(mark, mark + ZERO_WIDTH_SPACE)
    return text
