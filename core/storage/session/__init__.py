"""A search's session file and what is read of it: the schema and its migrations
(schema), who runs a session (ownership), the file itself (repository: Session), its
trials as rows (rows), the catalogue of every session (catalogue) and what goes wrong
(errors). What the rest of Hyperdesk uses is named here."""

from hyperdesk.core.storage.session.catalogue import (
    SessionSummary,
    delete_if_empty,
    delete_session,
    read_epochs,
    summarize,
)
from hyperdesk.core.storage.session.errors import (
    SessionBusyError,
    SessionError,
    SessionFullError,
)
from hyperdesk.core.storage.session.repository import Session
from hyperdesk.core.storage.session.rows import TrialRow, front_rows, trial_costs
from hyperdesk.core.storage.session.schema import NAME_LENGTH, SCHEMA_VERSION

__all__ = [
    "NAME_LENGTH",
    "SCHEMA_VERSION",
    "Session",
    "SessionBusyError",
    "SessionError",
    "SessionFullError",
    "SessionSummary",
    "TrialRow",
    "delete_if_empty",
    "delete_session",
    "front_rows",
    "read_epochs",
    "summarize",
    "trial_costs",
]
