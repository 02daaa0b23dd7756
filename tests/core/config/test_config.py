import importlib.resources
import os

import pytest

from hyperdesk.core import config
from hyperdesk.core.config import Config, ConfigError
from hyperdesk.core.search.space import ChoiceParam, RangeParam


def problems_of(text, overrides=()):
    with pytest.raises(ConfigError) as caught:
        config.loads(text, overrides)
    return caught.value.problems


def test_every_problem_is_reported_at_once_with_its_key_path():
    problems = problems_of(
        """
        [train]
        lr = -1
        [search.space.lr]
        low = 1e-2
        high = 1e-3
        scale = "log"
        [search.space.weight_decay]
        low = 0
        high = 1e-4
        scale = "log"
        [search.space.batch_size]
        low = 2.5
        high = 100
        [search.space.optimizer]
        values = []
        [search.space.learning_rate]
        low = 1
        high = 2
        """
    )
    messages = dict(problems)
    assert "must be a number > 0" in messages["train.lr"]
    assert "must be greater than low" in messages["search.space.lr.high"]
    assert messages["search.space.weight_decay.low"] == "log scale needs a value > 0"
    assert "whole numbers" in messages["search.space.batch_size.low"]
    assert "at least one value" in messages["search.space.optimizer.values"]
    assert "did you mean 'lr'?" in messages["search.space.learning_rate"]
    assert len(problems) == 6


def test_unknown_keys_are_errors_with_a_suggestion():
    problems = dict(problems_of("[data]\nsampels = 10\n[trian]\nepochs = 3\n"))
    assert "did you mean 'samples'?" in problems["data.sampels"]
    assert "did you mean 'train'?" in problems["trian"]


def test_categorical_values_are_checked_against_the_setting():
    problems = dict(problems_of('[search.space.optimizer]\nvalues = ["sgd", "adamw"]\n'))
    assert "one of 'sgd'" in problems["search.space.optimizer.values[1]"]


def test_a_range_end_outside_the_setting_is_named():
    problems = dict(problems_of("[search.space.dropout]\nlow = 0.1\nhigh = 1.5\n"))
    assert "dropout must be a number >= 0 and < 1" in problems["search.space.dropout.high"]


def test_categorical_setting_needs_values():
    problems = dict(problems_of("[search.space.activation]\nlow = 1\nhigh = 2\n"))
    assert "categorical" in problems["search.space.activation.values"]


def test_samples_beyond_the_dataset_are_refused():
    problems = dict(problems_of("[data]\nsamples = 20000\n"))
    assert "has 10,000 samples, asked for 20,000" in problems["data.samples"]


def test_overrides_set_dotted_keys_and_are_validated():
    loaded = config.loads(
        "",
        [
            "search.trials=10",
            "train.epochs=5",
            "model.hidden=[8, 8]",
            "search.strategy=grid",
            "search.space.lr.low=1e-4",
            "search.space.lr.high=1e-2",
            'search.space.lr.scale="log"',
        ],
    )
    assert loaded.search.trials == 10 and loaded.train.epochs == 5
    assert loaded.model.hidden == (8, 8) and loaded.search.strategy == "grid"
    assert loaded.search.space == (RangeParam("lr", 1e-4, 1e-2, "log"),)
    problems = dict(problems_of("", ["search.trials=0", "nonsense"]))
    assert "nonsense" in problems


def test_round_trip_through_toml():
    original = Config(
        search=config.SearchConfig(
            strategy="grid",
            space=(
                RangeParam("lr", 1e-5, 1e-1, "log", points=7),
                RangeParam("hidden_units", 16, 512, "log", integer=True),
                ChoiceParam("optimizer", ("sgd", "adam")),
                ChoiceParam("batchnorm", (True, False)),
            ),
        ),
        model=config.ModelConfig(hidden=(50, 20), init=0.01, dropout=0.2),
    )
    assert config.loads(original.to_toml()) == original


@pytest.mark.parametrize("name", ["seed", "grid", "coarse-to-fine"])
def test_bundled_examples_are_valid(name):
    text = (importlib.resources.files("hyperdesk.resources.examples") / f"{name}.toml").read_text()
    loaded = config.loads(text)
    assert config.loads(loaded.to_toml()) == loaded


def test_seed_example_is_the_textbook_experiment():
    text = (importlib.resources.files("hyperdesk.resources.examples") / "seed.toml").read_text()
    seed = config.loads(text)
    assert (seed.data.samples, seed.data.validation) == (500, 0.2)
    assert seed.model.hidden == (100,) * 6 and seed.model.activation == "relu"
    assert seed.model.init == "he"
    assert (seed.train.optimizer, seed.train.batch_size, seed.train.epochs) == ("sgd", 100, 50)
    assert (seed.search.strategy, seed.search.trials) == ("random", 100)
    assert seed.search.space == (
        RangeParam("lr", 1e-6, 1e-2, "log"),
        RangeParam("weight_decay", 1e-8, 1e-4, "log"),
    )


