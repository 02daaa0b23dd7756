"""`hyperdesk extend-trial`: train a finished trial for more epochs from its kept state."""

from __future__ import annotations

import argparse
from pathlib import Path

from hyperdesk.core.cli.arguments import positive_int
from hyperdesk.core.cli.exit_codes import EXIT_OK, EXIT_SESSION
from hyperdesk.core.execution.longer import train_longer
from hyperdesk.core.trials import TrialStatus

HELP = "train a finished trial for more epochs, from its kept weights"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", help="the session file")
    parser.add_argument("--trial", type=positive_int, required=True, help="trial number")
    parser.add_argument("--epochs", type=positive_int, required=True, help="epochs to add")
    parser.add_argument(
        "--retrain",
        action="store_true",
        help="a trial whose weights are not kept: train it again from the start, to its "
        "epochs and as many more (same seed, same first epochs)",
    )


def run(args: argparse.Namespace) -> int:
    records = train_longer(
        Path(args.session),
        args.trial,
        args.epochs,
        on_epoch=lambda r: print(
            f"epoch {r.epoch}: train acc {r.train_acc:.3f}, val acc {r.val_acc:.3f}", flush=True
        ),
        retrain=args.retrain,
    )
    if len(records) < args.epochs:
        print(f"Trial {args.trial} {TrialStatus.DIVERGED}; its epochs up to then are saved.")
        return EXIT_SESSION
    print(f"Trial {args.trial} now has {records[-1].epoch} epochs; saved in {args.session}.")
    return EXIT_OK
