"""core/ must run where Qt is absent: importing every core module loads no Qt."""

import json
import pkgutil
import subprocess
import sys

import core

FORBIDDEN = ("PySide6", "pyqtgraph", "desktop_app", "shiboken6")


def test_core_imports_no_qt_and_no_window_code():
    modules = [f"core.{info.name}" for info in pkgutil.iter_modules(core.__path__)]
    assert "core.trainer" in modules
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = json.loads(subprocess.check_output([sys.executable, "-c", script], text=True))
    offenders = [name for name in loaded if name.split(".")[0] in FORBIDDEN]
    assert offenders == []
