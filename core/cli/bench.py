"""`hyperdesk bench`: how close the engine runs to this machine's limit (and, with
--executor dask, what running trials through Dask costs).

Measured in one process and one sitting: (a) the reference path, one trial at a time in
float64 in this process, as a notebook would; (b) the default engine, worker processes
in float32; (c) the machine's float32 matrix-multiply throughput on all cores, the limit.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from hyperdesk.core import config as config_module
from hyperdesk.core.cli.arguments import needs_the_window, positive_int
from hyperdesk.core.cli.bench_code import own_code_main
from hyperdesk.core.cli.bench_step import (
    LARGE,
    evaluation_times,
    seconds_per_call,
    square_product,
    step_products_ceiling,
    step_times,
)
from hyperdesk.core.cli.exit_codes import EXIT_USAGE
from hyperdesk.core.config import Config
from hyperdesk.core.data.datasets import BUNDLED_DATASET, DATASETS
from hyperdesk.core.data.downloads import FILES, dataset_folder, needs_download
from hyperdesk.core.data.shared import split_folder
from hyperdesk.core.data.sources import data_shape, load_data
from hyperdesk.core.data.splits import load_split, used_inputs
from hyperdesk.core.execution.control import RunControl
from hyperdesk.core.execution.pool import TrialPool
from hyperdesk.core.execution.runner import MAX_GROUP, SearchRunner, default_workers, trial_seed
from hyperdesk.core.execution.worker import EPOCH_BATCH_SECONDS
from hyperdesk.core.machine import MIB
from hyperdesk.core.search.registry import make_strategy
from hyperdesk.core.storage.session import Session
from hyperdesk.core.training.trainer import EVAL_ROWS, train_trial
from hyperdesk.core.trials import TrialStatus

HELP = "measure the engine against this machine's limit"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trials", type=positive_int, default=100)
    parser.add_argument("--epochs", type=positive_int, default=50)
    parser.add_argument("--width", type=positive_int, default=100, help="hidden layer width")
    parser.add_argument("--samples", type=positive_int, default=500)
    parser.add_argument(
        "--dataset",
        choices=DATASETS,
        default=BUNDLED_DATASET,
        help="the data to train on; a downloaded one is read from the cache",
    )
    parser.add_argument("--source", help="a data file or folder of your own instead")
    parser.add_argument("--workers", type=positive_int, help="default: one per core")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    parser.add_argument(
        "--search",
        action="store_true",
        help="compare random search with TPE + successive halving instead",
    )
    parser.add_argument("--seeds", type=positive_int, default=5, help="with --search")
    parser.add_argument(
        "--gui",
        action="store_true",
        help="measure the window instead: frame gaps and the GUI thread's work per frame "
        "during the seed search, and how fast a large session opens",
    )
    parser.add_argument(
        "--executor",
        choices=("dask",),
        help="compare the seed workload on this computer's worker processes with the same "
        "number of processes in a Dask LocalCluster (needs hyperdesk[dask])",
    )
    parser.add_argument(
        "--own-code",
        action="store_true",
        help="measure what running a training function of your own through Hyperdesk "
        "costs beyond calling it in a loop: per trial and per reported epoch",
    )
    parser.add_argument(
        "--rounds", type=positive_int, default=3, help="with --executor and --own-code"
    )
    parser.add_argument(
        "--engine-only",
        action="store_true",
        help="measure the engine's search alone: no reference run, nor the searches that "
        "compare training figures and epoch messages, (e) and (h) (for scaling measurements)",
    )


def run(args: argparse.Namespace) -> int:
    if args.gui:
        if args.hooks.bench_window is None:
            return needs_the_window("bench --gui")
        return args.hooks.bench_window(args)
    if args.search:
        return search_main(args.seeds, args.trials, args.workers, args.json)
    if args.own_code:
        return own_code_main(args.trials, args.workers or 1, args.rounds)
    if args.executor:
        return executor_main(args.trials, args.epochs, args.workers, args.rounds, args.json)
    if not args.source and needs_download(args.dataset, ""):
        print(
            f"hyperdesk bench: {args.dataset} is not in the cache, and the bench downloads "
            "nothing (it would time the network). Fill the cache once with\n"
            f'  hyperdesk run --example seed --set data.dataset="{args.dataset}" '
            "--set search.trials=1 --set train.epochs=1\n"
            f"or place {', '.join(FILES)} in {dataset_folder(args.dataset)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    data = [f'data.dataset="{args.dataset}"']
    if args.source:
        data.append(f"data.source={json.dumps(str(Path(args.source).resolve()))}")
    return engine_main(
        args.trials,
        args.epochs,
        args.width,
        args.samples,
        args.workers,
        args.json,
        args.engine_only,
        data,
    )


@dataclass
class Measurement:
    seconds: float
    trials: int
    epochs: int
    flops: float

    def figures(self) -> dict[str, float]:
        return {
            "seconds": round(self.seconds, 3),
            "trials_per_s": round(self.trials / self.seconds, 3),
            "epochs_per_s": round(self.epochs / self.seconds, 1),
            "gflops": round(self.flops / self.seconds / 1e9, 2),
        }


def workload(
    trials: int, epochs: int, width: int, samples: int, data: Sequence[str] = ()
) -> Config:
    """The seed experiment, scaled; `data`: overrides of its data settings."""
    return config_module.loads(
        config_module.example_text("seed"),
        [
            f"search.trials={trials}",
            f"train.epochs={epochs}",
            f"data.samples={samples}",
            f"model.hidden=[{', '.join([str(width)] * 6)}]",
            *data,
        ],
    )


def run_reference(config: Config) -> Measurement:
    """One trial at a time, float64, in this process."""
    data = load_split(config.data)
    strategy = make_strategy(config.search)
    started = time.perf_counter()
    number, epochs = 0, 0
    while (suggestion := strategy.ask()) is not None:
        number += 1
        network, settings = config.trial_settings(suggestion.params)
        result = train_trial(
            data,
            replace(network, dtype="float64"),
            settings,
            trial_seed(config.search.seed, number),
        )
        epochs += len(result.records)
    seconds = time.perf_counter() - started
    return Measurement(seconds, number, epochs, number * _trial_flops(config))


@dataclass
class StartUp:
    """What the search's own process spent: seconds until its first trial went to a
    worker, and its CPU time against the workers'."""

    seconds: float = 0.0
    parent_cpu: float = 0.0
    workers_cpu: float = 0.0

    @property
    def share(self) -> float:
        """The parent's share of all the CPU time the run took."""
        total = self.parent_cpu + self.workers_cpu
        return self.parent_cpu / total if total else float("nan")


