"""A person's own data: CSV, NPZ, IDX pairs and image folders, every bad file named,
and scaling fitted on training rows only."""

import os
import struct
import zipfile
import zlib

import numpy as np
import pytest
from PIL import Image

from hyperdesk.core import config as config_module
from hyperdesk.core import machine
from hyperdesk.core.config import DataConfig
from hyperdesk.core.data import sources
from hyperdesk.core.data.datasets import DatasetError, write_idx
from hyperdesk.core.data.images import read_image_folder
from hyperdesk.core.data.sources import load_data
from hyperdesk.core.data.splits import load_split
from hyperdesk.core.data.tables import read_csv, read_idx_pair, read_npz
from tests.core.cli.test_cli import run_cli
from tests.core.config.test_config import problems_of

TABLE = """\
colour,width,height,kind
red,1.0,2.0,a
blue,2.0,3.5,b
red,3.0,1.0,a
green,4.0,0.5,b
blue,5.0,2.5,a
green,6.0,4.0,b
"""


def write(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_csv_table_has_numeric_features_one_hot_words_and_classes(tmp_path):
    data = read_csv(write(tmp_path, TABLE))
    assert data.classes == ("a", "b") and data.y.tolist() == [0, 1, 0, 1, 0, 1]
    # colour one-hot (blue, green, red), then width and height
    assert data.x.shape == (6, 5)
    assert data.x[0].tolist() == [0, 0, 1, 1.0, 2.0]
    assert "colour: text, one-hot encoded as 3 columns" in data.notes
    by_name = read_csv(write(tmp_path, TABLE), label="colour")
    assert by_name.classes == ("blue", "green", "red")


@pytest.mark.parametrize(
    ("text", "options", "message"),
    [
        ("", {}, "the file is empty"),
        ("a,b,label\n", {}, "a header row and no data rows"),
        ("a,b,label\n1,2,x\n1,2\n", {}, r"row 3: 2 cells, but the header has 3"),
        ("a,b,label\n1,2,x\n1,oops,y\n3,4,x\n", {}, r"row 3, column 'b': 'oops' is not a number"),
        ("a,b,label\n1,,x\n1,2,y\n", {}, r"row 2, column 'b': a missing value .*data.missing"),
        ("a,b,label\n1,2,x\n3,4,x\n", {}, r"one class only \('x'\)"),
        ("a,b,label\n1,2,x\n3,4,y\n", {"label": "kind"}, r"no column 'kind'.*a, b, label"),
        ("a,label\n1,0.5\n2,1.25\n", {"task": "classification"}, 'data.task is "classification"'),
        ("a,label\n1,x\n,\n", {"missing": "drop"}, "one class only"),
    ],
)
def test_a_bad_csv_is_refused_with_the_row_and_column(tmp_path, text, options, message):
    path = write(tmp_path, text)
    with pytest.raises(DatasetError, match=message) as raised:
        read_csv(path, **options)
    assert str(path) in str(raised.value)


def test_an_unreadable_file_is_named_with_what_it_is(tmp_path):
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(
        DatasetError, match=r"photo\.csv: not a text file \(byte \d+ is not UTF-8\)"
    ):
        read_csv(binary)
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(DatasetError, match=r"folder\.csv: a folder, not a CSV file"):
        read_csv(folder)
    with pytest.raises(DatasetError, match=r"nothing\.npz: file not found"):
        read_npz(tmp_path / "nothing.npz")


def test_missing_values_are_dropped_or_filled_from_the_training_rows_only(tmp_path):
    text = "a,b,label\n" + "".join(f"{i},{'' if i == 3 else i * 10},{i % 2}\n" for i in range(8))
    path = write(tmp_path, text)
    assert len(read_csv(path, missing="drop").y) == 7
    data = read_csv(path, missing="mean")
    assert np.isnan(data.x).sum() == 1  # filled once the split is known
    config = DataConfig(source=str(path), missing="mean", samples=8, validation=0.25, scale="none")
    split = load_split(config)
    rows = np.concatenate([split.x_train, split.x_val])
    assert not np.isnan(rows).any()
    train_b = [row[1] for row in split.x_train if row[0] != 3]
    filled = [row[1] for row in np.concatenate([split.x_train, split.x_val]) if row[0] == 3]
    assert filled[0] == pytest.approx(np.mean(train_b))  # the training rows' mean


def test_standardizing_uses_statistics_of_the_training_rows_of_each_fold(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(5, 3, size=(60, 4)).astype(np.float32)
    y = np.arange(60) % 3
    np.savez(tmp_path / "d.npz", X=x, y=y)
    holdout = load_split(DataConfig(source=str(tmp_path / "d.npz"), samples=60, validation=0.5))
    assert np.allclose(holdout.x_train.mean(axis=0), 0, atol=1e-5)
    assert np.allclose(holdout.x_train.std(axis=0), 1, atol=1e-4)
    assert not np.allclose(holdout.x_val.mean(axis=0), 0, atol=1e-3)  # not fitted on them
    folds = load_split(DataConfig(source=str(tmp_path / "d.npz"), samples=60, folds=3))
    assert folds.x_train.shape == (3, 40, 4)
    for fold in folds.x_train:
        assert np.allclose(fold.mean(axis=0), 0, atol=1e-5)


def test_npz_arrays_by_name_and_images_flattened(tmp_path):
    images = np.zeros((6, 4, 4), dtype=np.uint8)
    np.savez(tmp_path / "img.npz", pixels=images, target=np.array([0, 1, 2, 0, 1, 2]))
    data = read_npz(tmp_path / "img.npz", features="pixels", label="target")
    assert data.x.shape == (6, 16) and data.kind == "images" and data.outputs == 3
    with pytest.raises(DatasetError, match=r"no array 'X'.*holds: pixels, target"):
        read_npz(tmp_path / "img.npz")
    np.savez(tmp_path / "bad.npz", X=np.zeros((5, 2)), y=np.zeros(4))
    with pytest.raises(DatasetError, match=r"X has 5 rows, y has shape \(4,\)"):
        read_npz(tmp_path / "bad.npz")


def test_the_label_is_chosen_from_the_files_own_columns_or_arrays(tmp_path):
    table = tmp_path / "semicolons.csv"
    table.write_text("width;colour ;kind\n1;red;a\n2;blue;b\n")
    assert sources.label_choices(DataConfig(source=str(table))) == (
        ("width", "colour", "kind"),
        "kind",
    )
    arrays = tmp_path / "arrays.npz"
    np.savez(arrays, X=np.zeros((2, 3)), y=np.zeros(2), target=np.ones(2))
    assert sources.label_choices(DataConfig(source=str(arrays))) == (("X", "y", "target"), "y")
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)  # a pipe is never opened: it would wait for a writer
    assert sources.label_choices(DataConfig(source=str(pipe))) == ((), "")
    assert sources.label_choices(DataConfig()) == ((), "")


def test_an_idx_pair_reads_as_mnist_ships_it(tmp_path):
    write_idx(tmp_path / "images-idx3-ubyte.gz", np.arange(5 * 9).reshape(5, 3, 3))
    write_idx(tmp_path / "labels-idx1-ubyte.gz", np.array([1, 0, 1, 0, 1]))
    data = read_idx_pair(tmp_path / "images-idx3-ubyte.gz", tmp_path / "labels-idx1-ubyte.gz")
    assert data.x.shape == (5, 9) and data.classes == ("0", "1")
    write_idx(tmp_path / "short-idx1-ubyte", np.array([1, 0]))
    with pytest.raises(DatasetError, match="2 labels for the 5 images"):
        read_idx_pair(tmp_path / "images-idx3-ubyte.gz", tmp_path / "short-idx1-ubyte")


def image_folder(tmp_path):
    root = tmp_path / "pictures"
    for name, shade in (("cats", 40), ("dogs", 200)):
        (root / name).mkdir(parents=True)
        for index in range(3):
            Image.new("L", (8, 6), shade + index).save(root / name / f"{index}.png")
    Image.new("L", (16, 12), 90).save(root / "dogs" / "big.png")  # resized to 8 x 6
    return root


def test_an_image_folder_has_a_class_per_subfolder(tmp_path):
    data = read_image_folder(image_folder(tmp_path))
    assert data.classes == ("cats", "dogs") and data.y.tolist() == [0, 0, 0, 1, 1, 1, 1]
    assert data.x.shape == (7, 48) and data.kind == "images"
    assert "1 images resized to 8 x 6" in data.notes
    assert data.x[0, 0] == 40


def test_image_size_resizes_every_image_and_a_config_checks_it(tmp_path):
    root = image_folder(tmp_path)
    data = load_data(DataConfig(source=str(root), image_size=(4, 3)))
    assert data.x.shape == (7, 12)
    assert "7 images resized to 4 x 3" in data.notes
    problems = dict(problems_of(f'[data]\nsource = "{root}"\nimage_size = [4]\n'))
    assert "[width, height] in pixels" in problems["data.image_size"]
    config = config_module.loads(f'[data]\nsource = "{root}"\nimage_size = [4, 3]\n')
    assert config_module.loads(config.to_toml()).data.image_size == (4, 3)


def test_bad_image_folders_are_named(tmp_path):
    root = image_folder(tmp_path)
    (root / "dogs" / "broken.png").write_bytes(b"not a picture")
    with pytest.raises(DatasetError, match=r"broken\.png: not a readable image"):
        read_image_folder(root)
    empty = tmp_path / "flat"
    empty.mkdir()
    Image.new("L", (4, 4)).save(empty / "a.png")
    with pytest.raises(DatasetError, match="one subfolder of images per class"):
        read_image_folder(empty)


def test_a_relative_source_is_found_beside_the_config_and_a_session_records_it(tmp_path):
    write(tmp_path, TABLE * 1)
    (tmp_path / "c.toml").write_text('[data]\nsource = "t.csv"\nsamples = 6\nvalidation = 0.5\n')
    config = config_module.load(tmp_path / "c.toml")
    assert config.data.source == str(tmp_path / "t.csv")
    assert load_data(config.data).inputs == 5


def test_samples_beyond_the_file_and_a_missing_file_stop_run_before_a_session(
    capsys, tmp_path, hyperdesk_home
):
    write(tmp_path, TABLE)
    (tmp_path / "c.toml").write_text('[data]\nsource = "t.csv"\nsamples = 50\n')
    code, _, err = run_cli(capsys, "run", str(tmp_path / "c.toml"))
    assert code == 2 and "data.samples is 50, but" in err and "has 6 samples" in err
    (tmp_path / "c.toml").write_text('[data]\nsource = "gone.csv"\n')
    code, _, err = run_cli(capsys, "run", str(tmp_path / "c.toml"))
    assert code == 2 and "gone.csv: not found (data.source)" in err
    assert not (hyperdesk_home / "sessions").exists() or not any(
        (hyperdesk_home / "sessions").iterdir()
    )


def test_data_that_is_not_a_regular_file_is_refused_at_once(capsys, tmp_path, hyperdesk_home):
    """A pipe as data hung `run` (SIGTERM ignored); /dev/zero as a CSV grew to 23 GB."""
    pipe = tmp_path / "fifo.csv"
    os.mkfifo(pipe)
    config = tmp_path / "c.toml"
    for source, kind in ((pipe, "a named pipe"), ("/dev/zero", "a character device")):
        config.write_text(f'[data]\nsource = "{source}"\nformat = "csv"\n')
        code, _, err = run_cli(capsys, "run", str(config))
        assert code == 2 and f"{source}: {kind}, not a file or a folder of images" in err
    folder = image_folder(tmp_path)
    os.mkfifo(folder / "cats" / "waiting.png")  # a pipe among the pictures
    with pytest.raises(DatasetError, match=r"waiting\.png: a named pipe"):
        load_data(DataConfig(source=str(folder)))
    assert not (hyperdesk_home / "sessions").exists() or not any(
        (hyperdesk_home / "sessions").iterdir()
    )


def test_a_line_longer_than_any_table_is_named_before_it_fills_the_memory(tmp_path, monkeypatch):
    """A 3 GB file without a newline ended in a MemoryError traceback."""
    from hyperdesk.core.data import tables

    monkeypatch.setattr(tables, "MAX_LINE", 1000)  # the rule, at a test's size
    endless = tmp_path / "one-line.csv"
    endless.write_text("a,b,label\n1,2,x\n" + "3," * 5000 + "\n")
    with pytest.raises(DatasetError, match=r"one-line\.csv: line 3 is longer than 1,000"):
        read_csv(endless)
    header = tmp_path / "header.csv"  # the setup's list of columns reads it too
    header.write_text("x," * 5000)
    with pytest.raises(DatasetError, match=r"header\.csv: line 1 is longer"):
        sources.label_choices(DataConfig(source=str(header)))


def png_header_only(path, width, height):
    """A PNG that declares its size and holds no pixel: 57 bytes."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))
    return path


def test_an_image_declaring_billions_of_pixels_is_refused_by_name(tmp_path):
    """A 57-byte PNG declaring 60000 x 60000 raised Pillow's DecompressionBombError in
    run, predict and the window's preview."""
    folder = image_folder(tmp_path)
    png_header_only(folder / "cats" / "huge.png", 60_000, 60_000)
    with pytest.raises(DatasetError, match=r"huge\.png: an image of more pixels than any"):
        load_data(DataConfig(source=str(folder)))
    png_header_only(folder / "cats" / "huge.png", 15_000, 15_000)  # Pillow only warns
    with pytest.raises(DatasetError, match=r"huge\.png: an image of more pixels"):
        load_data(DataConfig(source=str(folder)))


def test_an_npz_without_rows_is_named(tmp_path):
    empty = tmp_path / "z.npz"
    np.savez(empty, X=np.zeros((0, 5), np.float32), y=np.zeros(0, int))
    with pytest.raises(DatasetError, match=r"z\.npz: X has shape \(0, 5\): no samples"):
        read_npz(empty)


def test_the_penguins_example_runs_offline(capsys, hyperdesk_home):
    code, out, err = run_cli(capsys, "run", "--example", "penguins", "--set", "search.trials=3")
    assert code == 0, err
    assert "Optimization Result (3 best)" in out


def test_a_session_never_goes_on_with_other_data(capsys, tmp_path, hyperdesk_home):
    """Moved: resume says so, and --data points it at the new place once it is shown to
    be the same data. Changed: refused, even through --data."""
    from hyperdesk.core.search.registry import planned_trials
    from hyperdesk.core.storage.session import Session

    table = write(tmp_path, TABLE * 1 + "".join(f"red,{i},{i},{'ab'[i % 2]}\n" for i in range(20)))
    (tmp_path / "c.toml").write_text(
        '[data]\nsource = "t.csv"\nsamples = 26\nvalidation = 0.25\n'
        "[train]\nepochs = 2\n[search]\ntrials = 2\n"
        '[search.space.lr]\nlow = 0.01\nhigh = 0.1\nscale = "log"\n'
    )
    path = hyperdesk_home / "s.hdsession"
    assert run_cli(capsys, "run", str(tmp_path / "c.toml"), "--session", str(path))[0] == 0
    with Session.open(path) as session:
        assert len(session.data_fingerprint) == 64
        bigger = config_module.loads(session.config.to_toml(), ["search.trials=3"])
        session.extend(bigger.to_toml(), planned_trials(bigger.search))
    moved = tmp_path / "elsewhere" / "t.csv"
    moved.parent.mkdir()
    table.rename(moved)
    code, _, err = run_cli(capsys, "resume", str(path))
    assert code == 2 and "t.csv: not found (data.source)" in err
    moved.write_text(moved.read_text().replace("red,5,5", "red,5,6"))  # another file
    code, _, err = run_cli(capsys, "resume", str(path), "--data", str(moved))
    assert code == 2 and "is not the data this session trained on" in err
    moved.write_text(moved.read_text().replace("red,5,6", "red,5,5"))
    code, _, err = run_cli(capsys, "resume", str(path), "--data", str(moved))
    assert code == 0, err
    with Session.open(path, writable=False) as session:
        assert session.config.data.source == str(moved)
        assert len(session.trials()) == 3


def test_splits_are_stratified_by_class_unless_turned_off(tmp_path):
    # 90 of class a, 10 of class b: a plain shuffle often leaves b out of a small part.
    y = np.array([0] * 90 + [1] * 10)
    np.savez(tmp_path / "skewed.npz", X=np.arange(100, dtype=np.float32)[:, None], y=y)
    source = str(tmp_path / "skewed.npz")
    for seed in range(5):
        split = load_split(DataConfig(source=source, samples=100, validation=0.2, seed=seed))
        assert np.bincount(split.y_val).tolist() == [18, 2]
        folds = load_split(DataConfig(source=source, samples=100, folds=5, seed=seed))
        assert [np.bincount(fold).tolist() for fold in folds.y_val] == [[18, 2]] * 5
    plain = [
        np.bincount(
            load_split(
                DataConfig(source=source, samples=100, validation=0.2, seed=s, stratify=False)
            ).y_val,
            minlength=2,
        ).tolist()
        for s in range(5)
    ]
    assert any(counts != [18, 2] for counts in plain)


def test_a_class_rarer_than_the_folds_is_named(tmp_path):
    np.savez(tmp_path / "rare.npz", X=np.zeros((20, 2)), y=np.array([0] * 18 + [1] * 2))
    with pytest.raises(DatasetError, match=r"class '1' .* has 2 samples, fewer than the 3 folds"):
        load_split(DataConfig(source=str(tmp_path / "rare.npz"), samples=20, folds=3))


def test_a_session_stored_before_stratified_splits_keeps_its_shuffle():
    from hyperdesk.core.config import loads_stored

    stored = config_module.Config().to_toml().replace("stratify = true\n", "")
    assert "stratify" not in stored
    assert loads_stored(stored).data.stratify is False
    assert config_module.loads(stored).data.stratify is True  # a new config is stratified


def test_samples_all_takes_every_row_of_the_data(tmp_path):
    path = write(tmp_path, TABLE)
    split = load_split(DataConfig(source=str(path), samples="all", validation=0.5))
    assert len(split.y_train) + len(split.y_val) == 6
    assert config_module.loads('[data]\nsamples = "all"\n').data.sample_count == 10_000
    with pytest.raises(config_module.ConfigError, match=r'a whole number >= 1, or "all"'):
        config_module.loads('[data]\nsamples = "most"\n')


def test_a_file_of_your_own_is_searched_whole_unless_samples_says_otherwise(tmp_path, capsys):
    """A config naming a table and no sample count searches every row (it once took
    MNIST's 500 of a 1,234-row table, saying nothing); the stored config says "all"."""
    from hyperdesk.core.storage.session import Session

    header, body = TABLE.split("\n", 1)
    rows = body.strip().splitlines()
    lines = [rows[i % len(rows)] for i in range(1234)]
    write(tmp_path, header + "\n" + "\n".join(lines) + "\n", "own.csv")
    config = tmp_path / "own.toml"
    config.write_text(
        '[data]\nsource = "own.csv"\nvalidation = 0.25\n[model]\nhidden = [4]\n'
        "[train]\nepochs = 1\nbatch_size = 50\n[search]\ntrials = 1\n"
        '[search.space.lr]\nlow = 0.001\nhigh = 0.1\nscale = "log"\n'
    )
    loaded = config_module.load(config)
    assert loaded.data.samples == "all" and loaded.data.sample_count == 1234
    split = load_split(loaded.data)
    assert len(split.y_train) + len(split.y_val) == 1234
    session = tmp_path / "s.hdsession"
    assert run_cli(capsys, "run", config, "--session", session)[0] == 0
    with Session.open(session, writable=False) as stored:
        assert stored.config.data.samples == "all"
    # Said outright, a count is kept; the bundled datasets keep their 500.
    assert (
        config_module.loads(
            config.read_text().replace("validation", "samples = 600\nvalidation"), folder=tmp_path
        ).data.samples
        == 600
    )
    assert config_module.loads("[data]\n").data.samples == 500


@pytest.mark.parametrize("kind", ["csv", "npz", "idx", "images"])
def test_data_too_large_for_the_memory_free_is_refused_before_it_is_read(
    tmp_path, monkeypatch, kind
):
    if kind == "csv":
        header, body = TABLE.split("\n", 1)
        source = write(tmp_path, header + "\n" + body * 50)
    elif kind == "npz":
        source = tmp_path / "a.npz"
        np.savez(source, X=np.zeros((300, 50)), y=np.arange(300) % 3)
    elif kind == "idx":
        source = tmp_path / "images-idx3-ubyte"
        write_idx(source, np.zeros((300, 8, 8)))
        write_idx(tmp_path / "labels-idx1-ubyte", np.arange(300) % 3)
    else:
        source = image_folder(tmp_path)
    data = DataConfig(
        source=str(source), label=str(tmp_path / "labels-idx1-ubyte") * (kind == "idx")
    )
    assert len(load_data(data).y) > 1  # it reads with room to spare
    monkeypatch.setattr(machine, "available_memory", lambda: 1024)
    sources.forget_data()
    with pytest.raises(DatasetError) as refused:
        load_data(data)
    assert str(refused.value).startswith(f"{source}: loading it would take about ")
    assert "and this machine has 1 KB free" in str(refused.value)


@pytest.mark.parametrize(("separator", "named"), [(";", "';'"), ("\t", "tabs"), ("|", "'|'")])
def test_a_table_separated_by_another_character_reads_as_the_comma_one(tmp_path, separator, named):
    """Spreadsheets write ';' where the comma is the decimal mark: such a table reads as
    its comma twin, and its preview says what separated it."""
    plain = read_csv(write(tmp_path, TABLE))
    other = read_csv(write(tmp_path, TABLE.replace(",", separator), "other.csv"))
    np.testing.assert_array_equal(other.x, plain.x)
    assert other.y.tolist() == plain.y.tolist() and other.classes == plain.classes
    assert f"columns separated by {named}" in other.notes
    assert not any("separated" in note for note in plain.notes)


def test_values_too_large_or_not_finite_are_named_with_their_column(tmp_path):
    """±1e308 trained as '2 diverged ... the learning rate is too large'; an 'inf' cell's
    message stopped mid-sentence."""
    table = tmp_path / "huge.csv"
    table.write_text(
        "a,b,label\n" + "".join(f"{(-1) ** i * 1e308},{i},{i % 2}\n" for i in range(9))
    )
    with pytest.raises(DatasetError, match=r"row 2, column 'a': 1e\+308 is too large to train"):
        read_csv(table)
    table.write_text("a,b,label\n1,2,x\ninf,3,y\n4,5,x\n")
    with pytest.raises(DatasetError, match=r"'inf' is not a number, .* leave the cell empty"):
        read_csv(table)
    arrays = tmp_path / "huge.npz"
    x = np.ones((4, 3), np.float64)
    x[2, 1] = np.inf
    np.savez(arrays, X=x, y=np.arange(4) % 2)
    with pytest.raises(DatasetError, match=r"X\[2, 1\] is inf"):
        read_npz(arrays)


def test_an_npz_packed_like_a_zip_bomb_is_refused_from_its_header(tmp_path, capsys):
    """100 x 4e6 zeros, a few MB deflated, were read for 47 s and then blamed on
    train.batch_size."""
    bomb = tmp_path / "bomb.npz"
    shape = (100, 1_000_000)  # 400 MB declared, about 0.4 MB stored
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("X.npy", "w", force_zip64=True) as member:
            np.lib.format.write_array_header_1_0(
                member, {"descr": "<f4", "fortran_order": False, "shape": shape}
            )
            zeros = bytes(16 << 20)
            for _ in range(400 * (1 << 20) // len(zeros)):
                member.write(zeros)
        with archive.open("y.npy", "w") as member:
            np.lib.format.write_array(member, np.arange(100) % 2)
    (tmp_path / "c.toml").write_text(f'[data]\nsource = "{bomb}"\n')
    code, _, err = run_cli(capsys, "run", str(tmp_path / "c.toml"))
    assert code == 2 and "bomb.npz: X declares (100, 1000000)" in err and "refused" in err


def test_a_file_read_for_auto_is_not_read_again_for_the_task_it_found(tmp_path, monkeypatch):
    """A new search reads its data with task "auto" and stores the task found; the
    runner's read with that task takes the same dataset instead of the file again."""
    source = tmp_path / "a.npz"
    np.savez(source, X=np.ones((40, 3), dtype=np.float32), y=np.arange(40) % 2)
    sources.forget_data()
    auto = load_data(DataConfig(source=str(source)))
    monkeypatch.setattr(sources, "read_npz", None)  # a second read would fail
    assert load_data(DataConfig(source=str(source), task="classification")) is auto
    with pytest.raises(TypeError):  # another task is read anew
        load_data(DataConfig(source=str(source), task="regression"))
