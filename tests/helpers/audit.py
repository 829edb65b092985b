"""Running the audit sequencer in tests, as the worker's scheduler does every second."""

from sqlalchemy.engine import Engine

from app.audit import sequencer
from app.db import create_session_factory


def link(engine: Engine) -> int:
    """Links every entry written so far onto its tenant's chain; how many it linked."""
    return sequencer.link(create_session_factory(engine))
