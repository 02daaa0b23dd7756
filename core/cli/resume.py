"""`hyperdesk resume`: finish an interrupted session, or go on in a session with other
ranges."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from hyperdesk.core import config as config_module
from hyperdesk.core.cli.arguments import add_set_argument, positive_int
from hyperdesk.core.cli.run import add_dask_argument, add_nice_argument, run_session
from hyperdesk.core.config import ConfigError, RunConfig, parse_point
from hyperdesk.core.execution.memory import check_memory
from hyperdesk.core.execution.ranges import add_trials, continue_with_ranges
from hyperdesk.core.execution.relocation import relocate
from hyperdesk.core.execution.runner import default_workers
from hyperdesk.core.execution.user_code import check_code_unchanged
from hyperdesk.core.storage.session import Session

HELP = (
    "finish an interrupted session, or go on in one with other ranges (--set) or "
    "configurations of your own (--enqueue)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", help="the session file")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of results")
    parser.add_argument(
        "--workers", type=positive_int, metavar="N", help="worker processes (default: one per core)"
    )
    add_nice_argument(parser)
    parser.add_argument(
        "--data",
        metavar="PATH",
        help="where the session's data file or folder is now (it moved); it must be the "
        "same data, which is checked",
    )
    add_dask_argument(parser)
    parser.add_argument(
        "--local",
        action="store_true",
        help="train on this computer's worker processes, whatever executor the session "
        "was run with",
    )
    add_set_argument(
        parser,
        "go on in the session with other ranges or search settings, e.g. --set "
        "search.space.lr.high=0.01 --set search.trials=20 (repeatable): every trial is "
        "kept, none is run again; other data, network or training settings are refused",
    )
    parser.add_argument(
        "--enqueue",
        action="append",
        default=[],
        metavar="NAME=VALUE,...",
        help="run this configuration in the session, e.g. --enqueue lr=0.01,weight_decay=1e-6 "
        "(repeatable): only these, numbered after its trials",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="take over a session whose lock names a search on another computer, which "
        "this one cannot see; only when that search is surely gone (two searches writing "
        "one file would mix their trials); and go on with training code changed since "
        "the session began",
    )


def run(args: argparse.Namespace) -> int:
    if args.set and args.enqueue:
        raise ConfigError([("--enqueue", "give --set or --enqueue, not both")])
    with Session.open(args.session, writable=False) as session:
        config, digest = session.config, session.code_digest
    if config.own_code:  # before anything is written: the code is the session's
        digest = check_code_unchanged(config.code, digest, args.force)
    if args.set:
        with Session.open(args.session, writable=False) as session:
            stored = session.config.to_toml()
        continue_with_ranges(Path(args.session), config_module.loads(stored, args.set), args.force)
    if args.enqueue:
        points = [parse_point(point) for point in args.enqueue]
        add_trials(Path(args.session), points, args.force)
    with Session.open(args.session) as session:
        if config.own_code and digest != session.code_digest:  # --force took the new code
            session.record_code(digest)
        if args.data:
            relocate(session, Path(args.data))
        executor = None
        if args.local:
            executor = RunConfig()
        elif args.dask:
            executor = replace(session.config.run, executor="dask", address=args.dask)
            problems = config_module.run_problems(executor)
            if problems:
                raise ConfigError(problems)
        if (executor or session.config.run).executor == "local" and not config.own_code:
            check_memory(session.config, args.workers or default_workers())
        return run_session(
            session, args.json, args.workers, args.force, executor, niceness=args.nice
        )
