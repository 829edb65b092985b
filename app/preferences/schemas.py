"""A borrower's say over how they are contacted, as their page and the API send it, and a
hardship request. Windows are in the customer's own zone; `end` before `start` crosses
midnight."""

import uuid
from datetime import datetime, time
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

from app.customers.schemas import normalize_locale
from app.optouts.schemas import OptOutOut
from app.policy.spec import ClockTime

MAX_WINDOWS = 14


class BorrowerChannel(StrEnum):
    """The channels that reach the borrower; `webhook` goes to the lender's own systems, which
    the lender answers for."""

    SMS = "sms"
    VOICE = "voice"
    EMAIL = "email"


class Source(StrEnum):
    BORROWER = "borrower"
    LENDER = "lender"


class HardshipReason(StrEnum):
    JOB_LOSS = "job_loss"
    ILLNESS = "illness"
    INCOME_DROP = "income_drop"
    FAMILY = "family"
    DISASTER = "disaster"
    OTHER = "other"


HARDSHIP_REASONS = tuple(HardshipReason)


def _each_once(values: list[BorrowerChannel]) -> list[BorrowerChannel]:
    if len(set(values)) != len(values):
        raise ValueError("names a channel twice")
    return values


Channels = Annotated[list[BorrowerChannel], AfterValidator(_each_once), Field(max_length=3)]


class Window(BaseModel):
    """An inconvenient time: on these weekdays (0 = Monday), from `start` to `end` local time;
    `00:00` to `24:00` is the whole day."""

    model_config = ConfigDict(extra="forbid")

    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        min_length=1, max_length=7, examples=[[0, 1, 2, 3, 4]]
    )
    start: ClockTime = Field(examples=["12:00"])
    end: ClockTime = Field(
        description="`24:00` for midnight; before `start` the window runs into the next day.",
        examples=["14:00"],
    )

    @model_validator(mode="after")
    def _a_real_span(self) -> "Window":
        if len(set(self.weekdays)) != len(self.weekdays):
            raise ValueError("weekdays names a day twice")
        if self.start == self.end != time(0):
            raise ValueError("start and end are the same time; 00:00 to 24:00 is the whole day")
        self.weekdays = sorted(self.weekdays)
        return self


Locale = Annotated[str, AfterValidator(normalize_locale)]


class PreferencesIn(BaseModel):
    """Every field optional: one left out (or null) keeps what is stored."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "channels_off": ["voice"],
                    "preferred": ["sms"],
                    "inconvenient": [
                        {"weekdays": [0, 1, 2, 3, 4], "start": "12:00", "end": "14:00"}
                    ],
                    "locale": "en-US",
                }
            ]
        },
    )

    channels_off: Channels | None = Field(
        None, description="Channels never to use for this customer (refused like an opt-out)."
    )
    preferred: Channels | None = Field(
        None, description="Channels to try first, in this order, among a reminder's channels."
    )
    inconvenient: list[Window] | None = Field(
        None, max_length=MAX_WINDOWS, description="Times not to be contacted, in their own zone."
    )
    locale: Locale | None = Field(
        None, description="The language of future messages (BCP 47), e.g. `zh-CN`, `en-US`."
    )

    @field_validator("preferred")
    @classmethod
    def _not_turned_off(
        cls, value: list[BorrowerChannel] | None, info: ValidationInfo
    ) -> list[BorrowerChannel] | None:
        off = info.data.get("channels_off") or []
        both = [channel for channel in value or [] if channel in off]
        if both:
            raise ValueError(f"{both[0]} is turned off in channels_off")
        return value


class Preferences(BaseModel):
    """What is stored, resolved: nothing stated reads as empty lists and no chosen locale."""

    channels_off: list[BorrowerChannel] = Field(default_factory=list)
    preferred: list[BorrowerChannel] = Field(default_factory=list)
    inconvenient: list[Window] = Field(default_factory=list)
    locale: str | None = None
    source: Source | None = Field(None, description="Who changed them last.")
    updated_at: datetime | None = None


class HardshipIn(BaseModel):
    """The borrower's request for help (their page's form, or the lender's API for them)."""

    model_config = ConfigDict(extra="forbid")

    reason: HardshipReason
    note: str | None = Field(None, max_length=500)
    callback: str | None = Field(
        None, max_length=100, description="When the borrower would like to be called back."
    )


class Hardship(BaseModel):
    """What happens next, for the borrower's page and the API."""

    paused: int = Field(description="The customer's loans whose plans are now paused.")
    lender_notified: bool = Field(
        description="A signed notice to the lender's webhook is queued (it has a webhook set)."
    )
    requested_at: datetime


class LoanState(BaseModel):
    """An enrolled loan's plan, as the customer's page of the API shows it."""

    loan_ref: str
    status: str = Field(description="`active`, `paused` or `ended`.")
    pause_reason: str | None = Field(description="`hardship`, `dispute`, `promise_to_pay`.")
    paused_until: datetime | None = Field(description="Null while paused until lifted.")


class RecentContact(BaseModel):
    """One attempt to reach the customer: the channel, when, and what came of it."""

    reminder_id: uuid.UUID
    loan_ref: str
    channel: str
    status: str
    started_at: datetime


class TimelineLine(BaseModel):
    """Something the customer (or the lender for them) did: a preference changed, hardship
    asked for, an opt-out."""

    at: datetime
    kind: str = Field(description="`preferences_changed`, `hardship_requested` or `opted_out`.")
    source: str = Field(
        description="`borrower`, `lender`; for an opt-out its own source (`inbound_stop`...)."
    )
    detail: dict[str, Any]


class CustomerOut(BaseModel):
    """The customer as Nudge knows them; phone and email masked without `pii:read`."""

    ref: str
    phone: str | None
    email: str | None
    locale: str | None = Field(description="The lender's; `preferences.locale` outranks it.")
    timezone: str | None
    jurisdiction: str | None
    created_at: datetime
    updated_at: datetime
    preferences: Preferences
    opt_outs: list[OptOutOut]
    loans: list[LoanState]
    recent_contacts: list[RecentContact] = Field(description="The newest 20, newest first.")
    timeline: list[TimelineLine] = Field(description="The newest 50 lines, newest first.")
