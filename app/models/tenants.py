"""Tenants (lenders) and their API keys, stored only as hashes."""

import json
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

DEFAULT_JURISDICTION_POLICIES = {"CN": "cn", "US": "us-regf", "IN": "in-rbi"}
"""A new tenant's `jurisdiction_policies`: the built-in preset each jurisdiction selects
(app/policy/presets.py)."""


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime]
    # Settings used by templates (`tenant.display_name`...) and the contact policy.
    display_name: Mapped[str] = mapped_column(sa.String(200))
    help_phone: Mapped[str | None] = mapped_column(sa.String(20))
    default_locale: Mapped[str] = mapped_column(sa.String(35))
    default_timezone: Mapped[str] = mapped_column(sa.String(64))
    default_currency: Mapped[str] = mapped_column(sa.String(3))
    default_policy: Mapped[str] = mapped_column(sa.String(100))
    jurisdiction_policies: Mapped[dict[str, Any]] = mapped_column(
        server_default=json.dumps(DEFAULT_JURISDICTION_POLICIES)
    )
    """Jurisdiction (ISO 3166-1 alpha-2) -> policy name; others get `default_policy`."""


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    scopes: Mapped[list[str]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
