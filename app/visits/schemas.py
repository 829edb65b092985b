"""A visit's outcome as the lender's system reports it, and as Nudge answers."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.fields import InstantIn
from app.money import check_amount, check_currency

MAX_AMOUNT = Decimal(10) ** 15


class VisitOutcomeKind(StrEnum):
    VISITED = "visited"
    NOT_HOME = "not_home"
    REFUSED = "refused"
    PROMISE_TO_PAY = "promise_to_pay"


class Promise(BaseModel):
    """What the customer promised to pay, and by when."""

    model_config = ConfigDict(extra="forbid")

    amount: Decimal = Field(
        gt=0, lt=MAX_AMOUNT, examples=["1234.50"], description="A decimal string, never a float."
    )
    currency: Annotated[str, AfterValidator(check_currency)] = Field(examples=["CNY"])
    date: date

    @field_validator("amount", mode="before")
    @classmethod
    def _decimal_string(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError('must be a decimal string such as "1234.50"')
        return value

    @model_validator(mode="after")
    def _exact_in_its_currency(self) -> "Promise":
        check_amount(self.amount, self.currency)
        return self


OUTCOME_EXAMPLE: dict[str, Any] = {
    "outcome": "promise_to_pay",
    "visited_at": "2026-12-02T03:10:00Z",
    "promise": {"amount": "1234.50", "currency": "CNY", "date": "2026-12-10"},
    "note": "Customer will pay after payday.",
}


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [OUTCOME_EXAMPLE]})

    outcome: VisitOutcomeKind
    promise: Promise | None = Field(
        None, validate_default=True, description="Required with `promise_to_pay`, else absent."
    )
    visited_at: InstantIn | None = Field(None, description="When the field team was there.")
    note: str | None = Field(None, max_length=500)

    @field_validator("promise")
    @classmethod
    def _with_promise_to_pay(cls, promise: Promise | None, info: ValidationInfo) -> Promise | None:
        promising = info.data.get("outcome") == VisitOutcomeKind.PROMISE_TO_PAY
        if promising and promise is None:
            raise ValueError("is required when the outcome is promise_to_pay")
        if promise is not None and not promising:
            raise ValueError("is only given when the outcome is promise_to_pay")
        return promise


class OutcomeOut(OutcomeIn):
    task_id: uuid.UUID
    received_at: datetime = Field(description="When Nudge first recorded it; repeats keep it.")
