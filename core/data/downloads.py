"""The public datasets Hyperdesk downloads on first use (full MNIST, Fashion-MNIST),
fetched with pooch: each file checked against the SHA-256 written here, written under
a temporary name until it is complete and checked, and kept in the cache folder."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hyperdesk.core.data.datasets import DatasetError
from hyperdesk.core.paths import cache_dir

# Another place to fetch the same files from (a mirror, or a local server in tests).
MIRROR_VARIABLE = "HYPERDESK_DATA_MIRROR"
TRAIN_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
FILES = (*TRAIN_FILES, *TEST_FILES)


@dataclass(frozen=True)
class Download:
    title: str
    base_url: str
    sha256: dict[str, str]  # file name -> checksum
    classes: tuple[str, ...]
    # The samples of all four files, and of the test files, which come last in the
    # dataset (data.test = "official"): known without reading them.
    rows: int = 70_000
    test_rows: int = 10_000


DOWNLOADS = {
    "mnist": Download(
        "MNIST (LeCun, Cortes and Burges), 60,000 training and 10,000 test images",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        dict(
            zip(
                FILES,
                (
                    "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                    "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                ),
                strict=True,
            )
        ),
        tuple(str(digit) for digit in range(10)),
    ),
    "fashion-mnist": Download(
        "Fashion-MNIST (Xiao, Rasul and Vollgraf, Zalando), 60,000 training and 10,000 test images",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        dict(
            zip(
                FILES,
                (
                    "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc",
                    "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc",
                    "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229",
                    "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf",
                ),
                strict=True,
            )
        ),
        (
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
    ),
}


class DownloadCancelled(Exception):
    """Raised from a progress report to stop a download (pooch then keeps nothing)."""


# Limits a download is held to: no dataset file here is larger than MAX_FILE_BYTES; a
# server silent for READ_SECONDS, or sending slower than MIN_RATE once STALL_SECONDS have
# passed, has stalled. A server sending for ever, or one byte a second, is stopped.
MAX_FILE_BYTES = 64 << 20
READ_SECONDS = 30
STALL_SECONDS = 30
MIN_RATE = 4 << 10  # bytes per second
CHUNK = 64 << 10


class Progress:
    """How far a download is: `report(file, bytes done, bytes in all)` after each piece."""

    def __init__(self, report: Callable[[str, int, int], None] | None, name: str):
        self.report, self.name = report, name

    def __call__(self, done: int, total: int) -> None:
        if self.report is not None:
            self.report(self.name, done, total)


def bounded_download(url: str, output: str, progress: Progress) -> None:
    """Fetch `url` into the file `output` (pooch's temporary file, removed by pooch
    when this fails): never more than the server announced or MAX_FILE_BYTES, and
    DatasetError when the server stalls. Ctrl+C and SIGTERM end it at once."""
    started = time.monotonic()
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "hyperdesk"})
        with urllib.request.urlopen(request, timeout=READ_SECONDS) as response:
            announced = int(response.headers.get("Content-Length") or 0)
            if announced > MAX_FILE_BYTES:
                raise DatasetError(
                    f"{url}: the server announces {announced:,} bytes, more than any of these "
                    f"files ({MAX_FILE_BYTES:,}); nothing was kept"
                )
            limit = announced or MAX_FILE_BYTES
            done = 0
            with open(output, "wb") as stream:
                # read1: whatever has arrived, so that a trickling server is timed too.
                while piece := response.read1(CHUNK):
                    done += len(piece)
                    if done > limit:
                        raise DatasetError(
                            f"{url}: the server sent more than the {limit:,} bytes "
                            f"{'it announced' if announced else 'any of these files has'}; "
                            "nothing was kept"
                        )
                    stream.write(piece)
                    progress(done, announced)
                    elapsed = time.monotonic() - started
                    if elapsed > STALL_SECONDS and done / elapsed < MIN_RATE:
                        raise DatasetError(
                            f"{url}: the download stalled ({done:,} bytes in "
                            f"{elapsed:.0f} s); nothing was kept"
                        )
            if done < announced:
                raise DatasetError(
                    f"{url}: the connection ended after {done:,} of {announced:,} bytes; "
                    "nothing was kept"
                )
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DatasetError(f"{url}: the download failed ({reason}); nothing was kept") from None
    except ValueError as error:  # not a URL at all ("unknown url type")
        raise DatasetError(f"{url}: not a web address ({error})") from None


@contextlib.contextmanager
def ended_by_sigterm() -> Iterator[None]:
    """SIGTERM, like Ctrl+C, ends the download at once with KeyboardInterrupt, so that
    its partial file is removed (killed outright, the process left it behind). Only the
    main thread can take a signal; a download in a window's thread is cancelled there."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupted(signal_number, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def needs_download(dataset: str, source: str) -> bool:
    """Whether a search on `dataset` must download it first."""
    return not source and dataset in DOWNLOADS and cached_files(dataset) is None


def dataset_folder(name: str) -> Path:
    return cache_dir() / name


def cached_files(name: str) -> dict[str, Path] | None:
    """The dataset's files when all are in the cache already, else None."""
    folder = dataset_folder(name)
    found = {file: folder / file for file in DOWNLOADS[name].sha256}
    return found if all(path.is_file() for path in found.values()) else None


def fetch(name: str, report: Callable[[str, int, int], None] | None = None) -> dict[str, Path]:
    """The files of dataset `name`, downloaded when not in the cache (each checked).
    `report(file, bytes done, bytes total)` hears the progress. DatasetError when a
    file cannot be had, naming the folder where it can be placed by hand."""
    import pooch  # only when downloading: its import pulls in requests

    download = DOWNLOADS[name]
    folder = dataset_folder(name)
    base_url = os.environ.get(MIRROR_VARIABLE) or download.base_url
    store = pooch.create(
        path=folder,
        base_url=base_url.rstrip("/") + "/",
        registry={file: f"sha256:{digest}" for file, digest in download.sha256.items()},
    )
    found = {}
    for file in download.sha256:
        progress = Progress(report, file)

        def downloader(url, output, store, check_only=False, progress=progress):
            bounded_download(url, output, progress)

        try:
            with ended_by_sigterm():
                found[file] = Path(store.fetch(file, downloader=downloader))
        except DownloadCancelled:
            raise
        except DatasetError as error:  # it could not be had: what to do instead
            raise DatasetError(
                f"cannot download {download.title.split(',')[0]}: {error}. Connect to the "
                f"internet and try again, or place the four files "
                f"({', '.join(download.sha256)}) in {folder}"
            ) from None
        except ValueError as error:  # the checksum did not match: pooch kept nothing
            raise DatasetError(
                f"{file} from {base_url} is not the file it should be ({error}); nothing "
                "was kept. Try again later, or place the right file in " + str(folder)
            ) from None
        except OSError as error:  # the cache folder cannot be written
            raise DatasetError(
                f"cannot download {download.title.split(',')[0]}: {file} cannot be saved in "
                f"{folder} ({error.strerror or error})"
            ) from None
    return found
