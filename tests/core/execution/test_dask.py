"""Trials on a Dask cluster (a LocalCluster of two worker processes, loopback only): the
same records as local workers, also when a worker is killed mid-trial; a worker of
another version refused before any trial; a lost scheduler leaves a session that
resumes; Stop ends the cluster's tasks."""

import contextlib
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from distributed import Client, LocalCluster, default_client

from hyperdesk.core import config as config_module
from hyperdesk.core.config import RunConfig
from hyperdesk.core.execution import dask_pool
from hyperdesk.core.execution.control import RunControl
from hyperdesk.core.execution.dask_pool import (
    ClusterLost,
    DaskError,
    insecure_warning,
)
from hyperdesk.core.execution.runner import SearchRunner
from hyperdesk.core.execution.user_code import trial_files
from hyperdesk.core.search.registry import make_strategy
from hyperdesk.core.storage.session import Session
from tests.conftest import TINY_CONFIG
from tests.core.cli.test_cli import cli_command, count_epochs, run_cli, session_contents

SEARCH = ["search.trials=8", "train.epochs=12"]


def make_cluster():
    return LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=50,
    )


@pytest.fixture(scope="module")
def cluster():
    with make_cluster() as cluster:
        yield cluster


def run_search(path, overrides=(), control=None, on_epoch=None, on_trial_start=None):
    config = config_module.loads(TINY_CONFIG, [*SEARCH, *overrides])
    planned = make_strategy(config.search).planned
    with Session.create(path, "t", config.to_toml(), planned) as session:
        runner = SearchRunner(
            session, control, on_trial_start=on_trial_start, on_epoch=on_epoch, workers=2
        )
        return runner.run()


def on_cluster(cluster):
    return ['run.executor="dask"', f'run.address="{cluster.scheduler_address}"']


@pytest.fixture(scope="module")
def local_reference(tmp_path_factory):
    path = tmp_path_factory.mktemp("local") / "local.hdsession"
    assert run_search(path).state == "complete"
    return session_contents(path)


def test_a_search_on_the_cluster_gives_the_local_records(cluster, local_reference, tmp_path):
    path = tmp_path / "dask.hdsession"
    assert run_search(path, on_cluster(cluster)).state == "complete"
    assert session_contents(path) == local_reference


def test_a_local_cluster_started_by_hyperdesk_gives_the_same(local_reference, tmp_path):
    path = tmp_path / "dask.hdsession"
    assert run_search(path, ['run.executor="dask"', 'run.address="local:2"']).state == "complete"
    assert session_contents(path) == local_reference


@pytest.mark.parametrize("every", [False, True], ids=["one worker", "every worker"])
def test_workers_killed_mid_trial_still_end_with_identical_records(tmp_path, every):
    """One worker killed: its tasks go to the other. Every worker killed: the data they
    held is gone with them, and is sent again to the workers their nannies restart."""
    # With early stopping a task waits after each epoch for the runner's verdict, which
    # the runner sends only after on_epoch has returned: a trial whose third epoch
    # on_epoch is told of is still running, whatever the speed of the machine.
    waiting = ['search.early_stopping.rule="median"', "search.early_stopping.warmup=100"]
    reference = tmp_path / "local.hdsession"
    assert run_search(reference, waiting).state == "complete"
    with make_cluster() as cluster, Client(cluster) as client:
        pids = client.run(os.getpid)
        killed = []

        def kill_a_busy_worker(number, record):
            if record.epoch == 3 and not killed:
                training = next(
                    (
                        address
                        for address, keys in client.processing().items()
                        if any(str(number) in key.split("-")[2:-1] for key in keys)
                    ),
                    None,
                )
                if training is None:
                    # That trial ended meanwhile (a diverged one stops at its third
                    # epoch): another's third epoch kills a worker instead.
                    return
                killed.extend(pids if every else [training])
                for address in killed:
                    os.kill(pids[address], signal.SIGKILL)

        path = tmp_path / "killed.hdsession"
        starts = []
        outcome = run_search(
            path,
            [*waiting, *on_cluster(cluster)],
            on_epoch=kill_a_busy_worker,
            on_trial_start=starts.append,
        )
        assert outcome.state == "complete"
    assert killed
    assert len(starts) > 8  # the killed worker's trials were trained again
    assert session_contents(path) == session_contents(reference)


