"""The network and its training: layers, the network, optimizers, the trainer."""
