"""The worker processes: same results whatever their number, and a dead worker costs
only its trial, which resume completes."""

import os
import signal
import time
from dataclasses import replace

import pytest

from hyperdesk.core import config as config_module
from hyperdesk.core.execution import pool as pool_module
from hyperdesk.core.execution.control import RunControl
from hyperdesk.core.execution.pool import TrialPool, TrialTask
from hyperdesk.core.execution.runner import SearchRunner, TrialError
from hyperdesk.core.search.registry import make_strategy
from hyperdesk.core.storage.session import Session
from hyperdesk.core.training.network import NetworkSpec
from hyperdesk.core.training.settings import TrainSettings
from tests.conftest import TINY_CONFIG
from tests.core.cli.test_cli import session_contents

CONFIG = config_module.loads(
    TINY_CONFIG,
    [
        "search.trials=6",
        "train.epochs=4",
        'search.strategy="coarse-to-fine"',
        'search.sampler="random"',
        "search.rounds=2",
        "search.trials=3",
    ],
)


def new_session(path, config=CONFIG):
    return Session.create(path, "t", config.to_toml(), make_strategy(config.search).planned)


def test_records_are_identical_with_one_and_two_workers(tmp_path):
    for name, workers in (("one", 1), ("two", 2)):
        with new_session(tmp_path / f"{name}.hdsession") as session:
            outcome = SearchRunner(session, workers=workers).run()
            assert outcome.state == "complete"
    one = session_contents(tmp_path / "one.hdsession")
    assert one == session_contents(tmp_path / "two.hdsession")
    assert [trial[4] for trial in one[0]] == [1, 1, 1, 2, 2, 2]


def run_with(tmp_path, name, config, on_epoch, workers=2):
    control = RunControl()
    with (
        TrialPool(workers, control) as pool,
        new_session(tmp_path / f"{name}.hdsession", config) as session,
    ):
        return SearchRunner(
            session, control, on_epoch=lambda *a: on_epoch(pool, *a), pool=pool
        ).run(), control


def worker_of(pool, number):
    return next(worker for worker in pool.workers if number in worker.trials)


def stopping_trial_two(stopped, then=lambda: None):
    """An on_epoch that stops (SIGSTOP) trial 2's worker at its third epoch, once."""

    def on_epoch(pool, number, record):
        if number == 2 and record.epoch == 3 and not stopped:
            worker = worker_of(pool, 2)
            os.kill(worker.process.pid, signal.SIGSTOP)
            stopped.append(worker.process)
            then()

    return on_epoch


# Long enough that trial 2 is still training when its third epoch is read.
LONG = ["search.trials=5", "train.epochs=300"]


def test_a_killed_workers_trial_is_trained_again_by_another_to_the_same_result(tmp_path):
    config = config_module.loads(TINY_CONFIG, LONG)
    killed = []

    def kill_trial_two(pool, number, record):
        if number == 2 and record.epoch == 3 and not killed:
            worker = worker_of(pool, 2)
            os.kill(worker.process.pid, signal.SIGKILL)
            killed.append(worker.process.pid)

    outcome, _ = run_with(tmp_path, "k", config, kill_trial_two)
    assert killed
    assert outcome.state == "complete"
    assert all(trial.status == "complete" for trial in outcome.trials)
    with new_session(tmp_path / "reference.hdsession", config) as session:
        SearchRunner(session, workers=2).run()
    assert session_contents(tmp_path / "k.hdsession") == session_contents(
        tmp_path / "reference.hdsession"
    )


def test_a_worker_that_goes_silent_is_declared_lost_and_its_trial_reruns(tmp_path, monkeypatch):
    """One worker stopped with SIGSTOP made the run wait for ever."""
    monkeypatch.setattr(pool_module, "SILENCE_FLOOR", 1.0)
    config = config_module.loads(TINY_CONFIG, LONG)
    stopped = []
    outcome, _ = run_with(tmp_path, "s", config, stopping_trial_two(stopped))
    assert stopped and not stopped[0].is_alive()  # killed, not left stopped
    assert outcome.state == "complete"
    assert all(trial.status == "complete" for trial in outcome.trials)


def test_a_stop_ends_the_run_even_when_a_worker_cannot_answer(tmp_path):
    """Ctrl+C with a stopped worker was ignored for 30 s and more: the run waited for
    the worker to end its step. It gets a moment, then is killed."""
    config = config_module.loads(TINY_CONFIG, LONG)
    stopped = []
    control = RunControl()
    on_epoch = stopping_trial_two(stopped, then=control.stop)
    with TrialPool(2, control) as pool, new_session(tmp_path / "c.hdsession", config) as session:
        outcome = SearchRunner(
            session, control, on_epoch=lambda *a: on_epoch(pool, *a), pool=pool
        ).run()
    assert outcome.state == "interrupted"
    assert {trial.number: trial.status for trial in outcome.trials}[2] == "interrupted"
    assert not stopped[0].is_alive()


