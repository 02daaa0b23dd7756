"""The `hyperdesk` command line: the same engine as the window, without a display."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from hyperdesk.core import __version__
from hyperdesk.core import config as config_module
from hyperdesk.core.config import Config, ConfigError
from hyperdesk.core.data.datasets import INPUT_SIZE, OUTPUT_SIZE
from hyperdesk.core.data.splits import load_split
from hyperdesk.core.execution.control import RunControl
from hyperdesk.core.execution.runner import (
    SearchOutcome,
    SearchRunner,
    TrialStart,
    new_session_path,
)
from hyperdesk.core.formatting import clock, parameter_text, score_text
from hyperdesk.core.search.registry import make_strategy
from hyperdesk.core.storage.export import to_csv, to_json, to_optuna, write_text
from hyperdesk.core.storage.paths import SESSION_SUFFIX, sessions_dir
from hyperdesk.core.storage.session import Session, SessionBusyError, SessionError, summarize
from hyperdesk.core.training.trainer import EpochRecord, train_trial
from hyperdesk.core.trials import TrialStatus, ranked

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_SESSION = 3
EXIT_BUSY = 4
EXIT_INTERRUPTED = 130
TOP = 20


def cmd_demo(args: argparse.Namespace) -> int:
    """Train one network with the seed experiment's settings and print every epoch."""
    config = Config()
    data = load_split(config.data)
    network, settings = config.trial_settings(
        {"lr": args.lr, "weight_decay": args.weight_decay, "epochs": args.epochs},
        input_size=INPUT_SIZE,
        output_size=OUTPUT_SIZE,
    )
    print(
        f"Training a {len(network.hidden)} x {network.hidden[0]} {network.activation} network "
        f"on {len(data.x_train)} MNIST images ({len(data.x_val)} held out for validation), "
        f"SGD lr {args.lr:g}, weight decay {args.weight_decay:g}"
    )
    print(f"{'epoch':>5}  {'train loss':>10}  {'train acc':>9}  {'val loss':>8}  {'val acc':>7}")

    def show(record):
        print(
            f"{record.epoch:5d}  {record.train_loss:10.4f}  {record.train_acc:9.3f}  "
            f"{record.val_loss:8.4f}  {record.val_acc:7.3f}",
            flush=True,
        )

    started = time.perf_counter()
    result = train_trial(data, network, settings, args.seed, on_epoch=show)
    print(f"{result.status} in {time.perf_counter() - started:.1f} s")
    return EXIT_OK


