"""A person's own training function tuned as the built-in network is: its reports stored
where the network's are (others beside them), its output in a log of each trial's, its
failures, crashes and hangs costing that trial only, a killed search resumed to the
same records, a changed file refused, and early stopping going by what it reports."""

import json
import statistics
from pathlib import Path

import pytest

from hyperdesk.core.execution.user_code import Trial, trial_files
from hyperdesk.core.storage.session import Session
from tests.core.cli.test_cli import run_and_kill, run_cli

FUNCTIONS = """
import os
import time

import numpy as np


def fit(params, trial):
    # Accuracy that grows with the learning rate and the epochs, with the trial's noise.
    noise = np.random.default_rng(trial.seed).normal(scale=0.01, size=params["epochs"])
    print("trial", trial.number, "starts")
    for epoch in range(1, params["epochs"] + 1):
        time.sleep(params.get("pause", 0))
        accuracy = min(0.95, params["lr"] * epoch) + noise[epoch - 1]
        trial.report(epoch, val_acc=accuracy, train_loss=1 / epoch, margin=epoch * 0.5)
        trial.info(phase="warm-up" if epoch < 2 else "steady")
        if trial.should_stop():
            return
    return {"val_acc": accuracy, "f1": accuracy / 2}


def behaves(params, trial):
    kind = params["kind"]
    if kind == "raises":
        raise ValueError("this model does not converge")
    if kind == "exits":
        os._exit(3)
    if kind == "segfaults":
        import ctypes

        ctypes.string_at(0)
    if kind == "silent":
        return None
    if kind == "diverges":
        trial.report(1, val_acc=0.5)
        trial.report(2, val_acc=float("nan"))
        return None
    if kind == "backwards":
        trial.report(2, val_acc=0.5)
        trial.report(1, val_acc=0.6)
        return None
    if kind == "unranked":
        trial.report(1, loss=0.3)
        return None
    if kind == "words":
        trial.report(1, val_acc="high")
        return None
    if kind == "returns":
        return {"val_acc": 0.7}
    if kind == "hangs":
        time.sleep(600)
    if kind == "deaf":  # never asks should_stop
        for epoch in range(1, 100_000):
            trial.report(epoch, val_acc=0.5)
            time.sleep(0.02)
    trial.report(1, val_acc=0.8)
    return None
"""

CONFIG = """
[code]
entry = "functions.py:{function}"
metric = "val_acc"
timeout = {timeout}
[code.fixed]
epochs = {epochs}
[search]
strategy = "{strategy}"
trials = {trials}
{space}
"""

LR = '[search.space.lr]\nlow = 0.01\nhigh = 0.3\nscale = "log"'


def write(tmp_path, function="fit", epochs=4, strategy="random", trials=4, space=LR, **more):
    (tmp_path / "functions.py").write_text(FUNCTIONS)
    config = tmp_path / "search.toml"
    text = CONFIG.format(
        function=function,
        epochs=epochs,
        strategy=strategy,
        trials=trials,
        space=space,
        timeout=more.pop("timeout", 0),
    )
    config.write_text(text + "".join(f"{line}\n" for line in more.pop("extra", ())))
    return config


def read(path):
    with Session.open(path, writable=False) as session:
        return session.trials(), session.epochs()


def test_a_function_s_reports_are_stored_like_the_network_s(capsys, tmp_path, hyperdesk_home):
    config = write(tmp_path)
    code, out, err = run_cli(capsys, "run", config, "--json")
    assert code == 0
    result = json.loads(out.strip().splitlines()[-1])  # its prints are not in the JSON
    assert "starts" not in out and "starts" not in err
    path = result["session"]
    trials, epochs = read(path)
    assert [t.status for t in trials] == ["complete"] * 4
    best = max(trials, key=lambda t: t.final_val_acc)
    assert result["best"]["number"] == best.number
    assert result["best"]["score"] == {"metric": "val_acc", "value": best.final_val_acc}
    for trial in trials:
        records = epochs[trial.number]
        assert [r.epoch for r in records] == [1, 2, 3, 4]
        assert [r.train_loss for r in records] == [1, 0.5, 1 / 3, 0.25]
        assert [r.extra for r in records] == [{"margin": e * 0.5} for e in (1, 2, 3, 4)]
        # What it returned is its final word; a figure of its own is kept beside.
        assert trial.final_extra == {"margin": 2.0, "f1": trial.final_val_acc / 2}
        assert trial.info == {"phase": "steady"}
        assert trial.params["lr"] > 0 and "epochs" not in trial.params
        _, log = trial_files(Path(path), trial.number)
        assert log.read_text() == f"trial {trial.number} starts\n"


