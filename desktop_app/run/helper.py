"""The window's helper process: work that would hold the GIL, and with it the window, for
a noticeable time (reading a large data file, Optuna's import and importance estimate, a
timed training step, a session compared or looked inside) runs there, one call at a
time in the order asked. Each request names the function, its arguments, and what to
call with the answer or with the reason it failed, on the GUI thread."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from hyperdesk.core.execution.control import CONTEXT
from hyperdesk.core.execution.helper_call import call_in_helper
from hyperdesk.core.search.importance import parameter_importance


class _HelperWorker(QObject):
    """Lives on the helper's QThread and waits there for each call's answer, so that
    the GUI thread never does."""

    answered = Signal(int, bool, object)  # request, whether it worked, result or reason

    def __init__(self):
        super().__init__()
        self._executor: ProcessPoolExecutor | None = None

    @Slot(int, object, object)
    def call(self, request: int, function, args) -> None:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(1, mp_context=CONTEXT)
        try:
            worked, result = self._executor.submit(call_in_helper, function, args).result()
        except Exception as error:  # the process itself died (killed, out of memory)
            worked, result = False, f"the helper process failed ({type(error).__name__})"
        self.answered.emit(request, worked, result)

    def close(self) -> None:
        """End the helper process; call once the thread has ended."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)


class HelperProcess(QObject):
    """request() returns at once; `then(result)` or `failed(reason)` is called on the
    GUI thread when the helper process has answered."""

    _requested = Signal(int, object, object)  # request, function, args

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._worker = _HelperWorker()
        self._thread = QThread(self)
        self._worker.moveToThread(self._thread)
        self._requested.connect(self._worker.call)
        self._worker.answered.connect(self._answered)
        self._numbers = itertools.count()
        self._waiting: dict[int, tuple[Callable[[Any], None], Callable[[str], None]]] = {}
        self._thread.start()

    def request(
        self,
        function: Callable,
        *args,
        then: Callable[[Any], None],
        failed: Callable[[str], None],
    ) -> None:
        """Call `function(*args)` in the helper process (both must pickle)."""
        number = next(self._numbers)
        self._waiting[number] = (then, failed)
        self._requested.emit(number, function, args)

    def _answered(self, number: int, worked: bool, result) -> None:
        then, failed = self._waiting.pop(number)
        if worked:
            then(result)
        else:
            failed(result)

    def shutdown(self) -> None:
        self._thread.quit()
        self._thread.wait()
        self._worker.close()


class ImportanceEstimator(QObject):
    """Parameter importance (core.search.importance) estimated by the HelperProcess:
    request() returns at once; `computed` brings the estimate (none when it failed)."""

    computed = Signal(object, int)  # {name: importance}, finished trials it is based on

    def __init__(self, helper: HelperProcess):
        super().__init__(helper)
        self.helper = helper

    def request(self, space, scored) -> None:
        count = len(scored)
        self.helper.request(
            parameter_importance,
            space,
            scored,
            then=lambda importance: self.computed.emit(importance, count),
            failed=lambda reason: self.computed.emit({}, count),
        )
