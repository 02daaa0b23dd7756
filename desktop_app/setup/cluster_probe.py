"""Connect in the setup's Run on section: reach a Dask scheduler off the GUI thread and
say what it has (its workers, their cores and memory, its dashboard)."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from hyperdesk.core.config import RunConfig
from hyperdesk.core.execution.dask_pool import DaskError, cluster_info, connect


class ClusterProbe(QObject):
    """probe(run) connects in a thread of its own (a scheduler that does not answer
    takes seconds) and emits found(ClusterInfo, "") or found(None, what went wrong)."""

    found = Signal(object, str)

    def probe(self, run: RunConfig) -> None:
        threading.Thread(target=self._probe, args=(run,), daemon=True).start()

    def _probe(self, run: RunConfig) -> None:
        # Only this object's signal is touched here; Qt queues it to the window's thread.
        try:
            client, cluster = connect(run)
        except DaskError as error:
            self.found.emit(None, str(error))
            return
        try:
            info = cluster_info(client)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        self.found.emit(info, "")
