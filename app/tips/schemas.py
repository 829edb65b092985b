"""A tip library as the API takes and returns it, and the `Tip` the borrower's page and
`{{ tip }}` read.

A tip has three lengths for three places: a `title` and a `body` for the borrower's page and
email, and a `short` form for SMS (at most `SHORT_UNITS` SMS units, so a template with
`{{ tip }}` on SMS can be held to its segment limit when it is saved, see `app/tips/budget.py`).
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from app.customers.schemas import normalize_locale


class Situation(StrEnum):
    """Where the borrower stands with the payment; `any` suits every one."""

    BEFORE_DUE = "before_due"
    JUST_OVERDUE = "just_overdue"
    LONG_OVERDUE = "long_overdue"
    ANY = "any"


class Topic(StrEnum):
    LATE_FEES = "late_fees"
    INTEREST = "interest"
    TALK_TO_LENDER = "talk_to_lender"
    SCAMS = "scams"
    CREDIT_RECORD = "credit_record"
    BUDGETING = "budgeting"
    RIGHTS = "rights"


TITLE_MAX = 40
BODY_MAX = 300
SHORT_UNITS = 60
"""The most characters a tip's SMS form may take when written in GSM-7 (septets)."""
SHORT_UNITS_UCS2 = 30
"""The most UTF-16 units it may take in any other script (Chinese): about the same share of a
segment (67 units) as 60 septets are of 153."""
MAX_TIPS = 50

TipKey = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$", examples=["autopay"])]
LocalePath = Annotated[str, AfterValidator(normalize_locale)]


def _one_line(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be blank")
    return text.strip()


Line = Annotated[str, AfterValidator(_one_line)]


class TipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: TipKey
    situation: Situation = Situation.ANY
    topic: Topic
    title: Line = Field(max_length=TITLE_MAX, examples=["设好提醒，按时还款"])
    body: Line = Field(
        max_length=BODY_MAX,
        description="Plain text for the borrower's page and email (`{{ tip }}` there).",
    )
    short: Line = Field(
        max_length=SHORT_UNITS,
        description=f"Plain text for SMS (`{{{{ tip }}}}` there): at most {SHORT_UNITS} GSM-7 "
        f"characters, or {SHORT_UNITS_UCS2} in other scripts (Chinese); in a locale written in "
        "Latin letters only GSM-7 characters, so a tip never turns an SMS into UCS-2.",
    )


class TipLibraryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tips: list[TipIn] = Field(min_length=1, max_length=MAX_TIPS)

    @field_validator("tips")
    @classmethod
    def _keys_once(cls, tips: list[TipIn]) -> list[TipIn]:
        keys = [tip.key for tip in tips]
        if len(set(keys)) != len(keys):
            raise ValueError("each tip key may appear once")
        return tips


class TipLibraryOut(TipLibraryIn):
    locale: str
    source: Literal["tenant", "starter"] = Field(
        description="`starter`: the tenant has saved no tips for this locale, so Nudge's own "
        "are used."
    )
    version: int | None = Field(description="The saved version; None for the starters.")
    created_at: datetime | None


class LibrarySummary(BaseModel):
    locale: str
    version: int
    tip_count: int
    created_at: datetime


@dataclass(frozen=True)
class Tip:
    """One tip as it is read and shown: `title` and `body` on the page and in email, `short`
    in SMS; all plain text."""

    key: str
    situation: Situation
    topic: Topic
    title: str
    body: str
    short: str

    @classmethod
    def of(cls, tip: TipIn) -> "Tip":
        return cls(tip.key, tip.situation, tip.topic, tip.title, tip.body, tip.short)
