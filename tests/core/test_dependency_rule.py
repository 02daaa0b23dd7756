"""core/ must run where Qt is absent: importing every core module loads no Qt. (The
import-linter contracts in pyproject.toml check the imports as written; this checks
what importing them really loads.)"""

import json
import pkgutil
import subprocess
import sys

import hyperdesk.core

FORBIDDEN = ("PySide6", "pyqtgraph", "shiboken6")


def test_core_imports_no_qt_and_no_window_code():
    modules = [
        info.name
        for info in pkgutil.walk_packages(hyperdesk.core.__path__, prefix="hyperdesk.core.")
        if not info.name.endswith("__main__")
    ]
    assert "hyperdesk.core.training.trainer" in modules
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = json.loads(subprocess.check_output([sys.executable, "-c", script], text=True))
    offenders = [
        name
        for name in loaded
        if name.split(".")[0] in FORBIDDEN or name.startswith("hyperdesk.desktop_app")
    ]
    assert offenders == []
