"""`hyperdesk run`: run a search headless and save it as a session; also how `resume`
finishes one."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections import Counter
from pathlib import Path

from hyperdesk.core import config as config_module
from hyperdesk.core.cli.arguments import add_set_argument, positive_int
from hyperdesk.core.cli.exit_codes import EXIT_INTERRUPTED, EXIT_OK, EXIT_SESSION, EXIT_USAGE
from hyperdesk.core.cli.progress import Progress, download_progress
from hyperdesk.core.config import RunConfig
from hyperdesk.core.data.sources import preview_data
from hyperdesk.core.execution.control import RunControl
from hyperdesk.core.execution.dask_pool import ClusterLost, DaskError, insecure_warning
from hyperdesk.core.execution.launch import check_data, prepare_search
from hyperdesk.core.execution.runner import (
    SearchOutcome,
    SearchRunner,
    default_workers,
)
from hyperdesk.core.execution.user_code import check_code
from hyperdesk.core.formatting import cost_text, needs_scientific, parameter_text
from hyperdesk.core.paths import HOME_VARIABLE
from hyperdesk.core.search.objectives import OBJECTIVE_TITLES, TradeOff
from hyperdesk.core.storage.session import (
    Session,
    SessionBusyError,
    SessionError,
    TrialRow,
    delete_if_empty,
    front_rows,
)
from hyperdesk.core.trials import Metric, SearchState, TrialStatus, best_trial, ranked

TOP = 20


HELP = "run a search headless and save it as a session"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", nargs="?", help="a TOML config, e.g. examples/seed.toml")
    parser.add_argument(
        "--example",
        nargs="?",
        const="",
        metavar="NAME",
        help="run a bundled example config instead (alone: list them)",
    )
    parser.add_argument("--name", help="session name (default: the config file's name)")
    parser.add_argument("--session", help="where to write the session file (must not exist)")
    add_set_argument(parser, "override a config key, e.g. --set search.trials=10 (repeatable)")
    parser.add_argument(
        "--warm-start",
        metavar="SESSION",
        help="a TPE search that begins knowing the finished trials of SESSION (same data, "
        "network and space); they are not run again",
    )
    parser.add_argument(
        "--enqueue",
        action="append",
        default=[],
        metavar="NAME=VALUE,...",
        help="run this configuration first, e.g. --enqueue lr=0.01,weight_decay=1e-6 (repeatable)",
    )
    add_dask_argument(parser)
    parser.add_argument("--json", action="store_true", help="end with one JSON line of results")
    parser.add_argument(
        "--workers", type=positive_int, metavar="N", help="worker processes (default: one per core)"
    )
    add_nice_argument(parser)


def add_nice_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--nice",
        type=int,
        choices=range(0, 20),
        default=0,
        metavar="N",
        help="run the worker processes N steps lower in priority (0 to 19; default 0, "
        "this command's own: a headless run has the machine; the window uses 10)",
    )


def run(args: argparse.Namespace) -> int:
    if args.example == "":
        print(
            "Example configs bundled with Hyperdesk (run one with: hyperdesk run --example NAME):"
        )
        for name in config_module.example_names():
            print(f"  {name}")
        return EXIT_OK
    if (args.example is None) == (args.config is None):
        print(
            "hyperdesk run: give a config file or --example NAME (one of "
            f"{', '.join(config_module.example_names())}), not both",
            file=sys.stderr,
        )
        return EXIT_USAGE
    overrides = list(args.set)
    if args.dask:
        overrides += ['run.executor="dask"', f"run.address={json.dumps(args.dask)}"]
    if args.warm_start:
        overrides.append(f"search.warm_start={json.dumps(str(Path(args.warm_start)))}")
    if args.example is not None:
        config = config_module.example_config(args.example, overrides, args.enqueue)
        name = args.name or args.example
    else:
        config = config_module.load(args.config, overrides, args.enqueue)
        name = args.name or Path(args.config).stem
    if args.session:
        path = Path(args.session)
        if path.exists() and _running(path):
            raise SessionBusyError(
                f"{path}: another process is running a search in it; follow it with "
                f"'hyperdesk gui {path}'"
            )
        if path.exists():
            print(
                f"hyperdesk: {path} already exists; nothing was overwritten. Continue it with "
                f"'hyperdesk resume {path}' or choose another --session.",
                file=sys.stderr,
            )
            return EXIT_USAGE
    if config.own_code:  # found and parsed, not run, before any session is made
        check_code(config.code)
    else:
        check_data(config.data, report=download_progress)
    if config.data.source and not config.own_code:  # what one's own data is learnt as
        print(f"Data: {preview_data(config.data).describe()}", file=sys.stderr)
    try:
        search = prepare_search(
            config,
            name,
            args.workers or default_workers(),
            Path(args.session) if args.session else None,
        )
    except OSError as error:  # the sessions folder cannot be written
        print(f"hyperdesk: cannot create the session file: {error}", file=sys.stderr)
        return EXIT_SESSION
    try:
        session = Session.create(search.path, name, search.config.to_toml(), search.planned)
    except OSError as error:
        print(
            f"hyperdesk: cannot create the session file {search.path}: "
            f"{error.strerror or error}. Make its folder writable, or choose another with "
            f"--session or {HOME_VARIABLE}",
            file=sys.stderr,
        )
        return EXIT_SESSION
    try:
        with session:
            return run_session(session, args.json, args.workers, niceness=args.nice)
    except DaskError:
        # The cluster could not be used before a trial began: a new session with nothing
        # in it is not left behind (exit 2 means nothing was written).
        delete_if_empty(search.path)
        raise


# Ctrl+C and a plain kill (SIGTERM) alike ask the runner to stop after the current
# step: what finished is saved, and the message says how to resume.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _running(path: Path) -> bool:
    try:
        with Session.open(path, writable=False) as session:
            return session.status() == SearchState.RUNNING
    except SessionError:
        return False


def add_dask_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="train the trials on a Dask cluster: its scheduler (tcp://HOST:8786, tls://...) "
        "or local:N for N processes on this computer; needs hyperdesk[dask]",
    )


def run_session(
    session: Session,
    as_json: bool,
    workers: int | None,
    take_over: bool = False,
    executor: RunConfig | None = None,
    niceness: int = 0,
) -> int:
    control = RunControl()
    previous = {number: signal.signal(number, lambda *_: control.stop()) for number in STOP_SIGNALS}
    try:
        config = session.config
        done = sum(row.status == TrialStatus.COMPLETE for row in session.trials())
        executor = executor or config.run
        if warning := insecure_warning(executor):
            print(f"hyperdesk: warning: {warning}", file=sys.stderr)
        runner = SearchRunner(
            session, control, workers=workers, executor=executor, niceness=niceness
        )
        progress = Progress(runner.planned, round(config.expected_epochs()), done)
        runner.on_trial_start = progress.trial_started
        runner.on_epoch = progress.epoch
        runner.on_trial_end = progress.trial_ended
        started = time.monotonic()
        try:
            outcome = runner.run(take_over)
        except ClusterLost as error:
            print(
                f"hyperdesk: {error}. The finished trials and epochs are saved in "
                f"{session.path}.\nResume with: hyperdesk resume {session.path} "
                "(add --local to go on here, or --dask ADDRESS)",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
        finally:
            progress.close()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    seconds = time.monotonic() - started
    names = [param.name for param in config.search.space]
    trade_off, front, metric = config.search.trade_off, None, runner.metric
    if trade_off.several:
        costs = session.costs()
        front = front_rows(trade_off, outcome.trials, costs, metric)
        print_front(trade_off, front, costs, outcome.trials, names, metric)
    else:
        print_top(outcome, names, metric)
    print_failures(outcome.trials)
    if outcome.state != SearchState.COMPLETE:
        finished = sum(row.status == TrialStatus.COMPLETE for row in outcome.trials)
        print(
            f"Interrupted: {finished} of {runner.planned} trials are saved in "
            f"{session.path}.\nResume with: hyperdesk resume {session.path}",
            file=sys.stderr,
        )
    else:
        print(f"Session saved in {session.path} ({seconds:.1f} s)", file=sys.stderr)
    if as_json:
        best = best_trial(outcome.trials, session.within_limits(), metric)
        print(
            json.dumps(
                {
                    "session": str(session.path),
                    "trials": runner.planned,
                    "complete": sum(row.status == TrialStatus.COMPLETE for row in outcome.trials),
                    "best": best
                    and {
                        "number": best.number,
                        "params": best.params,
                        **best.figures(),
                        "score": {"metric": metric.name, "value": metric.final(best)},
                    },
                    "seconds": round(seconds, 3),
                    **({} if front is None else {"front": front_json(trade_off, front, costs)}),
                }
            )
        )
    return EXIT_OK if outcome.state == SearchState.COMPLETE else EXIT_INTERRUPTED


def _params_text(trials: list, names: list[str]) -> dict[int, str]:
    """Each trial's searched values, by trial number; one notation per parameter
    (scientific for all its values when one of them needs it)."""
    scientific = {
        name: needs_scientific([trial.params[name] for trial in trials if name in trial.params])
        for name in names
    }
    return {
        trial.number: ", ".join(
            f"{name}: {parameter_text(trial.params[name], scientific[name])}"
            for name in names
            if name in trial.params
        )
        for trial in trials
    }


def _print_rows(
    label: str, trials: list, names: list[str], metric: Metric, middle=lambda trial: ""
) -> None:
    """One line per trial: its rank after `label`, its score, `middle(trial)`, its
    number and its searched values."""
    texts = _params_text(trials, names)
    for rank, trial in enumerate(trials, start=1):
        print(
            f"{label}-{rank:<2} ({metric.short}: {metric.score_text(trial)}) | {middle(trial)}"
            f"trial {trial.number:>3} | {texts[trial.number]}"
        )


def print_front(
    trade_off: TradeOff,
    front: list[TrialRow],
    costs: dict[int, dict[str, float]],
    trials: list[TrialRow],
    names: list[str],
    metric: Metric,
) -> None:
    """A trade-off search's `front` (front_rows), cheapest first: for each cost, the
    best-scoring trial; then how many of its `trials` broke a limit."""
    cost = trade_off.objectives[-1]
    if not front:
        print("No trial is on the front yet: none has a score within the limits.")
    else:
        title = f"{metric.short} against {OBJECTIVE_TITLES[cost].lower()}"
        print(f"=========== Trade-off: {len(front)} trials on the front ({title}) ===========")
        _print_rows(
            "Front",
            front,
            names,
            metric,
            lambda trial: f"{cost_text(cost, costs[trial.number][cost]):>18} | ",
        )
    broken = sum(not trade_off.feasible(costs[row.number]) for row in trials)
    if broken:
        limits = ", ".join(f"{name} = {limit:g}" for name, limit in trade_off.constraints.items())
        print(f"{broken} trials broke a limit ({limits}) and are not on the front.")


def front_json(
    trade_off: TradeOff, front: list[TrialRow], costs: dict[int, dict[str, float]]
) -> list[dict]:
    """A trade-off search's front as --json gives it."""
    return [
        {
            "number": row.number,
            "params": row.params,
            **row.figures(),
            "costs": {name: costs[row.number][name] for name in trade_off.objectives[1:]},
        }
        for row in front
    ]


