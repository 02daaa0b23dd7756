"""A search's split, written once to the cache and mapped by every worker: the same
records as a split each worker reads for itself, one copy of the data in memory."""

import numpy as np

from hyperdesk.core.config import DataConfig
from hyperdesk.core.data import shared
from hyperdesk.core.data.sources import load_data
from hyperdesk.core.data.splits import load_split
from hyperdesk.core.execution.control import RunControl
from hyperdesk.core.execution.pool import TrialPool, TrialTask
from hyperdesk.core.training.network import NetworkSpec
from hyperdesk.core.training.settings import TrainSettings
from hyperdesk.core.training.trainer import train_configurations


def publish(data):
    return shared.publish_split(data, load_data(data).fingerprint())


def records(split, folds=1):
    outcomes = train_configurations(
        split,
        [NetworkSpec(784, (32, 32), 10, weight_decay=1e-4)] * 2,
        [TrainSettings(4, 50, "momentum", 0.01), TrainSettings(4, 50, "momentum", 0.05)],
        [3, 4],
        runs=folds,
        folds=folds,
    )
    return [[(r.train_loss, r.val_acc) for r in outcome.records] for outcome in outcomes]


def test_a_shared_split_is_mapped_from_the_cache_and_trains_exactly_as_a_read_one(
    hyperdesk_home,
):
    data = DataConfig(samples=300)
    folder = publish(data)
    assert folder.parent == hyperdesk_home / "cache" / "splits"
    mapped = shared.open_split(folder)
    assert isinstance(mapped.x_train, np.memmap) and not mapped.x_train.flags.writeable
    assert mapped.x_train.shape[1] < 784  # the blank border pixels are not shared at all
    assert records(mapped) == records(load_split(data))


def test_a_split_written_slice_by_slice_holds_exactly_the_arrays_a_worker_would_cut(
    hyperdesk_home, tmp_path
):
    """Every split is cut, scaled and written a slice at a time (no second copy of the
    training rows): images by their fixed scale, a table by statistics of its training
    rows (each fold's own with k folds, a slice crossing folds scaled fold by fold).
    Each gives the arrays load_split gives, bit for bit, the features left out that
    are zero in every sample once scaled (the blank border pixels; the table's column
    of zeros and its constant column)."""
    table = tmp_path / "t.csv"
    table.write_text(
        "a,b,c,d,kind\n" + "".join(f"{i % 7},0,{i * 0.5},5,{'xy'[i % 2]}\n" for i in range(50))
    )
    for data in (
        DataConfig(samples=300, folds=3),
        DataConfig(source=str(table), samples=50),
        DataConfig(source=str(table), samples=50, folds=3),
        DataConfig(source=str(table), samples=50, scale="unit"),
    ):
        mapped = shared.open_split(publish(data))
        whole = load_split(data)
        for name in ("x_train", "x_val"):
            cut = getattr(whole, name)[..., mapped.inputs]
            np.testing.assert_array_equal(bits(getattr(mapped, name)), bits(cut))
            dropped = np.setdiff1d(np.arange(getattr(whole, name).shape[-1]), mapped.inputs)
            assert not getattr(whole, name)[..., dropped].any()
            if data.source:  # b (zeros) and d (constant) are the table's 2nd and 4th
                assert list(dropped) == [1, 3]
        np.testing.assert_array_equal(mapped.y_train, whole.y_train)


def bits(array):
    return np.ascontiguousarray(array).view(np.uint8)


def test_k_folds_share_too_and_a_published_split_is_found_again(hyperdesk_home):
    data = DataConfig(samples=300, folds=3)
    folder = publish(data)
    assert records(shared.open_split(folder), folds=3) == records(load_split(data), folds=3)
    assert publish(data) == folder  # the same search again: nothing rewritten


def test_the_cache_keeps_the_latest_splits_only(hyperdesk_home):
    folders = [publish(DataConfig(samples=100, seed=seed)) for seed in range(5)]
    kept = sorted(path for path in shared.splits_dir().iterdir())
    assert kept == sorted(folders[-shared.KEPT_SPLITS :])


def test_workers_train_on_the_published_split_without_reading_the_file(tmp_path):
    table = tmp_path / "t.csv"
    rows = [f"{i % 7},{(i * 3) % 5},{i % 2}" for i in range(60)]
    table.write_text("a,b,kind\n" + "\n".join(rows) + "\n")
    data = DataConfig(source=str(table), samples=60)
    folder = publish(data)
    table.unlink()  # a worker that read the file itself would fail
    with TrialPool(1, RunControl()) as pool:
        pool.submit(
            TrialTask(
                data,
                (1,),
                (0,),
                (NetworkSpec(2, (4,), 2),),
                (TrainSettings(2, 10, "sgd", 0.1),),
                split_folder=str(folder),
            )
        )
        events = []
        while not any(kind in ("end", "error") for kind, _, _ in events):
            pool.wait_for_a_finish(timeout=60)
            events += pool.events()
    assert [kind for kind, _, _ in events].count("epoch") == 2
    assert ("end", 1, "complete") in events