class Progress:
    """A progress line on stderr: a bar, trials, epochs, elapsed and ETA. On a terminal it
    redraws in place at most ten times a second; elsewhere it prints a line per trial."""

    def __init__(self, planned_trials: int, epochs_per_trial: int, done_trials: int):
        self.planned = planned_trials
        self.epochs_per_trial = epochs_per_trial
        self.done_at_start = done_trials
        self.done = done_trials
        self.epochs = 0
        self.current_epoch = 0
        self.started = time.monotonic()
        self.drawn = 0.0
        self.live = sys.stderr.isatty()

    def trial_started(self, start: TrialStart) -> None:
        self.current_epoch = 0

    def epoch(self, number: int, record: EpochRecord) -> None:
        self.epochs += 1
        self.current_epoch = record.epoch
        if self.live and time.monotonic() - self.drawn > 0.1:
            self._draw()

    def trial_ended(self, number: int, status: str) -> None:
        self.done += 1
        self.current_epoch = 0
        if self.live:
            self._draw()
        else:
            print(self._line(), file=sys.stderr, flush=True)

    def _line(self) -> str:
        fraction = (self.done + self.current_epoch / self.epochs_per_trial) / max(self.planned, 1)
        elapsed = time.monotonic() - self.started
        worked = fraction - self.done_at_start / max(self.planned, 1)
        eta = "--:--" if worked <= 0 else clock(elapsed * (1 - fraction) / worked)
        bar = "#" * round(24 * fraction)
        return (
            f"[{bar:<24}] {self.done}/{self.planned} trials  {self.epochs} epochs  "
            f"{clock(elapsed)} elapsed  ETA {eta}"
        )

    def _draw(self) -> None:
        self.drawn = time.monotonic()
        print("\r" + self._line(), end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.live:
            print(file=sys.stderr)


def print_top(outcome: SearchOutcome, names: list[str]) -> None:
    """The ranked top 20, as the textbook prints them."""
    print(f"=========== Hyper-Parameter Optimization Result ({TOP} best) ===========")
    for rank, trial in enumerate(ranked(outcome.trials)[:TOP], start=1):
        params = ", ".join(
            f"{name}: {parameter_text(trial.params[name])}"
            for name in names
            if name in trial.params
        )
        print(f"Best-{rank:<2} (val acc: {score_text(trial)}) | trial {trial.number:>3} | {params}")


def _run_session(session: Session, as_json: bool, workers: int | None) -> int:
    control = RunControl()
    config = config_module.loads(session.config_toml)
    done = sum(row.status == TrialStatus.COMPLETE for row in session.trials())
    runner = SearchRunner(session, control, workers=workers)
    progress = Progress(runner.planned, config.train.epochs, done)
    runner.on_trial_start = progress.trial_started
    runner.on_epoch = progress.epoch
    runner.on_trial_end = progress.trial_ended
    # Ctrl+C asks the runner to stop after the current step; what finished is saved.
    previous = signal.signal(signal.SIGINT, lambda *_: control.stop())
    started = time.monotonic()
    try:
        outcome = runner.run()
    finally:
        signal.signal(signal.SIGINT, previous)
        progress.close()
    seconds = time.monotonic() - started
    names = [param.name for param in config.search.space]
    print_top(outcome, names)
    if outcome.state != TrialStatus.COMPLETE:
        finished = sum(row.status == TrialStatus.COMPLETE for row in outcome.trials)
        print(
            f"Interrupted: {finished} of {runner.planned} trials are saved in "
            f"{session.path}.\nResume with: hyperdesk resume {session.path}",
            file=sys.stderr,
        )
    else:
        print(f"Session saved in {session.path} ({seconds:.1f} s)", file=sys.stderr)
    if as_json:
        best = next(iter(ranked(outcome.trials)), None)
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
                        "val_acc": best.final_val_acc,
                        "train_acc": best.final_train_acc,
                    },
                    "seconds": round(seconds, 3),
                }
            )
        )
    return EXIT_OK if outcome.state == TrialStatus.COMPLETE else EXIT_INTERRUPTED


def cmd_run(args: argparse.Namespace) -> int:
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
    if args.example is not None:
        config = config_module.loads(config_module.example_text(args.example), args.set)
        name = args.name or args.example
    else:
        config = config_module.load(args.config, args.set)
        name = args.name or Path(args.config).stem
    if args.session:
        path = Path(args.session)
        if path.exists():
            print(
                f"hyperdesk: {path} already exists; nothing was overwritten. Continue it with "
                f"'hyperdesk resume {path}' or choose another --session.",
                file=sys.stderr,
            )
            return EXIT_USAGE
    else:
        path = new_session_path(sessions_dir(), name)

    try:
        session = Session.create(path, name, config.to_toml(), make_strategy(config.search).planned)
    except OSError as error:
        print(
            f"hyperdesk: cannot create the session file {path}: {error.strerror or error}",
            file=sys.stderr,
        )
        return EXIT_SESSION
    with session:
        return _run_session(session, args.json, args.workers)


def cmd_resume(args: argparse.Namespace) -> int:
    with Session.open(args.session) as session:
        return _run_session(session, args.json, args.workers)


