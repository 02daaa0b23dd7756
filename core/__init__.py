"""Hyperdesk's engine: data, network, trainer, search and sessions. Never imports Qt."""

__version__ = "0.1.0"
