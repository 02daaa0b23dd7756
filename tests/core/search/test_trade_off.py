"""Trade-offs: a search for accuracy and a small network (or short training) gives a
front that a brute-force Pareto filter of its trials agrees with; limits make trials
infeasible; the sizes are the networks' real parameter counts; Optuna keeps both
objectives."""

import itertools
import json

import numpy as np
import pytest
import tomli_w

from hyperdesk.core import cli
from hyperdesk.core import config as config_module
from hyperdesk.core.config import ConfigError
from hyperdesk.core.execution.runner import SearchRunner
from hyperdesk.core.search.objectives import pareto_mask
from hyperdesk.core.search.registry import make_strategy
from hyperdesk.core.storage.session import Session, front_rows
from hyperdesk.core.training.network import Network, NetworkSpec
from hyperdesk.core.trials import trial_score
from tests.conftest import TINY_CONFIG
from tests.core.cli.test_cli import session_contents

TRADE_OFF = [
    'search.strategy="nsga2"',
    'search.objectives=["val_acc", "params"]',
    "search.trials=16",
    "search.batch=4",
    "train.epochs=4",
    "search.space.hidden_units={low=2, high=64, scale='log'}",
    "search.constraints.max_params=20000",
]


def brute_force_front(points: dict[int, tuple[float, float]]) -> set[int]:
    """Trials (accuracy up, cost down) that no other trial dominates, by comparing
    every pair."""
    return {
        number
        for number, (accuracy, cost) in points.items()
        if not any(
            other_accuracy >= accuracy
            and other_cost <= cost
            and (other_accuracy > accuracy or other_cost < cost)
            for other_accuracy, other_cost in points.values()
        )
    }


@pytest.mark.parametrize("batchnorm", [False, True])
def test_parameter_count_is_what_the_network_learns(batchnorm):
    spec = NetworkSpec(784, (30, 12, 7), 10, batchnorm=batchnorm)
    network = Network(spec, np.random.default_rng(0))
    assert spec.parameter_count == sum(param.size for param in network.params)


def test_pareto_mask_matches_a_brute_force_filter_with_ties():
    rng = np.random.default_rng(5)
    # Few distinct values, so that ties and duplicate points are common.
    accuracy = rng.integers(0, 6, 200) / 5
    cost = rng.integers(0, 8, 200).astype(float)
    mask = pareto_mask(np.column_stack([accuracy, cost]), ["maximize", "minimize"])
    points = dict(enumerate(zip(accuracy, cost, strict=True)))
    assert {i for i, on in enumerate(mask) if on} == brute_force_front(points)
    # Turned around (cost up, accuracy down), the front is the other corner.
    flipped = pareto_mask(np.column_stack([-accuracy, -cost]), ["minimize", "maximize"])
    assert flipped == mask


def test_a_trade_off_search_gives_the_brute_force_front(tmp_path, capsys):
    config = config_module.loads(TINY_CONFIG, TRADE_OFF)
    path = tmp_path / "t.hdsession"
    with Session.create(path, "t", config.to_toml(), make_strategy(config.search).planned) as s:
        assert SearchRunner(s, workers=2).run().state == "complete"
    with Session.open(path, writable=False) as session:
        rows, costs = session.trials(), session.costs()
        front = front_rows(config.search.trade_off, rows, costs)
    assert len(rows) == 16
    for row in rows:  # the size stored is the network's
        network, _ = config.trial_settings(row.params)
        assert row.parameters == network.parameter_count
    feasible = {
        row.number: (row.final_val_acc, float(row.parameters))
        for row in rows
        if trial_score(row.status, row.final_val_acc) is not None and row.parameters <= 20000
    }
    assert any(row.parameters > 20000 for row in rows)  # the limit cut some trials out
    assert front and {row.number for row in front} == brute_force_front(feasible)
    sizes = [costs[row.number]["params"] for row in front]
    assert sizes == sorted(sizes)  # cheapest first
    # Printed, and in JSON, as a person reads it.
    assert cli.main(["export", str(path), "--csv", str(tmp_path / "t.csv")]) == 0
    lines = (tmp_path / "t.csv").read_text().splitlines()
    header = lines[0].split(",")
    marked = {
        int(line.split(",")[0])
        for line in lines[1:]
        if line.split(",")[header.index("on_front")] == "True"
    }
    assert marked == {row.number for row in front}


