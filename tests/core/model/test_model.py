"""The tuned model: trained on all the data a search saw, saved as a .hdmodel file, and
used on raw inputs (files as they come) with the preprocessing it was trained with."""

import json
import zipfile

import numpy as np
import pytest

import hyperdesk.core
from hyperdesk.core.config import loads
from hyperdesk.core.data.datasets import DatasetError, bundled_mnist, write_idx
from hyperdesk.core.data.splits import load_test_split
from hyperdesk.core.execution.final_model import train_final_model
from hyperdesk.core.model import model_file
from hyperdesk.core.model.inspection import ClassReport
from hyperdesk.core.model.model_file import ModelError, load_model
from tests.conftest import TINY_CONFIG
from tests.core.cli.test_cli import run_cli

TABLE = "colour,width,height,kind\n" + "".join(
    f"{['red', 'green', 'blue'][i % 3]},{i % 7 + (i % 2) * 3},{'NA' if i == 5 else i % 5},"
    f"{'ab'[(i % 2)]}\n"
    for i in range(60)
)


def searched(capsys, tmp_path, config_text, *overrides):
    (tmp_path / "c.toml").write_text(config_text)
    path = tmp_path / "s.hdsession"
    sets = [arg for override in overrides for arg in ("--set", override)]
    code, _, err = run_cli(capsys, "run", tmp_path / "c.toml", "--session", path, *sets)
    assert code == 0, err
    return path


def test_the_final_model_scores_the_test_split_as_measured_and_predicts_raw_pixels(
    capsys, tmp_path
):
    path = searched(capsys, tmp_path, TINY_CONFIG, "data.test=0.2")
    model = train_final_model(path).model
    assert model.details["train_samples"] == 80 and model.details["test_samples"] == 20
    config = loads(TINY_CONFIG, ["data.test=0.2"])
    final = load_test_split(config.data)
    # The same 20 test images, raw (bytes 0..255): the model scales them itself.
    raw = final.x_val * 255
    probabilities = model.predict_proba(raw)
    assert probabilities.shape == (20, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-12)
    accuracy = np.mean(probabilities.argmax(axis=1) == final.y_val)
    assert accuracy == pytest.approx(model.details["test_accuracy"], abs=1e-12)
    # Saved and loaded: the same numbers, through the public API.
    model.save(tmp_path / "m.hdmodel")
    loaded = hyperdesk.core.load_model(tmp_path / "m.hdmodel")
    np.testing.assert_allclose(loaded.predict_proba(raw), probabilities, rtol=1e-6, atol=1e-9)
    assert loaded.predict(raw[:3]) == [str(label) for label in probabilities[:3].argmax(axis=1)]
    # From an IDX file, as MNIST ships: the bundled images it never saw are predicted.
    images, _ = bundled_mnist()
    write_idx(tmp_path / "new-images-idx3-ubyte", images[:7])
    code, out, err = run_cli(
        capsys, "predict", tmp_path / "m.hdmodel", tmp_path / "new-images-idx3-ubyte"
    )
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0].startswith("input,predicted,p_0,p_1") and len(lines) == 8


def test_a_table_model_reads_a_csv_by_column_names_with_or_without_the_label(capsys, tmp_path):
    (tmp_path / "t.csv").write_text(TABLE)
    config = (
        '[data]\nsource = "t.csv"\nsamples = 60\nmissing = "mean"\n'
        "[model]\nhidden = [8]\n[train]\nepochs = 5\n[search]\ntrials = 2\n"
        '[search.space.lr]\nlow = 0.05\nhigh = 0.2\nscale = "log"\n'
    )
    path = searched(capsys, tmp_path, config)
    out = tmp_path / "t.hdmodel"
    code, _, err = run_cli(capsys, "model", path, "--out", out)
    assert code == 0 and out.exists(), err
    model = load_model(out)
    assert [column.name for column in model.columns] == ["colour", "width", "height"]
    assert model.columns[0].words == ("blue", "green", "red")
    # Columns in another order, no label, a word never seen, a missing number (filled).
    (tmp_path / "new.csv").write_text("height,colour,width\n2,red,3\nNA,purple,1\n")
    x, names = model.read_inputs(tmp_path / "new.csv")
    np.testing.assert_array_equal(x[0], [0, 0, 1, 3, 2])
    assert x[1, :3].tolist() == [0, 0, 0] and np.isnan(x[1, 4])
    assert np.isfinite(model.predict_proba(x)).all() and names == ["1", "2"]
    # The training file itself, label column included: the training rows' predictions.
    code, _, _ = run_cli(capsys, "predict", out, tmp_path / "t.csv", "--out", tmp_path / "p.csv")
    assert code == 0
    rows = (tmp_path / "p.csv").read_text().splitlines()
    assert rows[0] == "input,predicted,p_a,p_b" and len(rows) == 61
    # A column missing or one the model does not know: named, nothing written.
    (tmp_path / "short.csv").write_text("colour,width\nred,1\n")
    code, _, err = run_cli(
        capsys, "predict", out, tmp_path / "short.csv", "--out", tmp_path / "q.csv"
    )
    assert code == 2 and "no column 'height', which the model takes" in err
    (tmp_path / "extra.csv").write_text("colour,width,height,size\nred,1,2,3\n")
    code, _, err = run_cli(
        capsys, "predict", out, tmp_path / "extra.csv", "--out", tmp_path / "q.csv"
    )
    assert code == 2 and "column 'size' is not one the model was trained on" in err
    assert not (tmp_path / "q.csv").exists()


