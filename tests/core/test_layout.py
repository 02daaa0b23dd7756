"""The package list in pyproject.toml matches the folders: a folder left out is missing
from the wheel, a name without a folder breaks every install."""

from pathlib import Path

from hyperdesk.core.config import tomllib  # the standard library's, or tomli before 3.11

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_folder_is_listed_and_every_listed_package_is_a_folder():
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    folders = {
        "hyperdesk." + ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("core", "desktop_app", "resources")
        for init in (ROOT / top).rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert (ROOT / "packaging" / "hyperdesk" / "__init__.py").is_file()  # the top
    assert listed == folders | {"hyperdesk"}


# A module past this usually holds two ideas (the window's middle grew back to 850 lines
# and config.py to 1,094 before they were split along their seams).
MAX_MODULE_LINES = 700


def test_no_module_of_the_engine_or_the_window_passes_the_limit():
    long = {
        str(path.relative_to(ROOT)): count
        for top in ("core", "desktop_app")
        for path in (ROOT / top).rglob("*.py")
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_every_test_module_has_a_name_of_its_own():
    """pytest imports test modules by their file name here (no __init__.py in tests/):
    a second test_launch.py stopped a clean-clone run at collection."""
    names = [path.name for path in (ROOT / "tests").rglob("test_*.py")]
    assert sorted(name for name in set(names) if names.count(name) > 1) == []
