"""Reminders as callers submit them and as the API returns them."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.customers.schemas import CustomerIn
from app.fields import InstantIn
from app.masking import mask_text, mask_value
from app.models.states import ReminderStatus
from app.templates.schemas import TemplateKey
from channels.base import Channel


def _distinct(channels: list[Channel]) -> list[Channel]:
    if len(set(channels)) != len(channels):
        raise ValueError("each channel may be listed once")
    return channels


Channels = Annotated[
    list[Channel], Field(min_length=1, max_length=len(Channel)), AfterValidator(_distinct)
]
"""Channels in order of preference, each at most once: a reminder's, or a plan step's."""

BATCH_LIMIT = 1000

REMINDER_EXAMPLE: dict[str, Any] = {
    "customer": {
        "ref": "cust-1001",
        "phone": "+8613812345678",
        "email": "wang.fang@example.com",
        "locale": "zh-CN",
        "timezone": "Asia/Shanghai",
        "jurisdiction": "CN",
    },
    "loan_ref": "loan-7788",
    "template": "pre-due",
    "channels": ["sms", "email"],
    "variables": {"amount": "1234.50", "due_date": "2026-12-01"},
    "send_at": "2026-11-28T02:00:00Z",
    "expires_at": "2026-12-01T14:00:00Z",
    "metadata": {"campaign": "december"},
}


class ReminderIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [REMINDER_EXAMPLE]})

    customer: CustomerIn
    loan_ref: str = Field(min_length=1, max_length=200, description="The lender's loan id.")
    template: TemplateKey
    channels: Channels = Field(
        description="In order of preference: the first is tried first, the rest are fallbacks.",
    )
    variables: dict[str, Any] = Field(default_factory=dict, description="Template variables.")
    send_at: InstantIn | None = Field(
        None, description="Earliest send time, with an offset; defaults to now."
    )
    expires_at: InstantIn | None = Field(
        None, description="Never send after this; must be after `send_at`."
    )
    policy: str | None = Field(
        None, max_length=100, description="Contact policy name; defaults to the customer's."
    )
    metadata: dict[str, Any] = Field(
        default_factory=dict, max_length=50, description="Opaque to Nudge; returned as given."
    )


class BatchIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"items": [REMINDER_EXAMPLE]}]}
    )

    items: list[ReminderIn] = Field(min_length=1, max_length=BATCH_LIMIT)


class BatchOut(BaseModel):
    ids: list[uuid.UUID] = Field(description="The new reminders' ids, in the order of the items.")


class ReminderOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0b6f4f55-8d2e-4a8e-9a53-2a5d1b6c7e10",
                    "status": "scheduled",
                    "customer_ref": "cust-1001",
                    "loan_ref": "loan-7788",
                    "template": "pre-due",
                    "template_version": 1,
                    "channels": ["sms", "email"],
                    "variables": {"amount": "1234.50", "due_date": "2026-12-01"},
                    "policy": None,
                    "metadata": {"campaign": "december"},
                    "send_at": "2026-11-28T02:00:00Z",
                    "expires_at": "2026-12-01T14:00:00Z",
                    "next_attempt_at": "2026-11-28T02:00:00Z",
                    "created_at": "2026-11-27T09:30:00Z",
                    "updated_at": "2026-11-27T09:30:00Z",
                }
            ]
        }
    )

    id: uuid.UUID
    status: ReminderStatus
    customer_ref: str
    loan_ref: str
    template: str
    template_version: int | None = Field(
        description="The template version this reminder renders, fixed at submission."
    )
    channels: list[Channel]
    variables: dict[str, Any]
    policy: str | None
    metadata: dict[str, Any]
    send_at: datetime
    expires_at: datetime | None
    next_attempt_at: datetime = Field(description="When the dispatcher will next look at it.")
    created_at: datetime
    updated_at: datetime

    def _masked_inputs(self) -> dict[str, Any]:
        """The lender's variables and metadata may hold contact details (a pay link with the
        customer's email): masked as free text for a key without `pii:read`."""
        return {"variables": mask_value(self.variables), "metadata": mask_value(self.metadata)}

    def masked(self) -> "ReminderOut":
        return self.model_copy(update=self._masked_inputs())


class EventOut(BaseModel):
    kind: str = Field(examples=["accepted"])
    reason: str | None = Field(examples=["LOAN_CANCELLED"])
    detail: dict[str, Any] | None
    at: datetime

    def masked(self) -> "EventOut":
        """Details quote provider errors, which quote phone numbers."""
        return self.model_copy(update={"detail": mask_value(self.detail)})


class AttemptOut(BaseModel):
    id: uuid.UUID
    channel: str
    provider: str
    provider_message_id: str | None
    status: str
    provider_status: str | None
    error_code: str | None
    error_message: str | None = Field(
        description="The provider's error; phone numbers and emails in it are masked unless the "
        "key has `pii:read`."
    )
    body: str | None = Field(
        description="The words sent, as rendered for this attempt; phone numbers and emails in "
        "it are masked unless the key has `pii:read`."
    )
    locale: str | None = Field(
        description="The template variant's locale, as locale negotiation chose it."
    )
    started_at: datetime
    finished_at: datetime | None
    latency_ms: int | None

    def masked(self) -> "AttemptOut":
        return self.model_copy(
            update={
                "body": self.body and mask_text(self.body),
                "error_message": self.error_message and mask_text(self.error_message),
            }
        )


class ReminderDetail(ReminderOut):
    events: list[EventOut] = Field(description="The timeline, oldest first.")
    attempts: list[AttemptOut] = Field(description="Delivery attempts, oldest first.")

    def masked(self) -> "ReminderDetail":
        """As shown to a key without `pii:read`: contact details in the words sent, in the
        provider's errors and in the events' details (which quote those errors) are masked."""
        return self.model_copy(
            update={
                **self._masked_inputs(),
                "attempts": [attempt.masked() for attempt in self.attempts],
                "events": [event.masked() for event in self.events],
            }
        )


class ReminderPage(BaseModel):
    items: list[ReminderOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end.")

    def masked(self) -> "ReminderPage":
        return self.model_copy(update={"items": [item.masked() for item in self.items]})


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"outcome": "sent"}]})

    outcome: Literal["sent", "retry"] = Field(
        description="`sent`: the provider did send it. `retry`: it did not; send it again."
    )


class CancelledCount(BaseModel):
    cancelled: int = Field(examples=[3], description="How many pending reminders were cancelled.")