def test_model_files_that_cannot_be_used_are_refused_by_reason(capsys, tmp_path):
    path = searched(capsys, tmp_path, TINY_CONFIG)
    good = tmp_path / "m.hdmodel"
    train_final_model(path).model.save(good)
    # Truncated.
    (tmp_path / "cut.hdmodel").write_bytes(good.read_bytes()[:500])
    with pytest.raises(ModelError, match=r"cut\.hdmodel: not a readable model file"):
        load_model(tmp_path / "cut.hdmodel")
    # Another program's NPZ.
    np.savez(tmp_path / "other.npz", weights=np.zeros(3))
    with pytest.raises(ModelError, match="not a Hyperdesk model"):
        load_model(tmp_path / "other.npz")
    # From a newer Hyperdesk; and one without a piece.
    with np.load(good) as archive:
        contents = {name: archive[name] for name in archive.files}
    header = json.loads(bytes(contents["header"]).decode())
    for name, change in (
        ("newer", {"format_version": model_file.FORMAT_VERSION + 1, "hyperdesk_version": "9.0"}),
        ("headless", {"classes": None}),
    ):
        edited = {**header, **change}
        if change.get("classes", 1) is None:
            del edited["classes"]
        with open(tmp_path / f"{name}.hdmodel", "wb") as stream:
            edited_header = np.frombuffer(json.dumps(edited).encode(), np.uint8)
            np.savez(stream, **{**contents, "header": edited_header})
    with pytest.raises(ModelError, match=r"written by Hyperdesk 9\.0 in model format 2"):
        load_model(tmp_path / "newer.hdmodel")
    with pytest.raises(ModelError, match="has no classes"):
        load_model(tmp_path / "headless.hdmodel")
    code, _, err = run_cli(
        capsys, "predict", tmp_path / "cut.hdmodel", good, "--out", tmp_path / "o.csv"
    )
    assert code == 3 and "not a readable model file" in err and not (tmp_path / "o.csv").exists()
    # Inputs of another width.
    np.savez(tmp_path / "narrow.npz", X=np.zeros((4, 10)))
    code, _, err = run_cli(capsys, "predict", good, tmp_path / "narrow.npz")
    assert code == 2 and "10 input features per row; this model takes 784" in err
    assert zipfile.is_zipfile(good)  # an NPZ any numpy reads


def test_model_never_replaces_a_file_without_force(capsys, tmp_path):
    path = searched(capsys, tmp_path, TINY_CONFIG)
    kept = tmp_path / "keep.hdmodel"
    kept.write_bytes(b"precious")
    code, _, err = run_cli(capsys, "model", path, "--out", kept)
    assert code == 2 and "exists" in err and kept.read_bytes() == b"precious"
    assert run_cli(capsys, "model", path, "--out", kept, "--force")[0] == 0
    assert load_model(kept).details["trial"] >= 1


def test_predicting_rows_with_missing_values_the_model_cannot_fill_names_the_row(capsys, tmp_path):
    (tmp_path / "t.csv").write_text(TABLE)
    config = (
        '[data]\nsource = "t.csv"\nsamples = 59\nmissing = "drop"\n'
        "[model]\nhidden = [8]\n[train]\nepochs = 2\n[search]\ntrials = 1\n"
    )
    model = train_final_model(searched(capsys, tmp_path, config)).model
    (tmp_path / "new.csv").write_text("colour,width,height\nred,1,2\nred,2,NA\n")
    with pytest.raises(DatasetError, match=r"new\.csv, row 3: no value for column 'height'"):
        model.read_inputs(tmp_path / "new.csv")


