"""Model files made to hurt: a crafted header or array is refused by name (ModelError,
exit 3) before anything it describes is allocated; paths that are not regular files
are refused at once, never opened."""

import io
import json
import os
import zipfile

import numpy as np
import pytest

from hyperdesk.core.model.model_file import ModelError, load_model
from hyperdesk.core.training.network import Network
from tests.conftest import TINY_CONFIG
from tests.core.cli.test_cli import run_cli
from tests.core.model.test_model import searched


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A real model file, and its arrays and header to craft others from."""
    folder = tmp_path_factory.mktemp("model")
    path = searched(_Capture(), folder, TINY_CONFIG, "model.batchnorm=true")
    out = folder / "m.hdmodel"
    assert run_cli(_Capture(), "model", path, "--out", out)[0] == 0
    with np.load(out, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(bytes(arrays.pop("header")).decode())
    return out, arrays, header


class _Capture:
    """The part of pytest's capsys run_cli uses, for a module-scoped fixture."""

    def readouterr(self):
        return _Captured()


class _Captured:
    out = err = ""


def write(path, arrays, header):
    encoded = json.dumps(header).encode() if not isinstance(header, bytes) else header
    with open(path, "wb") as stream:  # a name, np.savez would add .npz to it
        np.savez(stream, header=np.frombuffer(encoded, dtype=np.uint8), **arrays)
    return path


def test_the_architecture_gives_every_arrays_size(saved):
    out, _, _ = saved
    model = load_model(out)
    state = Network(model.spec, np.random.default_rng(0)).state()
    assert model.spec.state_sizes == [array.size for array in state]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda h: h.update(format_version="1"), "format_version is '1'"),
        (lambda h: h.update(format_version=None), "format_version is None"),
        (lambda h: h.update(arrays="4"), "arrays is '4'"),
        (lambda h: h.update(arrays=-1), "arrays is -1"),
        (lambda h: h.update(arrays=1_000_000_000), "arrays is 1000000000"),
        (lambda h: h["architecture"].pop("hidden"), "architecture.hidden is None"),
        (lambda h: h["architecture"].update(hidden=10**9), "architecture.hidden"),
        (lambda h: h["architecture"].update(dtype="object"), "architecture.dtype is 'object'"),
        (lambda h: h.update(classes={"a": 1}), "classes is not a list"),
        (lambda h: h.update(classes=["only"]), "classes is not a list"),
        (lambda h: h["architecture"].update(hidden=[16, 17]), "its architecture needs 272"),
        (lambda h: h["architecture"].update(hidden=[16]), "arrays is 14, and its architecture"),
        (lambda h: h.update(inputs=[]), "inputs does not say"),
    ],
)
def test_a_crafted_header_is_refused_by_name(saved, tmp_path, change, words):
    _, arrays, header = saved
    crafted = json.loads(json.dumps(header))
    change(crafted)
    with pytest.raises(ModelError) as caught:
        load_model(write(tmp_path / "x.hdmodel", arrays, crafted))
    assert words in str(caught.value) and "x.hdmodel" in str(caught.value)


def test_a_header_nested_deep_or_not_text_is_refused(saved, tmp_path):
    _, arrays, _ = saved
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(ModelError, match="nested deeper"):
        load_model(write(tmp_path / "deep.hdmodel", arrays, deep))
    with pytest.raises(ModelError, match="not UTF-8"):
        load_model(write(tmp_path / "bytes.hdmodel", arrays, b"\xff\xfe{}"))


def test_an_array_declaring_gigabytes_is_refused_before_it_is_read(saved, tmp_path):
    """1.9 MB of deflated zeros declaring (4, 500000000) float32 asked for 7.45 GiB."""
    _, arrays, header = saved
    target = tmp_path / "bomb.hdmodel"
    write(target, {k: v for k, v in arrays.items() if k != "layer_0"}, header)
    member = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        member, {"descr": "<f4", "fortran_order": False, "shape": (4, 500_000_000)}
    )
    member.write(bytes(1 << 20))
    with zipfile.ZipFile(target, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("layer_0.npy", member.getvalue())
    with pytest.raises(ModelError, match=r"'layer_0' is float32 of shape \(4, 500000000\)"):
        load_model(target)


def test_weights_that_are_not_numbers_and_a_zero_spread_are_refused(saved, tmp_path):
    _, arrays, header = saved
    broken = {**arrays, "layer_0": np.full_like(arrays["layer_0"], np.nan)}
    with pytest.raises(ModelError, match="'layer_0' holds values that are not finite"):
        load_model(write(tmp_path / "nan.hdmodel", broken, header))
    flat = {**arrays, "scaling_spread": np.zeros_like(arrays["scaling_spread"])}
    with pytest.raises(ModelError, match="divides by zero"):
        load_model(write(tmp_path / "flat.hdmodel", flat, header))


def test_paths_that_are_not_regular_files_are_refused_at_once(saved, tmp_path, capsys):
    out, _, _ = saved
    pipe = tmp_path / "pipe.hdmodel"
    os.mkfifo(pipe)  # opened, it would wait for a writer for ever
    with pytest.raises(ModelError, match="a named pipe, not a regular file"):
        load_model(pipe)
    code, _, err = run_cli(capsys, "predict", pipe, out)
    assert code == 3 and "named pipe" in err
    inputs = tmp_path / "inputs.csv"
    os.mkfifo(inputs)
    code, _, err = run_cli(capsys, "predict", out, inputs)
    assert code == 2 and "inputs.csv: a named pipe" in err
    code, _, err = run_cli(capsys, "predict", out, "/dev/zero")
    assert code == 2 and "a character device" in err
