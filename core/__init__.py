"""Hyperdesk's engine: data, network and training, search, execution, storage and the
command line, one subpackage each. Never imports Qt."""

from importlib.metadata import version

# The version is written once, in pyproject.toml; installed, it is in the metadata.
__version__ = version("hyperdesk")


def __getattr__(name: str):
    """`hyperdesk.core.load_model(path)`: a saved model, with predict() and
    predict_proba() on raw inputs (imported when asked for: it needs numpy and Pillow)."""
    if name == "load_model":
        from hyperdesk.core.model.model_file import load_model

        return load_model
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
