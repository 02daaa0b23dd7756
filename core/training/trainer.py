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
from hyperdesk.core.training.network import Network, NetworkSpec
from hyperdesk.core.training.optimizers import make_optimizer
from hyperdesk.core.training.settings import TrainSettings
from hyperdesk.core.trials import TrialStatus


@dataclass(frozen=True)
class EpochRecord:
    """One finished epoch. Losses are the mean cross-entropy in evaluation mode over the
    whole training and validation sets, without the weight-decay penalty. For a trial of
    several runs, each figure is the mean over its runs and `seconds` their sum."""

    epoch: int
    train_loss: float
    train_acc: float
    val_loss: float
    val_acc: float
    seconds: float
    # Spread (population standard deviation) of val_acc over a trial's runs (k folds,
    # repeats); None for a trial of one run.
    val_acc_std: float | None = None


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
    return train_trials(
        data, [network_spec], [settings], [seed], report, should_stop, keep_network=True
    )[0]


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


def train_trials(
    data: Split,
    network_specs: list[NetworkSpec],
    settings_list: list[TrainSettings],
    seeds: list[int],
    on_epoch: Callable[[int, EpochRecord], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    pruned: Callable[[], set[int]] | None = None,
    on_epoch_end: Callable[[int], None] | None = None,
    folds: list[int] | None = None,
    linked: list[int] | None = None,
    keep_network: bool = False,
    keep_states: bool = False,
    start: TrainingState | None = None,
) -> list[TrialResult]:
    """Train several trials at once, stacked along a leading axis (population training):
    each gives the records it would give alone. They must share a stackable() key.
    on_epoch gets the trial's index in the lists; pruned() names (by index) trials to end
    early as pruned, between two steps, keeping their epochs; on_epoch_end(epoch) runs
    once every trial has reported the epoch. With k-fold data (arrays with a leading
    fold axis), `folds` names each trial's fold. Trials with equal `linked` keys end
    together when one of them diverges (the runs of one configuration). `keep_states`:
    each complete trial's result carries its TrainingState; `start`: one trial goes on
    from such a state, for the epochs after its own up to settings.epochs."""
    count = len(seeds)
    settings = settings_list[0]
    if len({stackable(n, t) for n, t in zip(network_specs, settings_list, strict=True)}) > 1:
        raise ValueError("trials trained together may differ only in lr and weight decay")
    x_train, y_train, x_val, y_val = data.x_train, data.y_train, data.x_val, data.y_val
    # Input features that are zero in every sample a trial sees (MNIST's border pixels:
    # 209 of 784 in 500 images) add nothing to any product: dropping them and their
    # weights makes the largest products smaller without changing any output. The same
    # features go for every fold, so trials stack whatever their folds.
    # Shared splits (data.shared) come with them dropped already, once for every worker.
    used = used_inputs(x_train, x_val) if data.inputs is None else data.inputs
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
    if count == 1:
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
        optimizer.load_state(network.params, start.optimizer, start.steps)
    if x_train.ndim == 3:  # k folds: each trial its own fold's arrays
        chosen = folds[0] if count == 1 else folds
        x_train, y_train, x_val, y_val = (a[chosen] for a in (x_train, y_train, x_val, y_val))
    if data.inputs is None:
        x_train, x_val = x_train[..., used], x_val[..., used]
    # Row-major, as the indexing on the last axis would not leave them: batches are
    # gathered by rows. (Shared arrays are already: they are used where they are mapped.)
    x_train = np.ascontiguousarray(x_train, dtype=dtype)
    x_val = np.ascontiguousarray(x_val, dtype=dtype)
    n_train = x_train.shape[-2]
    per_trial_data = x_train.ndim == 3
    rows = np.arange(count)[:, None]
    batch_size = min(settings.batch_size, n_train)
    # Evaluation passes of the batches' shape reuse their buffers (measured: 2-3% faster
    # than whole sets in one pass); below 100 rows, Python's cost per pass would show.
    eval_rows = max(batch_size, 100)
    results = [TrialResult(TrialStatus.COMPLETE) for _ in range(count)]
    running = np.ones(count, dtype=bool)
    links = None if linked is None else np.asarray(linked)

    def end(status: str, which: np.ndarray) -> None:
        if status == TrialStatus.DIVERGED and links is not None:
            which = running & np.isin(links, links[which])
        for index in np.flatnonzero(which):
            results[index].status = status
        running[which] = False

    # Overflow on the way to a diverged trial is expected; finiteness is checked instead.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(1 + (start.epochs if start else 0), settings.epochs + 1):
            started = time.perf_counter()
            waited = 0.0  # paused inside should_stop: not the epoch's compute time
            orders = np.stack([rng.permutation(n_train) for rng in shuffles])
            for start in range(0, n_train, batch_size):
                if should_stop is not None:
                    asked = time.perf_counter()
                    stopping = should_stop()
                    waited += time.perf_counter() - asked
                    if stopping:
                        end(TrialStatus.INTERRUPTED, running.copy())
                        return results
                if pruned is not None and (chosen := pruned()):
                    end(TrialStatus.PRUNED, running & np.isin(np.arange(count), list(chosen)))
                    if not running.any():
                        return results
                batch = orders[:, start : start + batch_size]
                if count == 1:
                    batch = batch[0]
                if per_trial_data:
                    inputs, labels = x_train[rows, batch], y_train[rows, batch]
                else:
                    inputs, labels = x_train[batch], y_train[batch]
                losses = network.data_loss(inputs, labels, train=True)
                end(TrialStatus.DIVERGED, running & ~np.isfinite(np.atleast_1d(losses)))
                if not running.any():
                    return results
                network.backward(penalty=not decay_weights)
                if decay_weights:
                    network.shrink_weights(shrink)
                optimizer.update(network.params, network.grads)
            train_loss, train_acc = network.evaluate(x_train, y_train, eval_rows)
            val_loss, val_acc = network.evaluate(x_val, y_val, eval_rows)
            finite = np.isfinite(np.atleast_1d(train_loss)) & np.isfinite(np.atleast_1d(val_loss))
            end(TrialStatus.DIVERGED, running & ~finite)
            seconds = (time.perf_counter() - started - waited) / count
            columns = [np.atleast_1d(v) for v in (train_loss, train_acc, val_loss, val_acc)]
            for index in np.flatnonzero(running):
                record = EpochRecord(epoch, *(float(c[index]) for c in columns), seconds)
                results[index].records.append(record)
                if on_epoch is not None:
                    on_epoch(int(index), record)
            if not running.any():
                return results
            if on_epoch_end is not None:
                on_epoch_end(epoch)
    if keep_network and count == 1:
        results[0].network = network
    if keep_states:
        for index, result in enumerate(results):
            if result.status == TrialStatus.COMPLETE:
                result.state = _state_of(
                    network, optimizer, shuffles, index, count, settings.epochs
                )
    return results


def _state_of(network, optimizer, shuffles, index: int, count: int, epochs: int) -> TrainingState:
    """Trial `index`'s TrainingState, out of a stack of `count` or alone."""
    which = None if count == 1 else index
    arrays, steps = optimizer.state(which)
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
    """One epoch of a trial of several runs: the mean of each figure, the spread of the
    validation accuracy, and the runs' seconds added up."""
    if len(records) == 1:
        return records[0]
    val_accs = [record.val_acc for record in records]
    return EpochRecord(
        records[0].epoch,
        float(np.mean([record.train_loss for record in records])),
        float(np.mean([record.train_acc for record in records])),
        float(np.mean([record.val_loss for record in records])),
        float(np.mean(val_accs)),
        float(sum(record.seconds for record in records)),
        float(np.std(val_accs)),
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
    on_epoch: Callable[[int, EpochRecord], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    pruned: Callable[[], set[int]] | None = None,
    on_epoch_end: Callable[[int], None] | None = None,
    keep_states: bool = False,
) -> list[TrialResult]:
    """Train each configuration `runs` times, all runs stacked: run r uses fold
    r % folds (with k-fold data) and seed run_seed(seed, r). Reports and returns one
    result per configuration, its records the mean over its runs (mean_record); an
    epoch is reported once every run has finished it. Indices in on_epoch and pruned()
    are configurations'. `keep_states`: a configuration of one run keeps its
    TrainingState (of several runs, which would it be? none is kept)."""
    if runs == 1:
        return train_trials(
            data,
            network_specs,
            settings_list,
            seeds,
            on_epoch,
            should_stop,
            pruned,
            on_epoch_end,
            keep_states=keep_states,
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
            if on_epoch is not None:
                on_epoch(owner, means[owner][-1])

    def pruned_runs() -> set[int]:
        chosen = pruned()
        return {index for index, owner in enumerate(owners) if owner in chosen}

    outcomes = train_trials(
        data,
        [spec for spec in network_specs for _ in range(runs)],
        [settings for settings in settings_list for _ in range(runs)],
        [run_seed(seed, run) for seed in seeds for run in range(runs)],
        report,
        should_stop,
        pruned_runs if pruned is not None else None,
        on_epoch_end,
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
