"""Hyperdesk: tune a neural network's hyperparameters, point and click.

`import hyperdesk` gives what a script needs of it: `hyperdesk.__version__` and
`hyperdesk.load_model(path)` (a saved `.hdmodel`, with predict() and predict_proba() on
raw inputs), and `hyperdesk.Trial`, the type a training function of one's own is given
(`def fit(params, trial: hyperdesk.Trial)`, see [code] in the README). The engine is
`hyperdesk.core` (never Qt), the window `hyperdesk.desktop_app`, the bundled data and
examples `hyperdesk.resources`.

This file is the installed package's top: the three folders of the source tree become
its subpackages (pyproject.toml's package-dir)."""

from hyperdesk.core import __version__

__all__ = ["Trial", "__version__", "load_model"]


def __getattr__(name: str):
    # Imported when asked for, as hyperdesk.core does: the `hyperdesk` command starts
    # without numpy and Pillow until it needs them.
    if name == "load_model":
        from hyperdesk.core import load_model

        return load_model
    if name == "Trial":
        from hyperdesk.core.execution.user_code import Trial

        return Trial
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
