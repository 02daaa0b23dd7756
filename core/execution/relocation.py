"""A session whose data file moved: pointed at the new place once the data there is
shown to be the same (its fingerprint), never at other data."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hyperdesk.core.data.sources import check_fingerprint
from hyperdesk.core.storage.session import Session


def relocate_session(session_path: Path, source: Path) -> None:
    """relocate() the session at `session_path` (for the window's helper process)."""
    with Session.open(session_path) as session:
        relocate(session, source)


def relocate(session: Session, source: Path) -> None:
    """Point `session` at `source`; DatasetError when it is not the session's data."""
    config = session.config
    data = replace(config.data, source=str(Path(source).expanduser().resolve()))
    check_fingerprint(data, session.data_fingerprint)
    session.relocate_data(replace(config, data=data).to_toml())


def check_session_data(session_path: Path) -> None:
    """DatasetError when the session's data is not where it was or not the same (a
    reopened session is checked, so a moved file is said at once)."""
    with Session.open(session_path, writable=False) as session:
        data, recorded = session.config.data, session.data_fingerprint
    check_fingerprint(data, recorded)
