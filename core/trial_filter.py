"""The results table's filter language: `lr>0.005`, `status:pruned`, `val acc >= 0.7`,
words to find anywhere, all of them at once. Pure Python, so the rules are tested without
a window and mean the same wherever a list of trials is filtered."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# A field (words, possibly with spaces: "val acc"), an operator, and a value up to the next
# space or comma. Which words of the field are really the field is settled against the
# known names: "complete lr>0.1" is the word "complete" and the condition lr > 0.1.
CONDITION = re.compile(
    r"(?P<field>[^\s<>=!:,][^<>=!:,]*?)\s*(?P<op>>=|<=|!=|==|=|>|<|:)\s*(?P<value>[^\s,]+)"
)
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


class FilterError(ValueError):
    """A filter that cannot be read; the message says what would be valid."""


def _key(name: str) -> str:
    """Field names as a person types them: any case, `_` or spaces, `val acc` = `Val acc`."""
    return " ".join(name.replace("_", " ").lower().split())


@dataclass(frozen=True)
class Condition:
    column: int
    op: str
    value: Any  # a float for a comparison, text for ':' (contains)

    def holds(self, cell: Any) -> bool:
        if self.op == ":":
            if isinstance(self.value, float) and isinstance(cell, int | float):
                return cell == self.value
            return str(self.value).lower() in str(cell).lower()
        if isinstance(self.value, str):  # status=complete: the whole text
            return OPERATORS[self.op](str(cell).lower(), self.value.lower())
        if not isinstance(cell, int | float) or isinstance(cell, bool) or math.isinf(cell):
            return False  # no value yet (a running trial's score): it does not compare
        return OPERATORS[self.op](cell, self.value)


@dataclass(frozen=True)
class TrialFilter:
    """Conditions on named columns and words to find in any column; a row passes when
    every one holds. `cell(column)` gives a row's raw value, `text(column)` what it shows."""

    conditions: tuple[Condition, ...] = ()
    words: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.conditions and not self.words

    def matches(self, cell: Callable[[int], Any], text: Callable[[int], str], columns: int) -> bool:
        if not all(condition.holds(cell(condition.column)) for condition in self.conditions):
            return False
        return all(
            any(word in text(column).lower() for column in range(columns)) for word in self.words
        )


def _words(text: str) -> list[str]:
    return [word for word in re.split(r"[\s,]+", text.lower()) if word]


def parse_filter(text: str, fields: Sequence[str]) -> TrialFilter:
    """Read `text` against the table's column names `fields`. FilterError names what
    could not be read and what would be valid."""
    keys = {_key(name): column for column, name in enumerate(fields)}
    conditions: list[Condition] = []
    words: list[str] = []
    position = 0
    for match in CONDITION.finditer(text):
        words += _words(text[position : match.start()])
        position = match.end()
        field_words = match["field"].split()
        # The longest run of the field's last words that names a column.
        for start in range(len(field_words)):
            name = " ".join(field_words[start:])
            if _key(name) in keys:
                words += [word.lower() for word in field_words[:start]]
                break
        else:
            known = ", ".join(fields)
            raise FilterError(f"no column called '{match['field'].strip()}'; columns: {known}")
        op, raw = match["op"], match["value"]
        try:
            value: Any = float(raw)
        except ValueError:
            if op not in (":", "=", "==", "!="):
                raise FilterError(
                    f"'{name} {op} {raw}': {op} compares numbers, such as {name} {op} 0.5"
                ) from None
            value = raw
        conditions.append(Condition(keys[_key(name)], op, value))
    words += _words(text[position:])
    return TrialFilter(tuple(conditions), tuple(words))
