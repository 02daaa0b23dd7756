"""The `hyperdesk` command line: the same engine as the window, without a display."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from core import __version__
from core.config import Config, ConfigError
from core.datasets import holdout_indices, load_dataset, make_split
from core.trainer import train_trial

EXIT_OK = 0
EXIT_USAGE = 2


def cmd_demo(args: argparse.Namespace) -> int:
    """Train one network with the seed experiment's settings and print every epoch."""
    config = Config()
    pixels, labels = load_dataset(config.data.dataset)
    train, val = holdout_indices(
        len(pixels), config.data.samples, config.data.validation, config.data.seed
    )
    data = make_split(pixels, labels, train, val)
    network, settings = config.trial_settings(
        {"lr": args.lr, "weight_decay": args.weight_decay, "epochs": args.epochs},
        input_size=pixels.shape[1],
        output_size=int(labels.max()) + 1,
    )
    print(
        f"Training a {len(network.hidden)} x {network.hidden[0]} {network.activation} network "
        f"on {len(train)} MNIST images ({len(val)} held out for validation), "
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hyperdesk", description="Tune a neural network's hyperparameters."
    )
    parser.add_argument("--version", action="version", version=f"hyperdesk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", help="train one network on the bundled MNIST and watch it")
    demo.add_argument("--lr", type=float, default=0.01, help="learning rate (default 0.01)")
    demo.add_argument("--weight-decay", type=float, default=1e-6, help="L2 weight decay")
    demo.add_argument("--epochs", type=int, default=50)
    demo.add_argument("--seed", type=int, default=0, help="seed of the weights and shuffles")
    demo.set_defaults(handler=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.handler(args)
    except ConfigError as error:
        print(f"hyperdesk: the configuration has problems:\n{error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
