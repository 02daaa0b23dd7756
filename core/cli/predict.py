"""`hyperdesk predict`: a saved model's classes for raw inputs (a CSV with or without
its label column, an image folder, NPZ, IDX), with the probability of each class."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from hyperdesk.core.cli.exit_codes import EXIT_OK, EXIT_SESSION, EXIT_USAGE
from hyperdesk.core.model.model_file import ModelError, load_model

HELP = "predict the classes of new inputs with a saved model"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a .hdmodel file (hyperdesk model)")
    parser.add_argument("input", help="a CSV, NPZ or IDX file, or a folder of images")
    parser.add_argument("--out", help="write the predictions to this CSV file (default: print)")


def run(args: argparse.Namespace) -> int:
    try:
        model = load_model(args.model)
    except ModelError as error:
        print(f"hyperdesk: {error}", file=sys.stderr)
        return EXIT_SESSION
    inputs, names = model.read_inputs(Path(args.input))  # DatasetError: exit 2, named
    probabilities = model.predict_proba(inputs)
    header = ["input", "predicted", *(f"p_{name}" for name in model.classes)]
    rows = [
        [name, model.classes[row.argmax()], *(f"{p:.6f}" for p in row)]
        for name, row in zip(names, probabilities, strict=True)
    ]
    if args.out:
        out = Path(args.out)
        if out.resolve() == Path(args.input).resolve():
            print("hyperdesk: --out is the input file; nothing written", file=sys.stderr)
            return EXIT_USAGE
        with open(out, "w", newline="") as stream:
            csv.writer(stream).writerows([header, *rows])
        print(f"{len(rows):,} predictions written to {out}", file=sys.stderr)
    else:
        csv.writer(sys.stdout).writerows([header, *rows])
    return EXIT_OK
