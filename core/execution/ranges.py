"""Changing course: a session that is not running goes on with other ranges. Its trials
stay (those outside the new ranges are kept and marked, never run again); the new
search numbers its trials after them, knows the scored ones inside its ranges (TPE
models them; no strategy trains one of them again), and a resume replays only its own."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

from hyperdesk.core import config as config_module
from hyperdesk.core.config import Config, ConfigError
from hyperdesk.core.search.registry import make_strategy
from hyperdesk.core.search.space import Param, point_problems
from hyperdesk.core.search.strategies import point_key
from hyperdesk.core.storage.session import Session, SessionBusyError
from hyperdesk.core.training.optimizers import drop_inactive
from hyperdesk.core.trials import SearchState, trial_score


def outside(space: tuple[Param, ...], params: dict) -> bool:
    """Whether a trial's `params` lie outside the search space `space`."""
    return bool(point_problems(space, params))


def settings_differ(config: Config, old: Config, ignore=frozenset()) -> list[str]:
    """The data, network and training settings that differ between two configs
    ("data.samples", ...), leaving out those named in `ignore` (searched ones)."""
    return [
        f"{section}.{f.name}"
        for section in ("data", "model", "train")
        for f in fields(getattr(config, section))
        if f.name not in ignore
        and getattr(getattr(config, section), f.name) != getattr(getattr(old, section), f.name)
    ]


def changed_settings(config: Config, old: Config) -> list[str]:
    """What differs between two searches besides their ranges (settings_differ; the
    searched settings themselves as "search.space"; the strategy)."""
    differ = settings_differ(config, old)
    if [p.name for p in config.search.space] != [p.name for p in old.search.space]:
        differ.append("search.space")
    if config.search.strategy != old.search.strategy:
        differ.append("search.strategy")
    return differ


def only_ranges_differ(config: Config, old: Config) -> bool:
    """Whether `config` is `old` with other ranges (and other search settings of the
    same strategy, such as its trials) only."""
    return not changed_settings(config, old) and config.search.space != old.search.space


def scored_trials(session: Session) -> list[dict]:
    """The session's trials with a score, as a search is told of trials it did not run
    ([[search.prior]] tables): their `params`, `score` and `measures` (objectives.measures)."""
    costs, metric = session.costs(), session.metric
    return [
        {"params": row.params, "score": score, "measures": costs[row.number]}
        for row in session.trials()
        if (score := trial_score(row.status, metric.final(row), metric)) is not None
    ]


# Strategies whose own trials a continuation can set to none (search.trials = 0); a grid
# knows its points, all run before; coarse-to-fine's rounds would start over.
COUNTED = ("random", "tpe", "sobol", "nsga2")
ADDABLE = (*COUNTED, "grid")  # searches a person's own trials can be added to


def add_trials(session_path: Path, points: list[dict], take_over: bool = False) -> Config:
    """Make the session's search go on with `points` (configurations of its space) and
    nothing else; return it as stored, for a resume to run. ConfigError naming what is
    wrong with a point, or for a coarse-to-fine search; SessionBusyError while running."""
    with Session.open(session_path, writable=False) as session:
        config = session.config
    search = config.search
    if search.strategy not in ADDABLE:
        raise ConfigError(
            [
                (
                    "search.enqueue",
                    f"a {search.strategy} search cannot take a trial of your own after it "
                    "ran: start a new session with it (Add trial… in the setup)",
                )
            ]
        )
    # Checked as a config checks [[search.enqueue]]: each point named by its number.
    raw = config.to_dict()
    config_module.from_dict({**raw, "search": {**raw["search"], "enqueue": points}})
    own = {"trials": 0} if search.strategy in COUNTED else {}
    return continue_with_ranges(
        session_path,
        replace(config, search=replace(search, enqueue=tuple(points), **own)),
        take_over,
    )


def continue_with_ranges(session_path: Path, config: Config, take_over: bool = False) -> Config:
    """Make `config` (the session's search, its ranges or its trials to run first
    changed) the session's search from its next trial on, and return it as stored; a
    resume then runs it. ConfigError when anything but the ranges differs (that is
    another search: a new session); SessionBusyError while a search runs in it, unless
    `take_over` claims it (resume --force: the search named is on a host that is gone)."""
    with Session.open(session_path) as session:
        if session.status() == SearchState.RUNNING and not take_over:
            raise SessionBusyError(
                f"{session_path}: a search is running in it; stop it first, or take it over "
                "with --force if the computer named as running it is gone"
            )
        old, rows = session.config, session.trials()
        differ = changed_settings(config, old)
        if differ:
            raise ConfigError(
                [
                    (
                        "search.space",
                        f"only the ranges of the same settings can change in a session "
                        f"({', '.join(differ)} differ); start a new session for another search",
                    )
                ]
            )
        scored = scored_trials(session)
        # Its own trials and a warm start's, once each, those inside the new ranges.
        inside = tuple(
            {
                point_key(trial["params"]): trial
                for trial in (*config.search.prior, *scored)
                if not outside(config.search.space, trial["params"])
            }.values()
        )
        history = max((row.number for row in rows), default=0)
        # Trials to run first that the session ran (the loaded search's own) are not
        # run again; new ones are (add_trials).
        ran = {point_key(row.params) for row in rows}
        fresh = tuple(p for p in config.search.enqueue if point_key(drop_inactive(p)) not in ran)
        search = replace(config.search, history=history, prior=inside, enqueue=fresh)
        changed = replace(config, search=search)
        session.extend(changed.to_toml(), history + make_strategy(search).planned, take_over)
    return changed