def test_an_exception_in_a_worker_stops_the_search_with_its_traceback(tmp_path):
    # An optimizer name the config would refuse reaches the worker only by mistake:
    # the search must stop with the worker's traceback, not hang.
    from hyperdesk.core.execution.pool import TrialTask

    control = RunControl()
    with TrialPool(1, control) as pool:
        pool.submit(
            TrialTask(
                CONFIG.data,
                (1,),
                (0,),
                (NetworkSpec(784, (4,), 10),),
                (TrainSettings(1, 10, "adamw", 0.1),),
            )
        )
        events = []
        while not events:
            events = pool.events()
    kind, number, details = events[0]
    assert (kind, number) == ("error", 1)
    assert "unknown optimizer 'adamw'" in details


def test_runner_raises_trial_error_for_a_failed_trial(tmp_path, monkeypatch):
    real_submit = pool_module.TrialPool.submit

    def broken(self, task, patience=0.0):
        wrong = tuple(replace(settings, optimizer="adamw") for settings in task.settings)
        real_submit(self, replace(task, settings=wrong), patience)

    monkeypatch.setattr(pool_module.TrialPool, "submit", broken)
    with (
        new_session(tmp_path / "f.hdsession") as session,
        pytest.raises(TrialError, match="unknown optimizer"),
    ):
        SearchRunner(session, workers=1).run()
    with Session.open(tmp_path / "f.hdsession", writable=False) as session:
        assert session.trials()[0].status == "failed"
        assert session.status() == "interrupted"


def test_a_worker_that_finishes_its_task_wakes_the_pool_at_once():
    """The runner waits between batches of epochs; a finished task must end that wait,
    or the worker would idle until the batch interval is up."""
    network, settings = NetworkSpec(784, (4,), 10), TrainSettings(2, 50, "sgd", 0.1)
    with TrialPool(1, RunControl()) as pool:
        pool.submit(TrialTask(CONFIG.data, (1,), (0,), (network,), (settings,)))
        assert pool.wait_for_a_finish(timeout=120), "the wait ran out instead of being woken"
        events = pool.events()
        assert ("end", 1, "complete") in events
        assert pool.idle == 1


PAUSED = 2.0  # seconds, longer than the silence a worker is allowed below


def test_pause_holds_workers_between_steps_and_stop_interrupts(monkeypatch):
    """A pause longer than a worker may stay silent does not get it killed, and the time
    paused is not counted in any epoch's seconds (0.5 s epochs read 4.8 s)."""
    monkeypatch.setattr(pool_module, "SILENCE_FLOOR", 1.0)
    monkeypatch.setattr(pool_module, "SILENCE_EPOCHS", 1)
    config = config_module.loads(TINY_CONFIG, ["train.epochs=2000", "search.trials=1"])
    network, settings = config.trial_settings({"lr": 0.01})
    control = RunControl()
    with TrialPool(1, control) as pool:
        pool.submit(TrialTask(config.data, (1,), (0,), (network,), (settings,)))
        seen = []
        while len(seen) < 3:
            seen += pool.events()
        control.pause()
        time.sleep(0.2)  # the epoch in flight, if any, lands
        pool.events()
        paused_until = time.monotonic() + PAUSED
        while time.monotonic() < paused_until:
            assert pool.events() == []  # held: nothing trains while paused
        assert pool.workers[0].process.is_alive()
        control.resume()
        deadline = time.monotonic() + 30
        after = []
        while len(after) < 2:
            after += [event for event in pool.events() if event[0] == "epoch"]
            assert time.monotonic() < deadline
        # An epoch that counted the pause would read at least PAUSED seconds.
        assert all(event[2].seconds < PAUSED for event in after)
        control.stop()
        ends = []
        while not any(event[0] == "end" for event in ends):
            ends += pool.events()
        assert ends[-1] == ("end", 1, "interrupted")


def test_float32_matches_float64_on_the_seed_workload(tmp_path):
    """float32 (the default, for speed) must not change what a search finds: the first
    20 configurations of the seed experiment end within 0.02 of float64 in at least 18."""
    from importlib.resources import files

    seed_text = (files("hyperdesk.resources.examples") / "seed.toml").read_text()
    finals = {}
    for dtype in ("float32", "float64"):
        config = config_module.loads(seed_text, ["search.trials=20", f'train.dtype="{dtype}"'])
        with new_session(tmp_path / f"{dtype}.hdsession", config) as session:
            outcome = SearchRunner(session, workers=2).run()
        finals[dtype] = [trial.final_val_acc for trial in outcome.trials]
    close = [abs(a - b) <= 0.02 for a, b in zip(finals["float32"], finals["float64"], strict=True)]
    assert len(close) == 20
    assert sum(close) >= 18, list(zip(finals["float32"], finals["float64"], strict=True))


