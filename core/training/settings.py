"""[train]: how a network is trained. One schema for the config's section and for what
the trainer reads (a trial's settings are the section with its searched values put in)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 50
    batch_size: int = 100
    optimizer: str = "sgd"
    lr: float = 0.01
    # Also the network's (NetworkSpec.weight_decay): the penalty is part of its loss.
    weight_decay: float = 0.0
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    rho: float = 0.99
    dtype: str = "float32"
    # Each configuration trains this many times with different seeds; its score is the
    # mean (the spread is shown beside it).
    repeats: int = 1
    # An epoch's training loss and accuracy: "running", the mean over its batches of
    # what each step's forward pass gave (as Keras and Lightning report it: no second
    # pass over the training set); "pass", a pass over the whole training set after the
    # epoch, in evaluation mode (the textbook's Trainer, and every session stored before).
    train_metrics: str = "running"
