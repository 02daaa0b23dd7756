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
    assert listed == folders
