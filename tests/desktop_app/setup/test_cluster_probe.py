"""The window on a Dask cluster (a LocalCluster of two worker processes, loopback):
Connect lists its workers and links its dashboard; a search started there streams its
epochs into the table and ends as it would on this computer's workers."""

import pytest
from distributed import LocalCluster

from tests.desktop_app.helpers import load, run_to_end


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
    ) as cluster:
        yield cluster


def on_cluster(cluster):
    return ['run.executor="dask"', f'run.address="{cluster.scheduler_address}"']


def test_connect_shows_the_workers_and_the_dashboard(qtbot, window, cluster):
    load(window, on_cluster(cluster))
    setup = window.setup
    assert setup.cluster_row.isVisibleTo(setup)
    with qtbot.waitSignal(window.cluster_probe.found, timeout=20_000):
        setup.connect_button.click()
    text = setup.cluster_label.text()
    assert "2 workers, 2 cores" in text
    assert all(address in text for address in cluster.scheduler_info["workers"])
    assert 'href="http://' in text and "Dask dashboard" in text
    assert setup.connect_button.isEnabled()


def test_connect_says_when_no_scheduler_answers(qtbot, window):
    load(window, ['run.executor="dask"', 'run.address="tcp://127.0.0.1:9"'])
    with qtbot.waitSignal(window.cluster_probe.found, timeout=30_000):
        window.setup.connect_button.click()
    assert (
        "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in window.setup.cluster_label.text()
    )


def test_a_wrong_address_is_named_before_connecting(window):
    load(window)
    window.setup.editors["run.executor"].set_value("dask")
    window.setup.editors["run.address"].set_value("127.0.0.1")
    assert window.setup.run_config() is None
    assert "tcp://HOST:PORT" in window.setup.errors["run.address"].toolTip()


def test_a_search_on_the_cluster_fills_the_window_as_a_local_one(qtbot, window, cluster):
    load(window, ["search.trials=6", *on_cluster(cluster)])
    assert run_to_end(qtbot, window) == "complete"
    results = window.model.results
    assert len(results.trials) == 6
    assert all(trial.epoch_count == 3 for trial in results.trials.values())


def test_a_session_stopped_on_the_cluster_resumes_on_this_computer(qtbot, window, cluster):
    from PySide6.QtCore import Qt

    # With early stopping each task waits for the runner's verdict after every epoch, and
    # the stop below is asked on the runner's thread before it gives the first one: the
    # trials cannot end before it reaches them, however fast this machine is.
    waiting = ['search.early_stopping.rule="median"', "search.early_stopping.warmup=100"]
    load(window, ["search.trials=6", "train.epochs=30", *waiting, *on_cluster(cluster)])
    with qtbot.waitSignal(window.controller.searchEnded, timeout=60_000) as ended:
        window.start()
        worker = window.controller.worker
        worker.epochRecorded.connect(
            lambda number, record: worker.request_stop(), Qt.ConnectionType.DirectConnection
        )
    assert ended.args[0] == "interrupted"
    # Where it runs, changed in the setup, is where the resume trains.
    window.setup.editors["run.executor"].set_value("local")
    assert window.controller.executor.executor == "local"
    with qtbot.waitSignal(window.controller.searchEnded, timeout=60_000) as ended:
        window.controller.resume()
    assert ended.args[0] == "complete"
    assert all(trial.status == "complete" for trial in window.model.results.trials.values())


def test_an_unencrypted_address_of_another_machine_is_warned_about_before_start(window):
    load(window, ['run.executor="dask"', 'run.address="tcp://10.1.2.3:8786"'])
    text = window.setup_column.cost_label.text()
    assert "on the Dask cluster at tcp://10.1.2.3:8786" in text
    assert "Warning" in text and "without encryption" in text