KINDS = [
    "raises",
    "exits",
    "segfaults",
    "silent",
    "diverges",
    "backwards",
    "unranked",
    "words",
    "returns",
    "works",
]


def test_each_failure_costs_its_trial_only_and_says_why(capsys, tmp_path, hyperdesk_home):
    space = f"[search.space.kind]\nvalues = {json.dumps(KINDS)}"
    config = write(tmp_path, "behaves", strategy="grid", trials=1, space=space)
    code, out, err = run_cli(capsys, "run", config, "--json", "--workers", "2")
    assert code == 0, err
    trials, epochs = read(json.loads(out.strip().splitlines()[-1])["session"])
    ended = {t.params["kind"]: (t.status, t.error or "") for t in trials}
    assert ended["raises"][0] == "failed"
    assert "ValueError: this model does not converge" in ended["raises"][1]
    assert "functions.py" in ended["raises"][1]  # the traceback's last lines
    assert ended["exits"] == ("failed", "its worker process ended (exit code 3)")
    assert ended["segfaults"] == ("failed", "its worker process ended (exit code -11)")
    assert ended["silent"] == ("failed", "reported nothing and returned nothing")
    assert ended["diverges"] == ("diverged", "")
    assert ended["backwards"][0] == "failed" and "epochs count up" in ended["backwards"][1]
    assert ended["unranked"] == ("failed", "never reported val_acc (code.metric); it reported loss")
    assert ended["words"][0] == "failed" and "figures are numbers" in ended["words"][1]
    assert ended["returns"] == ("complete", "")
    assert ended["works"] == ("complete", "")
    by_kind = {t.params["kind"]: t.number for t in trials}
    assert [r.val_acc for r in epochs[by_kind["returns"]]] == [0.7]  # its one epoch
    assert [r.val_acc for r in epochs[by_kind["diverges"]]] == [0.5]  # before the NaN


def test_a_hang_is_ended_by_the_timeout(capsys, tmp_path, hyperdesk_home):
    space = '[search.space.kind]\nvalues = ["hangs", "works"]'
    config = write(tmp_path, "behaves", strategy="grid", space=space, timeout=3)
    code, out, _ = run_cli(capsys, "run", config, "--json", "--workers", "1")
    assert code == 0
    trials, _ = read(json.loads(out.strip().splitlines()[-1])["session"])
    assert [(t.params["kind"], t.status, t.error) for t in trials] == [
        ("hangs", "failed", "said nothing for 3 s (code.timeout)"),
        ("works", "complete", None),
    ]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("missing.py:fit", "missing.py: does not exist"),
        ("broken.py:fit", "broken.py, line 2: "),
        ("functions.py:train", "has no top-level function 'train' (its functions: fit, behaves)"),
        ("notes.txt:fit", "is not a Python file"),
    ],
)
def test_an_entry_that_cannot_run_is_refused_before_any_session(
    capsys, tmp_path, hyperdesk_home, entry, expected
):
    config = write(tmp_path)
    (tmp_path / "broken.py").write_text("def fit(params, trial):\n    return (\n")
    (tmp_path / "notes.txt").write_text("def fit(): pass\n")
    config.write_text(config.read_text().replace("functions.py:fit", entry))
    code, _, err = run_cli(capsys, "run", config)
    assert code == 2 and expected in err
    assert not list((hyperdesk_home / "sessions").glob("*.hdsession"))


def test_model_and_train_sections_do_not_apply_to_a_function(capsys, tmp_path, hyperdesk_home):
    config = write(tmp_path, extra=["[model]", "hidden = [10]"])
    code, _, err = run_cli(capsys, "run", config)
    assert code == 2
    assert "model: does not apply with [code]: the function builds its own model" in err


def test_a_killed_search_resumes_to_the_records_of_one_never_killed(
    capsys, tmp_path, hyperdesk_home
):
    config = write(tmp_path, epochs=8, trials=6)
    config.write_text(config.read_text().replace("epochs = 8", "epochs = 8\npause = 0.05"))
    killed = hyperdesk_home / "sessions" / "killed.hdsession"
    run_and_kill(config, killed, 12, 48, "--workers", "2")
    assert run_cli(capsys, "resume", killed)[0] == 0
    reference = tmp_path / "reference.hdsession"
    assert run_cli(capsys, "run", config, "--session", reference)[0] == 0

    def records(path):
        trials, epochs = read(path)
        untimed = {
            n: [(r.epoch, r.val_acc, r.train_loss, r.extra) for r in rs] for n, rs in epochs.items()
        }
        return [(t.number, t.status, t.params, t.seed, t.final_val_acc) for t in trials], untimed

    assert records(killed) == records(reference)
    assert [t[1] for t in records(killed)[0]] == ["complete"] * 6


