"""`hyperdesk demo`: train one network with the seed experiment's settings and watch
every epoch."""

from __future__ import annotations

import argparse
import time

from hyperdesk.core.cli.exit_codes import EXIT_OK
from hyperdesk.core.config import Config
from hyperdesk.core.data.splits import load_split
from hyperdesk.core.training.trainer import train_trial

HELP = "train one network on the bundled MNIST and watch it"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lr", type=float, default=0.01, help="learning rate (default 0.01)")
    parser.add_argument("--weight-decay", type=float, default=1e-6, help="L2 weight decay")
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and shuffles")


def run(args: argparse.Namespace) -> int:
    """Train one network with the seed experiment's settings and print every epoch."""
    config = Config()
    data = load_split(config.data)
    network, settings = config.trial_settings(
        {"lr": args.lr, "weight_decay": args.weight_decay, "epochs": args.epochs}
    )
    print(
        f"Training a {len(network.hidden)} x {network.hidden[0]} {network.activation} network "
        f"on {len(data.x_train)} MNIST images ({len(data.x_val)} held out for validation), "
        f"SGD lr {args.lr:g}, weight decay {args.weight_decay:g}"
    )
    print(f"{'epoch':>5}  {'train loss':>10}  {'train acc':>9}  {'val loss':>8}  {'val acc':>7}")

    def show(record):
        print(
            f"{record.epoch:5d}  {record.train_loss:10.4f}  {record.train_acc:9.3f}  "
            f"{record.val_loss:8.4f}  {record.val_acc:7.3f}",
            flush=True,
        )

    started = time.perf_counter()
    result = train_trial(data, network, settings, args.seed, on_epoch=show)
    print(f"{result.status} in {time.perf_counter() - started:.1f} s")
    return EXIT_OK