def test_the_front_goes_to_optuna_with_both_objectives_and_the_limit(tmp_path):
    import optuna

    config = config_module.loads(TINY_CONFIG, TRADE_OFF)
    path = tmp_path / "t.hdsession"
    with Session.create(path, "both", config.to_toml(), 16) as session:
        SearchRunner(session, workers=2).run()
        rows = session.trials()
        front = {row.number for row in front_rows(config.search.trade_off, rows, session.costs())}
    url = f"sqlite:///{tmp_path / 'study.db'}"
    assert cli.main(["export", str(path), "--optuna", url]) == 0
    study = optuna.load_study(study_name="both", storage=url)
    assert [d.name for d in study.directions] == ["MAXIMIZE", "MINIMIZE"]
    assert {t.user_attrs["hyperdesk_trial"] for t in study.best_trials} == front
    assert study.metric_names == ["val_acc", "params"]  # not "Objective 0", "Objective 1"
    for trial in study.trials:
        assert (trial.constraints["max_params"] <= 0) == (trial.values[1] <= 20000)
        # The list form Optuna's samplers and the dashboard's Pareto front read.
        assert trial.system_attrs["constraints"] == [trial.constraints["max_params"]]


def test_a_resumed_trade_off_search_ends_as_an_uninterrupted_one(tmp_path):
    from hyperdesk.core.execution.control import RunControl

    config = config_module.loads(TINY_CONFIG, TRADE_OFF)
    control = RunControl()
    stopped, reference = tmp_path / "stopped.hdsession", tmp_path / "reference.hdsession"
    with Session.create(stopped, "t", config.to_toml(), 16) as session:
        epochs = itertools.count(1)
        SearchRunner(
            session, control, on_epoch=lambda *_: next(epochs) == 30 and control.stop(), workers=2
        ).run()
    with Session.open(stopped) as session:
        assert SearchRunner(session, workers=2).run().state == "complete"
    with Session.create(reference, "t", config.to_toml(), 16) as session:
        SearchRunner(session, workers=1).run()
    assert session_contents(stopped) == session_contents(reference)


def test_run_prints_the_front_and_the_trials_over_the_limit(tmp_path, capsys):
    (tmp_path / "t.toml").write_text(TINY_CONFIG)
    overrides = [arg for override in TRADE_OFF for arg in ("--set", override)]
    assert cli.main(["run", str(tmp_path / "t.toml"), *overrides, "--json"]) == 0
    out = capsys.readouterr().out
    assert "Trade-off:" in out and "trials on the front (val acc against parameters)" in out
    assert "broke a limit (max_params = 20000)" in out
    result = json.loads(out.splitlines()[-1])
    assert result["front"] and all(trial["costs"]["params"] <= 20000 for trial in result["front"])


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        (['search.objectives=["params"]'], "search.objectives", '["val_acc", X]'),
        (['search.objectives=["val_acc", "flops"]'], "search.objectives", '"params"'),
        (["search.constraints.max_params=50000"], "search.constraints", "trade-off"),
        (  # TINY_CONFIG searches lr and weight decay: each network is one size
            ['search.objectives=["val_acc", "params"]'],
            "search.objectives",
            "search hidden_units, layers, batchnorm",
        ),
        (
            ['search.objectives=["val_acc", "params"]', "search.constraints.max_params=0"],
            "search.constraints.max_params",
            ">= 1",
        ),
        (
            ['search.objectives=["val_acc", "params"]', "search.constraints.max_size=9"],
            "search.constraints.max_size",
            "max_params",
        ),
        (
            ['search.objectives=["val_acc", "train_seconds"]', 'search.strategy="coarse-to-fine"'],
            "search.objectives",
            "nsga2",
        ),
    ],
)
def test_a_wrong_trade_off_names_the_field_and_what_is_valid(overrides, field, words):
    with pytest.raises(ConfigError) as caught:
        config_module.loads(TINY_CONFIG, overrides)
    messages = dict(caught.value.problems)
    assert field in messages and words in messages[field]


