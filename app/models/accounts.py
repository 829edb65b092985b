"""A tenant's own account with a provider: what it may show in clear, and its secrets sealed."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class ProviderAccount(Base):
    __tablename__ = "provider_accounts"

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    provider: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    """What is no secret (an account SID, a sender, a host, a URL): shown by GET, and the
    `from_number` that finds the tenant an inbound text was sent to."""
    sealed: Mapped[str] = mapped_column(sa.Text)
    """The secrets as one Fernet token (app/accounts/vault.py), never in clear."""
    updated_at: Mapped[datetime]