def run_search(
    config: Config, workers: int, pool=None, start_up: StartUp | None = None
) -> tuple[float, list, int]:
    """(seconds, trials, epochs trained) of a search run as the window and `hyperdesk
    run` run it, session file included; on `pool` (kept open) when one is given.
    `start_up` is filled with what this process spent (with workers of its own)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.hdsession"
        planned = make_strategy(config.search).planned
        own, children = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
        with Session.create(path, "bench", config.to_toml(), planned) as session:
            started = time.perf_counter()
            first: list[float] = []
            runner = SearchRunner(session, workers=workers, pool=pool)
            runner.on_trial_start = lambda _: first or first.append(time.perf_counter())
            outcome = runner.run()
            seconds = time.perf_counter() - started
            epochs = sum(len(records) for records in session.epochs().values())
        if start_up is not None:
            start_up.seconds = (first[0] if first else time.perf_counter()) - started
            start_up.parent_cpu = _cpu(resource.RUSAGE_SELF) - own
            start_up.workers_cpu = _cpu(resource.RUSAGE_CHILDREN) - children
    return seconds, outcome.trials, epochs


def epoch_messages(config: Config, workers: int) -> list[tuple[float, float]]:
    """(seconds, this process's CPU seconds) of the search with its workers sending a
    message per epoch, then with epochs batched as they are (EPOCH_BATCH_SECONDS), each
    on a pool started beforehand, so that neither counts the workers' start."""
    figures = []
    for batch_seconds in (0.0, EPOCH_BATCH_SECONDS):
        with TrialPool(workers, RunControl(), 0, batch_seconds) as pool:
            own = _cpu(resource.RUSAGE_SELF)
            seconds, _, _ = run_search(config, workers, pool=pool)
            figures.append((seconds, _cpu(resource.RUSAGE_SELF) - own))
    return figures


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def run_engine(config: Config, workers: int, start_up: StartUp | None = None) -> Measurement:
    seconds, trials, epochs = run_search(config, workers, start_up=start_up)
    return Measurement(seconds, len(trials), epochs, len(trials) * _trial_flops(config))


class RunMemory:
    """The peak, over a run, of the memory this process and its children take together,
    as their proportional set sizes: pages they share (a mapped split, libraries) are
    counted once in all, not once per process. Linux only; None elsewhere."""

    INTERVAL = 0.1  # seconds between samples

    def __init__(self):
        self.peak: float | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> RunMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._done.wait(self.INTERVAL):
            total = _pss_bytes(os.getpid())
            if total is None:
                return
            total += sum(_pss_bytes(pid) or 0 for pid in _children(os.getpid()))
            self.peak = max(self.peak or 0, total)


def _pss_bytes(pid: int) -> int | None:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    line = next((line for line in text.splitlines() if line.startswith("Pss:")), None)
    return None if line is None else int(line.split()[1]) * 1024


def _children(pid: int) -> list[int]:
    pids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            pids += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return pids


def search_main(seeds: int, trials: int, workers: int | None, as_json: bool) -> int:
    """Random search against TPE with successive halving on the seed workload: the best
    validation accuracy each reaches and the epochs each trains, over several seeds."""
    workers = workers or default_workers()
    say = (lambda *a: print(*a, file=sys.stderr)) if as_json else print
    methods = {
        "random": [],
        "tpe_asha": [
            'search.strategy="tpe"',
            'search.early_stopping.rule="asha"',
            "search.early_stopping.min_epochs=5",
            "search.early_stopping.reduction=3",
        ],
    }
    summary = {}
    for name, overrides in methods.items():
        bests, epochs = [], []
        for seed in range(seeds):
            config = config_module.loads(
                config_module.example_text("seed"),
                [f"search.trials={trials}", f"search.seed={seed}", *overrides],
            )
            _, done, trained = run_search(config, workers)
            best = max(
                (t.final_val_acc for t in done if t.status == TrialStatus.COMPLETE), default=0.0
            )
            bests.append(best)
            epochs.append(trained)
            say(f"{name:9} seed {seed}: best val acc {best:.3f}, {trained} epochs")
        summary[name] = {
            "best_mean": round(float(np.mean(bests)), 4),
            "epochs_mean": round(float(np.mean(epochs)), 1),
        }
        say(
            f"{name:9} mean: best val acc {summary[name]['best_mean']:.3f}, "
            f"{summary[name]['epochs_mean']:.0f} epochs"
        )
    ratio = summary["tpe_asha"]["epochs_mean"] / summary["random"]["epochs_mean"]
    say(f"TPE + ASHA trains {ratio:.2f} of random search's epochs")
    if as_json:
        print(json.dumps(summary))
    return 0


def executor_main(trials: int, epochs: int, workers: int | None, rounds: int, as_json: bool) -> int:
    """The seed workload on `workers` local worker processes and on a Dask LocalCluster
    of as many single-threaded processes, both started before the clock (as a window's
    pool and a running cluster are), in alternating rounds of one sitting."""
    from hyperdesk.core.config import RunConfig
    from hyperdesk.core.execution.control import RunControl
    from hyperdesk.core.execution.dask_pool import DaskPool
    from hyperdesk.core.execution.pool import TrialPool

    workers = workers or default_workers()
    say = (lambda *a: print(*a, file=sys.stderr)) if as_json else print
    config = workload(trials, epochs, 100, 500)
    times: dict[str, list[float]] = {"local": [], "dask": []}
    control = RunControl()
    with (
        TrialPool(workers, control) as local,
        DaskPool(RunConfig("dask", f"local:{workers}"), control) as dask,
    ):
        for round_ in range(1, rounds + 1):
            for name, pool in (("local", local), ("dask", dask)):
                seconds, done, _ = run_search(config, workers, pool)
                if len(done) != trials:
                    raise RuntimeError(f"{name}: {len(done)} of {trials} trials ran")
                times[name].append(seconds)
                say(f"round {round_}: {name:5} {seconds:6.2f} s")
    local_s, dask_s = (float(np.median(times[name])) for name in ("local", "dask"))
    overhead = dask_s / local_s - 1
    say(
        f"{trials} trials x {epochs} epochs on {workers} processes, median of {rounds}: "
        f"local {local_s:.2f} s, Dask LocalCluster {dask_s:.2f} s, Dask's overhead "
        f"{overhead:+.1%}"
    )
    if as_json:
        print(json.dumps({"local_s": local_s, "dask_s": dask_s, "overhead": round(overhead, 4)}))
    return 0


def _trial_flops(config: Config) -> float:
    return config.training_flops(config.train.epochs)


def _executed_trial_flops(config: Config) -> tuple[float, int]:
    """(FLOP per trial, input features used) of the products the trainer runs: it leaves
    out input features that are zero in every sample (data.splits.used_inputs)."""
    data = load_split(config.data)
    inputs = len(used_inputs(data.x_train, data.x_val))
    return config.training_flops(config.train.epochs, inputs), inputs


def matmul_peak(size: int = LARGE, seconds: float = 2.0) -> float:
    """float32 GFLOP/s of a large square product, BLAS on every core."""
    product = square_product(size)
    product()  # warm up
    return 2.0 * size**3 / seconds_per_call(product, seconds) / 1e9


def blas_description() -> str:
    from threadpoolctl import threadpool_info

    parts = [
        f"{info.get('internal_api')} {info.get('version')} "
        f"({info.get('architecture')}, {info.get('num_threads')} threads)"
        for info in threadpool_info()
        if info.get("user_api") == "blas"
    ]
    return "; ".join(parts) or "unknown"


def engine_main(
    trials: int,
    epochs: int,
    width: int,
    samples: int,
    workers: int | None,
    as_json: bool,
    engine_only: bool = False,
    data: Sequence[str] = (),
) -> int:
    config = workload(trials, epochs, width, samples, data)
    workers = workers or default_workers()
    flops = _trial_flops(config)
    say = (lambda *a: print(*a, file=sys.stderr)) if as_json else print
    executed, inputs = _executed_trial_flops(config)
    features, classes = data_shape(config.data)
    where = config.data.source or config.data.dataset
    say(
        f"workload: {trials} trials x {epochs} epochs, 6 x {width} ReLU, {samples:,} samples "
        f"of {where} ({flops / 1e9:.2f} GFLOP per trial; the trainer runs "
        f"{executed / 1e9:.2f}, leaving out the {features - inputs} of {features} input "
        "features that are zero in every sample)"
    )
    say(f"BLAS: {blas_description()}")
    say(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    peak = matmul_peak()
    say(f"(c) float32 matrix multiply on {os.cpu_count()} cores: {peak:.1f} GFLOP/s")
    sizes, batch = [inputs, *config.model.hidden, classes], config.train.batch_size
    ceiling = step_products_ceiling(sizes, batch)
    say(
        f"(d) one training step's products alone, one core: {ceiling:.2f} of a large "
        "product's throughput on one core (products of this shape reach no more)"
    )
    # A worker trains one trial alone or up to MAX_GROUP stacked, as the search allows.
    steps = [step_times(sizes, batch, count) for count in (1, MAX_GROUP)]
    for times in steps:
        say(
            f"(f) one SGD step of {times.count} trial{'s' * (times.count > 1)}, one core: "
            f"{times.step * 1e6:,.0f} us, its products alone {times.products * 1e6:,.0f} us: "
            f"{times.beyond_products:.0%} outside them, the most a compiled step could save; "
            f"the update {times.update_per_array * 1e6:,.0f} us one array at a time, "
            f"{times.update_flat * 1e6:,.0f} us as one flat array"
        )
    n_val = config.data.split_sizes()[1]
    evaluation = evaluation_times(sizes, n_val)
    say(
        f"(g) evaluating the {n_val:,} validation samples, one core: "
        f"{evaluation[0] * 1e3:.2f} ms in passes of 100 rows, {evaluation[1] * 1e3:.2f} ms "
        f"in passes of {EVAL_ROWS:,}"
    )
    reference = None if engine_only else run_reference(config)
    if reference is not None:
        say("(a) reference, one trial at a time, float64: " + _line(reference.figures()))
    # (b) writes the split as a search on this data for the first time does: not the
    # one an earlier bench left in the cache.
    shutil.rmtree(split_folder(config.data, load_data(config.data).fingerprint()), True)
    start_up = StartUp()
    with RunMemory() as memory:
        engine = run_engine(config, workers, start_up)
    say(f"(b) engine, {workers} worker processes, float32: " + _line(engine.figures()))
    say(
        f"    this process: {start_up.seconds:.2f} s before the first trial went to a "
        f"worker, {start_up.share:.0%} of the run's CPU time (the workers' the rest)"
    )
    passed = running = None
    messages = [(None, None)] * 2
    if not engine_only:  # four more searches: left out of scaling measurements
        # The textbook's training figures, a pass over the training set after each
        # epoch, against the running ones (the default), in this sitting. Both after
        # (b), which wrote the split to the cache: each finds it there.
        passed = run_engine(
            replace(config, train=replace(config.train, train_metrics="pass")), workers
        )
        running = run_engine(config, workers)
        say(
            f'(e) engine, training figures by a pass after each epoch (train_metrics "pass"): '
            f"{_line(passed.figures())}; running figures, the split written as for it: "
            f"{_line(running.figures())}, {passed.seconds / running.seconds:.2f}x faster"
        )
        messages = epoch_messages(config, workers)
        say(
            "(h) the search, a message per epoch (as before): "
            f"{messages[0][0]:.2f} s, this process {messages[0][1]:.2f} s of CPU; epochs "
            f"batched every {EPOCH_BATCH_SECONDS * 1e3:.0f} ms: {messages[1][0]:.2f} s, "
            f"{messages[1][1]:.2f} s of CPU (workers started beforehand for both)"
        )
    # As the workers map it: float32 rows of the features some sample uses.
    data_mb = sum(config.data.split_sizes()) * inputs * 4 / MIB
    if memory.peak is not None:
        say(
            f"whole run, this process and its workers (shared pages once): peak "
            f"{memory.peak / MIB:.0f} MB, of which one copy of the split is {data_mb:.0f} MB"
        )
    efficiency = engine.figures()["gflops"] / peak
    speedup = reference.seconds / engine.seconds if reference else float("nan")
    # (A worker's own peak is no figure to give: a spawned child starts as a fork of
    # this process, and getrusage reports that fork's size.)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    say(f"peak memory of this process, the reference run included: {own:.0f} MB")
    executed_efficiency = efficiency * executed / flops
    say(f"efficiency (b) / (c): {efficiency:.2f}   speedup (a) / (b): {speedup:.2f}")
    say(f"efficiency on the products the trainer runs: {executed_efficiency:.2f}")
    if as_json:
        print(
            json.dumps(
                {
                    "reference_s": reference and round(reference.seconds, 3),
                    "engine_s": round(engine.seconds, 3),
                    "speedup": None if reference is None else round(speedup, 3),
                    "gflops": engine.figures()["gflops"],
                    "reference_gflops": reference and reference.figures()["gflops"],
                    "peak_gflops": round(peak, 2),
                    "efficiency": round(efficiency, 3),
                    "workers": workers,
                    "gflop_per_trial": round(flops / 1e9, 3),
                    "gflop_per_trial_executed": round(executed / 1e9, 3),
                    "efficiency_executed": round(executed_efficiency, 3),
                    "step_products_ceiling": round(ceiling, 3),
                    "steps": [
                        {
                            "trials": times.count,
                            "step_us": round(times.step * 1e6, 1),
                            "products_us": round(times.products * 1e6, 1),
                            "beyond_products": round(times.beyond_products, 3),
                            "update_per_array_us": round(times.update_per_array * 1e6, 1),
                            "update_flat_us": round(times.update_flat * 1e6, 1),
                        }
                        for times in steps
                    ],
                    "blas": blas_description(),
                    "run_peak_mb": memory.peak and round(memory.peak / MIB),
                    "data_mb": round(data_mb),
                    "start_up_s": round(start_up.seconds, 3),
                    "parent_cpu_share": round(start_up.share, 3),
                    "pass_engine_s": _rounded(passed and passed.seconds),
                    "running_engine_s": _rounded(running and running.seconds),
                    "eval_100_rows_ms": round(evaluation[0] * 1e3, 3),
                    "eval_rows_ms": round(evaluation[1] * 1e3, 3),
                    "epoch_each_s": _rounded(messages[0][0]),
                    "epoch_each_parent_cpu_s": _rounded(messages[0][1]),
                    "epochs_batched_s": _rounded(messages[1][0]),
                    "epochs_batched_parent_cpu_s": _rounded(messages[1][1]),
                }
            )
        )
    return 0


def _rounded(seconds: float | None) -> float | None:
    """Seconds for the JSON line, to the millisecond; None for a figure not measured."""
    return None if seconds is None else round(seconds, 3)


def _line(figures: dict[str, float]) -> str:
    return (
        f"{figures['seconds']:.2f} s, {figures['trials_per_s']:.2f} trials/s, "
        f"{figures['epochs_per_s']:.0f} epochs/s, {figures['gflops']:.2f} GFLOP/s"
    )
