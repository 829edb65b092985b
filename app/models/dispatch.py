"""What the dispatcher keeps about itself: each worker's last successful round."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class DispatchHeartbeat(Base):
    """One row per worker process, so every API replica can tell whether dispatch is alive."""

    __tablename__ = "dispatch_heartbeats"

    worker: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    last_success_at: Mapped[datetime | None]
    """When a round of this worker last finished (None: not one has yet)."""
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    """The error of this worker's last failed round, kept after later successes."""
    last_error_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    """The last write of either kind; rows of workers long gone are pruned by it."""
