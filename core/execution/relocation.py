"""A session whose data file moved: pointed at the new place once the data there is
shown to be the same (its fingerprint), never at other data."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hyperdesk.core.data.datasets import DatasetError
from hyperdesk.core.data.sources import check_fingerprint
from hyperdesk.core.storage.session import Session, SessionError


def relocate(session: Session, source: Path) -> None:
    """Point `session` at `source`; DatasetError when it is not the session's data."""
    config = session.config
    data = replace(config.data, source=str(Path(source).expanduser().resolve()))
    check_fingerprint(data, session.data_fingerprint)
    session.relocate_data(replace(config, data=data).to_toml())


def relocate_file(session_path: Path, source: Path) -> str:
    """relocate() for a helper process: "" when done, else why not."""
    try:
        with Session.open(session_path) as session:
            relocate(session, source)
    except (DatasetError, SessionError) as error:
        return str(error)
    return ""


def data_problem(session_path: Path) -> str:
    """Why a session cannot go on with its data (moved, changed), for a helper process
    checking a reopened session; "" when its data is there and the same."""
    try:
        with Session.open(session_path, writable=False) as session:
            data, recorded = session.config.data, session.data_fingerprint
        check_fingerprint(data, recorded)
    except (DatasetError, SessionError) as error:
        return str(error)
    return ""
