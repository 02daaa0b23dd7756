"""A regression's model: the file keeps its task and the target's scaling; `predict`,
`load_model().predict` and the ONNX graph give the same values in the label's units;
`model` reports RMSE, MAE and R²."""

import csv
import io
import json

import numpy as np
import pytest

from hyperdesk.core.model.model_file import ModelError, load_model
from tests.conftest import REGRESSION_CONFIG
from tests.core.cli.test_cli import run_cli
from tests.core.model.test_model import searched

TABLE = "size,rooms,kind,price\n" + "".join(
    f"{40 + i % 30},{1 + i % 4},{'ab'[i % 2]},{1000 + 20 * (40 + i % 30) + 150 * (i % 4)}\n"
    for i in range(90)
)


@pytest.fixture
def regression_session(capsys, tmp_path):
    table = tmp_path / "houses.csv"
    table.write_text(TABLE)
    config = REGRESSION_CONFIG.format(path=table)
    return searched(capsys, tmp_path, config, "data.test=0.2", "train.lr=0.02")


def test_predict_the_api_and_onnx_agree_in_the_label_s_units(capsys, tmp_path, regression_session):
    out = tmp_path / "m.hdmodel"
    code, printed, err = run_cli(capsys, "model", regression_session, "--out", out, "--json")
    assert code == 0, err
    assert "RMSE" in printed and "R²" in printed and "precision" not in printed
    reported = json.loads(printed.strip().splitlines()[-1])
    assert set(reported) >= {"rmse", "mae", "r2"} and reported["r2"] > 0.8
    model = load_model(out)
    assert model.regression and model.classes == ()
    inputs = tmp_path / "new.csv"
    inputs.write_text("size,rooms,kind\n50,2,a\n65,4,b\n")
    code, printed, _ = run_cli(capsys, "predict", out, inputs)
    rows = list(csv.reader(io.StringIO(printed)))
    assert rows[0] == ["input", "prediction"] and len(rows) == 3
    x, _ = model.read_inputs(inputs)
    values = model.predict(x)
    assert values.dtype == np.float64
    np.testing.assert_allclose([float(r[1]) for r in rows[1:]], values, rtol=1e-6)
    # Near the prices the table's rule gives (2300 and 2900).
    np.testing.assert_allclose(values, [2300, 2900], rtol=0.1)
    with pytest.raises(ModelError, match="no classes"):
        model.predict_proba(x)
    onnx_path = tmp_path / "m.onnx"
    assert run_cli(capsys, "model", out, "--format", "onnx", "--out", onnx_path)[0] == 0
    import onnxruntime

    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    (predicted,) = session.run(None, {"input": x.astype(np.float32)})
    assert [o.name for o in session.get_outputs()] == ["prediction"]
    np.testing.assert_allclose(predicted[:, 0], values, rtol=1e-4)


def test_a_regression_model_file_with_a_crafted_target_is_refused(tmp_path, regression_session):
    import zipfile

    from hyperdesk.core.archive import json_array
    from hyperdesk.core.execution.final_model import train_final_model

    model = train_final_model(regression_session).model
    good = tmp_path / "good.hdmodel"
    model.save(good)
    with zipfile.ZipFile(good) as archive:
        header = json.loads(bytes(np.load(io.BytesIO(archive.read("header.npy")))))
        members = {name: archive.read(name) for name in archive.namelist()}
    for target in ([1.0, 0.0], [1.0], "x", [float("nan"), 1.0]):
        header["target"] = target
        buffer = io.BytesIO()
        np.save(buffer, json_array(header))
        bad = tmp_path / "bad.hdmodel"
        with zipfile.ZipFile(bad, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, buffer.getvalue() if name == "header.npy" else data)
        with pytest.raises(ModelError, match="target is not a regression's"):
            load_model(bad)


def test_evaluate_reports_a_regression_s_test_figures(capsys, regression_session):
    code, printed, _ = run_cli(capsys, "evaluate", regression_session, "--json")
    assert code == 0 and "test RMSE" in printed and "R²" in printed
    result = json.loads(printed.strip().splitlines()[-1])
    assert {"test_rmse", "test_mae", "test_r2", "test_loss"} <= set(result)
    assert "test_acc" not in result
    assert result["test_loss"] == pytest.approx(result["test_rmse"] ** 2, rel=1e-6)


def test_a_look_inside_a_regression_trial_measures_what_the_search_measured(regression_session):
    from hyperdesk.core.execution.look_inside import inspect_trial
    from hyperdesk.core.model.inspection import RegressionLook
    from hyperdesk.core.storage.session import Session

    look = inspect_trial(regression_session, 1)
    assert isinstance(look, RegressionLook) and look.label == "price"
    with Session.open(regression_session, writable=False) as session:
        trial = next(row for row in session.trials() if row.number == 1)
        kept = session.inspections()
    assert look.rmse == pytest.approx(trial.final_val_rmse, rel=1e-4)
    assert look.mae == pytest.approx(trial.final_val_mae, rel=1e-4)
    assert look.r2 == pytest.approx(trial.final_val_r2, abs=1e-4)
    # The furthest off first, each with its row's values as the table holds them.
    offs = [abs(worst.predicted - worst.actual) for worst in look.worst]
    assert offs == sorted(offs, reverse=True) and offs[0] == pytest.approx(
        np.abs(look.residuals).max()
    )
    first = look.worst[0]
    line = TABLE.splitlines()[first.row + 1].split(",")
    assert dict(first.values) == {"size": line[0], "rooms": line[1], "kind": line[2]}
    assert float(line[3]) == first.actual
    # Kept in the session: asked again, it is read, not computed.
    assert set(kept) == {1}
    again = inspect_trial(regression_session, 1)
    assert np.array_equal(again.predicted, look.predicted) and again.worst == look.worst


def test_a_saved_regression_model_is_looked_inside_on_its_test_split(regression_session):
    from hyperdesk.core.execution.final_model import train_final_model

    final = train_final_model(regression_session)
    figures = final.model.details["evaluation"]
    assert final.look.on == "test split" == figures["on"]
    assert final.look.samples == figures["samples"]
    assert final.look.rmse == pytest.approx(figures["rmse"], rel=1e-4)
    assert final.look.r2 == pytest.approx(figures["r2"], abs=1e-4)
