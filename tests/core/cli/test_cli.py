"""The headless command line, end to end, on the bundled data."""

import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

from hyperdesk.core import cli
from hyperdesk.core.cli.exit_codes import EXIT_CODES, EXIT_SESSION
from hyperdesk.core.storage.session import Session
from tests.conftest import TINY_CONFIG


def cli_command(*args) -> list[str]:
    """The command line of `hyperdesk ARGS` run in a process of its own."""
    return [sys.executable, "-m", "hyperdesk.core.cli", *map(str, args)]


def run_cli(capsys, *args):
    code = cli.main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def session_contents(path):
    """Everything a search decides, without wall-clock times."""
    with Session.open(path, writable=False) as session:
        trials = [
            (
                t.number,
                t.status,
                t.params,
                t.seed,
                t.round,
                t.final_train_acc,
                t.final_val_acc,
                t.best_val_acc,
            )
            for t in session.trials()
        ]
        epochs = {
            number: [(r.epoch, r.train_loss, r.train_acc, r.val_loss, r.val_acc) for r in records]
            for number, records in session.epochs().items()
        }
    return trials, epochs


def test_run_saves_a_session_and_prints_the_ranking(capsys, tiny_config, hyperdesk_home):
    code, out, err = run_cli(capsys, "run", tiny_config, "--json")
    assert code == 0
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["trials"] == summary["complete"] == 4
    assert summary["session"].startswith(str(hyperdesk_home / "sessions"))
    trials, epochs = session_contents(summary["session"])
    best = max(trials, key=lambda t: (t[6], -t[0]))
    assert summary["best"] == {
        "number": best[0],
        "params": best[2],
        "val_acc": best[6],
        "train_acc": best[5],
        "score": {"metric": "val_acc", "value": best[6]},
    }
    assert [len(epochs[number]) for number in (1, 2, 3, 4)] == [3, 3, 3, 3]
    assert "Best-1 " in out and f"trial {best[0]:>3}" in out.splitlines()[1]
    assert "Optimization Result (4 best)" in out.splitlines()[0]  # 4 ran, not "(20 best)"
    assert "4/4 trials" in err
    # Each parameter in one notation down the ranking (not 1.234e-05 beside 0.0035).
    ranking = [line for line in out.splitlines() if line.startswith("Best-")]
    lrs = [line.split("lr: ")[1].split(",")[0] for line in ranking]
    assert len({"e" in text for text in lrs}) == 1
    # No estimate before a trial has ended: the start-up time would make it wild.
    progress = [line for line in err.splitlines() if "trials" in line]
    assert "ETA --:--" not in progress[-1]


def test_progress_waits_for_a_first_trial_before_an_estimate(monkeypatch):
    from hyperdesk.core.cli import progress as progress_module

    clock = iter([0.0, 30.0, 31.0, 32.0])
    monkeypatch.setattr(progress_module.time, "monotonic", lambda: next(clock))
    progress = progress_module.Progress(planned_trials=10, epochs_per_trial=50, done_trials=0)
    progress.current_epoch = 5  # a first epoch that took 30 s of starting up
    assert "ETA --:--" in progress._line()
    progress.trial_ended(1, "complete")
    assert "ETA --:--" not in progress._line()


def test_run_example_alone_lists_the_bundled_examples(capsys):
    code, out, _ = run_cli(capsys, "run", "--example")
    assert code == 0
    listed = [line.strip() for line in out.splitlines()[1:]]
    assert listed == ["coarse-to-fine", "grid", "penguins", "penguins-mass", "seed", "trade-off"]


def test_run_example_runs_a_bundled_config_by_name(capsys, hyperdesk_home):
    code, out, err = run_cli(
        capsys,
        "run",
        "--example",
        "seed",
        "--set",
        "search.trials=2",
        "--set",
        "train.epochs=2",
        "--json",
    )
    assert code == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["trials"] == 2
    with Session.open(summary["session"], writable=False) as session:
        assert session.name == "seed"
        assert [len(records) for records in session.epochs().values()] == [2, 2]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--example", "nope"], "no example called 'nope'; choose one of coarse-to-fine, grid"),
        (
            [],
            "give a config file or --example NAME "
            "(one of coarse-to-fine, grid, penguins, penguins-mass, seed, trade-off)",
        ),
        (["x.toml", "--example", "seed"], "not both"),
    ],
)
def test_run_example_mistakes_get_a_message_naming_the_choices(capsys, args, message):
    code, _, err = run_cli(capsys, "run", *args)
    assert code == 2
    assert message in err


