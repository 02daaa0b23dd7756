"""Warm start: a TPE search that begins knowing the finished trials of another session
on the same data, network and space (they are prior knowledge, not run again)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hyperdesk.core.config import Config, ConfigError
from hyperdesk.core.execution.ranges import scored_trials, settings_differ
from hyperdesk.core.search.space import point_problems
from hyperdesk.core.storage.session import Session, SessionError


def with_prior(config: Config) -> Config:
    """`config` with the scored trials of its `search.warm_start` session that lie in
    its space, as `search.prior`; unchanged without a warm start or once they are read.
    ConfigError naming search.warm_start when that session cannot teach this search."""
    search = config.search
    if not search.warm_start or search.prior:
        return config
    path = Path(search.warm_start).expanduser()
    try:
        with Session.open(path, writable=False) as session:
            other, scored = session.config, scored_trials(session)
    except SessionError as error:
        raise _problem(str(error)) from None
    searched = {param.name for param in search.space}
    differ = settings_differ(config, other, ignore=searched)
    if differ:
        raise _problem(
            f"{path.name} trained otherwise ({', '.join(differ)} differ), so its scores "
            "say nothing of this search's trials"
        )
    prior = tuple(trial for trial in scored if not point_problems(search.space, trial["params"]))
    if not prior:
        raise _problem(
            f"none of the {len(scored)} scored trials of {path.name} lies in this search's "
            f"space ({', '.join(sorted(searched))} within their ranges)"
        )
    return replace(config, search=replace(search, warm_start=str(path.resolve()), prior=prior))


def _problem(message: str) -> ConfigError:
    return ConfigError([("search.warm_start", message)])