def test_workers_of_another_version_are_refused_before_any_trial(cluster, tmp_path, monkeypatch):
    # What the workers run is this version; the client pretends to be another.
    monkeypatch.setattr(dask_pool, "__version__", "0.0.1")
    path = tmp_path / "refused.hdsession"
    with pytest.raises(DaskError, match=r"\(0\.0\.1\).*has 0\.1\.0") as caught:
        run_search(path, on_cluster(cluster))
    assert "hyperdesk==0.0.1" in str(caught.value)
    with Session.open(path, writable=False) as session:
        assert session.trials() == []


def test_a_lost_scheduler_leaves_a_session_that_resumes(local_reference, tmp_path):
    path = tmp_path / "lost.hdsession"
    cluster = make_cluster()
    epochs = []

    def lose_the_scheduler(number, record):
        epochs.append(number)
        if len(epochs) == 30:
            cluster.close()

    with pytest.raises(ClusterLost, match="lost the Dask scheduler"):
        run_search(path, on_cluster(cluster), on_epoch=lose_the_scheduler)
    with Session.open(path, writable=False) as session:
        assert session.status() == "interrupted"
        assert sum(len(records) for records in session.epochs().values()) >= 30
    with Session.open(path) as session:  # resumed here, on this computer's workers
        assert SearchRunner(session, workers=2, executor=RunConfig()).run().state == "complete"
    assert session_contents(path) == local_reference


def test_a_run_ended_by_an_error_lets_its_client_go(cluster, tmp_path):
    """A client left behind keeps its event loop and answers the next run's futures
    from it (CI once saw "bound to a different event loop" after a failed test)."""

    def fail(number, record):
        raise RuntimeError("the caller failed")

    with pytest.raises(RuntimeError, match="the caller failed"):
        run_search(tmp_path / "s.hdsession", on_cluster(cluster), on_epoch=fail)
    with pytest.raises(ValueError, match="No clients found"):
        default_client()


def test_stop_ends_the_tasks_on_the_cluster(cluster, local_reference, tmp_path):
    control = RunControl()
    epochs = []

    def stop(number, record):
        epochs.append(number)
        if len(epochs) == 25:
            control.stop()

    path = tmp_path / "stopped.hdsession"
    assert run_search(path, on_cluster(cluster), control, stop).state == "interrupted"
    with Client(cluster.scheduler_address) as client:
        deadline = time.monotonic() + 10
        while any(client.processing().values()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(client.processing().values())  # nothing left training
    with Session.open(path) as session:
        assert SearchRunner(session, workers=2, executor=RunConfig()).run().state == "complete"
    assert session_contents(path) == local_reference


def test_run_with_dask_from_the_command_line(cluster, capsys, tiny_config, tmp_path):
    path = tmp_path / "cli.hdsession"
    code, out, _ = run_cli(
        capsys, "run", tiny_config, "--session", path, "--dask", cluster.scheduler_address
    )
    assert code == 0 and "Best-1" in out
    with Session.open(path, writable=False) as session:
        assert session.config.run.address == cluster.scheduler_address
    code, _, err = run_cli(capsys, "run", tiny_config, "--dask", "tcp://127.0.0.1")
    assert code == 2 and "run.address" in err and "tcp://HOST:PORT" in err


def test_a_scheduler_that_cannot_be_reached_leaves_no_session(capsys, tiny_config, tmp_path):
    """Exit 2 means nothing was written: a refused connection left an empty session."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = tmp_path / "never.hdsession"
    code, _, err = run_cli(
        capsys, "run", tiny_config, "--session", path, "--dask", f"tcp://127.0.0.1:{port}"
    )
    assert code == 2 and f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in err
    assert not list(tmp_path.glob("never.hdsession*"))


def a_server_that_is_no_scheduler(answer: bytes):
    """(server socket, its address, the connections it accepted): it answers each
    connection with `answer`, and nothing more."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted = []

    def serve():
        with contextlib.suppress(OSError):
            while True:
                connection, _ = server.accept()
                accepted.append(connection)
                if answer:
                    connection.sendall(answer)

    threading.Thread(target=serve, daemon=True).start()
    return server, f"tcp://127.0.0.1:{server.getsockname()[1]}", accepted


@pytest.mark.parametrize("answer", [b"", os.urandom(4096)], ids=["silent", "garbage"])
def test_a_server_that_is_no_scheduler_is_named_in_bounded_time(
    capsys, tiny_config, tmp_path, monkeypatch, answer
):
    """A server that accepted and never answered kept run waiting until it hung up
    (120 s and more); one sending random bytes gave a ValueError traceback."""
    monkeypatch.setattr(dask_pool, "HANDSHAKE_SECONDS", 3)
    server, address, _ = a_server_that_is_no_scheduler(answer)
    path = tmp_path / "never.hdsession"
    # Unbounded, run would wait for the server to hang up, which it does only after: the
    # test would hang rather than pass slowly.
    code, _, err = run_cli(capsys, "run", tiny_config, "--session", path, "--dask", address)
    server.close()
    assert code == 2 and f"cannot reach the Dask scheduler at {address}" in err
    assert "Traceback" not in err and not list(tmp_path.glob("never.hdsession*"))


def test_sigterm_while_connecting_ends_run_at_once_without_a_session(
    capsys, tiny_config, tmp_path, monkeypatch
):
    """SIGTERM and Ctrl+C went unheard for the whole wait for a silent server."""
    # Without the signal heard, run would give up after this and exit 2.
    monkeypatch.setattr(dask_pool, "HANDSHAKE_SECONDS", 30)
    server, address, accepted = a_server_that_is_no_scheduler(b"")

    def terminate_once_connected():
        while not accepted:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=terminate_once_connected, daemon=True).start()
    path = tmp_path / "never.hdsession"
    code, _, err = run_cli(capsys, "run", tiny_config, "--session", path, "--dask", address)
    server.close()
    assert code == 130 and "interrupted while connecting to Dask; nothing was started" in err
    assert not list(tmp_path.glob("never.hdsession*"))


