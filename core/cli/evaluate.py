"""`hyperdesk evaluate`: train a trial on every sample its search saw and test it on
the held-out split."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hyperdesk.core.cli.arguments import positive_int
from hyperdesk.core.cli.exit_codes import EXIT_OK, EXIT_SESSION
from hyperdesk.core.execution.evaluation import evaluate_on_test
from hyperdesk.core.formatting import parameter_text
from hyperdesk.core.trials import TrialStatus

HELP = "train a trial on all search samples and measure it on the held-out test split"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", help="the session file")
    parser.add_argument("--trial", type=positive_int, help="trial number (default: the best)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")


def run(args: argparse.Namespace) -> int:
    result = evaluate_on_test(Path(args.session), args.trial)
    params = ", ".join(f"{name}: {parameter_text(value)}" for name, value in result.params.items())
    if result.status != TrialStatus.COMPLETE:
        print(
            f"Trial {result.number} ({params}) {result.status} when trained on all "
            f"{result.train_samples} search samples; no test result stored.",
            file=sys.stderr,
        )
        return EXIT_SESSION
    print(
        f"Trial {result.number} ({params}): {result.text()} "
        f"on {result.test_samples} samples no search saw, "
        f"after {result.epochs} epochs on {result.train_samples} ({result.seconds:.1f} s). "
        "Stored in the session."
    )
    if args.json:
        print(json.dumps({"trial": result.number, **result.figures()}))
    return EXIT_OK