@pytest.mark.parametrize("stored_before", [False, True])
def test_a_point_trained_before_is_not_trained_again(stored_before):
    """NSGA-II's offspring copy their parents' values, and integer settings make the
    same point likely: a point whose result is in is told again, not trained again. A
    session stored before that was so goes on training repeats, as it began (a resume
    must propose what it proposed)."""
    from hyperdesk.core.config import SearchConfig
    from hyperdesk.core.search.space import RangeParam

    space = (
        RangeParam("hidden_units", 4, 64, "log", integer=True),
        RangeParam("layers", 1, 3, "linear", integer=True),
    )
    search = SearchConfig(
        strategy="nsga2", trials=40, batch=4, seed=0, space=space, objectives=("val_acc", "params")
    )
    if stored_before:  # its stored config says nothing of skip_repeats
        stored = config_module.Config(search=search).to_dict()
        del stored["search"]["skip_repeats"]
        search = config_module.loads_stored(tomli_w.dumps(stored)).search
    strategy = make_strategy(search)
    seen: set[tuple] = set()
    repeats, number = 0, 0
    while batch := [s for s in iter(strategy.ask, None)]:
        for suggestion in batch:
            point = tuple(sorted(suggestion.params.items()))
            repeats += point in seen  # of a point told in an earlier batch
        for suggestion in batch:
            number += 1
            units, layers = suggestion.params["hidden_units"], suggestion.params["layers"]
            costs = {"params": float(units * 800 * layers), "train_seconds": 1.0}
            strategy.tell(number, suggestion, 1 - 1 / units, costs)
            seen.add(tuple(sorted(suggestion.params.items())))
    assert number == 40
    if stored_before:
        assert repeats > 0 and len(strategy.study.trials) == 40
    else:
        assert repeats == 0
        assert len(strategy.study.trials) > 40  # the repeats it proposed were told, not run


def test_the_best_trial_is_the_best_within_the_limits_for_every_front_end(tmp_path, capsys):
    """A random search draws the same trials whatever its limit: with the limit just
    under the most accurate trial's size, that trial is over it, and run, sessions,
    compare and evaluate's default all name the best trial within it instead."""
    from hyperdesk.core.comparison import read_side
    from hyperdesk.core.execution.evaluation import chosen_trial
    from hyperdesk.core.storage.session import summarize
    from hyperdesk.core.trials import ranked

    (tmp_path / "t.toml").write_text(TINY_CONFIG)
    random_trade_off = [
        'search.objectives=["val_acc", "params"]',
        "search.trials=8",
        "train.epochs=3",
        "search.space.hidden_units={low=2, high=64, scale='log'}",
    ]

    def search(name, limit):
        path = tmp_path / f"{name}.hdsession"
        overrides = [*random_trade_off, f"search.constraints.max_params={limit}"]
        args = [arg for override in overrides for arg in ("--set", override)]
        assert (
            cli.main(["run", str(tmp_path / "t.toml"), *args, "--session", str(path), "--json"])
            == 0
        )
        return path, json.loads(capsys.readouterr().out.splitlines()[-1])

    _, unlimited = search("unlimited", 10**9)
    with Session.open(tmp_path / "unlimited.hdsession", writable=False) as session:
        rows = session.trials()
    most_accurate = ranked(rows)[0]
    assert unlimited["best"]["number"] == most_accurate.number
    limit = most_accurate.parameters - 1
    path, limited = search("limited", limit)
    within = [row for row in ranked(rows) if row.parameters <= limit]
    expected = within[0] if within else None
    with Session.open(path, writable=False) as session:
        assert [row.params for row in session.trials()] == [row.params for row in rows]
        from_evaluate = chosen_trial(session, None) if expected else None
    best = limited["best"]
    assert (best and best["number"]) == (expected and expected.number)
    assert (from_evaluate and from_evaluate.number) == (expected and expected.number)
    assert summarize(path).best_score == (expected and expected.final_val_acc)
    assert read_side(path).best_trial == (expected and expected.number)
    assert most_accurate.number != (expected and expected.number)