def test_a_changed_file_is_refused_on_resume_unless_forced(capsys, tmp_path, hyperdesk_home):
    config = write(tmp_path, trials=2)
    code, out, _ = run_cli(capsys, "run", config, "--json")
    path = json.loads(out.strip().splitlines()[-1])["session"]
    before = Path(path).read_bytes()
    functions = tmp_path / "functions.py"
    functions.write_text(FUNCTIONS.replace("1 / epoch", "2 / epoch"))
    code, _, err = run_cli(capsys, "resume", path, "--set", "search.trials=3")
    assert code == 2 and f"{functions}: changed since the session's trials ran" in err
    assert "--force" in err and Path(path).read_bytes() == before  # nothing written
    code, _, _ = run_cli(capsys, "resume", path, "--set", "search.trials=3", "--force")
    assert code == 0
    trials, epochs = read(path)
    # Three more trials after its two, run by the code as it is now.
    assert len(trials) == 5 and epochs[3][0].train_loss == 2.0 and epochs[1][0].train_loss == 1


def test_early_stopping_goes_by_the_reported_metric(capsys, tmp_path, hyperdesk_home):
    config = write(
        tmp_path,
        epochs=6,
        trials=10,
        extra=["[search.early_stopping]", 'rule = "median"', "warmup = 1", "startup = 3"],
    )
    # One worker: trial n is judged against the trials before it, which have ended.
    code, out, err = run_cli(capsys, "run", config, "--json", "--workers", "1")
    assert code == 0, err
    trials, epochs = read(json.loads(out.strip().splitlines()[-1])["session"])
    pruned = [t for t in trials if t.status == "pruned"]
    assert pruned, "no trial below the median was stopped"
    for trial in pruned:  # stopped early, its epochs kept, below the median when stopped
        last = epochs[trial.number][-1]
        assert 1 <= last.epoch < 6
        before = [
            epochs[t.number][last.epoch - 1].val_acc
            for t in trials
            if t.number < trial.number and t.status == "complete"
        ]
        assert len(before) >= 3 and last.val_acc < statistics.median(before)
    assert all(t.status == "complete" for t in trials[:3])  # the rule's startup trials


def test_check_code_runs_one_short_trial_and_shows_what_it_reported(
    capsys, tmp_path, hyperdesk_home
):
    config = write(tmp_path, epochs=7)
    code, out, err = run_cli(capsys, "check-code", config)
    assert code == 0, err
    assert "'epochs': 1" in out and "epoch 1: train_loss=1, val_acc=" in out
    assert "margin=0.5" in out and "complete in" in out
    assert "trial 0 starts" in err  # its output, apart
    config.write_text(config.read_text().replace("functions.py:fit", "functions.py:behaves"))
    config.write_text(config.read_text().replace("[search.space.lr]", "[search.space.lrx]"))
    config.write_text(
        config.read_text().replace('low = 0.01\nhigh = 0.3\nscale = "log"', 'values = ["raises"]')
    )
    config.write_text(config.read_text().replace("[search.space.lrx]", "[search.space.kind]"))
    code, out, _ = run_cli(capsys, "check-code", config)
    assert code == 2 and "failed" in out and "ValueError: this model does not converge" in out
    assert not list((hyperdesk_home / "sessions").glob("*.hdsession"))


@pytest.mark.parametrize("command", ["model", "evaluate", "extend-trial"])
def test_the_network_s_commands_say_a_function_s_model_is_its_own(
    capsys, tmp_path, hyperdesk_home, command
):
    config = write(tmp_path, trials=2)
    code, out, _ = run_cli(capsys, "run", config, "--json")
    path = json.loads(out.strip().splitlines()[-1])["session"]
    more = {
        "model": ["--out", tmp_path / "m.hdmodel"],
        "extend-trial": ["--trial", "1", "--epochs", "2"],
    }
    code, _, err = run_cli(capsys, command, path, *more.get(command, []))
    assert code == 2 and "ran your own training code ([code])" in err


