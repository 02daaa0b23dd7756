"""A raw TOML table read into a Config: every key checked against its rule, unknown
keys named with the closest valid one, every problem collected before one is raised."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable
from typing import Any

from hyperdesk.core.data.sources import (
    ALL,
    OFFICIAL,
)
from hyperdesk.core.search.space import (
    ChoiceParam,
    Param,
    RangeParam,
    SpaceError,
    point_problems,
)
from hyperdesk.core.training.settings import TrainSettings

if sys.version_info >= (3, 11):
    pass
else:
    pass
from hyperdesk.core.config.checks import cross_checks
from hyperdesk.core.config.rules import (
    ALIASES,
    CODE_PARAM,
    CODE_RULES,
    CONSTRAINT_RULES,
    DATA_RULES,
    EARLY_STOPPING_RULES,
    MODEL_RULES,
    RUN_RULES,
    SEARCH_RULES,
    SEARCHABLE,
    SPACE_KEYS,
    TRAIN_RULES,
    ConfigError,
    Rule,
    is_int,
    is_number,
)
from hyperdesk.core.config.schema import (
    CodeConfig,
    Config,
    DataConfig,
    EarlyStopping,
    ModelConfig,
    RunConfig,
    SearchConfig,
)
from hyperdesk.core.formatting import shown


def _suggest(name: str, valid: Iterable[str]) -> str:
    valid = list(valid)
    if ALIASES.get(name) in valid:
        return f"; did you mean {ALIASES[name]!r}?"
    close = difflib.get_close_matches(name, valid, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _read_section(
    raw: dict[str, Any],
    section: str,
    rules: dict[str, Rule],
    problems: list[tuple[str, str]],
    extra_keys: tuple[str, ...] = (),
) -> dict[str, Any]:
    table = raw.get(section, {})
    if not isinstance(table, dict):
        problems.append((section, f"must be a table of settings, got {shown(table)}"))
        return {}
    values = {}
    for key, value in table.items():
        path = f"{section}.{key}"
        if key in extra_keys:
            continue
        if key not in rules:
            valid = [*rules, *extra_keys]
            problems.append(
                (path, f"unknown key{_suggest(key, valid)} (valid: {', '.join(valid)})")
            )
            continue
        problem = rules[key].check(value)
        if problem:
            problems.append((path, problem))
            continue
        rule = rules[key]
        if rule.kind == "int" or (rule.kind in ("samples", "kept") and value != ALL):
            value = int(value)
        elif rule.kind == "float" or (rule.kind == "test" and value != OFFICIAL):
            value = float(value)
        elif rule.kind in ("widths", "size"):
            value = tuple(int(width) for width in value)
        values[key] = value
    return values


def _read_param(name: str, table: Any, rule: Rule | None = None) -> Param:
    """One search-space entry, its values checked by `rule` (default: the setting's
    own); raises SpaceError with every problem in it."""
    if not isinstance(table, dict):
        raise SpaceError([("", "must be a table with low/high/scale or values")])
    if rule is None:
        rule = SEARCHABLE[name]
    problems = []
    for key in table:
        if key not in SPACE_KEYS:
            problems.append(
                (key, f"unknown key{_suggest(key, SPACE_KEYS)} (valid: {', '.join(SPACE_KEYS)})")
            )
    if "values" in table:
        values = table["values"]
        if not isinstance(values, list):
            raise SpaceError([*problems, ("values", f"must be a list, got {shown(values)}")])
        for key in ("low", "high", "scale"):
            if key in table:
                problems.append((key, "give either values or a low/high range, not both"))
        for index, value in enumerate(values):
            problem = rule.check(value)
            if problem:
                problems.append((f"values[{index}]", problem))
        if problems:
            raise SpaceError(problems)
        return ChoiceParam(name, tuple(values))
    if rule is CODE_PARAM:  # a function's own: whole when both ends are written whole
        whole = all(type(table.get(key)) is int for key in ("low", "high"))
        rule = Rule("int" if whole else "float")
    if rule.kind not in ("int", "float"):
        raise SpaceError(
            [*problems, ("values", f"{name} is categorical: list its values, {rule.describe()}")]
        )
    for key in ("low", "high"):
        if key not in table:
            problems.append((key, "missing (a range needs low and high, or give values)"))
        elif not is_number(table[key]):
            problems.append((key, f"must be a finite number, got {shown(table[key])}"))
    scale = table.get("scale", "linear")
    points = table.get("points")
    if points is not None and not (is_int(points) and points >= 2):
        problems.append(("points", f"must be a whole number >= 2, got {shown(points)}"))
    if problems:
        raise SpaceError(problems)
    try:
        param = RangeParam(
            name,
            table["low"],
            table["high"],
            scale,
            integer=rule.kind == "int",
            points=None if points is None else int(points),
        )
    except SpaceError as error:
        problems = list(error.problems)
    # Range ends must also be values the setting itself accepts (no dropout of 1.5).
    ends = Rule(
        "float", low=rule.low, high=rule.high, low_open=rule.low_open, high_open=rule.high_open
    )
    for key in ("low", "high"):
        problem = ends.check(table[key])
        if problem and not any(field == key for field, _ in problems):
            problems.append((key, problem.replace("must be", f"{name} must be")))
    if problems:
        raise SpaceError(problems)
    return param


def from_dict(raw: dict[str, Any]) -> Config:
    """Validate a config read from TOML; raises ConfigError listing every problem."""
    problems: list[tuple[str, str]] = []
    sections = ("data", "model", "train", "search", "run", "code")
    for key in raw:
        if key not in sections:
            problems.append(
                (key, f"unknown section{_suggest(key, sections)} (valid: {', '.join(sections)})")
            )
    data = _read_section(raw, "data", DATA_RULES, problems)
    if data.get("source") and "samples" not in data:
        # A file of the person's own is searched whole unless `samples` says otherwise
        # (500 is the bundled MNIST's textbook sample, not a limit on a person's table).
        data["samples"] = ALL
    model = _read_section(raw, "model", MODEL_RULES, problems)
    train = _read_section(raw, "train", TRAIN_RULES, problems)
    run = _read_section(raw, "run", RUN_RULES, problems)
    code = _read_code(raw, problems)
    search = _read_section(
        raw,
        "search",
        SEARCH_RULES,
        problems,
        extra_keys=("space", "early_stopping", "enqueue", "prior", "constraints"),
    )
    if "objectives" in search:
        search["objectives"] = tuple(search["objectives"])
    raw_search = raw.get("search") if isinstance(raw.get("search"), dict) else {}
    early = _read_section(raw_search, "early_stopping", EARLY_STOPPING_RULES, problems)
    constraints = _read_section(raw_search, "constraints", CONSTRAINT_RULES, problems)
    problems[:] = [
        (f"search.{path}" if path.startswith(("early_stopping", "constraints")) else path, message)
        for path, message in problems
    ]
    space: list[Param] = []
    raw_space = (
        raw.get("search", {}).get("space", {}) if isinstance(raw.get("search"), dict) else {}
    )
    if not isinstance(raw_space, dict):
        problems.append(("search.space", "must be a table of [search.space.NAME] tables"))
        raw_space = {}
    for name, table in raw_space.items():
        path = f"search.space.{name}"
        if code.entry:  # the function's parameters, whatever their names
            try:
                space.append(_read_param(name, table, CODE_PARAM))
            except SpaceError as error:
                problems.extend(
                    (f"{path}.{key}" if key else path, message) for key, message in error.problems
                )
            continue
        if name not in SEARCHABLE:
            problems.append(
                (
                    path,
                    f"unknown setting{_suggest(name, SEARCHABLE)} "
                    f"(searchable: {', '.join(SEARCHABLE)})",
                )
            )
            continue
        try:
            space.append(_read_param(name, table))
        except SpaceError as error:
            problems.extend(
                (f"{path}.{key}" if key else path, message) for key, message in error.problems
            )
    enqueue = _read_enqueued(raw_search.get("enqueue", []), tuple(space), problems)
    config = None
    if not problems:
        config = Config(
            DataConfig(**data),
            ModelConfig(**model),
            TrainSettings(**train),
            SearchConfig(
                **search,
                early_stopping=EarlyStopping(**early),
                space=tuple(space),
                enqueue=enqueue,
                prior=_read_prior(raw_search.get("prior", []), problems),
                constraints=constraints,
            ),
            RunConfig(**run),
            code,
        )
        problems.extend(cross_checks(config))
    if problems:
        raise ConfigError(problems)
    return config


# With [code] a person's function makes the model, trains it and reads its data.
NOT_WITH_CODE = {
    "data": "the function loads its own data",
    "model": "the function builds its own model",
    "train": "the function trains its own way",
}


def _read_code(raw: dict[str, Any], problems: list[tuple[str, str]]) -> CodeConfig:
    """The [code] section, and the sections it replaces refused by name."""
    if "code" not in raw:
        return CodeConfig()
    table = raw["code"] if isinstance(raw["code"], dict) else {}
    values = _read_section(raw, "code", CODE_RULES, problems, extra_keys=("fixed",))
    fixed = table.get("fixed", {})
    if not isinstance(fixed, dict):
        problems.append(("code.fixed", "must be a table of values passed to the function"))
        fixed = {}
    entry = values.get("entry", "")
    module, colon, function = entry.rpartition(":")
    if not (colon and module and function.isidentifier()):
        problems.append(
            (
                "code.entry",
                'a file and a function, "my_training.py:fit", or a module and a function, '
                f'"package.module:fit"; got {shown(entry)}',
            )
        )
    metric = values.get("metric", CodeConfig.metric)
    if not metric.isidentifier():
        problems.append(
            ("code.metric", f"the name of a figure the function reports; got {shown(metric)}")
        )
    for section, reason in NOT_WITH_CODE.items():
        if section in raw:
            problems.append(
                (
                    section,
                    f"does not apply with [code]: {reason}; put settings it needs in "
                    "[code.fixed] or the search space",
                )
            )
    searched = raw.get("search", {}).get("space", {}) if isinstance(raw.get("search"), dict) else {}
    for name in set(fixed) & set(searched if isinstance(searched, dict) else {}):
        problems.append((f"code.fixed.{name}", "is searched too: give it in one place"))
    return CodeConfig(**{**values, "fixed": dict(fixed)})


def _read_enqueued(
    raw: Any, space: tuple[Param, ...], problems: list[tuple[str, str]]
) -> tuple[dict[str, Any], ...]:
    """The [[search.enqueue]] tables, each a point of the search space."""
    if not isinstance(raw, list) or not all(isinstance(point, dict) for point in raw):
        problems.append(
            ("search.enqueue", "must be [[search.enqueue]] tables of searched settings")
        )
        return ()
    for index, point in enumerate(raw, start=1):
        problems.extend(
            (f"search.enqueue[{index}].{name}", message)
            for name, message in point_problems(space, point)
        )
    return tuple(raw)


def _read_prior(raw: Any, problems: list[tuple[str, str]]) -> tuple[dict[str, Any], ...]:
    """The [[search.prior]] tables a warm-started search stored: `params` and `score`."""
    if isinstance(raw, list) and all(
        isinstance(trial, dict)
        and isinstance(trial.get("params"), dict)
        and isinstance(trial.get("score"), int | float)
        for trial in raw
    ):
        return tuple(raw)
    problems.append(("search.prior", "must be [[search.prior]] tables of params and score"))
    return ()
