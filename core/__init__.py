"""Hyperdesk's engine: data, network and training, search, execution, storage and the
command line, one subpackage each. Never imports Qt."""

from importlib.metadata import version

# The version is written once, in pyproject.toml; installed, it is in the metadata.
__version__ = version("hyperdesk")
