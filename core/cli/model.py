"""`hyperdesk model`: train a session's chosen trial on all the data its search saw and
save it as a model file; or write a saved model file as ONNX, without training again."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

from hyperdesk.core.cli.arguments import cannot_write, positive_int, refuse_existing
from hyperdesk.core.cli.exit_codes import EXIT_OK, EXIT_SESSION, EXIT_USAGE
from hyperdesk.core.execution.final_model import train_final_model
from hyperdesk.core.formatting import parameter_text, printable
from hyperdesk.core.model.inspection import ClassReport
from hyperdesk.core.model.model_file import (
    SUFFIX,
    ModelError,
    default_model_name,
    load_model,
)
from hyperdesk.core.model.onnx_export import EXTRA_HINT, ONNX_SUFFIX, export_onnx

HELP = (
    "train a trial (default: the best) on all search samples and save the model; or "
    "convert a saved .hdmodel to ONNX"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "session", help=f"the session file, or a {SUFFIX} file to convert (with --format onnx)"
    )
    parser.add_argument("--trial", type=positive_int, help="trial number (default: the best)")
    parser.add_argument(
        "--format",
        choices=("hdmodel", "onnx"),
        default="hdmodel",
        help="hdmodel: Hyperdesk's own (predict, load_model); onnx: for other runtimes "
        "(needs pip install 'hyperdesk[onnx]')",
    )
    parser.add_argument("--out", help="the model file (default: SESSION-trialN.FORMAT here)")
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")


def run(args: argparse.Namespace) -> int:
    session = Path(args.session)
    if args.out and Path(args.out).exists() and not args.force:
        return refuse_existing(Path(args.out))
    if args.format == "onnx" and importlib.util.find_spec("onnx") is None:
        print(f"hyperdesk: {EXTRA_HINT}", file=sys.stderr)  # before any training
        return EXIT_USAGE
    if session.suffix == SUFFIX:
        return _convert(args, session)
    model = train_final_model(session, args.trial).model
    details = model.details
    suffix = ONNX_SUFFIX if args.format == "onnx" else SUFFIX
    out = Path(args.out or default_model_name(session, details["trial"], suffix))
    if out.exists() and not args.force:  # the default name, known once the trial is
        return refuse_existing(out)
    if (failed := _write(model, out, args.format)) is not None:
        return failed
    params = ", ".join(f"{name}: {parameter_text(v)}" for name, v in details["params"].items())
    evaluation = details.get("evaluation")
    tested = "; no test split to measure it on"
    if details["test_samples"]:
        accuracy = details["test_accuracy"]
        measured = "tested" if accuracy is None else f"test accuracy {accuracy:.3f}"
        tested = f"; {measured} on {details['test_samples']:,} samples no search saw"
    print(
        f"Trial {details['trial']} ({params}) trained on {details['train_samples']:,} "
        f"samples in {details['seconds']:.1f} s{tested}. Saved {out}"
    )
    if evaluation is not None:  # a regression: its errors in the label's units
        print(
            f"\nOn the {evaluation['on']} ({evaluation['samples']:,}): RMSE "
            f"{evaluation['rmse']:.4g}, MAE {evaluation['mae']:.4g}, R² {evaluation['r2']:.3f}"
        )
        figures = {k: evaluation[k] for k in ("rmse", "mae", "r2")}
    else:
        inspection = details["inspection"]
        report = ClassReport.from_dict(inspection).text()  # class names come from the data
        print(printable(f"\nOn the {inspection['on']}:\n{report}", keep_lines=True))
        figures = {"test_accuracy": details["test_accuracy"]}
    if args.json:
        print(json.dumps({"model": str(out), "trial": details["trial"], **figures}))
    return EXIT_OK


def _convert(args: argparse.Namespace, path: Path) -> int:
    """A saved model written as ONNX: the same weights, no training."""
    for given, why in (
        (args.format != "onnx", f"{path} is a model already; --format onnx converts it"),
        (args.trial is not None, "--trial: a model file holds one trial already"),
    ):
        if given:
            print(f"hyperdesk: {why}", file=sys.stderr)
            return EXIT_USAGE
    try:
        model = load_model(path)
    except ModelError as error:
        print(f"hyperdesk: {error}", file=sys.stderr)
        return EXIT_SESSION
    out = Path(args.out or path.with_suffix(ONNX_SUFFIX).name)
    if out.exists() and not args.force:
        return refuse_existing(out)
    if (failed := _write(model, out, "onnx")) is not None:
        return failed
    print(f"Wrote trial {model.details['trial']}'s model {path.name} as ONNX: {out}")
    if args.json:
        print(json.dumps({"model": str(out), "trial": model.details["trial"]}))
    return EXIT_OK


def _write(model, out: Path, fmt: str) -> int | None:
    """Write `model` at `out` as `fmt`; the exit code and a message when it cannot be
    (nothing is left then: it is written under a fresh name and renamed)."""
    try:
        if fmt == "onnx":
            export_onnx(model, out)
        else:
            model.save(out)
    except OSError as error:
        return cannot_write(out, error)
    return None
