"""The progress of a dataset's download before Start, with Cancel."""

from __future__ import annotations

from PySide6.QtCore import QThread, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from hyperdesk.desktop_app.run.threads import DownloadWorker


class DownloadDialog(QProgressDialog):
    """Runs a DownloadWorker on a thread of its own; `done` brings "" (the data is
    here), "cancelled", or what went wrong. Its slots run on the GUI thread: the
    worker's signals reach them queued."""

    done = Signal(str)

    def __init__(self, name: str, parent: QWidget):
        super().__init__(f"Downloading {name}…", "Cancel", 0, 0, parent)
        self.setObjectName("downloadDialog")
        self.setWindowTitle("Downloading data")
        self.setMinimumDuration(0)
        self.setMinimumWidth(420)
        self.thread = QThread(self)
        self.worker = DownloadWorker(name)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.canceled.connect(self.worker.cancel)
        self.worker.progress.connect(self.show_progress)
        self.worker.finished.connect(self.finish)

    def start(self) -> None:
        self.show()
        self.thread.start()

    @Slot(str, int, int)
    def show_progress(self, file: str, done: int, total: int) -> None:
        self.setMaximum(max(total, 1))
        self.setValue(min(done, total))
        self.setLabelText(f"Downloading {file}: {done / 1e6:.1f} of {total / 1e6:.1f} MB")

    @Slot(str)
    def finish(self, problem: str) -> None:
        self.thread.quit()
        self.thread.wait()
        self.reset()
        self.hide()
        self.done.emit(problem)
        self.deleteLater()
