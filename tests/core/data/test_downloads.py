"""Full MNIST and Fashion-MNIST downloads, tested against a server on 127.0.0.1 that
serves small generated IDX files: a good download, a wrong checksum, a connection
dropped halfway, no server at all."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from hyperdesk.core.config import DataConfig
from hyperdesk.core.data import downloads
from hyperdesk.core.data.datasets import DatasetError, read_idx
from hyperdesk.core.data.splits import load_split, load_test_split
from tests.core.cli.test_cli import run_cli


def cached(hyperdesk_home):
    folder = hyperdesk_home / "cache" / "mnist"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_a_dataset_downloads_once_checked_and_is_read_from_the_cache(served, hyperdesk_home):
    reports = []
    found = downloads.fetch("mnist", report=lambda *a: reports.append(a))
    assert sorted(found) == sorted(downloads.FILES)
    assert cached(hyperdesk_home) == sorted(downloads.FILES)
    assert reports and reports[-1][1] == reports[-1][2]  # done == total at the end
    asked = served["requests"]
    split = load_split(DataConfig(dataset="mnist", samples=80, validation=0.25))
    assert served["requests"] == asked  # from the cache
    assert split.x_train.shape == (60, 784) and split.x_val.shape == (20, 784)


def test_the_official_test_split_is_the_test_files_and_the_search_never_sees_them(
    served, hyperdesk_home, tmp_path
):
    data = DataConfig(dataset="mnist", samples="all", validation=0.25, test="official")
    assert data.sample_count == 60  # the training files' samples
    split = load_split(data)
    final = load_test_split(data)
    test_images = read_idx(tmp_path / "served" / "t10k-images-idx3-ubyte.gz", 3)
    np.testing.assert_array_equal(final.x_val * 255, test_images.reshape(20, -1))
    assert len(final.x_train) == 60  # training + validation of the search
    searched = {row.tobytes() for row in np.concatenate([split.x_train, split.x_val])}
    assert not searched & {row.tobytes() for row in final.x_val}
    assert len(searched) == 60


def test_a_wrong_checksum_keeps_nothing_and_says_so(served, hyperdesk_home):
    served["mode"] = "corrupt"
    with pytest.raises(DatasetError, match="is not the file it should be"):
        downloads.fetch("mnist")
    assert cached(hyperdesk_home) == []


def test_a_dropped_connection_leaves_no_partial_file_and_the_next_try_starts_clean(
    served, hyperdesk_home
):
    served["mode"] = "drop"
    with pytest.raises(DatasetError, match="cannot download MNIST") as raised:
        downloads.fetch("mnist")
    assert str(hyperdesk_home / "cache" / "mnist") in str(raised.value)  # where to put them
    assert cached(hyperdesk_home) == []
    served["mode"] = "good"
    assert len(downloads.fetch("mnist")) == 4


def test_without_a_network_run_names_the_cache_folder_and_starts_nothing(
    capsys, monkeypatch, hyperdesk_home
):
    monkeypatch.setenv(downloads.MIRROR_VARIABLE, "http://127.0.0.1:9/")  # nothing listens
    code, _, err = run_cli(capsys, "run", "--example", "seed", "--set", 'data.dataset="mnist"')
    assert code == 2
    assert "cannot download MNIST" in err and str(hyperdesk_home / "cache" / "mnist") in err
    assert not (hyperdesk_home / "sessions").exists()


def test_run_downloads_with_progress_then_trains(capsys, served, hyperdesk_home):
    code, _, err = run_cli(
        capsys,
        "run",
        "--example",
        "seed",
        "--set",
        'data.dataset="mnist"',
        "--set",
        "data.samples=80",
        "--set",
        "search.trials=2",
        "--set",
        "train.epochs=2",
    )
    assert code == 0, err
    assert "Downloading train-images-idx3-ubyte.gz" in err


def test_a_cancelled_download_keeps_nothing(served, hyperdesk_home):
    def cancel(*args):
        raise downloads.DownloadCancelled

    with pytest.raises(downloads.DownloadCancelled):
        downloads.fetch("mnist", report=cancel)
    assert cached(hyperdesk_home) == []
    assert downloads.needs_download("mnist", "")
    downloads.fetch("mnist")
    assert not downloads.needs_download("mnist", "")


@pytest.mark.parametrize(
    ("mode", "largest", "words"),
    [
        ("endless", 1 << 20, "sent more than the 1,048,576 bytes any of these files has"),
        ("huge", 1 << 20, "announces 10,737,418,240 bytes"),
        ("trickle", 64 << 20, "the download stalled"),
    ],
)
def test_a_hostile_server_is_stopped_and_leaves_nothing(
    served, hyperdesk_home, monkeypatch, mode, largest, words
):
    """An endless body wrote 7.5 GB in 60 s; one byte a second with ten million
    announced hung; each left its partial file. The rules, at a test's size."""
    monkeypatch.setattr(downloads, "MAX_FILE_BYTES", largest)
    monkeypatch.setattr(downloads, "STALL_SECONDS", 1)
    served["mode"] = mode
    with pytest.raises(DatasetError, match=words):
        downloads.fetch("mnist")
    assert cached(hyperdesk_home) == []


def test_a_mirror_that_is_no_web_address_is_named(hyperdesk_home, monkeypatch):
    monkeypatch.setenv(downloads.MIRROR_VARIABLE, "not a url")
    with pytest.raises(DatasetError, match="not a web address"):
        downloads.fetch("mnist")


def test_sigterm_ends_a_download_at_once_and_leaves_nothing(served, hyperdesk_home, tmp_path):
    served["mode"] = "trickle"
    config = tmp_path / "mnist.toml"
    config.write_text('[data]\ndataset = "mnist"\n')
    command = [sys.executable, "-m", "hyperdesk.core.cli", "run", str(config)]
    env = {**os.environ, "HYPERDESK_HOME": str(hyperdesk_home)}
    downloading = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
    folder = hyperdesk_home / "cache" / "mnist"
    deadline = time.monotonic() + 60
    while not (folder.exists() and any(folder.iterdir())):  # its partial file is there
        assert downloading.poll() is None and time.monotonic() < deadline
        time.sleep(0.1)
    downloading.send_signal(signal.SIGTERM)
    _, err = downloading.communicate(timeout=10)
    assert downloading.returncode == 130, err.decode()
    assert "interrupted" in err.decode() and cached(hyperdesk_home) == []