# A training function's failed trials listed after a run, at most this many (the rest
# counted): the reason's last line each, the whole in the session.
FAILURES_SHOWN = 10


def print_failures(trials: list[TrialRow]) -> None:
    """Why a training function's trials failed, a line each, on stderr."""
    failed = [row for row in trials if row.status == TrialStatus.FAILED and row.error]
    for row in failed[:FAILURES_SHOWN]:
        reason = row.error.strip().splitlines()[-1]
        print(f"Trial {row.number} failed: {reason}", file=sys.stderr)
    if len(failed) > FAILURES_SHOWN:
        print(f"(and {len(failed) - FAILURES_SHOWN} more failed trials)", file=sys.stderr)
    if failed:
        print(
            "Each failed trial's traceback is in its session (hyperdesk export --json), its "
            "output in SESSION.files/trial-N.log",
            file=sys.stderr,
        )


def print_top(outcome: SearchOutcome, names: list[str], metric: Metric) -> None:
    """The ranked top 20, as the textbook prints them; when no trial has a score, what
    became of them instead."""
    top = ranked(outcome.trials, metric=metric)[:TOP]
    if not top and outcome.trials:
        counts = Counter(str(row.status) for row in outcome.trials)
        ended = ", ".join(f"{count} {status}" for status, count in counts.most_common())
        print(
            f"No trial has a score: of {len(outcome.trials)} trials, {ended}. "
            "A diverged trial's loss stopped being finite: its learning rate or initial "
            "weights are too large."
        )
        return
    print(f"=========== Hyper-Parameter Optimization Result ({len(top)} best) ===========")
    _print_rows("Best", top, names, metric)
