"""A person's own training function, run as a trial ([code] in a config).

The contract, in the names users write to:

    def fit(params, trial):
        for epoch in range(1, params["epochs"] + 1):
            ...
            trial.report(epoch, val_acc=..., train_loss=...)
            if trial.should_stop():
                return
        return {"val_acc": ...}  # optional

Each trial runs in a worker process (core.execution.worker), its stdout and stderr in a
log file of its own. What it reports streams to the runner as the built-in network's
epochs do: the standard figures (REPORTED_FIELDS) in their columns, any other beside
them (EpochRecord.extra). The entry is checked before a session is made, without
importing it (entry_problem), and fingerprinted with the files beside it that it
imports (code_digest), so that a resume never mixes two versions of it.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.util
import math
import numbers
import os
import sys
import time
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hyperdesk.core.config.schema import CodeConfig
from hyperdesk.core.training.trainer import REGRESSION_FIGURES, EpochRecord
from hyperdesk.core.trials import TrialStatus

# The figures a function may report that have columns of their own (every panel,
# export and compare reads them); any other name is kept in EpochRecord.extra.
REPORTED_FIELDS = ("train_loss", "train_acc", "val_loss", "val_acc", *REGRESSION_FIGURES)
# Lines of a failed trial's traceback kept in the session and shown.
TRACEBACK_LINES = 12
# An entry file larger than this is no training script (and is not read whole).
MAX_ENTRY_BYTES = 10 << 20


class EntryError(ValueError):
    """The entry cannot be run: the message names the file (and line) and why."""


def entry_problem(code: CodeConfig) -> str | None:
    """Why `code`'s entry cannot be run, found without running it (a file is parsed,
    a module looked up): a missing or unreadable file, a syntax error (its line), no
    such top-level function. None when it looks runnable."""
    module, _, function = code.entry.rpartition(":")
    if not code.file:
        try:
            found = importlib.util.find_spec(module)
        except (ImportError, ValueError) as error:
            return f"code.entry: module {module!r} cannot be found ({error})"
        return None if found else f"code.entry: no module named {module!r}"
    try:
        functions = top_level_functions(Path(code.file))
    except EntryError as error:
        return str(error)
    if function not in functions:
        listed = ", ".join(functions) or "none"
        return f"{code.file}: has no top-level function {function!r} (its functions: {listed})"
    return None


def check_code(code: CodeConfig) -> None:
    """EntryError (naming the file and line) when `code`'s entry cannot be run."""
    if problem := entry_problem(code):
        raise EntryError(problem)


def check_code_unchanged(code: CodeConfig, stored_digest: str, force: bool) -> str:
    """Before a session of `code` goes on: the code is runnable and is what the session
    began with (its `stored_digest`). EntryError naming the file when it changed, unless
    `force`; the digest to keep either way."""
    check_code(code)
    digest = code_digest(code)
    if stored_digest and digest != stored_digest and not force:
        names = ", ".join(str(path) for path in code_files(code)) or code.entry
        raise EntryError(
            f"{names}: changed since the session's trials ran (SHA-256 {digest[:12]}…, "
            f"was {stored_digest[:12]}…); going on would mix two versions of the code in "
            "one search. Start a new session, or add --force to go on with it as it is"
        )
    return digest


def entry_and_functions(code: CodeConfig) -> tuple[str, list[str]]:
    """(why `code`'s entry cannot run, "" when it can; its file's top-level functions):
    what the window's setup asks the helper process."""
    try:
        functions = top_level_functions(Path(code.file)) if code.file else []
    except EntryError:
        functions = []
    return entry_problem(code) or "", functions


