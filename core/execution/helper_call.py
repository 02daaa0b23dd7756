"""A function run for the window in its helper process, with what went wrong brought
back as words for a person (an exception from another process would arrive without the
sentence a person can act on, or not arrive at all when it cannot be pickled)."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from hyperdesk.core.config import ConfigError
from hyperdesk.core.data.datasets import DatasetError
from hyperdesk.core.storage.session import SessionError


def call_in_helper(function: Callable, args: tuple) -> tuple[bool, Any]:
    """(True, what `function(*args)` returned), or (False, why it could not, in a
    sentence without a config key)."""
    try:
        return True, function(*args)
    except ConfigError as error:
        return False, "; ".join(message for _, message in error.problems)
    except (SessionError, DatasetError, OSError, ValueError) as error:
        return False, str(error)
    except Exception as error:  # a bug: the person is told, the details go to the terminal
        traceback.print_exc()
        return False, f"{type(error).__name__}: {error} (the details are in the terminal)"
