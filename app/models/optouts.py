"""The do-not-contact registry: by customer reference, or by phone number or email address.

A customer's opt-out is keyed by the lender's reference, not by a customer row, so a lender can
register "do not contact" before Nudge has seen the customer: it applies from their first
reminder on.
"""

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class OptOutChannel(StrEnum):
    SMS = "sms"
    VOICE = "voice"
    EMAIL = "email"
    ALL = "all"


class OptOutSource(StrEnum):
    API = "api"
    INBOUND_STOP = "inbound_stop"
    PROVIDER_ERROR = "provider_error"
    EMAIL_LINK = "email_link"


class OptOut(Base):
    __tablename__ = "opt_outs"
    __table_args__ = (
        sa.Index("ix_opt_outs_customer", "tenant_id", "customer_ref"),
        sa.Index("ix_opt_outs_phone", "tenant_id", "phone"),
        sa.Index("ix_opt_outs_email", "tenant_id", "email"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"))
    customer_ref: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    channel: Mapped[OptOutChannel] = mapped_column(
        sa.Enum(
            OptOutChannel,
            native_enum=False,
            length=8,
            values_callable=lambda enum: [member.value for member in enum],
        )
    )
    source: Mapped[OptOutSource] = mapped_column(
        sa.Enum(
            OptOutSource,
            native_enum=False,
            length=16,
            values_callable=lambda enum: [member.value for member in enum],
        )
    )
    created_at: Mapped[datetime]
