import pytest

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
