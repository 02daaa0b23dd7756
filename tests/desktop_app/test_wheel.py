"""The built wheel, installed into a fresh virtual environment outside the checkout,
runs a search on its bundled data and draws its plots: what `pip install hyperdesk`
gives a person. Slow (it installs every dependency); deselect with -m "not wheel"."""

import json
import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from hyperdesk.core import __version__

ROOT = Path(__file__).resolve().parents[2]
# What a checkout holds at its top that a clone does not (packaging/build is a clone's).
LOCAL_ONLY = (".git", ".venv", "build", "dist", "*.egg-info", "screenshots")
pytestmark = pytest.mark.wheel


def run(*command, **kwargs):
    result = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=900, **kwargs
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    # A copy without build/: setuptools packages whatever an earlier build left in
    # build/lib, which is not what a fresh clone gives.
    copy = tmp_path_factory.mktemp("source") / "hyperdesk"
    at_top = shutil.ignore_patterns(*LOCAL_ONLY)
    caches = shutil.ignore_patterns("__pycache__")

    def local_only(folder, names):
        return caches(folder, names) | (at_top(folder, names) if Path(folder) == ROOT else set())

    shutil.copytree(ROOT, copy, ignore=local_only)
    return copy


@pytest.fixture(scope="module")
def wheel(source, tmp_path_factory):
    folder = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", folder, source)
    (built,) = folder.glob("hyperdesk-*.whl")
    return built


def test_the_wheel_carries_the_data_icons_and_examples(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "hyperdesk/resources/mnist/t10k-images-idx3-ubyte.gz",
        "hyperdesk/resources/mnist/t10k-labels-idx1-ubyte.gz",
        "hyperdesk/resources/mnist/README.md",
        "hyperdesk/resources/examples/seed.toml",
        "hyperdesk/resources/icons/hyperdesk.svg",
        "hyperdesk/resources/icons/hyperdesk-512.png",
        "hyperdesk/desktop_app/window/main_window.py",
        "hyperdesk/core/training/trainer.py",
    ):
        assert required in names
    # One top-level package: nothing that another distribution's `core` could clash with.
    top_level = {name.split("/")[0] for name in names}
    assert top_level == {"hyperdesk", f"hyperdesk-{__version__}.dist-info"}
    assert "hyperdesk/__init__.py" in names  # import hyperdesk: its version, load_model
    assert "hyperdesk/resources/linux/io.github.hyperdesk.Hyperdesk.desktop" in names
    metadata = zipfile.ZipFile(wheel).read(f"hyperdesk-{__version__}.dist-info/METADATA")
    metadata = metadata.decode()
    assert "Project-URL: Homepage, https://" in metadata
    assert "Classifier: Topic :: Scientific/Engineering :: Artificial Intelligence" in metadata


def test_the_sdist_is_the_whole_project_with_its_tests(source, tmp_path):
    run(sys.executable, "-m", "build", "--sdist", "--outdir", tmp_path, source)
    (built,) = tmp_path.glob("hyperdesk-*.tar.gz")
    with tarfile.open(built) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for required in (
        "Makefile",
        ".ci/run",
        "LICENSE",
        "tests/conftest.py",
        "tests/desktop_app/test_wheel.py",
        "packaging/build",
        "packaging/hyperdesk/__init__.py",
        "resources/mnist/t10k-images-idx3-ubyte.gz",
    ):
        assert required in names
    assert not [name for name in names if "__pycache__" in name]


def test_the_installed_wheel_runs_a_search_and_exports_plots(wheel, tmp_path):
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", wheel)
    outside = tmp_path / "elsewhere"  # not the checkout: nothing imports from the sources
    outside.mkdir()
    env = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env.update(HYPERDESK_HOME=str(tmp_path / "home"), QT_QPA_PLATFORM="offscreen")
    hyperdesk = environment / "bin" / "hyperdesk"

    located = run(
        python,
        "-c",
        "import hyperdesk.core, hyperdesk.resources; print(hyperdesk.core.__file__)",
        cwd=outside,
        env=env,
    )
    assert located.stdout.strip().startswith(str(environment))
    top = run(
        python,
        "-c",
        "import hyperdesk; print(hyperdesk.__version__, hyperdesk.load_model.__name__)",
        cwd=outside,
        env=env,
    )
    assert top.stdout.split() == [__version__, "load_model"]
    assert run(hyperdesk, "--version", cwd=outside, env=env).stdout.strip() == (
        f"hyperdesk {__version__}"
    )
    listing = run(hyperdesk, "run", "--example", cwd=outside, env=env).stdout
    assert "seed" in listing.split()

    ran = run(
        hyperdesk,
        "run",
        "--example",
        "seed",
        "--set",
        "search.trials=2",
        "--set",
        "train.epochs=3",
        "--json",
        cwd=outside,
        env=env,
    )
    summary = json.loads(ran.stdout.strip().splitlines()[-1])
    assert summary["trials"] == summary["complete"] == 2
    assert summary["session"].startswith(str(tmp_path / "home"))

    plots = tmp_path / "plots"
    run(hyperdesk, "export", summary["session"], "--plots", plots, cwd=outside, env=env)
    images = sorted(plots.glob("*.png"))
    assert len(images) == 6  # every panel but the heatmap of a two-parameter grid
    assert all(image.stat().st_size > 5_000 for image in images)
