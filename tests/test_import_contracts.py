"""The import rules of pyproject.toml ([tool.importlinter]) hold: core never imports Qt,
pyqtgraph or the window; core's areas and the window's rooms import only downward.

import-linter's graph builder (grimp) takes top-level packages or portions of a
namespace package. Installed, `hyperdesk` is a regular package (its own __init__ gives
`hyperdesk.__version__` and `load_model`), so the check runs with `hyperdesk` seen as
the namespace the three source folders share, which is what the rules are about."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

AS_A_NAMESPACE = """
import importlib.machinery, importlib.util, sys
spec = importlib.machinery.ModuleSpec("hyperdesk", None, is_package=True)
namespace = importlib.util.module_from_spec(spec)
namespace.__path__ = []
sys.modules["hyperdesk"] = namespace
from importlinter.cli import lint_imports_command
sys.exit(lint_imports_command())
"""


def test_every_import_contract_is_kept():
    result = subprocess.run(
        [sys.executable, "-c", AS_A_NAMESPACE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Contracts: 3 kept, 0 broken." in result.stdout
