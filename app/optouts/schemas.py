"""Opt-outs as callers register them and as the API returns them."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from app.customers.schemas import normalize_phone
from app.masking import mask_email, mask_phone
from app.models.optouts import OptOutChannel, OptOutSource


class OptOutIn(BaseModel):
    """Exactly one of `customer_ref`, `phone` or `email` names who must not be contacted."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"customer_ref": "cust-1001", "channel": "voice"},
                {"phone": "+8613812345678", "channel": "sms"},
            ]
        },
    )

    customer_ref: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="The lender's reference; a customer not seen yet is opted out in advance.",
    )
    phone: str | None = Field(None, description="E.164; applies to every customer with it.")
    email: EmailStr | None = None
    channel: OptOutChannel = Field(description="`all` blocks every channel.")
    source: OptOutSource = OptOutSource.API

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else normalize_phone(value, None)

    @model_validator(mode="after")
    def _exactly_one_subject(self) -> "OptOutIn":
        given = [name for name in ("customer_ref", "phone", "email") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("give exactly one of customer_ref, phone or email")
        return self


class OptOutOut(BaseModel):
    id: uuid.UUID
    customer_ref: str | None
    phone: str | None
    email: str | None
    channel: OptOutChannel
    source: OptOutSource
    created_at: datetime

    def masked(self) -> "OptOutOut":
        """As shown to a key without `pii:read`."""
        return self.model_copy(
            update={
                "phone": self.phone and mask_phone(self.phone),
                "email": self.email and mask_email(self.email),
            }
        )


class OptOutPage(BaseModel):
    items: list[OptOutOut]
    next_cursor: str | None

    def masked(self) -> "OptOutPage":
        return self.model_copy(update={"items": [item.masked() for item in self.items]})
