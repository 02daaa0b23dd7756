"""`hyperdesk bench`'s look at one training step, on one core: its matrix products
against a large product's throughput (what no engine of this batch can pass), the
engine's whole step against those products alone (the most a compiled step could save),
the optimizer's update as one flat array against one array at a time; and evaluation
in passes of 100 rows against EVAL_ROWS."""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hyperdesk.core.training.network import Network, NetworkSpec, training_step_flops
from hyperdesk.core.training.settings import TrainSettings
from hyperdesk.core.training.trainer import EVAL_ROWS, build_stack

LARGE = 2048  # the side of the square product a step's products are measured against
ROUND_SECONDS = 0.2


def square_product(size: int = LARGE) -> Callable[[], None]:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    out = np.empty_like(a)
    return lambda: np.matmul(a, b, out=out)


def seconds_per_call(work: Callable[[], object], seconds: float) -> float:
    """How long one call of `work` takes, calling it for about `seconds`."""
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        work()
        count += 1
    return elapsed / count


def alternating(works: list[Callable[[], object]], rounds: int) -> list[float]:
    """Each work's median seconds per call over `rounds` rounds of ROUND_SECONDS, the
    works taking turns in every round, so that a machine whose speed drifts (shared
    cores, clocks) slows them alike. The first round warms up (BLAS's buffers, the
    clock) and is not counted."""
    times: list[list[float]] = [[] for _ in works]
    for round_ in range(rounds + 1):
        for work, kept in zip(works, times, strict=True):
            took = seconds_per_call(work, ROUND_SECONDS)
            if round_:
                kept.append(took)
    return [statistics.median(kept) for kept in times]


def products_step(sizes: list[int], batch: int, count: int = 1) -> Callable[[], None]:
    """The products of one training step alone, of `count` stacked networks with layer
    `sizes` on a batch of `batch` rows: the forward pass, the weight gradients and the
    input gradients of every layer but the first (against a contiguous copy of each
    weight's transpose, as the trainer's layers do). Into arrays made once, as the
    layers' are: a new 270 kB gradient each step would be mapped and unmapped by malloc,
    and page faults timed too."""
    rng = np.random.default_rng(0)
    lead = (count,) if count > 1 else ()
    weights = [
        rng.standard_normal((*lead, *pair), dtype=np.float32) for pair in itertools.pairwise(sizes)
    ]
    inputs = rng.standard_normal((batch, sizes[0]), dtype=np.float32)
    outputs = [inputs] + [np.empty((*lead, batch, width), np.float32) for width in sizes[1:]]
    weight_grads = [np.empty_like(weight) for weight in weights]
    transposed = [np.empty_like(weight.swapaxes(-1, -2)) for weight in weights]
    input_grads = [np.empty((*lead, batch, width), np.float32) for width in sizes[:-1]]

    def step() -> None:
        for index, weight in enumerate(weights):
            np.matmul(outputs[index], weight, out=outputs[index + 1])
        grad = outputs[-1]
        for index in range(len(weights) - 1, -1, -1):
            np.matmul(outputs[index].swapaxes(-1, -2), grad, out=weight_grads[index])
            if index:
                np.copyto(transposed[index], weights[index].swapaxes(-1, -2))
                grad = np.matmul(grad, transposed[index], out=input_grads[index])

    return step


def step_products_ceiling(sizes: list[int], batch: int, rounds: int = 10) -> float:
    """The products of one training step alone, on one core, as a fraction of a large
    product's throughput on one core: the most any engine could reach on this workload
    without changing its batch, before element-wise work and bookkeeping."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        step, large = alternating([products_step(sizes, batch), square_product()], rounds)
    return (training_step_flops(sizes, batch) / step) / (2.0 * LARGE**3 / large)


@dataclass(frozen=True)
class StepTimes:
    """Seconds per training step of `count` trials trained stacked, on one core."""

    count: int
    step: float  # the engine's whole step: forward, loss, backward, decay, update
    products: float  # its matrix products alone
    update_per_array: float  # the optimizer's update, one parameter array at a time
    update_flat: float  # the same update over the network's one flat array

    @property
    def beyond_products(self) -> float:
        """The step's share spent outside its products: the most a compiled step
        (whose products would be the same BLAS calls) could save."""
        return 1 - self.products / self.step


def step_times(sizes: list[int], batch: int, count: int, rounds: int = 5) -> StepTimes:
    """The engine's SGD step (with weight decay, as the seed workload's) on `count`
    stacked networks of layer `sizes`, against its products alone, and the optimizer's
    update both ways, in alternating rounds on one core."""
    from threadpoolctl import threadpool_limits

    spec = NetworkSpec(sizes[0], tuple(sizes[1:-1]), sizes[-1], weight_decay=1e-6)
    settings = [TrainSettings(lr=0.01 / (index + 1)) for index in range(count)]
    stack = build_stack([spec] * count, settings, list(range(count)), np.arange(sizes[0]), None)
    network, optimizer = stack.network, stack.optimizer
    rng = np.random.default_rng(1)
    inputs = rng.standard_normal((batch, sizes[0]), dtype=np.float32)
    labels = rng.integers(0, sizes[-1], batch)

    def engine_step() -> None:
        network.data_loss(inputs, labels, train=True)
        stack.descend()

    works = [
        engine_step,
        products_step(sizes, batch, count),
        lambda: optimizer.update(network.params, network.grads),
        lambda: optimizer.update([network.flat_params], [network.flat_grads]),
    ]
    with threadpool_limits(1, user_api="blas"):
        return StepTimes(count, *alternating(works, rounds))


def evaluation_times(sizes: list[int], rows: int, rounds: int = 5) -> tuple[float, float]:
    """Seconds to evaluate `rows` samples with a network of layer `sizes`, on one core:
    in passes of 100 rows (a "pass" session's, as every session's were) and of
    EVAL_ROWS (a running session's), in alternating rounds."""
    from threadpoolctl import threadpool_limits

    spec = NetworkSpec(sizes[0], tuple(sizes[1:-1]), sizes[-1])
    network = Network(spec, np.random.default_rng(0))
    rng = np.random.default_rng(2)
    x = rng.standard_normal((rows, sizes[0]), dtype=np.float32)
    labels = rng.integers(0, sizes[-1], rows)
    works = [
        lambda: network.evaluate(x, labels, 100),
        lambda: network.evaluate(x, labels, EVAL_ROWS),
    ]
    with threadpool_limits(1, user_api="blas"):
        small, large = alternating(works, rounds)
    return small, large
