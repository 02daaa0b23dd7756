"""The public datasets Hyperdesk downloads on first use (full MNIST, Fashion-MNIST),
fetched with pooch: each file checked against the SHA-256 written here, written under
a temporary name until it is complete and checked, and kept in the cache folder."""

from __future__ import annotations

import os
from collections.abc import Callable
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


class Progress:
    """What pooch reports a download's progress to: `total` bytes, then update(n)."""

    def __init__(self, report: Callable[[str, int, int], None], name: str):
        self.report, self.name = report, name
        self.total = 0
        self.done = 0

    def update(self, count: int) -> None:
        self.done += count
        self.report(self.name, self.done, self.total)

    def reset(self) -> None:
        self.done = 0

    def close(self) -> None:
        pass


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
        progress = Progress(report, file) if report else False
        try:
            found[file] = Path(
                store.fetch(file, downloader=pooch.HTTPDownloader(progressbar=progress))
            )
        except DownloadCancelled:
            raise
        except ValueError as error:  # the checksum did not match: pooch kept nothing
            raise DatasetError(
                f"{file} from {base_url} is not the file it should be ({error}); nothing "
                "was kept. Try again later, or place the right file in " + str(folder)
            ) from None
        except Exception as error:  # no network, a refused connection, a dropped one
            raise DatasetError(
                f"cannot download {download.title.split(',')[0]}: {file} from {base_url} "
                f"failed ({type(error).__name__}: {error}). Connect to the internet and try "
                f"again, or place the four files ({', '.join(download.sha256)}) in {folder}"
            ) from None
    return found