def test_evaluate_trains_on_the_search_samples_and_stores_the_test_accuracy(capsys, tmp_path):
    config = tmp_path / "held-out.toml"
    config.write_text(TINY_CONFIG.replace("seed = 1\n", "seed = 1\ntest = 0.2\nfolds = 2\n", 1))
    session_path = tmp_path / "s.hdsession"
    code, out, err = run_cli(capsys, "run", config, "--session", session_path, "--json")
    assert code == 0, err
    assert " ± " in out  # the ranking shows each trial's spread over its folds
    best = json.loads(out.strip().splitlines()[-1])["best"]["number"]
    code, out, err = run_cli(capsys, "evaluate", session_path, "--json")
    assert code == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["trial"] == best and 0 <= result["test_acc"] <= 1
    assert "20 samples no search saw" in out and "after 3 epochs on 80" in out
    with Session.open(session_path, writable=False) as session:
        stored = {t.number: t.test_acc for t in session.trials()}
    assert stored[best] == result["test_acc"]
    assert [n for n, acc in stored.items() if acc is not None] == [best]

    code, out, _ = run_cli(capsys, "evaluate", session_path, "--trial", "1", "--json")
    assert code == 0 and json.loads(out.strip().splitlines()[-1])["trial"] == 1
    # Core names the setting; the command line says it as its flag.
    code, _, err = run_cli(capsys, "evaluate", session_path, "--trial", "9")
    assert code == 2 and "--trial: no trial 9; trials are 1 to 4" in err


def test_evaluate_without_a_test_split_says_how_to_get_one(capsys, tiny_config, tmp_path):
    session_path = tmp_path / "s.hdsession"
    run_cli(capsys, "run", tiny_config, "--session", session_path)
    before = session_contents(session_path)
    code, _, err = run_cli(capsys, "evaluate", session_path)
    assert code == 2
    assert "data.test: this search keeps no test split" in err
    assert session_contents(session_path) == before


def test_two_runs_of_one_config_are_identical(capsys, tiny_config, tmp_path):
    run_cli(capsys, "run", tiny_config, "--session", tmp_path / "a.hdsession")
    run_cli(capsys, "run", tiny_config, "--session", tmp_path / "b.hdsession")
    assert session_contents(tmp_path / "a.hdsession") == session_contents(tmp_path / "b.hdsession")


def test_set_overrides_and_coarse_to_fine_rounds(capsys, tiny_config, tmp_path):
    code, _, _ = run_cli(
        capsys,
        "run",
        tiny_config,
        "--session",
        tmp_path / "c.hdsession",
        "--set",
        'search.strategy="coarse-to-fine"',
        "--set",
        'search.sampler="random"',
        "--set",
        "search.trials=3",
        "--set",
        "search.rounds=2",
        "--set",
        "train.epochs=2",
    )
    assert code == 0
    trials, epochs = session_contents(tmp_path / "c.hdsession")
    assert [t[4] for t in trials] == [1, 1, 1, 2, 2, 2]
    assert all(len(records) == 2 for records in epochs.values())


def test_enqueued_configurations_run_first_and_once(capsys, tiny_config, tmp_path):
    path = tmp_path / "e.hdsession"
    code, _, _ = run_cli(
        capsys,
        "run",
        tiny_config,
        "--session",
        path,
        "--enqueue",
        "lr=0.05,weight_decay=1e-6",
        "--enqueue",
        "lr=0.002,weight_decay=1e-7",
    )
    assert code == 0
    trials, _ = session_contents(path)
    assert [t[2] for t in trials[:2]] == [
        {"lr": 0.05, "weight_decay": 1e-06},
        {"lr": 0.002, "weight_decay": 1e-07},
    ]
    assert len(trials) == 2 + 4 and all(t[1] == "complete" for t in trials)


