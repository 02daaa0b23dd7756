"""The Qt binding itself must hold up under a fast search's signal traffic."""

import sys

from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    record = Signal(object)


def test_emitting_signals_keeps_reference_counts():
    # PySide6 6.12.0 dropped a reference to True on each emit, so a search of a few
    # thousand epochs aborted the interpreter ("bool_dealloc") on Python 3.11.
    emitter = Emitter()
    received = []
    emitter.record.connect(received.append)
    before = sys.getrefcount(True)
    for index in range(3000):
        emitter.record.emit(index)
    assert len(received) == 3000
    # A few references come and go with unrelated objects; the bug lost one per emit.
    assert abs(sys.getrefcount(True) - before) < 100
