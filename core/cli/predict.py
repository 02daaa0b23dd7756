"""`hyperdesk predict`: a saved model's classes for raw inputs (a CSV with or without
its label column, an image folder, NPZ, IDX), with the probability of each class; a
regression's predicted values, in the label's units."""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from pathlib import Path

from hyperdesk.core.cli.arguments import cannot_write, refuse_existing
from hyperdesk.core.cli.exit_codes import EXIT_OK, EXIT_SESSION, EXIT_USAGE
from hyperdesk.core.formatting import printable, spreadsheet_safe
from hyperdesk.core.model.model_file import ModelError, load_model
from hyperdesk.core.storage.export import write_text

HELP = "predict the classes (or values) of new inputs with a saved model"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a .hdmodel file (hyperdesk model)")
    parser.add_argument("input", help="a CSV, NPZ or IDX file, or a folder of images")
    parser.add_argument("--out", help="write the predictions to this CSV file (default: print)")
    parser.add_argument("--force", action="store_true", help="replace an existing --out file")


def run(args: argparse.Namespace) -> int:
    try:
        model = load_model(args.model)
    except ModelError as error:
        print(f"hyperdesk: {error}", file=sys.stderr)
        return EXIT_SESSION
    inputs, names = model.read_inputs(Path(args.input))  # DatasetError: exit 2, named
    if model.regression:  # a value in the label's units, no classes
        header = ["input", "prediction"]
        rows = [
            [name, f"{value:.9g}"] for name, value in zip(names, model.predict(inputs), strict=True)
        ]
    else:
        probabilities = model.predict_proba(inputs)
        header = ["input", "predicted", *(f"p_{name}" for name in model.classes)]
        rows = [
            [name, model.classes[row.argmax()], *(f"{p:.6f}" for p in row)]
            for name, row in zip(names, probabilities, strict=True)
        ]
    # Class names and inputs' names come from files: no cell runs as a formula.
    table = [[spreadsheet_safe(cell) for cell in row] for row in [header, *rows]]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    if not args.out:
        sys.stdout.write(printable(buffer.getvalue(), keep_lines=True))
        return EXIT_OK
    out = Path(args.out)
    if out.resolve() == Path(args.input).resolve():
        print("hyperdesk: --out is the input file; nothing written", file=sys.stderr)
        return EXIT_USAGE
    if os.path.lexists(out) and not args.force:
        return refuse_existing(out)
    try:
        # As every export: a fresh file renamed into place, a link replaced, never followed.
        write_text(out, buffer.getvalue())
    except OSError as error:
        return cannot_write(out, error)
    print(f"{len(rows):,} predictions written to {out}", file=sys.stderr)
    return EXIT_OK
