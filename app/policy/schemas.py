"""Policies and policy dry runs as the API takes and returns them."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.customers.schemas import CustomerIn
from app.fields import InstantIn
from app.models.reasons import PolicyReason
from app.policy.spec import Policy
from channels.base import Channel


class PolicyOut(BaseModel):
    name: str
    preset: bool = Field(description="Built in, documented with its source; read-only.")
    policy: Policy


class PolicySummary(BaseModel):
    name: str
    preset: bool
    description: str | None


class PolicyList(BaseModel):
    items: list[PolicySummary]


class EvaluateIn(BaseModel):
    """Either a stored customer by `customer_ref`, or a `customer` described inline."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "customer_ref": "cust-1001",
                    "loan_ref": "loan-1",
                    "channel": "voice",
                    "at": "2026-11-27T14:30:00Z",
                },
                {
                    "customer": {"ref": "new-1", "phone": "+17015550123", "jurisdiction": "US"},
                    "channel": "sms",
                    "policy": "us-regf",
                },
            ]
        },
    )

    customer: CustomerIn | None = None
    customer_ref: str | None = Field(None, min_length=1, max_length=200)
    channel: Channel
    loan_ref: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="The loan the reminder would be about: per-loan caps count its contacts. "
        "Absent: every loan's contacts count (the strictest answer).",
    )
    at: InstantIn | None = Field(None, description="Default now.")
    policy: str | None = Field(None, max_length=100, description="Default: the customer's policy.")

    @model_validator(mode="after")
    def _one_customer(self) -> "EvaluateIn":
        if (self.customer is None) == (self.customer_ref is None):
            raise ValueError("give exactly one of customer or customer_ref")
        return self


class EvaluateOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "allowed": False,
                    "action": "defer",
                    "reason": PolicyReason.QUIET_HOURS.value,
                    "next_allowed_at": "2026-11-28T00:00:00Z",
                    "next_allowed_local": "2026-11-28T08:00:00+08:00",
                    "timezone": "Asia/Shanghai",
                    "timezones": ["Asia/Shanghai"],
                    "policy": "cn",
                }
            ]
        }
    )

    allowed: bool
    action: Literal["send", "defer", "suppress", "expire"] = Field(
        description="What the dispatcher does with a reminder due then on this channel: "
        "`defer` to `next_allowed_at` plus the policy's `spread`, `suppress` for good."
    )
    reason: str | None = Field(description="Why not, e.g. `QUIET_HOURS`, `CAP_DAY`, `OPTED_OUT`.")
    next_allowed_at: datetime | None = Field(description="UTC; null if allowed or never.")
    next_allowed_local: datetime | None = Field(description="The same moment in `timezone`.")
    timezone: str = Field(
        description="The customer's zone (the first, if the phone number "
        "spans several; all of them must allow contact)."
    )
    timezones: list[str]
    policy: str
