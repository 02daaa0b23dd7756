"""`hyperdesk check-code CONFIG`: run one short trial of the config's training function
and print what it reported, before a search spends hours on it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hyperdesk.core import config as config_module
from hyperdesk.core.cli.arguments import add_set_argument
from hyperdesk.core.cli.exit_codes import EXIT_OK, EXIT_USAGE
from hyperdesk.core.config import ConfigError
from hyperdesk.core.execution.code_check import check_run
from hyperdesk.core.trials import TrialStatus

HELP = "run one short trial of a config's own training code ([code]) and show what it reported"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="a config with a [code] section")
    add_set_argument(parser, "override a config key, e.g. --set code.fixed.epochs=2 (repeatable)")


def run(args: argparse.Namespace) -> int:
    config = config_module.load(Path(args.config), args.set)
    if not config.own_code:
        raise ConfigError([("code", "this config trains the built-in network: nothing to check")])
    result = check_run(config)
    print(result.text())
    if result.output.strip():
        print("Its output:\n" + result.output.rstrip(), file=sys.stderr)
    return EXIT_OK if result.status == TrialStatus.COMPLETE else EXIT_USAGE