def test_bad_config_exits_2_listing_every_problem(capsys, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[search.space.lr]\nlow = 0\nhigh = 1\nscale = "log"\n[train]\nepoks = 3\n')
    code, _, err = run_cli(capsys, "run", path)
    assert code == 2
    assert "search.space.lr.low: log scale needs a value > 0" in err
    assert "train.epoks: unknown key; did you mean 'epochs'?" in err


def test_run_never_overwrites_an_existing_session(capsys, tiny_config, tmp_path):
    target = tmp_path / "kept.hdsession"
    target.write_bytes(b"whatever was here")
    code, _, err = run_cli(capsys, "run", tiny_config, "--session", target)
    assert code == 2 and "already exists" in err
    assert target.read_bytes() == b"whatever was here"


@pytest.mark.parametrize("command", ["resume", "export"])
def test_a_foreign_file_exits_3_and_is_left_untouched(capsys, tmp_path, command):
    path = tmp_path / "notes.hdsession"
    path.write_text("not a session")
    extra = ["--csv", tmp_path / "out.csv"] if command == "export" else []
    code, _, err = run_cli(capsys, command, path, *extra)
    assert code == 3 and "not a Hyperdesk session" in err
    assert path.read_text() == "not a session"


def test_sessions_lists_what_run_made(capsys, tiny_config):
    run_cli(capsys, "run", tiny_config, "--name", "my search")
    code, out, _ = run_cli(capsys, "sessions")
    assert code == 0
    line = out.splitlines()[1]
    assert line.startswith("my search") and "random" in line and "4/4" in line
    assert "complete" in line


def test_sessions_lists_oldest_first_and_as_json_for_scripts(capsys, tiny_config, hyperdesk_home):
    from hyperdesk.core.storage.session import Session
    from hyperdesk.core.trials import best_trial

    # Named so that the file names sort the other way round from when they were made.
    for name in ("zebra", "aardvark"):
        assert run_cli(capsys, "run", tiny_config, "--name", name)[0] == 0
    zebra, aardvark = (
        next((hyperdesk_home / "sessions").glob(f"{name}-*.hdsession"))
        for name in ("zebra", "aardvark")
    )
    db = sqlite3.connect(aardvark)  # made later, whatever the clock's resolution
    with db:
        db.execute("UPDATE meta SET value = '2999-01-01T00:00:00+00:00' WHERE key = 'created_at'")
    db.close()
    (hyperdesk_home / "sessions" / "broken.hdsession").write_text("not a session")
    lines = run_cli(capsys, "sessions")[1].splitlines()
    assert [line.split()[0] for line in lines[1:]] == ["zebra", "aardvark", "?"]
    code, out, _ = run_cli(capsys, "sessions", "--json")
    listed = json.loads(out)
    assert code == 0 and [entry.get("name") for entry in listed] == ["zebra", "aardvark", None]
    with Session.open(zebra, writable=False) as session:
        best = best_trial(session.trials(), session.within_limits())
        data = session.config.data.dataset
    assert listed[0] == {
        "path": str(zebra),
        "name": "zebra",
        "created": listed[0]["created"],
        "state": "complete",
        "strategy": "random",
        "trials_done": 4,
        "trials_planned": 4,
        "best_trial": best.number,
        "best_score": best.final_val_acc,
        "metric": "val_acc",
        "data": data,
    }
    assert listed[2]["state"] == "unreadable" and "not a Hyperdesk session" in listed[2]["error"]


def test_the_exit_codes_are_listed_in_help(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for code, meaning in EXIT_CODES:
        assert f"{code:<5}{meaning}" in out


def test_export_csv_and_json_agree_with_the_session(capsys, tiny_config, tmp_path):
    session_path = tmp_path / "s.hdsession"
    run_cli(capsys, "run", tiny_config, "--session", session_path)
    code, _, _ = run_cli(
        capsys, "export", session_path, "--csv", tmp_path / "r.csv", "--json", tmp_path / "r.json"
    )
    assert code == 0
    trials, epochs = session_contents(session_path)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text())))
    assert list(rows[0]) == [
        "number",
        "status",
        "round",
        "lr",
        "weight_decay",
        "final_val_acc",
        "final_val_acc_std",
        "best_val_acc",
        "final_train_acc",
        "test_acc",
        "epochs",
        "seconds",
        "parameters",
        "note",
    ]
    for row, trial in zip(rows, trials, strict=True):
        assert int(row["number"]) == trial[0] and row["status"] == trial[1]
        assert float(row["lr"]) == trial[2]["lr"]
        assert float(row["final_val_acc"]) == trial[6]
        assert int(row["epochs"]) == len(epochs[trial[0]])
    document = json.loads((tmp_path / "r.json").read_text())
    for entry, trial in zip(document["trials"], trials, strict=True):
        assert entry["params"] == trial[2]
        assert [
            (e["epoch"], e["train_loss"], e["train_acc"], e["val_loss"], e["val_acc"])
            for e in entry["epochs"]
        ] == epochs[trial[0]]