def top_level_functions(path: Path) -> list[str]:
    """The functions `path` defines at its top level, read without importing it.
    EntryError naming the file (and line) when it cannot be read as Python."""
    try:
        if not path.is_file():
            reason = "does not exist" if not path.exists() else "is not a regular file"
            raise EntryError(f"{path}: {reason}; code.entry names a Python file")
        if path.suffix != ".py":
            raise EntryError(f"{path}: is not a Python file (.py)")
        if path.stat().st_size > MAX_ENTRY_BYTES:
            raise EntryError(f"{path}: is {path.stat().st_size:,} bytes, not a training script")
        source = path.read_bytes()
    except OSError as error:
        raise EntryError(f"{path}: cannot be read ({error.strerror or error})") from None
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as error:
        raise EntryError(f"{path}, line {error.lineno}: {error.msg}") from None
    except ValueError as error:  # null bytes: not Python text
        raise EntryError(f"{path}: is not Python source ({error})") from None
    return [
        node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def code_files(code: CodeConfig) -> list[Path]:
    """The entry's file and the .py files beside it that it imports by name (`import
    helpers`, `from helpers import x`): what a changed version is seen in."""
    path = Path(code.file) if code.file else _module_file(code.entry.rpartition(":")[0])
    if path is None:
        return []
    files = [path]
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return files
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        for name in names:
            beside = path.parent / f"{name.split('.')[0]}.py"
            if beside.is_file() and beside not in files:
                files.append(beside)
    return files


def _module_file(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    origin = spec and spec.origin
    return Path(origin) if origin and origin.endswith(".py") else None


def code_digest(code: CodeConfig) -> str:
    """SHA-256 over the entry's files (code_files), each named: a session stores it,
    and a resume or extension with other code is refused."""
    digest = hashlib.sha256()
    for path in code_files(code):
        digest.update(path.name.encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"(unreadable)")
    return digest.hexdigest()


def load_entry(entry: str) -> Callable:
    """The function `entry` names, imported ("file.py:fit" with the file's folder on
    the import path, for its own helpers; or "package.module:fit")."""
    where, _, name = entry.rpartition(":")
    if where.endswith(".py"):
        path = Path(where)
        folder = str(path.parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        module_name = f"hyperdesk_user_{path.stem}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise EntryError(f"{path}: cannot be imported")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(where)
    function = getattr(module, name, None)
    if not callable(function):
        raise EntryError(f"{where}: has no function {name!r}")
    return function


def trial_files(session_path: Path, number: int) -> tuple[Path, Path]:
    """(workdir, log file) of a function's trial `number`: in a folder beside the
    session file, named after it."""
    folder = session_path.parent / f"{session_path.stem}.files"
    return folder / f"trial-{number}", folder / f"trial-{number}.log"


@dataclass(frozen=True)
class CodeTask:
    """One trial of a person's function for a worker: its number, seed and parameters
    (searched and fixed), the entry, a folder for its files and its log file."""

    number: int
    seed: int
    params: dict[str, Any]
    entry: str
    workdir: str
    log: str
    metric: str  # what ranks the trials: a trial that never reports it fails
    # With early stopping the worker waits after each report for the runner's verdict.
    await_verdicts: bool = False

    @property
    def numbers(self) -> tuple[int, ...]:
        return (self.number,)


class Trial:
    """What a training function is given beside its parameters: `number`, `seed` (use
    it for everything random: a rerun then reports the same), `workdir` (a folder of
    its own), and report(), info() and should_stop()."""

    def __init__(
        self,
        number: int,
        seed: int,
        workdir: str,
        send: Callable[[tuple], None],
        stop_asked: Callable[[], bool],
        verdict: Callable[[int], None] | None = None,
    ):
        self.number, self.seed, self.workdir = number, seed, workdir
        self._send, self._stop_asked, self._verdict = send, stop_asked, verdict
        self.epochs: list[EpochRecord] = []
        self.failure: str | None = None  # why the trial failed, once it has
        self.diverged = False
        self.stopped = False  # should_stop() said so: later reports are ignored
        self._since = time.perf_counter()

    def report(self, epoch: int, **metrics: float) -> None:
        """Record epoch `epoch`'s figures (any float metrics by name). Epochs count up
        from 1; a non-finite figure makes the trial diverged, a report out of order or
        of something not a number fails it."""
        if self.stopped or self.failure or self.diverged:
            return
        last = self.epochs[-1].epoch if self.epochs else 0
        if isinstance(epoch, bool) or not isinstance(epoch, numbers.Integral) or epoch <= last:
            self._fail(f"reported epoch {epoch!r} after epoch {last}: epochs count up from 1")
            return
        figures = {}
        for name, value in metrics.items():
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                self._fail(f"reported {name}={value!r} at epoch {epoch}: figures are numbers")
                return
            figures[name] = float(value)
        if not all(math.isfinite(value) for value in figures.values()):
            self.diverged = self.stopped = True
            return
        now = time.perf_counter()
        record = epoch_record(int(epoch), figures, now - self._since)
        self._since = now
        self.epochs.append(record)
        self._send(("epoch", self.number, record))
        if self._verdict is not None:
            self._verdict(int(epoch))

    def info(self, **values: Any) -> None:
        """Text or numbers to show in the trial's row of the results table."""
        shown = {
            name: value if isinstance(value, str | int | float) else str(value)
            for name, value in values.items()
        }
        self._send(("info", self.number, shown))

    def should_stop(self) -> bool:
        """Whether to return now: the trial was pruned, Stop was pressed, or it
        failed. While the search is paused this call waits."""
        if not (self.stopped or self.failure or self.diverged) and self._stop_asked():
            self.stopped = True
        return self.stopped or self.failure is not None or self.diverged

    def _fail(self, reason: str) -> None:
        self.failure = reason
        self.stopped = True


def epoch_record(epoch: int, figures: dict[str, float], seconds: float) -> EpochRecord:
    """An EpochRecord of reported `figures`: the standard ones in their fields, the
    others in `extra`."""
    return with_figures(EpochRecord(epoch, None, None, None, None, seconds), figures)


# The end of a trial's log the window shows: a function may print megabytes.
LOG_SHOWN_BYTES = 200_000


def output_of(session_path: Path, number: int) -> str:
    """What trial `number` of a function's session printed (its log's last
    LOG_SHOWN_BYTES), or a sentence saying it printed nothing."""
    _, log = trial_files(session_path, number)
    try:
        with open(log, "rb") as stream:
            size = stream.seek(0, os.SEEK_END)
            stream.seek(max(0, size - LOG_SHOWN_BYTES))
            text = stream.read().decode(errors="replace")
    except FileNotFoundError:
        return f"Trial {number} printed nothing."
    cut = f"(the last {LOG_SHOWN_BYTES:,} bytes of {size:,})\n" if size > LOG_SHOWN_BYTES else ""
    return cut + text if text else f"Trial {number} printed nothing."


def with_figures(record: EpochRecord, figures: dict[str, float]) -> EpochRecord:
    """`record` with `figures` (what a function returned) put over its own."""
    standard = {name: value for name, value in figures.items() if name in REPORTED_FIELDS}
    others = {name: value for name, value in figures.items() if name not in REPORTED_FIELDS}
    extra = {**(record.extra or {}), **others}
    return replace(record, **standard, extra=extra or None)


def traceback_tail(text: str) -> str:
    """The last lines of a traceback: where it failed and why."""
    return "\n".join(text.rstrip().splitlines()[-TRACEBACK_LINES:])


@contextmanager
def output_to(path: str):
    """This process's stdout and stderr (file descriptors too: a library's C code
    prints there) appended to `path` for the block."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for descriptor in saved:
                os.close(descriptor)


def run_code_task(
    task: CodeTask,
    send: Callable[[tuple], None],
    run_stopping: Callable[[], bool],
    pruned: Callable[[], bool],
    verdict: Callable[[int], None] | None,
) -> None:
    """Run `task`'s trial in this process, sending its epochs and info, then
    ("final", number, figures) for what it returned and ("end", number, status) or
    ("failed", number, reason). `run_stopping()`: the search is stopping (it waits while
    the search is paused); `pruned()`: this trial is to end early."""
    stop_asked = StopQuestion(run_stopping, pruned)
    Path(task.workdir).mkdir(parents=True, exist_ok=True)
    trial = Trial(task.number, task.seed, task.workdir, send, stop_asked, verdict)
    started = time.perf_counter()
    returned: Any = None
    with output_to(task.log):
        try:
            function = load_entry(task.entry)
            returned = function(dict(task.params), trial)
        except Exception:
            text = traceback_tail(traceback.format_exc())
            print(text, file=sys.stderr)  # in its log too, whole
            send(("failed", task.number, text))
            return
    if trial.failure:
        send(("failed", task.number, trial.failure))
        return
    if trial.diverged:
        send(("end", task.number, TrialStatus.DIVERGED))
        return
    if returned is not None and not isinstance(returned, dict):
        send(("failed", task.number, f"returned {returned!r}: return a dict of figures or nothing"))
        return
    final = {}
    for name, value in (returned or {}).items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            send(("failed", task.number, f"returned {name}={value!r}: figures are numbers"))
            return
        final[name] = float(value)
    if not all(math.isfinite(value) for value in final.values()):
        send(("end", task.number, TrialStatus.DIVERGED))
        return
    if not trial.epochs and not final:
        if trial.stopped:  # stopped before its first report
            send(("end", task.number, _ended(trial, stop_asked.stopping)))
        else:
            send(("failed", task.number, "reported nothing and returned nothing"))
        return
    last = trial.epochs[-1] if trial.epochs else None
    if task.metric not in final and (last is None or last.figure(task.metric) is None):
        said = ", ".join(_reported_names(final, last)) or "nothing"
        send(
            (
                "failed",
                task.number,
                f"never reported {task.metric} (code.metric); it reported {said}",
            )
        )
        return
    if not trial.epochs:  # a function without epochs: what it returned is its one
        record = epoch_record(1, final, time.perf_counter() - started)
        send(("epoch", task.number, record))
    elif final:
        send(("final", task.number, final))
    send(("end", task.number, _ended(trial, stop_asked.stopping)))


def _reported_names(final: dict[str, float], last: EpochRecord | None) -> list[str]:
    """The figures a trial gave: returned, or in its last report."""
    return sorted({*final, *(last.figures() if last is not None else {})})


class StopQuestion:
    """should_stop's question: the search stopping (remembered: the status says
    interrupted) or the trial pruned."""

    def __init__(self, run_stopping: Callable[[], bool], pruned: Callable[[], bool]):
        self.run_stopping, self.pruned, self.stopping = run_stopping, pruned, False

    def __call__(self) -> bool:
        self.stopping = self.stopping or self.run_stopping()
        return self.stopping or self.pruned()


def _ended(trial: Trial, search_stopping: bool) -> str:
    """How a trial that returned normally ended: stopped by the search (interrupted:
    a resume runs it again), pruned, or complete."""
    if not trial.stopped:
        return TrialStatus.COMPLETE
    return TrialStatus.INTERRUPTED if search_stopping else TrialStatus.PRUNED