def test_trial_settings_put_searched_values_in_place():
    base = config.loads("[model]\nhidden = [30, 20, 10]\n")
    network, train = base.trial_settings(
        {"lr": 0.5, "weight_decay": 1e-3, "hidden_units": 64, "optimizer": "adam", "dropout": 0.1}
    )
    assert network.hidden == (64, 64, 64)
    assert network.weight_decay == 1e-3 and network.dropout == 0.1
    assert (train.lr, train.optimizer) == (0.5, "adam")
    network, _ = base.trial_settings({"layers": 2})
    assert network.hidden == (30, 30)


def test_a_setting_the_fixed_optimizer_never_uses_is_an_error():
    problems = dict(
        problems_of('[train]\noptimizer = "sgd"\n[search.space.momentum]\nlow = 0.5\nhigh = 0.9\n')
    )
    assert (
        "applies only when optimizer is momentum or nesterov" in problems["search.space.momentum"]
    )
    config.loads(
        '[train]\noptimizer = "nesterov"\n[search.space.momentum]\nlow = 0.5\nhigh = 0.9\n'
    )


def test_the_seed_workload_is_18_86_gflop_per_trial():
    # The reference count: forward and weight gradients on 400 training samples,
    # input gradients of layers 2 to 7, a forward pass over all 500 samples, 50 epochs.
    text = (importlib.resources.files("hyperdesk.resources.examples") / "seed.toml").read_text()
    seed = config.loads(text)
    assert seed.training_flops(seed.train.epochs) == pytest.approx(18.862e9, rel=1e-4)


@pytest.mark.parametrize(
    "override",
    [
        "data.validation=nan",
        "data.test=nan",
        "train.lr=nan",
        "train.lr=inf",
        "model.init=inf",
        "model.dropout=nan",
        "train.momentum=nan",
        "search.space.lr.high=inf",
        "search.space.lr.low=-inf",
    ],
)
def test_nan_and_infinity_are_refused_naming_the_key(override):
    """TOML can write nan and inf; no setting takes them (every trial would diverge, or
    the split sizes cannot be computed)."""
    key = override.split("=")[0]
    problems = dict(problems_of(config.example_text("seed"), [override]))
    assert key in problems
    assert "finite number" in problems[key]


def test_a_file_that_is_not_a_text_config_is_refused(tmp_path):
    binary = tmp_path / "binary.toml"
    binary.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(ConfigError, match="not text"):
        config.load(binary)


def test_arrays_nested_thousands_deep_are_refused():
    deep = "a = " + "[" * 5000 + "]" * 5000
    with pytest.raises(ConfigError, match="nested too deeply"):
        config.loads(deep)
    problems = dict(problems_of(config.example_text("seed"), ["model.hidden=" + "[" * 5000]))
    # The value is quoted cut short, not 5,000 characters of brackets.
    assert len(problems["model.hidden"]) < 200


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    pipe = tmp_path / "config.toml"
    os.mkfifo(pipe)
    with pytest.raises(ConfigError, match="not a regular file"):
        config.load(pipe)


def test_the_official_test_split_exists_only_for_datasets_that_ship_one():
    problems = dict(problems_of('[data]\ntest = "official"\n'))
    assert "mnist-10k has none" in problems["data.test"]
    problems = dict(problems_of('[data]\ndataset = "mnist"\ntest = "official"\nsamples = 65000\n'))
    assert "60,000 samples beside its 10,000 test samples" in problems["data.samples"]
    assert 'or "official"' in dict(problems_of('[data]\ntest = "half"\n'))["data.test"]


def test_configurations_to_run_first_are_checked_against_the_space():
    text = config.example_text("seed")
    good = config.loads(text, enqueue=["lr=0.001,weight_decay=1e-6"])
    assert good.search.enqueue == ({"lr": 0.001, "weight_decay": 1e-06},)
    assert config.loads(good.to_toml()) == good  # stored as [[search.enqueue]] tables
    with pytest.raises(config.ConfigError) as caught:
        config.loads(text + "\n[[search.enqueue]]\nlr = 5\nwd = 1e-6\n", enqueue=["lr=0.001"])
    assert set(caught.value.problems) == {
        ("search.enqueue[1].lr", "must be within 1e-06 to 0.01, got 5"),
        ("search.enqueue[1].wd", "is not searched (searched: lr, weight_decay)"),
        ("search.enqueue[1].weight_decay", "needs a value"),
        ("search.enqueue[2].weight_decay", "needs a value"),
    }
    with pytest.raises(config.ConfigError, match="give NAME=VALUE pairs"):
        config.loads(text, enqueue=["lr"])


def test_a_number_of_thousands_of_digits_is_a_problem_named_not_a_traceback(capsys):
    """Python refuses to convert an integer of over 4,300 digits (ValueError)."""
    from tests.core.cli.test_cli import run_cli

    digits = "9" * 5000
    for arguments, key in (
        (["--set", f"train.epochs={digits}"], "train.epochs"),
        (["--set", f"search.space.lr.high={digits}"], "search.space.lr.high"),
        (["--enqueue", f"lr={digits}"], "search.enqueue[1].lr"),
    ):
        code, _, err = run_cli(capsys, "run", "--example", "seed", *arguments)
        assert code == 2 and f"{key}: must be a" in err and "(5,002 characters)" in err
        assert "Traceback" not in err and len(err) < 2000
    with pytest.raises(ConfigError, match="a number longer than any setting takes"):
        config.loads(f"[train]\nepochs = {digits}\n")
