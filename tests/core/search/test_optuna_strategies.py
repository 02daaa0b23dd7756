"""TPE and Sobol through Optuna: reproducible, in bounds, batch members apart, and the
same search whatever order a batch's results come back in."""

import math

import pytest

from hyperdesk.core import config as config_module
from hyperdesk.core.config import SearchConfig
from hyperdesk.core.execution.runner import SearchRunner
from hyperdesk.core.search.registry import make_strategy
from hyperdesk.core.search.space import ChoiceParam, RangeParam
from hyperdesk.core.storage.session import Session
from tests.conftest import TINY_CONFIG
from tests.core.cli.test_cli import session_contents

SPACE = (
    RangeParam("lr", 1e-6, 1e-2, "log"),
    RangeParam("hidden_units", 8, 64, "log", integer=True),
    ChoiceParam("optimizer", ("sgd", "momentum")),
)


def score(params):
    return -abs(math.log10(params["lr"]) + 3) + (0.1 if params["optimizer"] == "sgd" else 0)


def drain(strategy, reverse_batches=False):
    """Run a search to its end, telling each batch (optionally in reverse order)."""
    asked = []
    while True:
        batch = []
        while (suggestion := strategy.ask()) is not None:
            asked.append(suggestion)
            batch.append((len(asked), suggestion))
        if not batch:
            return asked
        for number, suggestion in reversed(batch) if reverse_batches else batch:
            strategy.tell(number, suggestion, score(suggestion.params))


@pytest.mark.parametrize("name", ["tpe", "sobol"])
def test_same_seed_same_trials_and_values_in_bounds(name):
    search = SearchConfig(strategy=name, trials=24, batch=6, seed=3, space=SPACE)
    first = [s.params for s in drain(make_strategy(search))]
    again = [s.params for s in drain(make_strategy(search))]
    other = [
        s.params
        for s in drain(
            make_strategy(SearchConfig(strategy=name, trials=24, batch=6, seed=4, space=SPACE))
        )
    ]
    assert first == again and first != other and len(first) == 24
    for params in first:
        assert 1e-6 <= params["lr"] <= 1e-2
        assert 8 <= params["hidden_units"] <= 64 and isinstance(params["hidden_units"], int)
        assert params["optimizer"] in ("sgd", "momentum")


def test_tpe_batch_members_do_not_collapse_and_tell_order_does_not_matter():
    search = SearchConfig(strategy="tpe", trials=40, batch=8, seed=1, space=SPACE)
    forward = [s.params for s in drain(make_strategy(search))]
    backward = [s.params for s in drain(make_strategy(search), reverse_batches=True)]
    assert forward == backward
    late = [p["lr"] for p in forward[24:]]  # batches asked after TPE's random start-up
    assert len(set(late)) == len(late)


def test_tpe_waits_for_its_batch():
    strategy = make_strategy(SearchConfig(strategy="tpe", trials=10, batch=4, space=SPACE))
    asked = [strategy.ask() for _ in range(4)]
    assert strategy.ask() is None
    for number, suggestion in enumerate(asked, start=1):
        strategy.tell(number, suggestion, 0.5)
    assert strategy.ask() is not None


def test_tpe_improves_on_a_simple_objective():
    """Past its random start, TPE spends most of its trials near the optimum (lr 1e-3)."""
    trials = drain(
        make_strategy(SearchConfig(strategy="tpe", trials=60, batch=4, seed=0, space=SPACE))
    )
    late = trials[30:]
    near = [s for s in late if abs(math.log10(s.params["lr"]) + 3) < 0.5]
    assert len(near) >= len(late) / 2


@pytest.mark.parametrize("name", ["tpe", "sobol"])
def test_an_optuna_search_is_the_same_with_one_or_two_workers(tmp_path, name):
    config = config_module.loads(
        TINY_CONFIG, [f'search.strategy="{name}"', "search.trials=8", "search.batch=4"]
    )
    for workers in (1, 2):
        planned = make_strategy(config.search).planned
        with Session.create(
            tmp_path / f"{workers}.hdsession", "t", config.to_toml(), planned
        ) as session:
            assert SearchRunner(session, workers=workers).run().state == "complete"
    assert session_contents(tmp_path / "1.hdsession") == session_contents(tmp_path / "2.hdsession")


def test_a_stopped_tpe_search_resumes_to_the_uninterrupted_result(tmp_path):
    from hyperdesk.core.execution.control import RunControl

    config = config_module.loads(
        TINY_CONFIG,
        ['search.strategy="tpe"', "search.trials=12", "search.batch=4", "train.epochs=6"],
    )
    planned = make_strategy(config.search).planned
    control = RunControl()
    stopped = tmp_path / "stopped.hdsession"
    with Session.create(stopped, "t", config.to_toml(), planned) as session:
        seen = []

        def stop_midway(number, record):
            seen.append(number)
            if len(seen) == 30:  # inside the second batch
                control.stop()

        outcome = SearchRunner(session, control, on_epoch=stop_midway, workers=2).run()
    assert outcome.state == "interrupted"
    with Session.open(stopped) as session:
        assert SearchRunner(session, workers=2).run().state == "complete"
    reference = tmp_path / "reference.hdsession"
    with Session.create(reference, "t", config.to_toml(), planned) as session:
        SearchRunner(session, workers=1).run()
    assert session_contents(stopped) == session_contents(reference)