def test_a_scheduler_without_workers_and_a_killed_one_are_said_without_tracebacks(
    tmp_path, tiny_config
):
    """The outcome of a killed scheduler was right (exit 130, resumable), but two
    distributed.client tracebacks were printed before the message."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dask = str(Path(sys.executable).with_name("dask"))
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [dask, "scheduler", "--port", str(port), "--no-dashboard"], **quiet
    )
    # No worker yet: said so (closing the pool raised an AttributeError), no session left.
    empty = subprocess.run(
        cli_command(
            "run", tiny_config, "--session", tmp_path / "none.hdsession", "--dask", address
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert empty.returncode == 2 and "has no workers" in empty.stderr, empty.stderr
    assert not list(tmp_path.glob("none.hdsession*"))
    worker = subprocess.Popen([dask, "worker", address, "--nthreads", "1"], **quiet)
    with Client(address) as client:
        client.wait_for_workers(1, timeout=60)
    path = tmp_path / "lost.hdsession"
    try:
        run = subprocess.Popen(
            cli_command(
                "run",
                tiny_config,
                "--session",
                path,
                "--set",
                "train.epochs=400",
                "--dask",
                address,
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 120
        while count_epochs(path) < 5:
            assert run.poll() is None, run.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.2)
        scheduler.kill()
        _, err = run.communicate(timeout=120)
    finally:
        for process in (scheduler, worker):
            process.kill()
            process.wait()
    err = err.decode()
    assert run.returncode == 130 and "lost the Dask scheduler" in err
    assert "Traceback" not in err and "distributed.client" not in err


def test_a_local_cluster_larger_than_the_machine_is_refused(capsys, tiny_config):
    """local:100000 started processes for a minute, deaf to SIGTERM."""
    code, _, err = run_cli(capsys, "run", tiny_config, "--dask", "local:100000")
    assert code == 2 and "local:100000 asks for 100,000 processes" in err
    assert f"takes N up to {os.cpu_count()}" in err


def test_an_address_of_another_machine_without_tls_is_warned_about():
    assert insecure_warning(RunConfig("dask", "tcp://127.0.0.1:8786")) is None
    assert insecure_warning(RunConfig("dask", "local:2")) is None
    warning = insecure_warning(RunConfig("dask", "tcp://10.0.0.5:8786"))
    assert "without encryption" in warning and "tls_ca" in warning
    secured = RunConfig("dask", "tls://10.0.0.5:8786", "ca.pem", "cert.pem", "key.pem")
    assert insecure_warning(secured) is None


def test_early_stopping_on_the_cluster_stops_trials_at_the_runners_verdict(cluster, tmp_path):
    path = tmp_path / "asha.hdsession"
    asha = [
        'search.early_stopping.rule="asha"',
        "search.early_stopping.min_epochs=2",
        "search.early_stopping.reduction=3",
    ]
    assert run_search(path, [*asha, *on_cluster(cluster)]).state == "complete"
    with Session.open(path, writable=False) as session:
        trials, epochs = session.trials(), session.epochs()
    pruned = [trial for trial in trials if trial.status == "pruned"]
    assert pruned and len(pruned) < len(trials)
    # Each stopped at a rung, none trained past the epoch its verdict came at.
    assert all(len(epochs[trial.number]) in (2, 6) for trial in pruned)


def test_a_search_over_tls_with_certificate_files(local_reference, tmp_path):
    from distributed.security import Security

    made = Security.temporary()  # a self-signed authority and one certificate for all
    files = {}
    for name, text in (
        ("tls_ca", made.tls_ca_file),
        ("tls_cert", made.tls_client_cert),
        ("tls_key", made.tls_client_key),
    ):
        files[name] = tmp_path / f"{name}.pem"
        files[name].write_text(text)
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=50,
        protocol="tls://",
        security=made,
    ) as cluster:
        assert cluster.scheduler_address.startswith("tls://")
        tls = [f'run.{name}="{path}"' for name, path in files.items()]
        path = tmp_path / "tls.hdsession"
        assert run_search(path, [*on_cluster(cluster), *tls]).state == "complete"
    # Without the certificates a tls:// scheduler is refused by name, before connecting.
    problems = dict(config_module.run_problems(RunConfig("dask", cluster.scheduler_address)))
    assert "tls_cert" in problems["run.tls_ca"]
    assert session_contents(path) == local_reference


def test_without_dask_installed_the_message_says_how_to_install_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(DaskError, match=r"pip install 'hyperdesk\[dask\]'"):
        dask_pool.connect(RunConfig("dask", "local:2"))


def test_pause_holds_the_cluster_s_trials_and_resume_goes_on(cluster, local_reference, tmp_path):
    import threading

    control = RunControl()
    arrivals = []

    def pause_once(number, record):
        arrivals.append(time.monotonic())
        if len(arrivals) == 10:
            control.pause()
            threading.Timer(1.5, control.resume).start()

    path = tmp_path / "paused.hdsession"
    assert run_search(path, on_cluster(cluster), control, pause_once).state == "complete"
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert max(gaps) > 1.0  # nothing trained while paused (what was in flight came in)
    assert session_contents(path) == local_reference


def test_a_training_function_on_the_cluster_reports_what_it_reports_here(
    cluster, capsys, tmp_path, hyperdesk_home
):
    """Its file goes with each task (the workers have no copy); its records, info,
    failures and output come back as a local search's."""
    from tests.core.execution.test_user_code import read, write

    space = '[search.space.lr]\nlow = 0.01\nhigh = 0.3\nscale = "log"'
    config = write(tmp_path, epochs=5, trials=5, space=space)

    def searched(*dask):
        code, out, err = run_cli(capsys, "run", config, "--json", *dask)
        assert code == 0, err
        path = json.loads(out.strip().splitlines()[-1])["session"]
        trials, epochs = read(path)
        figures = [(t.number, t.status, t.params, t.final_extra, t.info) for t in trials]
        untimed = {
            n: [(r.epoch, r.val_acc, r.train_loss, r.extra) for r in rs] for n, rs in epochs.items()
        }
        return path, figures, untimed

    _, local_trials, local_epochs = searched()
    path, trials, epochs = searched("--dask", cluster.scheduler_address)
    assert (trials, epochs) == (local_trials, local_epochs)
    assert [t[1] for t in trials] == ["complete"] * 5
    _, log = trial_files(Path(path), 1)
    assert log.read_text() == "trial 1 starts\n"  # written here, from the worker's output
