"""Data shipped with Hyperdesk: the MNIST test split, example configs and icons.

A package (not a loose folder) so that importlib.resources finds the files the same way
in a source checkout, an installed wheel and a frozen build.
"""