def cmd_sessions(args: argparse.Namespace) -> int:
    folder = sessions_dir()
    paths = sorted(folder.glob(f"*{SESSION_SUFFIX}")) if folder.is_dir() else []
    if not paths:
        print(f"No sessions yet in {folder}. Start one with: hyperdesk run CONFIG")
        return EXIT_OK
    header = ("name", "created", "strategy", "trials", "best val", "status", "path")
    lines = []
    for path in paths:
        try:
            info = summarize(path)
        except SessionError as error:
            lines.append(("?", "", "", "", "", "unreadable", f"{path} ({error})"))
            continue
        best = "" if info.best_val_acc is None else f"{info.best_val_acc:.3f}"
        lines.append(
            (
                info.name,
                info.created_at.replace("T", " ")[:19],
                info.strategy,
                f"{info.done}/{info.planned}",
                best,
                info.status,
                str(path),
            )
        )
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header) - 1)]
    for row in [header, *lines]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            + "  "
            + row[-1]
        )
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    plots = getattr(args, "plots", None)
    if not (args.csv or args.json or plots or args.optuna):
        wanted = "--csv FILE, --json FILE, --optuna URL" + (
            " or --plots DIR" if args.plot_exporter else ""
        )
        print(f"hyperdesk export: say what to write: {wanted}", file=sys.stderr)
        return EXIT_USAGE
    Session.check(Path(args.session))
    written = []
    try:
        if plots:
            written += args.plot_exporter(Path(args.session), plots, args.format, args.scale)
        with Session.open(args.session, writable=False) as session:
            for path, render in ((args.csv, to_csv), (args.json, to_json)):
                if path:
                    write_text(Path(path), render(session))
                    written.append(path)
            if args.optuna:
                name = to_optuna(session, args.optuna)
                written.append(f"{args.optuna} (study {name!r})")
    except (OSError, ValueError) as error:
        # ValueError covers Optuna's refusals: a bad URL, a study of that name already there.
        print(f"hyperdesk: cannot write: {error}; the session is unchanged", file=sys.stderr)
        return EXIT_USAGE
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    from hyperdesk.core.execution.evaluation import evaluate_on_test

    result = evaluate_on_test(Path(args.session), args.trial)
    params = ", ".join(f"{name}: {parameter_text(value)}" for name, value in result.params.items())
    if result.status != TrialStatus.COMPLETE:
        print(
            f"Trial {result.number} ({params}) {result.status} when trained on all "
            f"{result.train_samples} search samples; no test result stored.",
            file=sys.stderr,
        )
        return EXIT_SESSION
    print(
        f"Trial {result.number} ({params}): test accuracy {result.test_acc:.3f} "
        f"(loss {result.test_loss:.3f}) on {result.test_samples} samples no search saw, "
        f"after {result.epochs} epochs on {result.train_samples} ({result.seconds:.1f} s). "
        "Stored in the session."
    )
    if args.json:
        print(
            json.dumps(
                {"trial": result.number, "test_acc": result.test_acc, "test_loss": result.test_loss}
            )
        )
    return EXIT_OK


def cmd_bench(args: argparse.Namespace) -> int:
    from hyperdesk.core.cli import bench

    if args.search:
        return bench.search_main(args.seeds, args.trials, args.workers, args.json)
    return bench.main(
        args.trials,
        args.epochs,
        args.width,
        args.samples,
        args.workers,
        args.json,
        args.engine_only,
    )


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


PlotExporter = Callable[[Path, Path, str, int], list[Path]]


