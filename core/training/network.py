"""A multi-layer perceptron built from the layers in training.layers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from hyperdesk.core.training.layers import (
    Affine,
    BatchNorm,
    Dropout,
    MeanSquaredError,
    ReLU,
    Sigmoid,
    SoftmaxCrossEntropy,
    Tanh,
)

ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}
INITS = ("he", "xavier")
DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class NetworkSpec:
    """Everything that fixes a network's shape and its loss. `init` is "he", "xavier" or
    a fixed standard deviation."""

    input_size: int
    hidden: tuple[int, ...]
    output_size: int
    activation: str = "relu"
    init: str | float = "he"
    dropout: float = 0.0
    batchnorm: bool = False
    weight_decay: float = 0.0
    dtype: str = "float32"
    # "classification": softmax cross-entropy over output_size classes; "regression":
    # one linear output and the mean squared error on the standardized target.
    task: str = "classification"

    @property
    def state_sizes(self) -> list[int]:
        """How many numbers each array of Network.state() holds: each affine layer's
        weight and bias, and after each hidden one with batch norm its scale, shift and
        running statistics (what a model file's arrays are checked against)."""
        sizes = [self.input_size, *self.hidden, self.output_size]
        counts = []
        for index, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
            counts += [fan_in * fan_out, fan_out]
            if self.batchnorm and index < len(self.hidden):
                counts += [fan_out] * 4
        return counts

    @property
    def parameter_count(self) -> int:
        """The numbers training learns: each layer's weights and biases, and with batch
        normalization each hidden unit's scale and shift (a model's size)."""
        sizes = [self.input_size, *self.hidden, self.output_size]
        affine = sum(fan_in * fan_out + fan_out for fan_in, fan_out in itertools.pairwise(sizes))
        return affine + (2 * sum(self.hidden) if self.batchnorm else 0)

    def init_std(self, fan_in: int) -> float:
        if self.init == "he":
            return float(np.sqrt(2.0 / fan_in))
        if self.init == "xavier":
            return float(np.sqrt(1.0 / fan_in))
        return float(self.init)


def training_step_flops(sizes: list[int], rows: int) -> float:
    """Floating-point operations in the matrix products of training steps on `rows`
    samples of a network with layer `sizes` (input, hidden..., output): the forward
    pass, the weight gradients, and the input gradients of every layer but the first."""
    products = [a * b for a, b in itertools.pairwise(sizes)]
    return rows * (4.0 * sum(products) + 2.0 * sum(products[1:]))


def flops_per_trial(sizes: list[int], n_train: int, n_val: int, epochs: int) -> float:
    """Floating-point operations in the matrix products of training a network with layer
    `sizes` for `epochs` epochs: per epoch, the training steps on every training sample
    and a forward pass over all training and validation samples."""
    forward = 2.0 * sum(a * b for a, b in itertools.pairwise(sizes))  # per sample
    per_epoch = training_step_flops(sizes, n_train) + (n_train + n_val) * forward
    return per_epoch * epochs


LOSSES = {"classification": SoftmaxCrossEntropy, "regression": MeanSquaredError}


def squares_about_mean(values: np.ndarray) -> np.ndarray:
    """The sum of squares of `values` about their mean over the last axis, in float64
    (one per stacked trial): what R^2 divides by."""
    centred = values - values.mean(axis=-1, keepdims=True, dtype=np.float64)
    return np.einsum("...i,...i->...", centred, centred)


def r_squared(squared_errors: np.ndarray | float, total: np.ndarray | float) -> np.ndarray:
    """1 - SSE / `total` (squares_about_mean of the targets): NaN where the targets are
    all equal."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, 1 - squared_errors / np.where(total > 0, total, 1), np.nan)


def softmax(scores: np.ndarray) -> np.ndarray:
    """Each row of output scores as probabilities, in float64."""
    scores = np.array(scores, dtype=np.float64)
    scores -= scores.max(axis=-1, keepdims=True)
    exp = np.exp(scores)
    return exp / exp.sum(axis=-1, keepdims=True)


def _activation(name: str):
    """A fresh activation layer. ReLU works in place: in a network the arrays it is
    given are the neighbouring layers' own, and nothing reads them afterwards."""
    return ReLU(in_place=True) if name == "relu" else ACTIVATIONS[name]()


class Network:
    """Affine -> [BatchNorm] -> activation -> [Dropout] per hidden layer, then Affine and
    softmax cross-entropy, plus the L2 penalty 0.5 * weight_decay * sum(W^2)."""

    def __init__(self, spec: NetworkSpec, rng: np.random.Generator):
        if spec.activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {spec.activation!r}; choose one of {', '.join(ACTIVATIONS)}"
            )
        self.spec = spec
        self.kept_inputs: np.ndarray | None = None  # the input features taken (all: None)
        dtype = np.dtype(spec.dtype)
        init_rng, dropout_rng = rng.spawn(2)
        sizes = [spec.input_size, *spec.hidden, spec.output_size]
        self.affines: list[Affine] = []
        self.layers: list = []
        for index, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
            weight = (init_rng.standard_normal((fan_in, fan_out)) * spec.init_std(fan_in)).astype(
                dtype
            )
            # The first layer's input is the data: nobody needs its gradient.
            affine = Affine(weight, np.zeros(fan_out, dtype=dtype), input_grad=index > 0)
            self.affines.append(affine)
            self.layers.append(affine)
            if index == len(sizes) - 2:
                break
            if spec.batchnorm:
                self.layers.append(BatchNorm(fan_out, dtype))
            self.layers.append(_activation(spec.activation))
            if spec.dropout > 0:
                self.layers.append(Dropout(spec.dropout, dropout_rng))
        self._finish(spec.weight_decay)

    def _finish(self, weight_decay: float | np.ndarray) -> None:
        self.weight_decay = weight_decay
        self.loss_layer = LOSSES[self.spec.task]()
        self._collect_params()

    def _collect_params(self) -> None:
        """Move every learned array and its gradient into two flat arrays, `flat_params`
        and `flat_grads`, each layer keeping views of its own part: the optimizer then
        updates all of them in one operation per step, not one per array (14 for the
        textbook's network, each paying numpy's cost per call), with the same numbers
        element by element. The weights come first, so that decaying them is one
        operation too. A stacked network's flat arrays are (networks, 1, size), so that
        the optimizer's (networks, 1, 1) rates broadcast over them."""
        owners = [(layer, name) for layer in self.layers for name in layer.param_names]
        first = self.affines[0].weight
        leading = first.shape[:-2]
        sizes = [int(np.prod(getattr(layer, name).shape[len(leading) :])) for layer, name in owners]
        # Each part starts on a 64-byte boundary, as an array of its own would.
        align = 64 // first.itemsize
        order = sorted(range(len(owners)), key=lambda index: owners[index][1] != "weight")
        starts, end = [0] * len(owners), 0
        for index in order:
            starts[index] = end
            end += -(-sizes[index] // align) * align
            if owners[index][1] == "weight":
                self._weights_end = end
        shape = (*leading, 1, end) if leading else (end,)
        self.flat_params = np.zeros(shape, first.dtype)
        self.flat_grads = np.zeros(shape, first.dtype)
        self._layout = [
            (start, size, getattr(layer, name).shape)
            for start, size, (layer, name) in zip(starts, sizes, owners, strict=True)
        ]
        params, grads = self.split(self.flat_params), self.split(self.flat_grads)
        for (layer, name), param in zip(owners, params, strict=True):
            param[...] = getattr(layer, name)
            setattr(layer, name, param)
        for (layer, name), grad in zip(owners, grads, strict=True):
            setattr(layer, f"{name}_grad", grad)
        self.params, self.grads = params, grads

    def split(self, flat: np.ndarray) -> list[np.ndarray]:
        """Views of an array shaped as flat_params, one per array of `params`, in their
        order and shapes."""
        return [
            flat[..., start : start + size].reshape(shape) for start, size, shape in self._layout
        ]

    def join(self, arrays: list[np.ndarray]) -> np.ndarray:
        """One array shaped as flat_params holding `arrays` (shaped as `params`): split's
        inverse."""
        flat = np.zeros_like(self.flat_params)
        for part, array in zip(self.split(flat), arrays, strict=True):
            part[...] = array.reshape(part.shape)
        return flat

    def keep_inputs(self, inputs: np.ndarray) -> None:
        """Take only the input features `inputs` (indices) from now on, dropping the
        first layer's weights of the others: for features that are zero in every
        sample, whose weights change no output."""
        self.affines[0].keep_inputs(inputs)
        self.kept_inputs = inputs
        self._collect_params()

    def state(self, index: int | None = None) -> list[np.ndarray]:
        """Every array the network computes with, layer by layer (an affine's weight and
        bias; batch norm's scale, shift and running statistics), the first weight as
        wide as the data: the rows of features left out by keep_inputs are zeros, which
        is what they contributed. load_state() takes them back. `index`: of a stacked
        network, the arrays of network `index`."""
        arrays = []
        for layer in self.layers:
            if isinstance(layer, Affine):
                arrays += [layer.weight, layer.bias]
            elif isinstance(layer, BatchNorm):
                arrays += [layer.gamma, layer.beta, layer.running_mean, layer.running_var]
        if index is not None:
            arrays = [array[index] for array in arrays]
        if self.kept_inputs is not None:
            full = np.zeros((self.spec.input_size, arrays[0].shape[-1]), dtype=arrays[0].dtype)
            full[self.kept_inputs] = arrays[0]
            arrays[0] = full
        return [array.copy() for array in arrays]

    def dropout_rng(self, index: int | None = None) -> np.random.Generator | None:
        """The generator the dropout masks come from (of network `index`, stacked)."""
        for layer in self.layers:
            if isinstance(layer, Dropout):
                return layer.rng if index is None else layer.rng[index]
        return None

    def load_state(self, arrays: list[np.ndarray]) -> None:
        """Compute with `arrays`, as state() gave them (of a network of this spec)."""
        stored = iter(arrays)
        for layer in self.layers:
            names = ()
            if isinstance(layer, Affine):
                names = ("weight", "bias")
            elif isinstance(layer, BatchNorm):
                names = ("gamma", "beta", "running_mean", "running_var")
            for name in names:
                # Of a stacked network, a bias keeps its broadcasting axis: reshaped.
                target = getattr(layer, name)
                target[...] = next(stored).reshape(target.shape)

    @classmethod
    def stack(cls, networks: list[Network]) -> Network:
        """One network computing several of one shape at once (population training):
        every array gains a leading axis, so each product runs once per network with the
        same numbers as alone, and Python's cost per step is paid once for all."""
        stacked = cls.__new__(cls)
        stacked.spec = networks[0].spec
        stacked.kept_inputs = networks[0].kept_inputs
        stacked.layers = []
        for layers in zip(*(network.layers for network in networks), strict=True):
            first = layers[0]
            if isinstance(first, Affine | BatchNorm):
                stacked.layers.append(type(first).stack(list(layers)))
            elif isinstance(first, Dropout):
                stacked.layers.append(Dropout(first.rate, [layer.rng for layer in layers]))
            else:
                stacked.layers.append(_activation(stacked.spec.activation))
        stacked.affines = [layer for layer in stacked.layers if isinstance(layer, Affine)]
        dtype = np.dtype(stacked.spec.dtype)
        decays = np.array([network.weight_decay for network in networks], dtype=dtype)
        stacked._finish(decays.reshape(-1, 1, 1))
        return stacked

    def predict(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x, train)
        return x

    def penalty(self) -> float:
        if not self.spec.weight_decay:
            return 0.0
        squares = sum(float(np.vdot(affine.weight, affine.weight)) for affine in self.affines)
        return 0.5 * self.weight_decay * squares

    def loss(self, x: np.ndarray, labels: np.ndarray, train: bool = True) -> float:
        """The training objective: the data loss (cross-entropy, or the squared error of
        a regression) plus the L2 penalty. Keeps what backward() needs."""
        return self.data_loss(x, labels, train) + self.penalty()

    def data_loss(self, x: np.ndarray, labels: np.ndarray, train: bool = True) -> float:
        """The data loss alone, and what backward() needs (whose gradients include the
        penalty's): enough to train and to see divergence, without summing every weight
        squared on every step."""
        return self.loss_layer.forward(self.predict(x, train), labels)

    def backward(self, penalty: bool = True) -> None:
        """Fill every layer's gradients for the last loss(). `penalty=False` leaves the
        L2 penalty's part out of the weight gradients, for a caller that decays the
        weights itself (shrink_weights)."""
        dout = self.loss_layer.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        if penalty and np.any(self.weight_decay):
            weights = self.flat_params[..., : self._weights_end]
            self.flat_grads[..., : self._weights_end] += self.weight_decay * weights

    def shrink_weights(self, factor: float | np.ndarray) -> None:
        """Multiply every weight (not the biases) by `factor`, one per stacked network."""
        self.flat_params[..., : self._weights_end] *= factor

    def evaluate(
        self, x: np.ndarray, labels: np.ndarray, rows: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(cross-entropy, accuracy) in evaluation mode (no dropout, running batch norm):
        arrays with one value per stacked network, or 0-d for a single network. Takes
        `rows` samples at a time (default: all): the arrays of each pass stay small
        enough for the CPU cache, and of the training batches' shape, buffers reused."""
        count = x.shape[-2]
        rows = rows or count
        loss_layer = SoftmaxCrossEntropy()
        loss_sum, correct = 0.0, 0
        for start in range(0, count, rows):
            scores = self.predict(x[..., start : start + rows, :], train=False)
            part = labels[..., start : start + rows]
            # In float64 whether the loss came as a float (one network) or not.
            loss = np.asarray(loss_layer.forward(scores, part), dtype=np.float64)
            loss_sum = loss_sum + loss * part.shape[-1]
            correct = correct + np.count_nonzero(scores.argmax(axis=-1) == part, axis=-1)
        return loss_sum / count, np.asarray(correct / count)

    def evaluate_regression(
        self, x: np.ndarray, targets: np.ndarray, rows: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mean squared error, mean absolute error, R^2) of a regression network in
        evaluation mode, in the units of `targets`, as evaluate() (one value per stacked
        network, `rows` samples at a time). R^2 is 1 - SSE / the targets' own sum of
        squares about their mean: NaN when the targets are all equal."""
        count = x.shape[-2]
        rows = rows or count
        squared, absolute = 0.0, 0.0
        for start in range(0, count, rows):
            predicted = self.predict(x[..., start : start + rows, :], train=False)[..., 0]
            error = predicted.astype(np.float64) - targets[..., start : start + rows]
            squared = squared + np.einsum("...i,...i->...", error, error)
            absolute = absolute + np.abs(error).sum(axis=-1)
        r2 = r_squared(squared, squares_about_mean(targets))
        return np.asarray(squared / count), np.asarray(absolute / count), np.asarray(r2)
