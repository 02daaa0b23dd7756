"""ONNX export: the graph, run by onnxruntime, gives Hyperdesk's own probabilities (the
preprocessing folded in as its first nodes)."""

import json

import numpy as np
import onnx
import onnxruntime

from hyperdesk.core.config import loads
from hyperdesk.core.data.splits import load_test_split
from hyperdesk.core.execution.final_model import train_final_model
from hyperdesk.core.model.model_file import load_model
from tests.conftest import TINY_CONFIG
from tests.core.cli.test_cli import run_cli
from tests.core.model.test_model import TABLE, searched


def run_onnx(path, x):
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": np.asarray(x, dtype=np.float32)})


def test_the_seed_model_in_onnxruntime_matches_hyperdesk(capsys, tmp_path):
    path = searched(
        capsys, tmp_path, TINY_CONFIG, 'model.activation="tanh"', "model.batchnorm=true"
    )
    out = tmp_path / "m.onnx"
    code, _, err = run_cli(capsys, "model", path, "--format", "onnx", "--out", out)
    assert code == 0, err
    model = train_final_model(path).model  # the same training again: the same weights
    raw = load_test_split(loads(TINY_CONFIG).data).x_val * 255
    probabilities, labels = run_onnx(out, raw)
    np.testing.assert_allclose(probabilities, model.predict_proba(raw), atol=1e-5)
    np.testing.assert_array_equal(labels, model.predict_proba(raw).argmax(axis=1))
    metadata = {p.key: p.value for p in onnx.load(out).metadata_props}
    assert json.loads(metadata["classes"]) == [str(digit) for digit in range(10)]


def test_the_file_carries_the_lowest_ir_version_of_its_opset_and_says_its_input(capsys, tmp_path):
    """onnxruntime 1.16 to 1.20 refuse IR 14 (onnx 1.23's default) but read IR 8."""
    path = searched(capsys, tmp_path, TINY_CONFIG)
    out = tmp_path / "m.onnx"
    assert run_cli(capsys, "model", path, "--format", "onnx", "--out", out)[0] == 0
    graph = onnx.load(out)
    opsets = list(graph.opset_import)
    assert graph.ir_version == onnx.helper.find_min_ir_version_for(opsets) == 8
    assert "0..255" in graph.graph.doc_string and "do not divide by 255" in graph.graph.doc_string


def test_a_table_model_with_one_hot_columns_and_filled_values_matches(capsys, tmp_path):
    (tmp_path / "t.csv").write_text(TABLE)
    config = (
        '[data]\nsource = "t.csv"\nsamples = 60\nmissing = "mean"\n'
        "[model]\nhidden = [8, 8]\n[train]\nepochs = 5\n[search]\ntrials = 2\n"
    )
    path = searched(capsys, tmp_path, config)
    assert run_cli(capsys, "model", path, "--out", tmp_path / "t.hdmodel")[0] == 0
    assert run_cli(capsys, "model", path, "--format", "onnx", "--out", tmp_path / "t.onnx")[0] == 0
    model = load_model(tmp_path / "t.hdmodel")
    (tmp_path / "new.csv").write_text("colour,width,height\nred,3,2\nblue,NA,1\ngreen,9,NA\n")
    x, _ = model.read_inputs(tmp_path / "new.csv")
    assert np.isnan(x).sum() == 2  # filled inside the graph as in Hyperdesk
    probabilities, _ = run_onnx(tmp_path / "t.onnx", x)
    np.testing.assert_allclose(probabilities, model.predict_proba(x), atol=1e-5)


def test_a_saved_model_file_converts_to_onnx_without_training(capsys, tmp_path, monkeypatch):
    path = searched(capsys, tmp_path, TINY_CONFIG)
    saved = tmp_path / "kept.hdmodel"
    assert run_cli(capsys, "model", path, "--out", saved)[0] == 0
    import hyperdesk.core.cli.model as model_command

    def no_training(*args, **kwargs):
        raise AssertionError("a saved model is converted, not trained again")

    monkeypatch.setattr(model_command, "train_final_model", no_training)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "model", saved, "--format", "onnx")
    assert code == 0, err
    assert "as ONNX: kept.onnx" in out
    model = load_model(saved)
    raw = load_test_split(loads(TINY_CONFIG).data).x_val * 255
    probabilities, _ = run_onnx(tmp_path / "kept.onnx", raw)
    np.testing.assert_allclose(probabilities, model.predict_proba(raw), atol=1e-5)
    # Asked again, it keeps the file; a model is not a model again; no trial to choose.
    assert run_cli(capsys, "model", saved, "--format", "onnx")[0] == 2
    code, _, err = run_cli(capsys, "model", saved)
    assert code == 2 and "--format onnx converts it" in err
    (tmp_path / "broken.hdmodel").write_bytes(b"not a zip")
    code, _, err = run_cli(capsys, "model", tmp_path / "broken.hdmodel", "--format", "onnx")
    assert code == 3 and "broken.hdmodel" in err
