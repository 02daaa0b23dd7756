"""Trains one network for one set of hyperparameters and reports every epoch.

No I/O and no global state: inputs are plain picklable settings, randomness comes from the
trial's seed, and progress is reported through a callback.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from hyperdesk.core.archive import json_array, npz_bytes, numbered, unpacked
from hyperdesk.core.data.splits import Split, used_inputs
from hyperdesk.core.training.network import Network, NetworkSpec, r_squared, squares_about_mean
from hyperdesk.core.training.optimizers import Optimizer, make_optimizer
from hyperdesk.core.training.settings import TrainSettings
from hyperdesk.core.trials import TrialStatus


@dataclass(frozen=True)
class EpochRecord:
    """One finished epoch. Losses are the mean cross-entropy (a regression's: the mean
    squared error, in the label's units squared) in evaluation mode over the whole
    training and validation sets, without the weight-decay penalty. For a trial of
    several runs, each figure is the mean over its runs and `seconds` their sum. A
    classifier's epoch has accuracies and no *_rmse, *_mae, *_r2; a regression's the
    reverse (RMSE and MAE in the label's units)."""

    epoch: int
    train_loss: float
    train_acc: float | None
    val_loss: float
    val_acc: float | None
    seconds: float
    # Spread (population standard deviation) of val_acc over a trial's runs (k folds,
    # repeats); None for a trial of one run.
    val_acc_std: float | None = None
    train_rmse: float | None = None
    train_mae: float | None = None
    train_r2: float | None = None
    val_rmse: float | None = None
    val_mae: float | None = None
    val_r2: float | None = None
    # A regression's spreads of its validation figures over the runs, as val_acc_std.
    val_rmse_std: float | None = None
    val_mae_std: float | None = None
    val_r2_std: float | None = None
    # What a function of a person's own reported beside the figures above, by name.
    extra: dict[str, float] | None = None

    def figure(self, name: str) -> float | None:
        """Its value of `name`: a field above, or a figure a function reported."""
        if name in EPOCH_FIGURE_NAMES:
            return getattr(self, name)
        return (self.extra or {}).get(name)

    def figures(self) -> dict[str, float]:
        """Every figure it holds, by name (its seconds aside): its fields', then those a
        function reported beside them."""
        held = {
            name: value
            for name in EpochRecord.__dataclass_fields__
            if name not in ("epoch", "seconds", "extra")
            and (value := getattr(self, name)) is not None
        }
        return {**held, **(self.extra or {})}


# Every figure EpochRecord holds as a field (a function's others go in its `extra`).
EPOCH_FIGURE_NAMES = frozenset(
    name for name in EpochRecord.__dataclass_fields__ if name not in ("epoch", "extra")
)


# What a regression's epoch records beside its losses, in EpochRecord's order.
REGRESSION_FIGURES = ("train_rmse", "train_mae", "train_r2", "val_rmse", "val_mae", "val_r2")
# Rows per evaluation pass. Measured (6 x 100, 12,000 validation rows, one BLAS thread,
# Haswell kernels): 38.1 ms in passes of 100 rows, 34.3 of 500, 33.2 of 1,000, 33.6 of
# 2,000. A pass of 1,000 rows of 100 units is 400 KB a layer.
EVAL_ROWS = 1000


# How an epoch's training figures are measured (TrainSettings.train_metrics).
RUNNING, PASS = "running", "pass"
TRAIN_METRICS = (RUNNING, PASS)


# Which of a trial's validation figures get a spread over its runs (name_std).
SPREAD_FIGURES = ("val_acc", "val_rmse", "val_mae", "val_r2")


@dataclass
class TrialResult:
    status: str
    records: list[EpochRecord] = field(default_factory=list)
    # The trained network, for a trial trained alone (train_trial): a model to keep.
    network: Network | None = None
    # Where its training stands, when asked for (keep_states): to train it longer.
    state: TrainingState | None = None


@dataclass
class TrainingState:
    """Where a trial's training stands after epoch `epochs`: its network, its
    optimizer's memory and its generators' states (shuffles, dropout masks): enough to
    go on as if it had never stopped, to the same records as one longer run."""

    epochs: int
    network: list[np.ndarray]  # Network.state()
    optimizer: list[np.ndarray]
    steps: int
    shuffle: dict
    dropout: dict | None

    def to_bytes(self) -> bytes:
        """An NPZ (the arrays, and the rest as a JSON array `meta`), not compressed:
        trained weights compress by a fifth, at 20 times the time (23 ms a trial of the
        seed workload, against 1 ms: a tenth of the trial's own training, stacked)."""
        meta = {k: getattr(self, k) for k in ("epochs", "steps", "shuffle", "dropout")}
        arrays = {f"network_{i}": a for i, a in enumerate(self.network)}
        arrays |= {f"optimizer_{i}": a for i, a in enumerate(self.optimizer)}
        return npz_bytes({**arrays, "meta": json_array(meta)})

    @classmethod
    def from_bytes(cls, blob: bytes) -> TrainingState:
        meta, arrays = unpacked(blob)
        return cls(
            meta["epochs"],
            numbered(arrays, "network_"),
            numbered(arrays, "optimizer_"),
            meta["steps"],
            meta["shuffle"],
            meta["dropout"],
        )


def train_trial(
    data: Split,
    network_spec: NetworkSpec,
    settings: TrainSettings,
    seed: int,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrialResult:
    """Train for settings.epochs passes over a fresh shuffle of the training set.

    Ends early as "diverged" when the loss stops being finite (the epochs before are kept),
    or as "interrupted" when should_stop() turns true between two steps.
    """
    report = None if on_epoch is None else (lambda index, record: on_epoch(record))
    callbacks = TrainingCallbacks(on_epoch=report, should_stop=should_stop)
    return train_trials(data, [network_spec], [settings], [seed], callbacks, keep_network=True)[0]


def stackable(network_spec: NetworkSpec, settings: TrainSettings) -> tuple:
    """Trials with equal keys can train stacked: they differ at most in learning rate
    and weight decay. Adam is left out: its step divides the learning rate in float64,
    which a stacked float32 rate would round differently."""
    if settings.optimizer == "adam":
        return (id(settings),)
    return (
        replace(network_spec, weight_decay=0.0),
        replace(settings, lr=0.0, weight_decay=0.0),
    )


@dataclass(frozen=True)
class TrainingCallbacks:
    """What the caller of train_trials hears and how it steers, each optional:
    on_epoch(index, record) for each trial's finished epoch; should_stop() between two
    steps (a true answer ends every trial as interrupted); pruned() names (by index)
    trials to end early as pruned, keeping their epochs; on_epoch_end(epoch) once every
    trial still training has reported the epoch."""

    on_epoch: Callable[[int, EpochRecord], None] | None = None
    should_stop: Callable[[], bool] | None = None
    pruned: Callable[[], set[int]] | None = None
    on_epoch_end: Callable[[int], None] | None = None


NO_CALLBACKS = TrainingCallbacks()


@dataclass
class Stack:
    """The trials trained together: their network (stacked, or one alone), how each
    shuffles its batches, the optimizer, and the weight decay applied as a shrink."""

    network: Network
    shuffles: list[np.random.Generator]
    optimizer: Optimizer
    decay_weights: bool
    shrink: float | np.ndarray

    def descend(self) -> None:
        """One step of every trial down the gradient of the network's last data_loss()."""
        network = self.network
        network.backward(penalty=not self.decay_weights)
        if self.decay_weights:
            network.shrink_weights(self.shrink)
        self.optimizer.update([network.flat_params], [network.flat_grads])


def build_stack(
    network_specs: list[NetworkSpec],
    settings_list: list[TrainSettings],
    seeds: list[int],
    used: np.ndarray,
    start: TrainingState | None,
) -> Stack:
    """Each trial's network from its seed (or from `start`), stacked when several."""
    settings = settings_list[0]
    networks, shuffles = [], []
    for spec, seed in zip(network_specs, seeds, strict=True):
        init_rng, shuffle_rng = np.random.default_rng(seed).spawn(2)
        network = Network(spec, init_rng)
        if start is not None:
            network.load_state(start.network)
            shuffle_rng.bit_generator.state = start.shuffle
            if start.dropout is not None:
                network.dropout_rng().bit_generator.state = start.dropout
        network.keep_inputs(used)
        networks.append(network)
        shuffles.append(shuffle_rng)
    dtype = np.dtype(network_specs[0].dtype)
    # With SGD, a step on the L2 penalty, p -= lr * (g + wd * p), is p *= 1 - lr * wd
    # and then p -= lr * g: decaying the weights directly spares the step an array
    # operation per weight. The factors come from the settings in float64, stacked or not.
    shrink = [1 - t.lr * n.weight_decay for n, t in zip(network_specs, settings_list, strict=True)]
    decay_weights = settings.optimizer == "sgd" and any(factor != 1 for factor in shrink)
    if len(seeds) == 1:
        network, lr, shrink = networks[0], settings.lr, shrink[0]
    else:
        network = Network.stack(networks)
        lr = np.array([t.lr for t in settings_list], dtype=dtype).reshape(-1, 1, 1)
        shrink = np.array(shrink, dtype=dtype).reshape(-1, 1, 1)
    optimizer = make_optimizer(
        settings.optimizer,
        lr,
        momentum=settings.momentum,
        beta1=settings.beta1,
        beta2=settings.beta2,
        rho=settings.rho,
    )
    if start is not None:
        # Stored one array per parameter and state name (parameter by parameter); the
        # optimizer keeps one per name over the network's flat parameters.
        names = len(optimizer.state_names)
        stored = start.optimizer
        flat = [network.join(stored[index::names]) for index in range(names)] if stored else []
        optimizer.load_state([network.flat_params], flat, start.steps)
    return Stack(network, shuffles, optimizer, decay_weights, shrink)


def _lay_out_data(
    data: Split, used: np.ndarray, dtype: np.dtype, folds: list[int] | None, count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The training and validation arrays as the steps read them: each trial's fold
    (k-fold data has a leading fold axis), only the inputs used, row-major in `dtype`."""
    x_train, y_train, x_val, y_val = data.x_train, data.y_train, data.x_val, data.y_val
    if x_train.ndim == 3:  # k folds: each trial its own fold's arrays
        chosen = folds[0] if count == 1 else folds
        x_train, y_train, x_val, y_val = (a[chosen] for a in (x_train, y_train, x_val, y_val))
    if data.inputs is None:
        x_train, x_val = x_train[..., used], x_val[..., used]
    # Row-major, as the indexing on the last axis would not leave them: batches are
    # gathered by rows. (Shared arrays are already: they are used where they are mapped.)
    x_train = np.ascontiguousarray(x_train, dtype=dtype)
    x_val = np.ascontiguousarray(x_val, dtype=dtype)
    return x_train, y_train, x_val, y_val


class _Outcomes:
    """How each trial of a stack stands: its result so far, and whether it still trains.
    Trials with equal `linked` keys end together when one of them diverges."""

    def __init__(self, count: int, linked: list[int] | None):
        self.results = [TrialResult(TrialStatus.COMPLETE) for _ in range(count)]
        self.running = np.ones(count, dtype=bool)
        self.links = None if linked is None else np.asarray(linked)

    def end(self, status: str, which: np.ndarray) -> None:
        if status == TrialStatus.DIVERGED and self.links is not None:
            which = self.running & np.isin(self.links, self.links[which])
        for index in np.flatnonzero(which):
            self.results[index].status = status
        self.running[which] = False


class _Running:
    """An epoch's training figures as its steps go: each batch's mean loss (and correct
    answers, or a regression's absolute errors) from the forward pass the step made,
    summed per trial. Reported as the means over the epoch's samples (Keras's and
    Lightning's running figures), in train mode, the weights moving as they go."""

    def __init__(self, regression: bool, total: np.ndarray | None = None):
        """`total`: a regression's training targets' sum of squares about their mean,
        per trial (what its R² divides by)."""
        self.regression, self.total = regression, total
        self.loss = self.right = 0.0  # per trial: summed losses, correct or |error|

    def add(self, network: Network, losses, samples: int, labels: np.ndarray) -> None:
        self.loss = self.loss + np.asarray(losses, dtype=np.float64) * samples
        last = network.loss_layer
        if self.regression:
            self.right = self.right + np.abs(last.errors).sum(axis=-1, dtype=np.float64)
        else:
            self.right = self.right + np.count_nonzero(last.predicted() == labels, axis=-1)


def _train_epoch(
    stack: Stack,
    arrays: tuple[np.ndarray, np.ndarray],
    batch_size: int,
    outcomes: _Outcomes,
    callbacks: TrainingCallbacks,
    running: _Running | None = None,
) -> tuple[bool, float]:
    """One pass over a fresh shuffle of the training set, a step per batch: (whether
    every trial still trains, the seconds spent waiting in should_stop, paused).
    `running` sums what each step's forward pass gave (train_metrics "running")."""
    x_train, y_train = arrays
    count, n_train = len(stack.shuffles), x_train.shape[-2]
    rows = np.arange(count)[:, None]
    network, waited = stack.network, 0.0
    orders = np.stack([rng.permutation(n_train) for rng in stack.shuffles])
    for first in range(0, n_train, batch_size):
        if callbacks.should_stop is not None:
            asked = time.perf_counter()
            stopping = callbacks.should_stop()
            waited += time.perf_counter() - asked
            if stopping:
                outcomes.end(TrialStatus.INTERRUPTED, outcomes.running.copy())
                return False, waited
        if callbacks.pruned is not None and (chosen := callbacks.pruned()):
            pruned = outcomes.running & np.isin(np.arange(count), list(chosen))
            outcomes.end(TrialStatus.PRUNED, pruned)
            if not outcomes.running.any():
                return False, waited
        batch = orders[:, first : first + batch_size]
        if count == 1:
            batch = batch[0]
        if x_train.ndim == 3:  # each trial its own fold's rows
            inputs, labels = x_train[rows, batch], y_train[rows, batch]
        else:
            inputs, labels = x_train[batch], y_train[batch]
        losses = network.data_loss(inputs, labels, train=True)
        outcomes.end(TrialStatus.DIVERGED, outcomes.running & ~np.isfinite(np.atleast_1d(losses)))
        if not outcomes.running.any():
            return False, waited
        if running is not None:
            running.add(network, losses, batch.shape[-1], labels)
        stack.descend()
    return True, waited


def _record_epoch(
    epoch: int,
    network: Network,
    arrays: tuple[np.ndarray, ...],
    eval_rows: int,
    seconds: float,
    outcomes: _Outcomes,
    on_epoch: Callable[[int, EpochRecord], None] | None,
    target_spread: np.ndarray | None,
    running: _Running | None = None,
) -> None:
    """Evaluate every trial on the validation set (and, without `running` figures of
    the epoch's steps, on the whole training set), end those that diverged, and record
    (and report) the epoch of those still training. A regression's figures come back to
    the label's units through each trial's `target_spread`."""
    x_train, y_train, x_val, y_val = arrays
    n_train = x_train.shape[-2]
    if target_spread is None:
        if running is None:
            train_loss, train_acc = network.evaluate(x_train, y_train, eval_rows)
        else:
            train_loss, train_acc = running.loss / n_train, np.asarray(running.right / n_train)
        val_loss, val_acc = network.evaluate(x_val, y_val, eval_rows)
        figures = {}
    else:
        if running is None:
            train_mse, train_mae, train_r2 = network.evaluate_regression(
                x_train, y_train, eval_rows
            )
        else:
            train_mse, train_mae = running.loss / n_train, running.right / n_train
            train_r2 = r_squared(running.loss, running.total)
        val_mse, val_mae, val_r2 = network.evaluate_regression(x_val, y_val, eval_rows)
        train_loss, val_loss = train_mse * target_spread**2, val_mse * target_spread**2
        train_acc = val_acc = None
        figures = dict(
            zip(
                REGRESSION_FIGURES,
                (
                    np.sqrt(train_mse) * target_spread,
                    train_mae * target_spread,
                    train_r2,
                    np.sqrt(val_mse) * target_spread,
                    val_mae * target_spread,
                    val_r2,
                ),
                strict=True,
            )
        )
    finite = np.isfinite(np.atleast_1d(train_loss)) & np.isfinite(np.atleast_1d(val_loss))
    outcomes.end(TrialStatus.DIVERGED, outcomes.running & ~finite)
    columns = [
        None if v is None else np.atleast_1d(v) for v in (train_loss, train_acc, val_loss, val_acc)
    ]
    extra = {name: np.atleast_1d(value) for name, value in figures.items()}
    for index in np.flatnonzero(outcomes.running):
        record = EpochRecord(
            epoch,
            *(None if c is None else float(c[index]) for c in columns),
            seconds,
            **{name: float(value[index]) for name, value in extra.items()},
        )
        outcomes.results[index].records.append(record)
        if on_epoch is not None:
            on_epoch(int(index), record)


def _target_spread(data: Split, folds: list[int] | None, count: int) -> np.ndarray | None:
    """Each trial's target standard deviation (its fold's, with k folds), by which a
    regression's standardized errors become the label's; None for a classifier."""
    if data.target is None:
        return None
    spread = np.asarray(data.target.spread, dtype=np.float64).reshape(-1)
    each = spread[np.asarray(folds)] if folds is not None else np.full(count, spread[0])
    return each if count > 1 else each[0]


def train_trials(
    data: Split,
    network_specs: list[NetworkSpec],
    settings_list: list[TrainSettings],
    seeds: list[int],
    callbacks: TrainingCallbacks = NO_CALLBACKS,
    folds: list[int] | None = None,
    linked: list[int] | None = None,
    keep_network: bool = False,
    keep_states: bool = False,
    start: TrainingState | None = None,
) -> list[TrialResult]:
    """Train several trials at once, stacked along a leading axis (population training):
    each gives the records it would give alone. They must share a stackable() key.
    Indices in the callbacks are the trials' in the lists. With k-fold data (arrays with
    a leading fold axis), `folds` names each trial's fold. Trials with equal `linked`
    keys end together when one of them diverges (the runs of one configuration).
    `keep_states`: each complete trial's result carries its TrainingState; `start`: one
    trial goes on from such a state, for the epochs after its own up to settings.epochs."""
    count = len(seeds)
    settings = settings_list[0]
    if len({stackable(n, t) for n, t in zip(network_specs, settings_list, strict=True)}) > 1:
        raise ValueError("trials trained together may differ only in lr and weight decay")
    # Input features that are zero in every sample a trial sees (MNIST's border pixels:
    # 209 of 784 in 500 images) add nothing to any product: dropping them and their
    # weights makes the largest products smaller without changing any output. The same
    # features go for every fold, so trials stack whatever their folds.
    # Shared splits (data.shared) come with them dropped already, once for every worker.
    used = used_inputs(data.x_train, data.x_val) if data.inputs is None else data.inputs
    stack = build_stack(network_specs, settings_list, seeds, used, start)
    arrays = _lay_out_data(data, used, np.dtype(network_specs[0].dtype), folds, count)
    batch_size = min(settings.batch_size, arrays[0].shape[-2])
    # Evaluation in passes of EVAL_ROWS: each pass's arrays stay in the cache, and few
    # enough passes that Python's cost per pass does not show. A "pass" session keeps the
    # 100-row passes it was recorded with: its sums are added up as they always were.
    eval_rows = max(batch_size, EVAL_ROWS if settings.train_metrics == RUNNING else 100)
    outcomes = _Outcomes(count, linked)
    spread = _target_spread(data, folds, count)
    train_total = None  # a regression's targets' sum of squares, once for every epoch
    if spread is not None and settings.train_metrics == RUNNING:
        train_total = squares_about_mean(arrays[1])
    # Overflow on the way to a diverged trial is expected; finiteness is checked instead.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(1 + (start.epochs if start else 0), settings.epochs + 1):
            started = time.perf_counter()
            running = (
                _Running(spread is not None, train_total)
                if settings.train_metrics == RUNNING
                else None
            )
            going_on, waited = _train_epoch(
                stack, arrays[:2], batch_size, outcomes, callbacks, running
            )
            if not going_on:
                return outcomes.results
            seconds = (time.perf_counter() - started - waited) / count
            _record_epoch(
                epoch,
                stack.network,
                arrays,
                eval_rows,
                seconds,
                outcomes,
                callbacks.on_epoch,
                spread,
                running,
            )
            if not outcomes.running.any():
                return outcomes.results
            if callbacks.on_epoch_end is not None:
                callbacks.on_epoch_end(epoch)
    results = outcomes.results
    if keep_network and count == 1:
        results[0].network = stack.network
    if keep_states:
        for index, result in enumerate(results):
            if result.status == TrialStatus.COMPLETE:
                result.state = _state_of(
                    stack.network, stack.optimizer, stack.shuffles, index, count, settings.epochs
                )
    return results


def _state_of(network, optimizer, shuffles, index: int, count: int, epochs: int) -> TrainingState:
    """Trial `index`'s TrainingState, out of a stack of `count` or alone."""
    which = None if count == 1 else index
    flat, steps = optimizer.state()
    # Parameter by parameter, each with its state arrays in the optimizer's name order.
    arrays = [part for parts in zip(*map(network.split, flat), strict=True) for part in parts]
    if which is not None:
        arrays = [array[which] for array in arrays]
    dropout = network.dropout_rng(which)
    return TrainingState(
        epochs,
        network.state(which),
        arrays,
        steps,
        shuffles[index].bit_generator.state,
        None if dropout is None else dropout.bit_generator.state,
    )


def run_seed(seed: int, run: int) -> int:
    """The seed of run `run` of a trial: the trial's own seed for its first run, so a
    trial of one run trains as it always did."""
    if run == 0:
        return seed
    return int(np.random.SeedSequence([seed, run]).generate_state(1)[0])


def mean_record(records: list[EpochRecord]) -> EpochRecord:
    """One epoch of a trial of several runs: the mean of each figure, the spread of
    each validation figure (SPREAD_FIGURES), and the runs' seconds added up."""
    if len(records) == 1:
        return records[0]

    def mean(name: str) -> float | None:
        values = [getattr(record, name) for record in records]
        return None if values[0] is None else float(np.mean(values))

    def spread(name: str) -> float | None:
        values = [getattr(record, name) for record in records]
        return None if values[0] is None else float(np.std(values))

    return EpochRecord(
        records[0].epoch,
        mean("train_loss"),
        mean("train_acc"),
        mean("val_loss"),
        mean("val_acc"),
        float(sum(record.seconds for record in records)),
        **{name: mean(name) for name in REGRESSION_FIGURES},
        **{f"{name}_std": spread(name) for name in SPREAD_FIGURES},
    )


def combined_status(statuses: list[str]) -> str:
    """A trial's status from its runs': one diverged run makes the configuration
    diverged; otherwise the runs end together."""
    for status in (TrialStatus.DIVERGED, TrialStatus.INTERRUPTED, TrialStatus.PRUNED):
        if status in statuses:
            return status
    return TrialStatus.COMPLETE


def train_configurations(
    data: Split,
    network_specs: list[NetworkSpec],
    settings_list: list[TrainSettings],
    seeds: list[int],
    runs: int = 1,
    folds: int = 1,
    callbacks: TrainingCallbacks = NO_CALLBACKS,
    keep_states: bool = False,
) -> list[TrialResult]:
    """Train each configuration `runs` times, all runs stacked: run r uses fold
    r % folds (with k-fold data) and seed run_seed(seed, r). Reports and returns one
    result per configuration, its records the mean over its runs (mean_record); an
    epoch is reported once every run has finished it. Indices in the callbacks are
    configurations'. `keep_states`: a configuration of one run keeps its
    TrainingState (of several runs, which would it be? none is kept)."""
    if runs == 1:
        return train_trials(
            data, network_specs, settings_list, seeds, callbacks, keep_states=keep_states
        )
    owners = [index for index in range(len(seeds)) for _ in range(runs)]
    pending: dict[tuple[int, int], list[EpochRecord]] = {}
    means: list[list[EpochRecord]] = [[] for _ in seeds]  # each configuration's records

    def report(index: int, record: EpochRecord) -> None:
        owner = owners[index]
        finished = pending.setdefault((owner, record.epoch), [])
        finished.append(record)
        if len(finished) == runs:
            del pending[(owner, record.epoch)]
            means[owner].append(mean_record(finished))
            if callbacks.on_epoch is not None:
                callbacks.on_epoch(owner, means[owner][-1])

    def pruned_runs() -> set[int]:
        chosen = callbacks.pruned()
        return {index for index, owner in enumerate(owners) if owner in chosen}

    outcomes = train_trials(
        data,
        [spec for spec in network_specs for _ in range(runs)],
        [settings for settings in settings_list for _ in range(runs)],
        [run_seed(seed, run) for seed in seeds for run in range(runs)],
        replace(
            callbacks,
            on_epoch=report,
            pruned=pruned_runs if callbacks.pruned is not None else None,
        ),
        folds=[run % folds for _ in seeds for run in range(runs)] if folds > 1 else None,
        linked=owners,
    )
    return [
        TrialResult(
            combined_status([o.status for o in outcomes[index * runs : (index + 1) * runs]]),
            records,
        )
        for index, records in enumerate(means)
    ]