def test_the_class_report_against_a_hand_count():
    report = ClassReport.of(np.array([0, 0, 1, 1, 2]), np.array([0, 1, 1, 1, 0]), ("a", "b", "c"))
    np.testing.assert_array_equal(report.confusion, [[1, 1, 0], [0, 2, 0], [1, 0, 0]])
    np.testing.assert_allclose(report.precision, [1 / 2, 2 / 3, 0])
    np.testing.assert_allclose(report.recall, [1 / 2, 1, 0])
    np.testing.assert_allclose(report.f1, [1 / 2, 0.8, 0])
    np.testing.assert_allclose(report.normalised()[0], [0.5, 0.5, 0])
    assert report.accuracy == pytest.approx(0.6)
    assert report.accuracy_error == pytest.approx(np.sqrt(0.6 * 0.4 / 5))
    # 82 of 100 right reads as 0.82 +- 0.04.
    hundred = ClassReport.of(
        np.zeros(100, int), np.r_[np.zeros(82, int), np.ones(18, int)], ("x", "y")
    )
    assert "accuracy 0.820 +- 0.038 on 100 samples" in hundred.text()


def test_the_final_model_reports_its_test_split_class_by_class(capsys, tmp_path):
    path = searched(capsys, tmp_path, TINY_CONFIG, "data.test=0.2")
    code, out, _ = run_cli(capsys, "model", path, "--out", tmp_path / "m.hdmodel")
    assert code == 0 and "On the test split:" in out and "precision  recall" in out
    model = load_model(tmp_path / "m.hdmodel")
    report = ClassReport.from_dict(model.details["inspection"])
    assert report.samples == 20
    assert report.accuracy == pytest.approx(model.details["test_accuracy"], abs=1e-12)


def test_the_final_model_s_mistakes_are_test_images_it_got_wrong(capsys, tmp_path):
    """Each mistake shown is a test sample of the class it says, pictured as the data
    holds it, and the model predicts the wrong class it names, as confidently."""
    from hyperdesk.core.data.sources import load_data, picture
    from hyperdesk.core.data.splits import split_rows
    from hyperdesk.core.storage.session import Session

    path = searched(capsys, tmp_path, TINY_CONFIG, "data.test=0.2")
    final = train_final_model(path)
    look, model = final.look, final.model
    assert look.on == "test split" and look.mistakes
    assert look.report.to_dict() == ClassReport.from_dict(model.details["inspection"]).to_dict()
    with Session.open(path, writable=False) as session:
        data = session.config.data
    dataset = load_data(data)
    test, _ = split_rows(data, dataset)
    rows = test[[mistake.row for mistake in look.mistakes]]
    np.testing.assert_array_equal(dataset.y[rows], [m.true for m in look.mistakes])
    probabilities = model.predict_proba(dataset.x[rows])
    np.testing.assert_array_equal(
        probabilities.argmax(axis=1), [m.predicted for m in look.mistakes]
    )
    np.testing.assert_allclose(
        probabilities.max(axis=1), [m.confidence for m in look.mistakes], rtol=1e-4
    )
    for row, shown in zip(rows, look.pictures, strict=True):
        np.testing.assert_array_equal(shown, picture(dataset.x[row], dataset.image_shape))


def test_a_kept_trial_is_looked_inside_without_training_and_the_look_is_kept(
    capsys, tmp_path, monkeypatch
):
    from hyperdesk.core.execution import look_inside
    from hyperdesk.core.storage.session import Session

    path = searched(capsys, tmp_path, TINY_CONFIG, "search.keep_weights=all")
    with Session.open(path, writable=False) as session:
        row = session.trials()[0]
    seen = look_inside.inspect_trial(path, row.number)
    # The validation accuracy the search recorded, from the kept weights alone.
    assert seen.report.samples == 20
    assert seen.report.accuracy == pytest.approx(row.final_val_acc, abs=1e-12)
    wrong = 20 - round(seen.report.accuracy * 20)
    assert len(seen.mistakes) == wrong and seen.pictures.shape == (wrong, 28, 28)
    confidences = [m.confidence for m in seen.mistakes]
    assert confidences == sorted(confidences, reverse=True)  # worst first
    assert all(m.true != m.predicted for m in seen.mistakes)
    # Kept: the second look reads it, needing no data.
    monkeypatch.setattr(look_inside, "load_split", None)
    again = look_inside.inspect_trial(path, row.number)
    np.testing.assert_array_equal(again.report.confusion, seen.report.confusion)
    np.testing.assert_array_equal(again.pictures, seen.pictures)