def test_notes_are_written_read_searched_and_exported(capsys, tiny_config, tmp_path):
    run_cli(capsys, "run", tiny_config, "--name", "first")
    run_cli(capsys, "run", tiny_config, "--name", "second")
    code, out, _ = run_cli(capsys, "sessions")
    session_path = next(line.split()[-1] for line in out.splitlines() if line.startswith("first"))
    code, out, _ = run_cli(capsys, "note", session_path, "-m", "baseline, before scaling")
    assert code == 0 and "Wrote the note on the session" in out
    assert run_cli(capsys, "note", session_path, "--trial", 2, "-m", "noisy curve")[0] == 0
    code, out, _ = run_cli(capsys, "note", session_path)
    assert out.splitlines() == ["baseline, before scaling", "trial 2: noisy curve"]
    assert run_cli(capsys, "note", session_path, "--trial", 2)[1].strip() == "noisy curve"
    code, out, _ = run_cli(capsys, "note", session_path, "--json")
    assert json.loads(out) == {
        "session": "baseline, before scaling",
        "trials": {"2": "noisy curve"},
    }
    code, out, _ = run_cli(capsys, "note", session_path, "--trial", 2, "--json")
    assert json.loads(out) == {"trial": 2, "note": "noisy curve"}
    code, _, err = run_cli(capsys, "note", session_path, "--trial", 9, "-m", "x")
    assert code == EXIT_SESSION and "has no trial 9 (its trials: 1 to 4)" in err
    code, out, _ = run_cli(capsys, "sessions", "--search", "Scaling BEFORE")
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["first"]
    code, out, _ = run_cli(capsys, "sessions", "--search", "noisy")  # a trial's note
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["first"]
    assert "No session in" in run_cli(capsys, "sessions", "--search", "nothing like it")[1]
    csv_path, json_path = tmp_path / "r.csv", tmp_path / "r.json"
    run_cli(capsys, "export", session_path, "--csv", csv_path, "--json", json_path)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text())))
    assert [row["note"] for row in rows] == ["", "noisy curve", "", ""]
    document = json.loads((tmp_path / "r.json").read_text())
    assert document["note"] == "baseline, before scaling"
    assert document["trials"][1]["note"] == "noisy curve"
    # --json alone prints the same document, as --json does for every command.
    code, out, _ = run_cli(capsys, "export", session_path, "--json")
    assert code == 0 and json.loads(out) == document
    code, out, _ = run_cli(capsys, "export", session_path, "--csv", "-")
    assert list(csv.DictReader(io.StringIO(out))) == rows
    assert run_cli(capsys, "note", session_path, "--trial", 2, "-m", "")[0] == 0  # cleared
    assert run_cli(capsys, "note", session_path, "--trial", 2)[1].strip() == ""


SLOW_CONFIG = """
[data]
samples = 1500
[model]
hidden = [100, 100]
[train]
epochs = 12
batch_size = 50
[search]
strategy = "coarse-to-fine"
sampler = "random"
trials = 3
rounds = 2
seed = 5
[search.space.lr]
low = 1e-3
high = 1e-1
scale = "log"
"""


