"""The data: the bundled MNIST and how a search splits it."""
