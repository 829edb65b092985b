"""Each worker's last successful round, in the database, so that every API replica (not only
the process running the dispatcher) can tell in /readyz and /metrics whether dispatch is alive:
a dispatcher whose every round fails looks perfectly healthy from the API's side otherwise."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import dialect_insert
from app.models.dispatch import DispatchHeartbeat

FORGET_AFTER = timedelta(days=7)
"""A worker not heard of for this long is gone (each process has its own name): its row goes."""
MAX_ERROR = 1000


def beat(session: Session, *, worker: str, now: datetime, error: str | None = None) -> None:
    """Records a round of `worker` that finished (`error` None) or failed with `error`."""
    values: dict[str, object] = {"worker": worker, "updated_at": now}
    if error is None:
        values["last_success_at"] = now
    else:
        values |= {"last_error": error[:MAX_ERROR], "last_error_at": now}
    new = dialect_insert(session, DispatchHeartbeat).values(values)
    session.execute(
        new.on_conflict_do_update(
            index_elements=[DispatchHeartbeat.worker],
            set_={name: new.excluded[name] for name in values if name != "worker"},
        )
    )
    session.execute(
        sa.delete(DispatchHeartbeat).where(DispatchHeartbeat.updated_at < now - FORGET_AFTER)
    )


def latest(session: Session) -> DispatchHeartbeat | None:
    """The worker whose round succeeded most recently (else the last to report a failure);
    None when no worker has ever run a round (an API-only deployment, or before the first)."""
    return session.scalar(
        sa.select(DispatchHeartbeat)
        .order_by(
            DispatchHeartbeat.last_success_at.desc().nulls_last(),
            DispatchHeartbeat.updated_at.desc(),
        )
        .limit(1)
    )