def count_epochs(path):
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return db.execute("SELECT count(*) FROM epochs").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def run_and_kill(config_path, session_path, saved=28, planned=72, *more):
    """Start `hyperdesk run` (with `more` arguments) in its own process and SIGKILL it
    once `saved` of its `planned` epochs are saved (by default inside trial 3 of 6, once
    round 1's first trials are saved)."""
    process = subprocess.Popen(
        cli_command("run", config_path, "--session", session_path, *more),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    deadline = time.monotonic() + 120
    while count_epochs(session_path) < saved and time.monotonic() < deadline:
        assert process.poll() is None, "the search ended before it could be killed"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert 0 < count_epochs(session_path) < planned


def test_a_run_killed_mid_search_resumes_to_the_uninterrupted_result(
    capsys, tmp_path, hyperdesk_home
):
    config_path = tmp_path / "slow.toml"
    config_path.write_text(SLOW_CONFIG)
    killed = hyperdesk_home / "sessions" / "killed.hdsession"
    run_and_kill(config_path, killed)

    _, out, _ = run_cli(capsys, "sessions")
    assert "interrupted" in out.splitlines()[1]
    code, _, _ = run_cli(capsys, "resume", killed)
    assert code == 0
    reference = tmp_path / "reference.hdsession"
    run_cli(capsys, "run", config_path, "--session", reference)
    trials, epochs = session_contents(killed)
    assert (trials, epochs) == session_contents(reference)
    assert [t[1] for t in trials] == ["complete"] * 6
    assert sorted(epochs) == [1, 2, 3, 4, 5, 6]
    assert all([r[0] for r in records] == list(range(1, 13)) for records in epochs.values())


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_saves_what_finished_and_exits_130(tmp_path, tiny_config, stop):
    session_path = tmp_path / "stopped.hdsession"
    process = subprocess.Popen(
        cli_command(
            "run",
            tiny_config,
            "--session",
            session_path,
            "--set",
            "train.epochs=200",
            "--set",
            "search.trials=3",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    while count_epochs(session_path) < 5:
        assert process.poll() is None
        time.sleep(0.01)
    process.send_signal(stop)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert f"hyperdesk resume {session_path}" in err
    with Session.open(session_path, writable=False) as session:
        assert session.status() == "interrupted"
        assert session.trials()[-1].status == "interrupted"
        assert count_epochs(session_path) >= 5


def test_conditional_settings_are_blank_where_they_do_not_apply(capsys, tiny_config, tmp_path):
    session_path = tmp_path / "c.hdsession"
    code, _, _ = run_cli(
        capsys,
        "run",
        tiny_config,
        "--session",
        session_path,
        "--set",
        'search.space.optimizer.values=["sgd", "momentum"]',
        "--set",
        "search.space.momentum.low=0.5",
        "--set",
        "search.space.momentum.high=0.95",
        "--set",
        "search.trials=8",
    )
    assert code == 0
    run_cli(capsys, "export", session_path, "--csv", tmp_path / "r.csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text())))
    assert {row["optimizer"] for row in rows} == {"sgd", "momentum"}
    for row in rows:
        assert (row["momentum"] != "") == (row["optimizer"] == "momentum")


def test_bench_reports_the_seed_workload_s_figures_as_json(capsys):
    """Two trials of the seed workload: the figures must fit together and count the
    issue's 18.86 GFLOP per trial, and the work the trainer actually runs besides."""
    code, out, err = run_cli(capsys, "bench", "--trials", 2, "--json")
    assert code == 0
    report = json.loads(out.strip().splitlines()[-1])
    assert report["gflop_per_trial"] == pytest.approx(18.86, abs=0.005)
    assert report["reference_s"] > 0 and report["engine_s"] > 0
    assert report["speedup"] == pytest.approx(report["reference_s"] / report["engine_s"], rel=0.01)
    assert report["gflops"] == pytest.approx(2 * 18.86 / report["engine_s"], rel=0.01)
    assert report["efficiency"] == pytest.approx(report["gflops"] / report["peak_gflops"], rel=0.01)
    executed = report["gflop_per_trial_executed"]
    assert 0.5 * report["gflop_per_trial"] < executed < report["gflop_per_trial"]
    assert report["efficiency_executed"] == pytest.approx(
        report["efficiency"] * executed / report["gflop_per_trial"], rel=0.01
    )
    assert "(a) reference" in err and "(b) engine" in err and "(c) float32" in err
    assert "(d) one training step" in err and report["step_products_ceiling"] > 0
    # What the search's own process spent, and the textbook's second pass beside.
    assert 0 < report["start_up_s"] < report["engine_s"]
    assert 0 < report["parent_cpu_share"] < 1
    assert report["pass_engine_s"] > 0 and "(e) engine, training figures by a pass" in err
    assert report["running_engine_s"] > 0
    # One training step, alone and stacked as a worker stacks trials (times are not
    # compared: a shared machine's are not to be relied on in a test).
    assert [step["trials"] for step in report["steps"]] == [1, 4]
    for step in report["steps"]:
        assert step["products_us"] > 0 and step["update_flat_us"] > 0
        assert step["beyond_products"] == pytest.approx(
            1 - step["products_us"] / step["step_us"], abs=0.002
        )
    assert err.count("(f) one SGD step of") == 2
    # Evaluation both ways and the search with epochs sent one by one and batched.
    assert report["eval_100_rows_ms"] > 0 and report["eval_rows_ms"] > 0
    assert "(g) evaluating the 100 validation samples" in err
    assert report["epoch_each_s"] > 0 and report["epochs_batched_s"] > 0
    assert report["epoch_each_parent_cpu_s"] > 0 and report["epochs_batched_parent_cpu_s"] > 0
    assert "(h) the search, a message per epoch" in err
    # The whole run's memory, the search process and its workers (Linux): at least the
    # mapped split's MB, which are those of 500 samples' used features in float32.
    assert (
        report["run_peak_mb"] > report["data_mb"] == round(500 * executed_inputs(err) * 4 / 2**20)
    )


def test_bench_engine_only_measures_the_engine_s_search_alone(capsys):
    """For scaling measurements: no reference run, and none of the four searches that
    compare training figures and epoch messages (a 1,000-trial bench would run five)."""
    code, out, err = run_cli(
        capsys, "bench", "--trials", 2, "--epochs", 2, "--engine-only", "--json"
    )
    assert code == 0
    report = json.loads(out.strip().splitlines()[-1])
    assert report["engine_s"] > 0 and report["reference_s"] is None
    assert report["pass_engine_s"] is None and report["epochs_batched_s"] is None
    assert "(b) engine" in err and "(e) engine" not in err and "(h) the search" not in err


def executed_inputs(err):
    return 784 - int(re.search(r"leaving out the (\d+) of 784", err).group(1))


def test_bench_on_a_dataset_not_downloaded_says_how_to_fill_the_cache(capsys, hyperdesk_home):
    code, _, err = run_cli(capsys, "bench", "--dataset", "mnist")
    assert code == 2
    assert "downloads nothing" in err and str(hyperdesk_home / "cache" / "mnist") in err


def test_a_nan_setting_exits_2_naming_the_key(capsys, tiny_config):
    code, _, err = run_cli(capsys, "run", tiny_config, "--set", "data.validation=nan")
    assert code == 2
    assert "data.validation" in err and "Traceback" not in err


DAMAGES = {
    "params not JSON": "UPDATE trials SET params = '{x' WHERE number = 1",
    "planned trials not a number": "UPDATE meta SET value = 'many' WHERE key = 'planned_trials'",
    "a score that is text": "UPDATE trials SET final_val_acc = 'high' WHERE number = 1",
    "no config": "DELETE FROM meta WHERE key = 'config'",
    "schema version 0": "UPDATE meta SET value = '0' WHERE key = 'schema_version'",
    "config not TOML": "UPDATE meta SET value = '[search' WHERE key = 'config'",
    "config with an unknown key": "UPDATE meta SET value = 'colour = 1' WHERE key = 'config'",
    "an unknown status": "UPDATE trials SET status = 'weird' WHERE number = 1",
    "an epoch that is text": "UPDATE epochs SET val_acc = 'x' WHERE trial = 1",
}


@pytest.fixture
def good_session(capsys, tiny_config, hyperdesk_home):
    code, _, _ = run_cli(capsys, "run", tiny_config, "--name", "good")
    assert code == 0
    (path,) = (hyperdesk_home / "sessions").glob("good-*.hdsession")
    return path


def damaged_copy(good, name, statement):
    bad = good.with_name(f"{name.replace(' ', '-')}.hdsession")
    shutil.copy(good, bad)
    db = sqlite3.connect(bad)
    with db:
        db.execute(statement)
    db.close()
    return bad


def test_one_damaged_session_never_hides_the_others(capsys, good_session):
    bads = [damaged_copy(good_session, name, sql) for name, sql in DAMAGES.items()]
    code, out, err = run_cli(capsys, "sessions")
    assert code == 0 and "Traceback" not in err
    lines = out.splitlines()
    assert any(line.startswith("good ") and "complete" in line for line in lines)
    for bad in bads:
        (line,) = [line for line in lines if str(bad) in line]
        assert "unreadable" in line and "(" in line  # marked, with its reason
    # Every command on a damaged file exits 3 (a bad session), never 2 or a traceback,
    # and reading leaves nothing beside it.
    before = sorted(p.name for p in good_session.parent.iterdir())
    for bad in bads:
        if "planned" in bad.name:
            continue  # export does not need the plan; `sessions` and opening do
        code, _, err = run_cli(capsys, "export", bad, "--csv", bad.with_suffix(".csv"))
        assert code == 3, (bad.name, err)
        assert "Traceback" not in err
    assert sorted(p.name for p in good_session.parent.iterdir()) == before


def test_a_note_is_refused_on_a_session_compare_refuses(capsys, good_session):
    """note wrote into a session whose stored config is damaged, which compare refused."""
    bad = damaged_copy(good_session, "config not TOML", DAMAGES["config not TOML"])
    code, _, err = run_cli(capsys, "compare", good_session, bad)
    assert code == 3
    code, _, err = run_cli(capsys, "note", bad, "-m", "looks fine")
    assert code == 3 and "Traceback" not in err
    with sqlite3.connect(bad) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'note'").fetchone() is None


def test_a_named_pipe_called_like_a_session_is_refused_at_once(capsys, hyperdesk_home):
    folder = hyperdesk_home / "sessions"
    folder.mkdir(parents=True)
    pipe = folder / "x.hdsession"
    os.mkfifo(pipe)
    for command in (["resume", pipe], ["export", pipe, "--csv", "out.csv"], ["evaluate", pipe]):
        code, _, err = run_cli(capsys, *command)
        assert code == 3 and "not a regular file" in err
    code, out, _ = run_cli(capsys, "sessions")
    assert code == 0 and "unreadable" in out


def test_a_long_name_is_refused_and_a_long_file_name_cut(capsys, tiny_config, hyperdesk_home):
    code, _, err = run_cli(capsys, "run", tiny_config, "--name", "x" * 300)
    assert code == 2 and "--name" in err
    code, _, _ = run_cli(capsys, "run", tiny_config, "--name", "y" * 150)
    assert code == 0
    (path,) = (hyperdesk_home / "sessions").glob("y*.hdsession")
    assert len(path.name) < 100
    with Session.open(path, writable=False) as session:
        assert session.name == "y" * 150  # the name as typed; only the file name is cut


def test_session_names_are_listed_with_control_characters_escaped(
    capsys, tiny_config, hyperdesk_home
):
    name = "evil\x1b[31mred\nnext line"
    assert run_cli(capsys, "run", tiny_config, "--name", name)[0] == 0
    out = run_cli(capsys, "sessions")[1]
    assert "\x1b" not in out
    assert "evil\\x1b[31mred\\nnext line" in out
    assert len(out.splitlines()) == 2  # the header and one session, on one line


def test_export_never_writes_through_a_planted_link(capsys, good_session, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    target = tmp_path / "out.csv"
    (tmp_path / "out.csv.partial").symlink_to(victim)
    code, _, _ = run_cli(capsys, "export", good_session, "--csv", target)
    assert code == 0
    assert victim.read_text() == "keep me"
    assert target.read_text().startswith("number,")
    assert not list(tmp_path.glob(".out.csv.*"))  # no temporary file left


def test_a_failed_export_leaves_no_partial_file(capsys, good_session, tmp_path):
    folder = tmp_path / "exports"
    taken = folder / "out.csv"
    taken.mkdir(parents=True)  # a folder where the file should go: fails, as root too
    code, _, err = run_cli(capsys, "export", good_session, "--csv", taken)
    assert code == 2 and "cannot write" in err
    assert [p.name for p in folder.iterdir()] == ["out.csv"]


def test_when_every_trial_diverged_the_summary_says_so(capsys, tiny_config):
    code, out, _ = run_cli(
        capsys,
        "run",
        tiny_config,
        "--set",
        "model.init=1e20",  # weights this large overflow the loss at once
    )
    assert code == 0
    assert "No trial has a score: of 4 trials, 4 diverged" in out
    assert "Best-" not in out


def test_a_kill_as_the_session_file_appears_leaves_a_whole_session_or_none(tmp_path, tiny_config):
    """SIGKILL within moments of the file appearing once left a stub (6 kills in 25)
    that could never be resumed or opened. The file now appears complete, or not at all."""
    command = cli_command("run", tiny_config)
    for attempt in range(8):
        path = tmp_path / f"k{attempt}.hdsession"
        process = subprocess.Popen(
            [*command, "--session", str(path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while not path.exists() and process.poll() is None:
            pass  # no sleep: kill as close to the file's appearance as this loop can
        process.kill()
        process.wait()
        Session.check(path)
        with Session.open(path, writable=False) as session:
            assert session.config.search.trials == 4
    code = subprocess.run(cli_command("resume", path), capture_output=True).returncode
    assert code == 0


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("model.hidden=[10000000]", "model.hidden"),
        ("train.repeats=1000000", "train.repeats"),
        ("search.space.hidden_units.high=100000000", "search.space"),
    ],
)
def test_a_search_too_large_for_memory_exits_2_before_any_file(
    capsys, tiny_config, hyperdesk_home, override, key
):
    extra = ["--set", "search.space.hidden_units.low=16"] if "hidden_units" in override else []
    code, _, err = run_cli(capsys, "run", tiny_config, "--set", override, *extra)
    assert code == 2
    assert f"{key}: this search needs about" in err and "MB free" in err
    assert not (hyperdesk_home / "sessions").exists() or not any(
        (hyperdesk_home / "sessions").iterdir()
    )


def test_a_grid_of_a_trillion_points_is_refused_without_building_it():
    from hyperdesk.core import config as config_module

    with pytest.raises(config_module.ConfigError, match="1,000,000,000,000 points"):
        config_module.loads(
            config_module.example_text("seed"),
            ['search.strategy="grid"', "search.points=1000000"],
        )


def claimed_by(path, owner):
    """Mark a session as running, claimed by `owner` (pid@host), as a crash leaves it."""
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE meta SET value = 'running' WHERE key = 'state'")
        db.execute("UPDATE meta SET value = ? WHERE key = 'owner'", (owner,))
    db.close()


def test_a_lock_whose_pid_now_belongs_to_another_process_does_not_block(capsys, good_session):
    """The dead search's pid was reused (pid 1 always runs): the session was locked for
    ever (exit 4). No process holds its OS lock, so it is free to resume."""
    claimed_by(good_session, f"1@{socket.gethostname()}")
    assert "interrupted" in run_cli(capsys, "sessions")[1]
    code, _, err = run_cli(capsys, "resume", good_session)
    assert code == 0, err


def test_a_lock_from_another_host_is_taken_over_only_with_force(capsys, good_session):
    claimed_by(good_session, "4242@another-computer")
    code, _, err = run_cli(capsys, "resume", good_session)
    assert code == 4
    assert "another-computer" in err and "--force" in err
    code, _, err = run_cli(capsys, "resume", "--force", good_session)
    assert code == 0, err
    with Session.open(good_session, writable=False) as session:
        assert session.status() == "complete"


@pytest.mark.parametrize(
    "changes", [["--set", "search.trials=6"], ["--enqueue", "lr=0.01,weight_decay=1e-6"]]
)
def test_force_takes_over_with_a_change_of_search_too(capsys, good_session, changes):
    """--force worked with a plain resume only: with --set or --enqueue it said exit 4,
    'stop it first', without a word of --force."""
    claimed_by(good_session, "4242@another-computer")
    code, _, err = run_cli(capsys, "resume", good_session, *changes)
    assert code == 4 and "--force" in err
    code, _, err = run_cli(capsys, "resume", "--force", good_session, *changes)
    assert code == 0, err
    with Session.open(good_session, writable=False) as session:
        assert session.status() == "complete"


def test_two_runs_of_one_session_file_at_once_the_second_gets_exit_4(tmp_path, tiny_config):
    path = tmp_path / "both.hdsession"
    command = cli_command("run", tiny_config, "--session", path, "--set", "train.epochs=300")
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while count_epochs(path) < 1:
        assert first.poll() is None
        time.sleep(0.01)
    second = subprocess.run(command, capture_output=True, text=True, timeout=60)
    first.send_signal(signal.SIGINT)
    first.communicate(timeout=60)
    assert second.returncode == 4
    assert "another process is running" in second.stderr
    assert "Traceback" not in second.stderr


def cli_process(*args):
    return subprocess.Popen(
        cli_command(*args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


@pytest.mark.slow
@pytest.mark.parametrize("rule", ["asha", "hyperband", "median"])
def test_early_stopping_resumes_to_the_uninterrupted_search_wherever_it_was_killed(tmp_path, rule):
    """ASHA and Hyperband resumed to a different search (355-430 epochs instead of 345,
    trials complete that were pruned): the replay left out the rungs successive halving
    notes of each trial. With one worker, early stopping is exactly reproducible."""
    settings = [
        "--workers",
        "1",
        "--set",
        f"search.early_stopping.rule={rule}",
        "--set",
        "search.trials=40",
        "--set",
        "train.epochs=20",
    ]
    reference = tmp_path / "reference.hdsession"
    assert cli_process("run", "--example", "seed", *settings, "--session", reference).wait() == 0
    expected = session_contents(reference)
    total = sum(len(records) for records in expected[1].values())
    for cut in (total // 5, total // 2):
        path = tmp_path / f"killed-{cut}.hdsession"
        process = cli_process("run", "--example", "seed", *settings, "--session", path)
        while count_epochs(path) < cut:
            assert process.poll() is None, "the search ended before it could be killed"
            time.sleep(0.005)
        process.kill()
        process.wait()
        resumed = subprocess.run(
            cli_command("resume", path, "--workers", "1"),
            capture_output=True,
            text=True,
        )
        assert resumed.returncode == 0, resumed.stderr
        trials, epochs = session_contents(path)
        differing = [pair for pair in zip(trials, expected[0], strict=True) if pair[0] != pair[1]]
        assert not differing, f"killed after {cut} epochs: {differing[:2]}"
        assert epochs == expected[1]


def test_a_warm_start_reads_the_earlier_session_once_and_refuses_what_cannot_teach(
    capsys, tiny_config, tmp_path
):
    earlier = tmp_path / "a.hdsession"
    run_cli(capsys, "run", tiny_config, "--session", earlier)
    warm = tmp_path / "b.hdsession"
    tpe = 'search.strategy="tpe"'
    code, _, _ = run_cli(
        capsys, "run", tiny_config, "--session", warm, "--set", tpe, "--warm-start", earlier
    )
    assert code == 0
    with Session.open(warm, writable=False) as session:
        stored = session.config.search
    # Kept in the session: a resume replays what it knew, whatever the earlier one holds.
    assert stored.warm_start == str(earlier.resolve()) and len(stored.prior) == 4
    code, _, err = run_cli(capsys, "run", tiny_config, "--warm-start", earlier)
    assert code == 2 and "only TPE learns from earlier trials" in err
    code, _, err = run_cli(
        capsys, "run", tiny_config, "--set", tpe, "--set", "train.epochs=5", "--warm-start", earlier
    )
    assert code == 2 and "train.epochs differ" in err
    code, _, err = run_cli(
        capsys, "run", tiny_config, "--set", tpe, "--warm-start", tmp_path / "none.hdsession"
    )
    assert code == 2 and "search.warm_start" in err


def test_output_read_only_in_part_ends_quietly(capsys, tiny_config, hyperdesk_home):
    """`hyperdesk export S --json | head` printed a BrokenPipeError traceback."""
    code, out, _ = run_cli(capsys, "run", tiny_config, "--json")
    assert code == 0
    session = json.loads(out.splitlines()[-1])["session"]
    writer = subprocess.Popen(
        [sys.executable, "-m", "hyperdesk.core.cli", "export", session, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "HYPERDESK_HOME": str(hyperdesk_home)},
    )
    writer.stdout.close()  # the reader has gone before the first line
    _, err = writer.communicate(timeout=120)
    assert writer.returncode == 0 and b"Traceback" not in err, err.decode()
