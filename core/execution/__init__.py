"""Execution: the runner that drives a search, the worker processes, stop and pause."""
