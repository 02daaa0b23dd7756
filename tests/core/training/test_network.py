import numpy as np
import pytest

from hyperdesk.core.config import DataConfig
from hyperdesk.core.data.splits import load_split
from hyperdesk.core.training.network import Network, NetworkSpec
from hyperdesk.core.training.optimizers import SGD, Adam
from hyperdesk.core.training.settings import TrainSettings
from hyperdesk.core.training.trainer import train_trials

SPEC = NetworkSpec(12, (5, 4), 3, batchnorm=True)


@pytest.fixture(scope="module")
def seed_split():
    return load_split(DataConfig(samples=500, validation=0.2, seed=0))


def stacked_network() -> Network:
    networks = [Network(SPEC, np.random.default_rng(seed)) for seed in (1, 2)]
    for network in networks:
        network.keep_inputs(np.array([0, 2, 3, 5, 7, 8, 11]))
    return Network.stack(networks)


def test_one_update_of_the_flat_arrays_moves_every_layer_as_an_update_of_its_own_would():
    network = stacked_network()
    rng = np.random.default_rng(0)
    network.flat_grads[...] = rng.standard_normal(network.flat_grads.shape)
    before = [param.copy() for param in network.params]
    grads = [grad.copy() for grad in network.grads]
    lr = np.array([0.1, 0.01], dtype=np.float32).reshape(-1, 1, 1)
    shrink = np.array([0.99, 0.9], dtype=np.float32).reshape(-1, 1, 1)

    network.shrink_weights(shrink)
    SGD(lr).update([network.flat_params], [network.flat_grads])

    layers = [(layer, name) for layer in network.layers for name in layer.param_names]
    assert len(layers) == len(before) == 10  # 3 affine layers, 2 batch norms
    for (layer, name), old, grad in zip(layers, before, grads, strict=True):
        decayed = old * shrink if name == "weight" else old
        # Bit for bit what the per-array update computes: same operations per element.
        assert np.array_equal(getattr(layer, name), decayed - grad * lr)
        assert np.shares_memory(getattr(layer, name), network.flat_params)


def test_adam_over_the_flat_arrays_gives_the_numbers_of_arrays_of_their_own():
    network = Network(SPEC, np.random.default_rng(3))
    alone = [param.copy() for param in network.params]
    flat_adam, own_adam = Adam(0.01), Adam(0.01)
    rng = np.random.default_rng(4)
    for _ in range(3):
        network.flat_grads[...] = rng.standard_normal(network.flat_grads.shape)
        own_grads = [grad.copy() for grad in network.grads]
        flat_adam.update([network.flat_params], [network.flat_grads])
        own_adam.update(alone, own_grads)
    for flat, own in zip(network.params, alone, strict=True):
        assert np.array_equal(flat, own)
    # And they did move: the same network unchanged differs.
    assert not np.array_equal(network.params[0], Network(SPEC, np.random.default_rng(3)).params[0])


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_a_kept_optimizer_state_holds_one_array_per_parameter(seed_split, optimizer):
    """Sessions store the optimizer's memory parameter by parameter (as they always
    have, so that older sessions go on): not the flat arrays it updates."""
    spec = NetworkSpec(784, (8,), 10)
    trials = 1 if optimizer == "adam" else 2
    settings = [TrainSettings(1, 100, optimizer, 0.01 * (index + 1)) for index in range(trials)]
    results = train_trials(seed_split, [spec] * trials, settings, [5, 6][:trials], keep_states=True)
    names = 2 if optimizer == "adam" else 1
    for result in results:
        # Each parameter's arrays in turn; the first weight's over the inputs the trainer
        # used (the network's state widens that one to the data's 784 with zeros).
        params = [array.shape for array in result.state.network]
        stored = [array.shape for array in result.state.optimizer]
        assert stored[names:] == [shape for shape in params[1:] for _ in range(names)]
        assert [shape[1] for shape in stored[:names]] == [8] * names
        assert stored[0][0] < params[0][0] == 784