def test_a_trial_stopped_by_hand_is_pruned_and_keeps_its_epochs(tmp_path):
    config = config_module.loads(TINY_CONFIG, ["search.trials=4", "train.epochs=200"])
    with new_session(tmp_path / "p.hdsession", config) as session:
        runner = SearchRunner(session, workers=2)
        runner.on_epoch = lambda number, record: (
            runner.prune(number) if number == 2 and record.epoch == 3 else None
        )
        outcome = runner.run()
    statuses = {trial.number: trial.status for trial in outcome.trials}
    assert statuses == {1: "complete", 2: "pruned", 3: "complete", 4: "complete"}
    assert outcome.state == "complete"
    _, epochs = session_contents(tmp_path / "p.hdsession")
    assert 3 <= len(epochs[2]) < 200 and len(epochs[1]) == 200


@pytest.mark.parametrize("rule", ["median", "asha", "hyperband"])
def test_early_stopping_prunes_poor_trials_and_is_reproducible_with_one_worker(tmp_path, rule):
    config = config_module.loads(
        TINY_CONFIG,
        [
            "search.trials=12",
            "train.epochs=20",
            "search.space.lr.low=1e-6",
            f'search.early_stopping.rule="{rule}"',
            "search.early_stopping.warmup=2",
            "search.early_stopping.startup=3",
            "search.early_stopping.min_epochs=2",
        ],
    )
    contents = []
    for name in ("a", "b"):
        with new_session(tmp_path / f"{name}.hdsession", config) as session:
            assert SearchRunner(session, workers=1).run().state == "complete"
        contents.append(session_contents(tmp_path / f"{name}.hdsession"))
    assert contents[0] == contents[1]
    trials, epochs = contents[0]
    pruned = [t[0] for t in trials if t[1] == "pruned"]
    assert pruned, "nothing was stopped early"
    assert all(len(epochs[number]) < 20 for number in pruned)
    assert any(t[1] == "complete" and len(epochs[t[0]]) == 20 for t in trials)


def ask_for_ever(control, asking):
    while True:
        control.should_stop()
        asking.value = 1


def test_a_worker_stopped_while_it_reads_the_controls_never_blocks_the_search():
    """A worker frozen (SIGSTOP) or killed in the middle of should_stop() once held the
    lock of the shared events, and the search waited on it for ever."""
    import threading

    from hyperdesk.core.execution.control import CONTEXT

    control = RunControl()
    asking = CONTEXT.RawValue("b", 0)
    reader = CONTEXT.Process(target=ask_for_ever, args=(control, asking), daemon=True)
    reader.start()
    while not asking.value:  # started and in its loop
        time.sleep(0.01)
    try:
        for _ in range(20):  # freeze it at many points of its loop
            time.sleep(0.013)
            os.kill(reader.pid, signal.SIGSTOP)
            time.sleep(0.01)  # stopped by now
            asked = threading.Thread(
                target=lambda: [control.paused or control.stopped for _ in range(1000)],
                daemon=True,
            )
            asked.start()
            asked.join(timeout=10)
            assert not asked.is_alive(), "the search waited on a frozen worker's lock"
            os.kill(reader.pid, signal.SIGCONT)
    finally:
        reader.kill()


@pytest.mark.parametrize("niceness", [0, 10])
def test_workers_run_as_far_below_this_process_as_asked(niceness):
    own = os.getpriority(os.PRIO_PROCESS, 0)
    with TrialPool(2, RunControl(), niceness) as pool:
        priorities = {os.getpriority(os.PRIO_PROCESS, w.process.pid) for w in pool.workers}
    assert priorities == {min(19, own + niceness)}


def test_a_headless_run_leaves_its_workers_at_its_priority_unless_asked(
    capsys, tmp_path, tiny_config, monkeypatch
):
    from tests.core.cli.test_cli import run_cli

    seen = []
    started = TrialPool.__init__

    def noting(self, workers, control, niceness=pool_module.WINDOW_NICENESS):
        seen.append(niceness)
        started(self, workers, control, niceness)

    monkeypatch.setattr(TrialPool, "__init__", noting)
    assert run_cli(capsys, "run", tiny_config, "--session", tmp_path / "a.hdsession")[0] == 0
    assert (
        run_cli(capsys, "run", tiny_config, "--nice", "7", "--session", tmp_path / "b.hdsession")[0]
        == 0
    )
    assert seen == [0, 7]
