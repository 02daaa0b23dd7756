import contextlib
import hashlib
import http.server
import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from hyperdesk.core.data import downloads, sources
from hyperdesk.core.data.datasets import write_idx

TINY_CONFIG = """
[data]
samples = 100
validation = 0.2
seed = 1

[model]
hidden = [16, 16]

[train]
epochs = 3
batch_size = 20
optimizer = "sgd"

[search]
strategy = "random"
trials = 4
seed = 3

[search.space.lr]
low = 1e-3
high = 1e-1
scale = "log"

[search.space.weight_decay]
low = 1e-8
high = 1e-4
scale = "log"
"""


# A regression search over a table of the test's own ({path}: a CSV whose last column is
# a measurement), small enough to run in seconds; tests change it with --set.
REGRESSION_CONFIG = """
[data]
source = "{path}"
samples = "all"
validation = 0.25
[model]
hidden = [16]
[train]
epochs = 30
batch_size = 8
[search]
strategy = "random"
trials = 2
[search.space.lr]
low = 1e-2
high = 5e-2
scale = "log"
"""


@pytest.fixture(autouse=True)
def hyperdesk_home(tmp_path, monkeypatch):
    """Every test gets its own data directory; none touches the user's sessions."""
    home = tmp_path / "home"
    monkeypatch.setenv("HYPERDESK_HOME", str(home))
    return home


@pytest.fixture
def tiny_config(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY_CONFIG)
    return path


def _endless(handler):
    """A body with no length that never ends."""
    handler.send_response(200)
    handler.end_headers()
    with contextlib.suppress(OSError):
        while True:
            handler.wfile.write(bytes(64 << 10))


def _trickle(handler):
    """Ten million bytes announced, one sent every tenth of a second."""
    handler.send_response(200)
    handler.send_header("Content-Length", "10000000")
    handler.end_headers()
    with contextlib.suppress(OSError):
        while True:
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(0.1)


def _huge(handler):
    """Ten gigabytes announced."""
    handler.send_response(200)
    handler.send_header("Content-Length", str(10 << 30))
    handler.end_headers()


# Servers a download must not be kept hanging, or filling the disk, by.
HOSTILE_SERVERS = {"endless": _endless, "trickle": _trickle, "huge": _huge}


@pytest.fixture
def served(tmp_path, monkeypatch):
    """Small MNIST-shaped files on a local server; DOWNLOADS["mnist"] points at their
    checksums and HYPERDESK_DATA_MIRROR at the server. `behaviour` sets what it does."""
    folder = tmp_path / "served"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name, count in (("train", 60), ("t10k", 20)):
        write_idx(folder / f"{name}-images-idx3-ubyte.gz", rng.integers(0, 255, (count, 28, 28)))
        write_idx(folder / f"{name}-labels-idx1-ubyte.gz", np.arange(count) % 10)
    digests = {
        file: hashlib.sha256((folder / file).read_bytes()).hexdigest() for file in downloads.FILES
    }
    monkeypatch.setitem(
        downloads.DOWNLOADS,
        "mnist",
        replace(downloads.DOWNLOADS["mnist"], sha256=digests, rows=80, test_rows=20),
    )
    behaviour = {"mode": "good", "requests": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            behaviour["requests"] += 1
            if behaviour["mode"] in HOSTILE_SERVERS:
                HOSTILE_SERVERS[behaviour["mode"]](self)
                return
            body = (folder / self.path.strip("/")).read_bytes()
            if behaviour["mode"] == "corrupt":
                body = body[:-1] + bytes([body[-1] ^ 0xFF])
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if behaviour["mode"] == "drop":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.connection.close()
                return
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv(downloads.MIRROR_VARIABLE, f"http://127.0.0.1:{server.server_port}/")
    sources._downloaded.cache_clear()
    yield behaviour
    server.shutdown()
    server.server_close()
    sources._downloaded.cache_clear()