def build_parser(
    add_commands: Callable[[argparse._SubParsersAction], None] | None = None,
    plot_exporter: PlotExporter | None = None,
) -> argparse.ArgumentParser:
    """The command-line parser. The window's side adds its commands (`add_commands`) and
    the drawing of panels for `export --plots` (`plot_exporter`), which core cannot do
    without Qt."""
    parser = argparse.ArgumentParser(
        prog="hyperdesk", description="Tune a neural network's hyperparameters."
    )
    parser.add_argument("--version", action="version", version=f"hyperdesk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    if add_commands is not None:
        add_commands(commands)

    demo = commands.add_parser("demo", help="train one network on the bundled MNIST and watch it")
    demo.add_argument("--lr", type=float, default=0.01, help="learning rate (default 0.01)")
    demo.add_argument("--weight-decay", type=float, default=1e-6, help="L2 weight decay")
    demo.add_argument("--epochs", type=int, default=50)
    demo.add_argument("--seed", type=int, default=0, help="seed of the weights and shuffles")
    demo.set_defaults(handler=cmd_demo)

    run = commands.add_parser("run", help="run a search headless and save it as a session")
    run.add_argument("config", nargs="?", help="a TOML config, e.g. examples/seed.toml")
    run.add_argument(
        "--example",
        nargs="?",
        const="",
        metavar="NAME",
        help="run a bundled example config instead (alone: list them)",
    )
    run.add_argument("--name", help="session name (default: the config file's name)")
    run.add_argument("--session", help="where to write the session file (must not exist)")
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key, e.g. --set search.trials=10 (repeatable)",
    )
    run.add_argument("--json", action="store_true", help="end with one JSON line of results")
    run.add_argument(
        "--workers", type=positive_int, metavar="N", help="worker processes (default: one per core)"
    )
    run.set_defaults(handler=cmd_run)

    resume = commands.add_parser("resume", help="finish an interrupted session")
    resume.add_argument("session", help="the session file")
    resume.add_argument("--json", action="store_true", help="end with one JSON line of results")
    resume.add_argument(
        "--workers", type=positive_int, metavar="N", help="worker processes (default: one per core)"
    )
    resume.set_defaults(handler=cmd_resume)

    evaluate = commands.add_parser(
        "evaluate",
        help="train a trial on all search samples and measure it on the held-out test split",
    )
    evaluate.add_argument("session", help="the session file")
    evaluate.add_argument("--trial", type=positive_int, help="trial number (default: the best)")
    evaluate.add_argument("--json", action="store_true", help="end with one JSON line")
    evaluate.set_defaults(handler=cmd_evaluate)

    listing = commands.add_parser("sessions", help="list the sessions in the data directory")
    listing.set_defaults(handler=cmd_sessions)

    bench = commands.add_parser("bench", help="measure the engine against this machine's limit")
    bench.add_argument("--trials", type=positive_int, default=100)
    bench.add_argument("--epochs", type=positive_int, default=50)
    bench.add_argument("--width", type=positive_int, default=100, help="hidden layer width")
    bench.add_argument("--samples", type=positive_int, default=500)
    bench.add_argument("--workers", type=positive_int, help="default: one per core")
    bench.add_argument("--json", action="store_true", help="end with one JSON line")
    bench.add_argument(
        "--search",
        action="store_true",
        help="compare random search with TPE + successive halving instead",
    )
    bench.add_argument("--seeds", type=positive_int, default=5, help="with --search")
    bench.add_argument(
        "--engine-only",
        action="store_true",
        help="skip the reference run (for scaling measurements)",
    )
    bench.set_defaults(handler=cmd_bench)

    export = commands.add_parser("export", help="write a session's results as CSV or JSON")
    export.add_argument("session", help="the session file")
    export.add_argument("--csv", metavar="FILE", help="one row per trial")
    export.add_argument("--json", metavar="FILE", help="every trial with every epoch")
    export.add_argument(
        "--optuna", metavar="URL", help="write an Optuna study, e.g. sqlite:///study.db"
    )
    if plot_exporter is not None:
        export.add_argument(
            "--plots",
            metavar="DIR",
            type=Path,
            help="write every panel as an image into DIR (no display needed)",
        )
        export.add_argument("--format", choices=("png", "svg"), default="png")
        export.add_argument(
            "--scale",
            type=int,
            choices=(1, 2, 4),
            default=1,
            help="PNG size as a multiple of the on-screen size",
        )
    export.set_defaults(handler=cmd_export, plot_exporter=plot_exporter)
    return parser


def dispatch(args: argparse.Namespace) -> int:
    """Run the parsed command; errors a person can fix become messages and exit codes."""
    try:
        return args.handler(args)
    except ConfigError as error:
        print(f"hyperdesk: the configuration has problems:\n{error}", file=sys.stderr)
        return EXIT_USAGE
    except SessionBusyError as error:
        print(f"hyperdesk: {error}", file=sys.stderr)
        return EXIT_BUSY
    except SessionError as error:
        print(f"hyperdesk: {error}", file=sys.stderr)
        return EXIT_SESSION


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    return dispatch(args)