def test_optuna_export_round_trip(tmp_path, capsys):
    import optuna

    from hyperdesk.core import cli

    config = config_module.loads(
        TINY_CONFIG,
        ['search.strategy="tpe"', "search.trials=6", "search.batch=3", "train.epochs=3"],
    )
    path = tmp_path / "s.hdsession"
    planned = make_strategy(config.search).planned
    with Session.create(path, "exported", config.to_toml(), planned) as session:
        SearchRunner(session, workers=2).run()
    url = f"sqlite:///{tmp_path / 'study.db'}"
    assert cli.main(["export", str(path), "--optuna", url]) == 0
    study = optuna.load_study(study_name="exported", storage=url)
    with Session.open(path, writable=False) as session:
        trials, epochs = session.trials(), session.epochs()
    assert len(study.trials) == len(trials) == 6
    for exported, trial in zip(study.trials, trials, strict=True):
        assert exported.user_attrs["hyperdesk_trial"] == trial.number
        assert exported.params == trial.params
        assert exported.value == trial.final_val_acc
        assert exported.state == optuna.trial.TrialState.COMPLETE
        assert exported.intermediate_values == {r.epoch: r.val_acc for r in epochs[trial.number]}
    assert cli.main(["export", str(path), "--optuna", url]) == 2
    assert "already holds a study named 'exported'" in capsys.readouterr().err


def test_the_optuna_study_shows_pruned_trials_their_times_and_its_metric(tmp_path):
    """What optuna-dashboard reads: a pruned trial's last reported value (Optuna's own
    tell gives it one), when each trial really ran, and the metric's name."""
    from datetime import datetime

    import optuna

    from hyperdesk.core import cli

    config = config_module.loads(
        TINY_CONFIG,
        [
            "search.trials=8",
            "train.epochs=6",
            'search.early_stopping.rule="median"',
            "search.early_stopping.warmup=1",
            "search.early_stopping.startup=2",
        ],
    )
    path = tmp_path / "s.hdsession"
    with Session.create(path, "pruning", config.to_toml(), 8) as session:
        SearchRunner(session, workers=2).run()
        trials, epochs = session.trials(), session.epochs()
    url = f"sqlite:///{tmp_path / 'study.db'}"
    assert cli.main(["export", str(path), "--optuna", url]) == 0
    study = optuna.load_study(study_name="pruning", storage=url)
    assert study.metric_names == ["val_acc"]
    pruned = [trial for trial in trials if trial.status == "pruned"]
    assert pruned  # the rule stopped some: the test sees what it is about
    for exported, trial in zip(study.trials, trials, strict=True):
        last = epochs[trial.number][-1].val_acc
        assert exported.value == (last if trial.status == "pruned" else trial.final_val_acc)
        started = datetime.fromisoformat(trial.started_at).astimezone().replace(tzinfo=None)
        finished = datetime.fromisoformat(trial.finished_at).astimezone().replace(tzinfo=None)
        assert exported.datetime_start == started and exported.datetime_complete == finished


def test_a_warm_started_tpe_search_begins_where_the_earlier_one_scored_best():
    """40 earlier trials, best at lr = 1e-3 (score), one outside the range (skipped):
    with them TPE's first 8 trials lie nearer lr = 1e-3 than without, same seed."""
    lr_low, lr_high = math.log10(1e-6), math.log10(1e-2)
    earlier = [
        {"lr": 10 ** (lr_low + (lr_high - lr_low) * k / 39), "hidden_units": 16, "optimizer": "sgd"}
        for k in range(40)
    ]
    prior = tuple({"params": params, "score": score(params)} for params in earlier)
    outside = {"params": {"lr": 0.5, "hidden_units": 16, "optimizer": "sgd"}, "score": 1.0}

    def distance(prior):
        search = SearchConfig(strategy="tpe", trials=8, batch=1, seed=3, space=SPACE, prior=prior)
        strategy = make_strategy(search)
        suggestions = []
        while (suggestion := strategy.ask()) is not None:
            suggestions.append(suggestion)
            strategy.tell(len(suggestions), suggestion, score(suggestion.params))
        return strategy, sum(abs(math.log10(s.params["lr"]) + 3) for s in suggestions) / 8

    warm, warm_distance = distance((*prior, outside))
    _, cold_distance = distance(())
    assert len(warm.inner.study.trials) == 40 + 8  # the one outside the range left out
    assert warm_distance < cold_distance / 2


def test_a_database_without_its_driver_is_named_with_the_package_to_install(
    tmp_path, capsys, monkeypatch
):
    import sys

    from hyperdesk.core import cli

    path = tmp_path / "s.hdsession"
    config = config_module.loads(TINY_CONFIG, ["search.trials=1", "train.epochs=1"])
    with Session.create(path, "s", config.to_toml(), 1) as session:
        SearchRunner(session, workers=1).run()
    before = path.read_bytes()
    monkeypatch.setitem(sys.modules, "psycopg2", None)  # as where it is not installed
    code = cli.main(["export", str(path), "--optuna", "postgresql://u:secret@127.0.0.1:1/x"])
    err = capsys.readouterr().err
    assert code == 2 and "pip install psycopg2-binary" in err and "sqlite:///" in err
    assert "Traceback" not in err and "secret" not in err  # the URL's password is not said
    assert path.read_bytes() == before
