"""Search: the space, the strategies that draw from it, early stopping, importance."""
