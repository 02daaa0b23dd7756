import numpy as np
import pytest

from hyperdesk.core.config import DataConfig
from hyperdesk.core.data.datasets import DatasetError, read_idx, write_idx
from hyperdesk.core.data.sources import load_data
from hyperdesk.core.data.splits import holdout_indices, kfold_indices, load_split, split_indices


@pytest.mark.parametrize("name", ["images.idx", "images.idx.gz"])
def test_idx_round_trip(tmp_path, name):
    images = np.random.default_rng(0).integers(0, 256, size=(7, 4, 3), dtype=np.uint8)
    write_idx(tmp_path / name, images)
    np.testing.assert_array_equal(read_idx(tmp_path / name, ndim=3), images)


def test_idx_rejects_wrong_magic_number_naming_the_file(tmp_path):
    path = tmp_path / "labels.idx"
    write_idx(path, np.arange(5, dtype=np.uint8))
    with pytest.raises(DatasetError, match=r"labels\.idx: wrong magic number 0x00000801"):
        read_idx(path, ndim=3)


def test_idx_rejects_truncated_file_naming_it(tmp_path):
    path = tmp_path / "images.idx"
    write_idx(path, np.zeros((10, 2, 2), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(DatasetError, match=r"images\.idx: holds 35 data bytes.*truncated"):
        read_idx(path, ndim=3)


def test_idx_rejects_truncated_gzip_naming_it(tmp_path):
    path = tmp_path / "images.idx.gz"
    write_idx(path, np.zeros((10, 2, 2), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(DatasetError, match=r"images\.idx\.gz: cannot be read"):
        read_idx(path, ndim=3)


def test_idx_missing_file_is_named(tmp_path):
    with pytest.raises(DatasetError, match=r"nothing\.gz: file not found"):
        read_idx(tmp_path / "nothing.gz", ndim=1)


def test_idx_not_gzip_although_named_so(tmp_path):
    path = tmp_path / "plain.gz"
    path.write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x01\x07")
    with pytest.raises(DatasetError, match=r"plain\.gz"):
        read_idx(path, ndim=1)


def test_bundled_mnist_matches_its_readme():
    dataset = load_data(DataConfig())
    assert dataset.x.shape == (10_000, 784) and dataset.x.dtype == np.float32
    assert dataset.kind == "images" and dataset.classes == tuple("0123456789")
    assert dataset.x.min() == 0.0 and dataset.x.max() == 255.0
    counts = np.bincount(dataset.y, minlength=10)
    assert counts.tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    # Scaled for training: pixel values in [0, 1].
    split = load_split(DataConfig(samples=10_000, validation=0.5))
    assert split.x_train.min() == 0.0 and split.x_train.max() == 1.0


def test_unknown_dataset_is_refused_by_name():
    with pytest.raises(DatasetError, match="cifar"):
        load_data(DataConfig(dataset="cifar"))


def test_holdout_sizes_are_exact_and_disjoint():
    train, val = holdout_indices(10_000, 500, 0.2, seed=3)
    assert (len(train), len(val)) == (400, 100)
    assert len(set(train) | set(val)) == 500


def test_holdout_is_reproducible_and_seed_dependent():
    first = holdout_indices(10_000, 500, 0.2, seed=3)
    again = holdout_indices(10_000, 500, 0.2, seed=3)
    other = holdout_indices(10_000, 500, 0.2, seed=4)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[1], other[1])


def test_holdout_refuses_an_empty_side():
    with pytest.raises(ValueError, match="validation"):
        holdout_indices(100, 10, 0.01, seed=0)


def test_kfold_folds_are_equal_disjoint_and_the_leftover_always_trains():
    indices = np.random.default_rng(0).permutation(103)
    folds = kfold_indices(indices, 5)
    assert len(folds) == 5
    validation_parts = [val for _, val in folds]
    assert [len(val) for val in validation_parts] == [20] * 5  # 103 // 5
    validated = set(np.concatenate(validation_parts).tolist())
    assert len(validated) == 100
    leftover = set(indices.tolist()) - validated
    for train, val in folds:
        assert not set(train) & set(val)
        assert len(train) + len(val) == 103
        assert leftover <= set(train.tolist())


def test_the_test_split_never_reaches_training_or_validation():
    for folds in (1, 4):
        test, splits = split_indices(10_000, 500, 0.2, 0.1, folds, seed=5)
        assert len(test) == 50
        for train, val in splits:
            assert not set(test.tolist()) & (set(train.tolist()) | set(val.tolist()))
            assert not set(train.tolist()) & set(val.tolist())
            assert len(train) + len(val) == 450
    again, _ = split_indices(10_000, 500, 0.2, 0.1, 1, seed=5)
    assert np.array_equal(test, again)  # the same test split for every search of a seed


def test_no_test_split_keeps_the_holdout_as_it_was():
    _, [(train, val)] = split_indices(10_000, 500, 0.2, 0.0, 1, seed=3)
    old_train, old_val = holdout_indices(10_000, 500, 0.2, seed=3)
    assert np.array_equal(train, old_train) and np.array_equal(val, old_val)
    chosen = np.random.default_rng(3).permutation(10_000)[:500]
    assert np.array_equal(val, chosen[:100]) and np.array_equal(train, chosen[100:])


def test_an_idx_header_of_huge_sizes_is_weighed_without_overflow(tmp_path):
    """4294967295 x 65535 x 65535 overflowed int64: "needs -562949953290241 bytes"."""
    import struct

    from hyperdesk.core.data.datasets import idx_load_bytes

    huge = tmp_path / "huge-idx3-ubyte"
    huge.write_bytes(
        struct.pack(">HBB", 0, 8, 3) + struct.pack(">3I", 4294967295, 65535, 65535) + bytes(9)
    )
    assert idx_load_bytes(huge) == 4294967295 * 65535 * 65535 * 5
    with pytest.raises(DatasetError, match=f"needs {4294967295 * 65535 * 65535} "):
        read_idx(huge, 3)
