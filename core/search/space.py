"""Search-space parameters. Each maps its values to the unit interval (in log10 space for
a log scale), so strategies work only in [0, 1] and never branch on the scale."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from hyperdesk.core.formatting import shown
from hyperdesk.core.training.optimizers import drop_inactive

SCALES = ("linear", "log")


class SpaceError(ValueError):
    """A parameter that cannot be built; `problems` holds (field, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems))
        self.problems = problems


@dataclass(frozen=True)
class RangeParam:
    """A float or int range, sampled uniformly in its scale."""

    name: str
    low: float
    high: float
    scale: str = "linear"
    integer: bool = False
    points: int | None = None

    def __post_init__(self):
        problems = []
        if self.scale not in SCALES:
            problems.append(("scale", f"must be one of {', '.join(SCALES)}, got {self.scale!r}"))
        if self.integer:
            for field in ("low", "high"):
                value = getattr(self, field)
                if not float(value).is_integer():
                    problems.append((field, f"{self.name} takes whole numbers, got {value}"))
        if not self.low < self.high:
            problems.append(("high", f"must be greater than low ({self.low}), got {self.high}"))
        if self.scale == "log":
            for field in ("low", "high"):
                if getattr(self, field) <= 0:
                    problems.append((field, "log scale needs a value > 0"))
        if self.points is not None and self.points < 2:
            problems.append(("points", f"a grid needs at least 2 points, got {self.points}"))
        if problems:
            raise SpaceError(problems)

    def _ends(self) -> tuple[float, float]:
        if self.scale == "log":
            return math.log10(self.low), math.log10(self.high)
        return float(self.low), float(self.high)

    def to_unit(self, value: float) -> float:
        start, end = self._ends()
        position = math.log10(value) if self.scale == "log" else float(value)
        return (position - start) / (end - start)

    def from_unit(self, unit: float) -> float | int:
        start, end = self._ends()
        position = start + float(unit) * (end - start)
        value = 10.0**position if self.scale == "log" else position
        # Rounding can step a hair outside the range; the range is what the user set.
        value = min(max(value, self.low), self.high)
        return round(value) if self.integer else float(value)

    def grid(self, points: int, low: float = 0.0, high: float = 1.0) -> list[float | int]:
        """`points` values evenly spaced in the scale (geometric for log), over the part
        of the range from unit `low` to unit `high` (all of it by default), duplicates
        from integer rounding removed."""
        values = [self.from_unit(unit) for unit in np.linspace(low, high, points)]
        return list(dict.fromkeys(values))


@dataclass(frozen=True)
class ChoiceParam:
    """A categorical parameter, or an explicit list of grid values."""

    name: str
    values: tuple[Any, ...]

    def __post_init__(self):
        if not self.values:
            raise SpaceError([("values", "needs at least one value, got an empty list")])
        if len(set(self.values)) != len(self.values):
            raise SpaceError([("values", f"has repeated values: {list(self.values)}")])

    def to_unit(self, value: Any) -> float:
        return (self.values.index(value) + 0.5) / len(self.values)

    def from_unit(self, unit: float) -> Any:
        return self.values[min(int(unit * len(self.values)), len(self.values) - 1)]

    def grid(self, points: int) -> list[Any]:
        return list(self.values)


Param = RangeParam | ChoiceParam


def significant(value: float, digits: int = 3, up: bool = False) -> float:
    """`value` cut to `digits` significant digits, towards +inf (`up`) or -inf."""
    if value == 0 or not math.isfinite(value):
        return value
    exponent = math.floor(math.log10(abs(value))) - digits + 1
    # Decimal arithmetic on the digits, then one conversion: 0.00107, not 0.0010700000001.
    mantissa = value / 10.0**exponent
    mantissa = math.ceil(mantissa - 1e-9) if up else math.floor(mantissa + 1e-9)
    return float(f"{mantissa}e{exponent}")


def narrowed(space: tuple[Param, ...], chosen: list[dict[str, Any]]) -> tuple[Param, ...]:
    """The space around `chosen` trials' parameters: each range becomes their span (in
    its scale, the same ends as in its units) with ends of 3 significant digits, each
    choice the values they used. A span of one point is widened by 5% of the range on
    each side, so it stays a range."""
    result: list[Param] = []
    for param in space:
        values = [params[param.name] for params in chosen if param.name in params]
        if not values:
            result.append(param)
        elif isinstance(param, ChoiceParam):
            result.append(ChoiceParam(param.name, tuple(v for v in param.values if v in values)))
        else:
            low, high = min(values), max(values)
            if low == high:
                unit = param.to_unit(low)
                low = param.from_unit(max(0.0, unit - 0.05))
                high = param.from_unit(min(1.0, unit + 0.05))
            if param.integer and low == high:  # a point even when widened: one step more
                low, high = max(param.low, low - 1), min(param.high, high + 1)
            if not param.integer:
                # Ends a person can read (0.00107, not 0.00107378017…), rounded outwards
                # so that every chosen trial stays inside.
                low = max(param.low, significant(low, up=False))
                high = min(param.high, significant(high, up=True))
            result.append(
                RangeParam(param.name, low, high, param.scale, param.integer, param.points)
            )
    return tuple(result)


def point_problems(space: tuple[Param, ...], point: dict[str, Any]) -> list[tuple[str, str]]:
    """What is wrong with `point` as a trial of `space` (a configuration to run as it
    is): (parameter, message) pairs, none when it can run. Every searched setting the
    trial uses needs a value inside its range (or among its values)."""
    params = {param.name: param for param in space}
    problems = []
    for name, value in point.items():
        param = params.get(name)
        if param is None:
            problems.append((name, f"is not searched (searched: {', '.join(params) or 'none'})"))
        elif isinstance(param, ChoiceParam):
            if value not in param.values:
                problems.append((name, f"must be one of {list(param.values)}, got {shown(value)}"))
        elif isinstance(value, bool) or not isinstance(value, int | float):
            problems.append((name, f"must be a number, got {shown(value)}"))
        elif not param.low <= value <= param.high:
            problems.append((name, f"must be within {param.low} to {param.high}, got {value}"))
        elif param.integer and not float(value).is_integer():
            problems.append((name, f"takes whole numbers, got {value}"))
    used = drop_inactive({name: point.get(name) for name in params})
    problems += [(name, "needs a value") for name in used if name not in point]
    return problems
