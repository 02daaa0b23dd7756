"""One short trial of a person's training function, before a search: what `hyperdesk
check-code` and the window's Test run show. It runs in a worker process as a search's
trials do (a crash there is reported, not suffered), with the middle of each searched
range and, when `epochs` is fixed, one epoch."""

from __future__ import annotations

import math
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hyperdesk.core.config import Config
from hyperdesk.core.execution.control import RunControl
from hyperdesk.core.execution.pool import TrialPool
from hyperdesk.core.execution.user_code import CodeTask, check_code
from hyperdesk.core.search.space import ChoiceParam
from hyperdesk.core.training.trainer import EpochRecord
from hyperdesk.core.trials import TrialStatus

# The seed of the trial a check runs (a search's trials have their own).
CHECK_SEED = 0


@dataclass
class CheckResult:
    """What the trial did: its parameters, what it reported and said, how it ended
    (a TrialStatus, with the reason when it failed) and its output."""

    params: dict[str, Any]
    epochs: list[EpochRecord] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    returned: dict[str, float] = field(default_factory=dict)
    status: str = TrialStatus.FAILED
    error: str = ""
    output: str = ""
    seconds: float = 0.0

    def text(self) -> str:
        """The check as a terminal shows it."""
        lines = [f"Ran the function with {self.params}"]
        for record in self.epochs:
            shown = ", ".join(f"{name}={value:.6g}" for name, value in record.figures().items())
            lines.append(f"  epoch {record.epoch}: {shown}")
        if self.returned:
            lines.append(f"  returned: {self.returned}")
        if self.info:
            lines.append(f"  info: {self.info}")
        lines.append(
            f"{self.status} in {self.seconds:.1f} s" + (f": {self.error}" if self.error else "")
        )
        return "\n".join(lines)


def middle_params(config: Config) -> dict[str, Any]:
    """The fixed values and the middle of each searched range (a list's middle value);
    one epoch when `epochs` is fixed."""
    params = dict(config.code.fixed)
    if isinstance(params.get("epochs"), int):
        params["epochs"] = 1
    for param in config.search.space:
        if isinstance(param, ChoiceParam):
            params[param.name] = param.values[len(param.values) // 2]
        else:
            params[param.name] = param.from_unit(0.5)
    return params


def check_run(config: Config, seconds: float = math.inf) -> CheckResult:
    """Run one trial of `config`'s function (EntryError first when it cannot be run);
    ended as failed after `seconds` (or code.timeout) of silence."""
    check_code(config.code)
    result = CheckResult(middle_params(config))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hyperdesk-check-") as folder:
        log = Path(folder) / "output.log"
        task = CodeTask(
            0, CHECK_SEED, result.params, config.code.entry, folder, str(log), config.code.metric
        )
        with TrialPool(1, RunControl()) as pool:
            pool.submit(task, timeout=config.code.timeout or seconds)
            ended = False
            while not ended:
                for kind, _, payload in pool.events():
                    ended = ended or _take(result, kind, payload, config)
        result.output = log.read_text(errors="replace") if log.exists() else ""
    result.seconds = time.perf_counter() - started
    return result


def _take(result: CheckResult, kind: str, payload: Any, config: Config) -> bool:
    """Note one event of the trial in `result`; whether it ended the trial."""
    if kind == "epoch":
        result.epochs.append(payload)
    elif kind == "info":
        result.info.update(payload)
    elif kind == "final":
        result.returned = payload
    elif kind == "end":
        result.status = payload
    elif kind == "failed":
        result.error = payload
    elif kind == "lost":
        result.error = (
            f"said nothing for {config.code.timeout:g} s (code.timeout)"
            if payload == "silent"
            else f"its worker process ended (exit code {payload})"
        )
    return kind in ("end", "failed", "lost")