def test_the_scikit_learn_example_tunes_its_classifier(capsys, tmp_path, hyperdesk_home):
    from importlib.resources import files

    pytest.importorskip("sklearn")
    folder = Path(str(files("hyperdesk.resources.examples"))) / "own-code"
    config = folder / "sklearn-digits.toml"
    code, out, err = run_cli(
        capsys, "run", config, "--json", "--set", "search.trials=6", "--set", "code.fixed.epochs=4"
    )
    assert code == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["complete"] >= 5  # the rule stops none of its first five
    trials, epochs = read(result["session"])
    assert {t.status for t in trials} <= {"complete", "pruned"}
    assert result["best"]["val_acc"] > 0.9  # digits are easy for a linear model
    assert all(len(records) >= 1 and records[0].val_loss > 0 for records in epochs.values())


def test_compare_and_the_report_name_the_function_not_a_dataset(capsys, tmp_path, hyperdesk_home):
    from hyperdesk.core.comparison import compare_sessions
    from hyperdesk.core.storage.report import data_summary

    config = write(tmp_path, trials=3)
    paths = []
    for strategy in ("random", "tpe"):
        code, out, _ = run_cli(
            capsys, "run", config, "--json", "--set", f'search.strategy="{strategy}"'
        )
        assert code == 0
        paths.append(Path(json.loads(out.strip().splitlines()[-1])["session"]))
    comparison = compare_sessions(paths)
    assert {side.data for side in comparison.sides} == {"functions.py:fit"}
    # No validation count to make a binomial error of: the noise is said to be unknown.
    assert all(side.best_error is None for side in comparison.sides)
    assert comparison.verdict.endswith("the noise of their scores is not known.")
    assert data_summary(paths[0]) == "loaded by functions.py:fit() itself"


def test_stop_ends_a_function_that_never_asks_keeping_its_epochs(tmp_path, hyperdesk_home):
    import threading

    from hyperdesk.core import config as config_module
    from hyperdesk.core.execution.control import RunControl
    from hyperdesk.core.execution.runner import SearchRunner
    from hyperdesk.core.search.registry import planned_trials

    space = '[search.space.kind]\nvalues = ["deaf"]'
    config = config_module.load(write(tmp_path, "behaves", strategy="grid", space=space))
    path = tmp_path / "deaf.hdsession"
    control = RunControl()
    epochs_seen = threading.Event()

    def on_epoch(number, record):
        if record.epoch >= 5:
            epochs_seen.set()
            control.stop()

    with Session.create(path, "deaf", config.to_toml(), planned_trials(config.search)) as session:
        # Ends although the function never returns: its worker is ended after the grace.
        outcome = SearchRunner(session, control, on_epoch=on_epoch, workers=1).run()
    assert epochs_seen.is_set() and outcome.state == "interrupted"
    trials, epochs = read(path)
    assert trials[0].status == "interrupted" and len(epochs[1]) >= 5


def test_run_says_why_trials_failed_and_the_exports_carry_the_function_s_figures(
    capsys, tmp_path, hyperdesk_home
):
    space = '[search.space.kind]\nvalues = ["raises", "works"]'
    config = write(tmp_path, "behaves", strategy="grid", space=space)
    code, out, err = run_cli(capsys, "run", config, "--json")
    assert code == 0
    assert "Trial 1 failed: ValueError: this model does not converge" in err
    path = json.loads(out.strip().splitlines()[-1])["session"]
    code, csv_text, _ = run_cli(capsys, "export", path, "--csv")
    header = csv_text.splitlines()[0].split(",")
    assert "final_val_acc" in header and "final_val_r2" not in header
    code, json_text, _ = run_cli(capsys, "export", path, "--json")
    trials = json.loads(json_text)["trials"]
    assert "ValueError" in trials[0]["error"] and trials[1]["epochs"][0]["val_acc"] == 0.8


def test_a_module_s_function_runs_and_hyperdesk_names_its_trial_type(
    capsys, tmp_path, hyperdesk_home, monkeypatch
):
    import hyperdesk

    assert hyperdesk.Trial is Trial
    package = tmp_path / "mylab"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "training.py").write_text(FUNCTIONS)
    monkeypatch.syspath_prepend(str(tmp_path))  # as an installed package would be
    config = write(tmp_path, trials=2)
    config.write_text(config.read_text().replace("functions.py:fit", "mylab.training:fit"))
    code, out, err = run_cli(capsys, "run", config, "--json")
    assert code == 0, err
    assert json.loads(out.strip().splitlines()[-1])["complete"] == 2


def test_reports_after_a_stop_are_ignored():
    sent = []
    trial = Trial(1, 7, "/tmp", sent.append, lambda: True)
    trial.report(1, val_acc=0.5)
    assert trial.should_stop() is True  # the search asked
    trial.report(2, val_acc=0.6)
    assert [event[2].epoch for event in sent] == [1]
