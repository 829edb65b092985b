"""Enrolments and loan events as lenders send them and as the API returns them."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from app.customers.schemas import CustomerIn
from app.fields import InstantIn
from app.masking import mask_value
from app.models.enrollments import EnrollmentStatus, LoanEventType
from app.models.states import ReminderStatus
from app.money import check_amount, check_currency
from app.plans.schemas import DueDate, Name, PlanKey

BATCH_LIMIT = 1000
MAX_AMOUNT = Decimal(10) ** 15
LoanRef = Annotated[str, Field(min_length=1, max_length=200, description="The lender's loan id.")]


def _decimal_string(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError('must be a decimal string such as "1234.50" (never a float)')
    return value


Amount = Annotated[
    Decimal, BeforeValidator(_decimal_string), Field(gt=0, lt=MAX_AMOUNT, examples=["1234.50"])
]
"""A decimal string, exact in its currency (checked where the currency is known)."""
Currency = Annotated[str, AfterValidator(check_currency), Field(examples=["CNY"])]

ENROLLMENT_EXAMPLE: dict[str, Any] = {
    "loan_ref": "loan-7788",
    "customer": {
        "ref": "cust-1001",
        "phone": "+8613812345678",
        "locale": "zh-CN",
        "timezone": "Asia/Shanghai",
    },
    "due_date": "2026-12-15",
    "amount_due": "1234.50",
    "currency": "CNY",
    "variables": {"pay_url": "https://pay.example/l/7788"},
    "attributes": {"risk_tier": "low", "first_time_late": True},
}


class EnrollmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ENROLLMENT_EXAMPLE]})

    loan_ref: LoanRef
    customer: CustomerIn
    segment: Name | None = Field(
        None, description="The loan's segment; default: the tenant's segment rules choose."
    )
    plan: PlanKey | None = Field(
        None, description="The plan; default: the one the segment maps to."
    )
    due_date: DueDate
    amount_due: Amount
    currency: Currency
    variables: dict[str, Any] = Field(
        default_factory=dict,
        max_length=50,
        description="More template variables; `amount`, `currency` and `due_date` are the loan's.",
    )
    attributes: dict[str, Any] = Field(
        default_factory=dict,
        max_length=50,
        description="What segment rules look at: `risk_tier`, `first_time_late`, `product`.",
    )

    @model_validator(mode="after")
    def _exact(self) -> "EnrollmentIn":
        check_amount(self.amount_due, self.currency)
        return self


class EnrollmentBatchIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"items": [ENROLLMENT_EXAMPLE]}]}
    )

    items: list[EnrollmentIn] = Field(min_length=1, max_length=BATCH_LIMIT)


class EnrollmentPatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"due_date": "2026-12-22"}]}
    )

    due_date: DueDate | None = None
    amount_due: Amount | None = None
    segment: Name | None = Field(
        None, description="Move the loan to this segment (and the plan it maps to)."
    )

    @model_validator(mode="after")
    def _something(self) -> "EnrollmentPatch":
        if self.due_date is None and self.amount_due is None and self.segment is None:
            raise ValueError("give at least one of due_date, amount_due or segment")
        return self


class StepReminder(BaseModel):
    id: uuid.UUID
    status: ReminderStatus
    send_at: datetime
    loans: list[str] = Field(
        examples=[["loan-7788", "loan-7790"]],
        description="The loans the reminder lists: this one, and the customer's other loans "
        "it shares the message with when the plan merges them (a digest).",
    )


class StepOut(BaseModel):
    key: str = Field(examples=["d-3"])
    send_at: datetime = Field(description="When the step is due, in UTC.")
    local: str = Field(
        examples=["2026-12-12T10:00:00+08:00"],
        description="The same moment in the customer's zone.",
    )
    skipped: str | None = Field(
        examples=["past"],
        description="Why the step sends nothing: `past` (its moment had gone when it was "
        "planned), `conditions` (they do not hold for this loan), `paused` (due while the "
        "plan was paused), `done` (handed to the dispatcher before a reschedule), `holdout` (the "
        "customer is in the step's holdout share); null when it is planned.",
    )
    reminder: StepReminder | None = Field(
        description="The reminder that sends the step (the latest, after a reschedule): its "
        "own, or a digest shared with the customer's other loans; null when the step made "
        "none, or the loan left the digest it was in (repaid, paused...: it is still sent "
        "for the others)."
    )


class EnrollmentOut(BaseModel):
    id: uuid.UUID
    loan_ref: str
    customer_ref: str
    segment: str | None
    segment_rule: str | None = Field(
        description="The segment rule that chose the segment; `named` when the request named it."
    )
    plan: str
    plan_version: int
    arm: str | None
    due_date: date
    amount_due: str = Field(examples=["1234.50"], description="What is still owed.")
    currency: str
    status: EnrollmentStatus
    paused_until: datetime | None = Field(
        description="A promise to pay's pause ends then; null with a hardship or dispute pause, "
        "which ends with a `lifted` event."
    )
    pause_reason: str | None
    ended_reason: str | None
    variables: dict[str, Any]
    steps: list[StepOut]
    created_at: datetime
    updated_at: datetime

    def masked(self) -> "EnrollmentOut":
        """The lender's variables may hold contact details, as a reminder's may."""
        return self.model_copy(update={"variables": mask_value(self.variables)})


class EnrollmentBatchOut(BaseModel):
    items: list[EnrollmentOut] = Field(description="In the order of the request's items.")

    def masked(self) -> "EnrollmentBatchOut":
        return self.model_copy(update={"items": [item.masked() for item in self.items]})


EVENT_EXAMPLE: dict[str, Any] = {
    "type": "repayment",
    "event_id": "pay-20261203-0001",
    "occurred_at": "2026-12-03T04:12:00Z",
    "amount": "500.00",
    "currency": "CNY",
}


class LoanEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EVENT_EXAMPLE]})

    type: LoanEventType
    event_id: str = Field(
        min_length=1, max_length=200, description="The lender's id: a repeat is counted once."
    )
    occurred_at: InstantIn | None = Field(None, description="Default: when it is received.")
    amount: Amount | None = Field(None, description="With `repayment`: how much was repaid.")
    currency: Currency | None = None
    full: bool | None = Field(
        None,
        description="With `repayment`: it clears the loan. Default: when `amount` covers "
        "what is still owed.",
    )
    promised_date: DueDate | None = Field(
        None, description="With `promise_to_pay` (required): the day the customer will pay by."
    )
    detail: dict[str, Any] = Field(
        default_factory=dict, max_length=50, description="Opaque to Nudge; kept with the event."
    )

    @model_validator(mode="after")
    def _fits_its_type(self) -> "LoanEventIn":
        if self.type == LoanEventType.REPAYMENT and self.amount is None and not self.full:
            raise ValueError("a repayment needs its amount, or full: true")
        if self.type == LoanEventType.PROMISE_TO_PAY and self.promised_date is None:
            raise ValueError("a promise_to_pay needs its promised_date")
        if self.amount is not None and self.currency is not None:
            check_amount(self.amount, self.currency)
        return self


class LoanEventOut(BaseModel):
    event_id: str
    type: LoanEventType
    loan_ref: str
    occurred_at: datetime
    cancelled: int = Field(
        description="Pending reminders this event cancelled, and digests shared with the "
        "customer's other loans that this loan left (they are still sent for those)."
    )
    created: int = Field(description="Reminders it planned again (a lifted pause).")
    updated: int = Field(description="Pending reminders whose amount it changed.")
    amount_due: str = Field(description="What is still owed after it.")
    status: EnrollmentStatus
    paused_until: datetime | None
