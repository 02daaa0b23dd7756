"""The results table's filter language: `lr>0.005`, `status:pruned`, `val acc >= 0.7`,
words to find anywhere, all of them at once; `not` before a term turns it round, `or`
between terms gives a second set of them (`and` binds first, as everywhere). Pure
Python, so the rules are tested without a window and mean the same wherever a list of
trials is filtered."""

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
    """Field names as a person types them: any case, `_` or spaces, `val acc` = `Val acc`,
    `val r2` = `Val R²`."""
    return " ".join(name.replace("_", " ").replace("²", "2").lower().split())


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


# Words of the language itself, never searched for in the cells.
AND, OR, NOT = "and", "or", "not"


@dataclass(frozen=True)
class Term:
    """A condition on a column, or a word to find in any column; `negated`: its opposite."""

    test: Condition | str
    negated: bool = False

    def holds(self, cell: Callable[[int], Any], text: Callable[[int], str], columns: int) -> bool:
        if isinstance(self.test, Condition):
            found = self.test.holds(cell(self.test.column))
        else:
            found = any(self.test in text(column).lower() for column in range(columns))
        return found != self.negated


@dataclass(frozen=True)
class TrialFilter:
    """Sets of terms joined by `or`; a row passes when every term of one set holds.
    `cell(column)` gives a row's raw value, `text(column)` what it shows."""

    groups: tuple[tuple[Term, ...], ...] = ()

    @property
    def empty(self) -> bool:
        return not any(self.groups)

    def matches(self, cell: Callable[[int], Any], text: Callable[[int], str], columns: int) -> bool:
        return self.empty or any(
            all(term.holds(cell, text, columns) for term in group) for group in self.groups if group
        )


class _Reader:
    """Gathers the terms of a filter in the order they are read, with what the
    reserved words say of them."""

    def __init__(self):
        self.groups: list[list[Term]] = [[]]
        self.negated = False

    def word(self, word: str) -> None:
        if word == AND:
            return
        if word == OR:
            self.groups.append([])
        elif word == NOT:
            self.negated = not self.negated
        else:
            self.term(word)

    def term(self, test: Condition | str) -> None:
        self.groups[-1].append(Term(test, self.negated))
        self.negated = False

    def done(self, text: str) -> TrialFilter:
        if self.negated or (len(self.groups) > 1 and not all(self.groups)):
            raise FilterError(
                f"'{text.strip()}': not and or need a term after them (and or one before), "
                "such as: not status:pruned, or lr>0.01 or val acc>0.8"
            )
        return TrialFilter(tuple(tuple(group) for group in self.groups))


def _words(text: str) -> list[str]:
    return [word for word in re.split(r"[\s,]+", text.lower()) if word]


def parse_filter(text: str, fields: Sequence[str]) -> TrialFilter:
    """Read `text` against the table's column names `fields`. FilterError names what
    could not be read and what would be valid."""
    keys = {_key(name): column for column, name in enumerate(fields)}
    reader = _Reader()
    position = 0
    for match in CONDITION.finditer(text):
        before = _words(text[position : match.start()])
        position = match.end()
        field_words = match["field"].split()
        # The longest run of the field's last words that names a column.
        for start in range(len(field_words)):
            name = " ".join(field_words[start:])
            if _key(name) in keys:
                before += [word.lower() for word in field_words[:start]]
                break
        else:
            known = ", ".join(fields)
            raise FilterError(f"no column called '{match['field'].strip()}'; columns: {known}")
        for word in before:
            reader.word(word)
        op, raw = match["op"], match["value"]
        try:
            value: Any = float(raw)
        except ValueError:
            if op not in (":", "=", "==", "!="):
                raise FilterError(
                    f"'{name} {op} {raw}': {op} compares numbers, such as {name} {op} 0.5"
                ) from None
            value = raw
        reader.term(Condition(keys[_key(name)], op, value))
    for word in _words(text[position:]):
        reader.word(word)
    return reader.done(text)
