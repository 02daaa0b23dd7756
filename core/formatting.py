"""How Hyperdesk writes numbers for people: durations, parameter values, accuracies.
The command line and the window both use these, so a value reads the same in both."""

from __future__ import annotations

import math
from typing import Any


def printable(text: str, keep_lines: bool = False) -> str:
    """`text` with control characters (escape sequences, newlines) written as escapes,
    so that text from a file cannot move the cursor, clear the screen or retitle the
    terminal it is printed to; `keep_lines` keeps newlines and tabs (a report, a note)."""
    kept = "\n\t" if keep_lines else ""
    return "".join(
        c if c.isprintable() or c in kept else c.encode("unicode_escape").decode() for c in text
    )


# A CSV cell starting with one of these is a formula to a spreadsheet (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: Any) -> Any:
    """A CSV cell a spreadsheet shows as text, never runs: text starting like a formula
    gets a leading ' (as OWASP advises), numbers and other values are kept as they are."""
    if not isinstance(cell, str) or not cell.startswith(FORMULA_STARTS):
        return cell
    try:
        float(cell)
    except ValueError:
        return "'" + cell
    return cell


def clock(seconds: float) -> str:
    """A duration as m:ss, or h:mm:ss from an hour on."""
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def size_text(size: float) -> str:
    """A number of bytes as a person reads it: 180 KB, 1,234 MB, 12.5 GB."""
    if size < 1 << 20:
        return f"{size / 1024:,.0f} KB"
    if size < 10 << 30:
        return f"{size / (1 << 20):,.0f} MB"
    return f"{size / (1 << 30):,.1f} GB"


def parameter_text(value: Any, log_scale: bool = False) -> str:
    """A hyperparameter's value: whole numbers and choices as they are; a value on a log
    scale, or a very small or large one, in scientific notation."""
    if isinstance(value, bool) or not isinstance(value, int | float) or isinstance(value, int):
        return str(value)
    if log_scale or needs_scientific([value]):
        return f"{value:.3e}"
    return f"{value:.4g}"


def needs_scientific(values: list[Any]) -> bool:
    """Whether a column of these values reads best in scientific notation: a float too
    small or too large to write plainly is among them."""
    return any(
        isinstance(value, float) and value != 0 and not 1e-3 <= abs(value) < 1e5 for value in values
    )


def typed_text(value: Any) -> str:
    """A value as a person would type it into an editor: 0.01, 1e-06, 100, true. A
    float is written exactly, so reading the text back gives the same float."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def axis_text(value: Any) -> str:
    """A value short enough to label an axis tick: 1e-06, 0.01, 100, relu."""
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def log_ticks(low: float, high: float, most: int = 6) -> list[tuple[float, str]]:
    """Ticks for a log axis from 10**low to 10**high (`low`, `high` in decades), as
    (decade position, label): whole decades when the span holds two or more, else 1-2-5
    (or 1 to 9) times a power of ten, else evenly spaced values. Every label of an axis
    in one notation: plain (0.002) when all fit in 0.001 to 9999, else 2e-05."""
    first, last = math.ceil(low - 1e-9), math.floor(high + 1e-9)
    values: list[float] = []
    if last > first:
        step = math.ceil((last - first + 1) / most)
        values = [10.0**k for k in range(first, last + 1) if (k - first) % step == 0]
    else:
        for mantissas in ((1, 2, 5), tuple(range(1, 10))):
            values = [
                m * 10.0**k
                for k in range(math.floor(low), math.ceil(high) + 1)
                for m in mantissas
                if low - 1e-9 <= math.log10(m) + k <= high + 1e-9
            ]
            if len(values) >= 3:
                break
        if len(values) < 2:  # less than a step of 1 to 2: a few values, two digits each
            values = sorted({float(f"{v:.2g}") for v in _evenly(10.0**low, 10.0**high, 4)})
    plain = all(1e-3 <= value < 1e4 for value in values)
    return [(math.log10(value), _tick_label(value, plain)) for value in values]


def cost_text(name: str, value: float) -> str:
    """A trial's cost (objectives.measures) as a person reads it: "12,810 parameters",
    "3.2 s training"."""
    return f"{value:,.0f} parameters" if name == "params" else f"{value:.1f} s training"


def short_count(value: float) -> str:
    """A count for an axis tick: 500, 2k, 10k, 1.5M."""
    if value < 1e3:
        return f"{value:.3g}"
    if value < 1e6:
        return f"{value / 1e3:.3g}k"
    return f"{value / 1e6:.3g}M"


def _evenly(low: float, high: float, count: int) -> list[float]:
    return [low + (high - low) * index / (count - 1) for index in range(count)]


def _tick_label(value: float, plain: bool) -> str:
    if plain:
        return f"{value:.6f}".rstrip("0").rstrip(".")
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa.removesuffix('.0')}e{exponent}"  # 2e-05, 1e+02


def accuracy_text(value: float | None) -> str:
    """An accuracy to three places; nothing for a trial without one."""
    return "" if value is None else f"{value:.3f}"


def shown(value: Any, limit: int = 60) -> str:
    """A value as a message quotes it: its repr, cut short when it is long."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text):,} characters)"
