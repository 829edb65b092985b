"""A contact policy as tenants write it (`PUT /v1/policies/{name}`); durations are ISO 8601."""

from datetime import date, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from app.fields import INT4_MAX, SpanIn
from app.models.reasons import PolicyReason
from channels.base import Channel

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_days(spec: str) -> frozenset[int]:
    """`mon-fri`, `sat,sun`, `mon-wed,fri` -> weekday numbers (Monday is 0)."""
    days: set[int] = set()
    for part in spec.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise ValueError(f"'{spec}' is not a day range like 'mon-fri' or 'sat,sun'")
        start, end = DAY_NAMES.index(first), DAY_NAMES.index(last or first)
        days.update(DAY_NAMES.index(d) % 7 for d in _wrap(start, end))
    return frozenset(days)


def _wrap(start: int, end: int) -> list[str]:
    span = (end - start) % 7
    return [DAY_NAMES[(start + offset) % 7] for offset in range(span + 1)]


def _clock_time(value: Any) -> Any:
    """Accepts `24:00` as the end of the day (stored as midnight, read as "next day")."""
    return "00:00" if value == "24:00" else value


def _wall_clock(value: time) -> str:
    return value.isoformat(timespec="seconds" if value.second else "minutes")


ClockTime = Annotated[
    time,
    BeforeValidator(_clock_time),
    PlainSerializer(_wall_clock, return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": r"^(?:(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?|24:00)$"}
    ),
]
"""A local wall-clock time, `HH:MM`: no offset, so not JSON Schema's `time` format."""


class Window(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: str = Field("mon-sun", examples=["mon-fri"])
    start: ClockTime = Field(examples=["08:00"])
    end: ClockTime = Field(
        description="`24:00` for midnight; before `start` crosses midnight.", examples=["21:00"]
    )

    @field_validator("days")
    @classmethod
    def _days(cls, value: str) -> str:
        parse_days(value)
        return value

    @property
    def weekdays(self) -> frozenset[int]:
        return parse_days(self.days)


class HolidayMode(StrEnum):
    BLOCK = "block"
    WINDOW = "window"


class Holidays(BaseModel):
    model_config = ConfigDict(extra="forbid")

    country: str | None = Field(
        None, description="ISO country for the `holidays` package.", examples=["CN"]
    )
    subdivision: str | None = Field(None, examples=["CA"])
    extra_dates: list[date] = Field(default_factory=list, description="The lender's own days off.")
    whole_periods: bool = Field(
        False,
        description="Count the weekend days inside an official holiday period (a run of days "
        "off holding a holiday, as China's State Council announces them) as holidays.",
    )
    mode: HolidayMode = HolidayMode.BLOCK
    windows: list[Window] = Field(
        default_factory=list, description="With mode `window`: when contact is allowed."
    )

    @model_validator(mode="after")
    def _windows_for_window_mode(self) -> "Holidays":
        if self.mode is HolidayMode.WINDOW and not self.windows:
            raise ValueError("mode 'window' needs holiday windows")
        if self.country is not None:
            import holidays

            if self.country.upper() not in holidays.list_supported_countries():
                raise ValueError(f"'{self.country}' has no holiday calendar")
            self.country = self.country.upper()
        return self


class Cap(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Channel | Literal["any"] = "any"
    max: int = Field(ge=0, le=INT4_MAX)
    window: SpanIn = Field(examples=["P1D"])
    per: Literal["customer", "loan"] = "customer"
    count: Literal["attempts", "connected"] = Field(
        "attempts", description="`connected` counts only answered calls."
    )
    reason: str | None = Field(
        None,
        pattern=r"^[A-Z][A-Z0-9_]{1,39}$",
        description="Reason code when this cap blocks; derived from the window if omitted.",
    )

    @field_validator("window")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be a positive duration such as 'P1D'")
        return value

    @property
    def reason_code(self) -> str:
        if self.reason:
            return self.reason
        named = {timedelta(days=1): PolicyReason.CAP_DAY, timedelta(days=7): PolicyReason.CAP_WEEK}
        return named.get(self.window, PolicyReason.CAP_WINDOW)


def _visit_hours() -> list[Window]:
    return [Window(days="mon-sat", start=time(9), end=time(18))]


class VisitRules(BaseModel):
    """In-person visits by the lender's field team (webhook `visit` tasks) have their own hours
    and caps; the policy's other windows and caps do not apply to them (docs/policy.md)."""

    model_config = ConfigDict(extra="forbid")

    windows: list[Window] = Field(
        default_factory=_visit_hours,
        min_length=1,
        description="When a visit may take place, in the customer's local time.",
    )
    per_day: int = Field(1, ge=0, le=INT4_MAX, description="Visits per customer in 24 hours.")
    per_week: int = Field(2, ge=0, le=INT4_MAX, description="Visits per customer in 7 days.")
    on_holidays: bool = Field(
        False, description="Whether visits may fall on the policy's holidays."
    )


def _daytime() -> dict[Channel | Literal["any"], list[Window]]:
    return {"any": [Window(start=time(8), end=time(21))]}


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(None, max_length=500)
    windows: dict[Channel | Literal["any"], list[Window]] = Field(
        default_factory=_daytime,
        description="Allowed contact windows in the customer's local time; a channel's own list "
        "replaces `any` for that channel.",
    )
    holidays: Holidays | None = None
    caps: list[Cap] = Field(default_factory=list)
    min_gap: SpanIn | None = Field(None, description="Least time between two contacts.")
    after_conversation: SpanIn | None = Field(
        None,
        description="No voice call for this long after an answered call.",
        examples=["P7D"],
    )
    visits: VisitRules = Field(default_factory=VisitRules)
    on_block: Literal["defer", "drop"] = "defer"
    spread: SpanIn = Field(
        timedelta(0), description="Random delay added to deferrals.", examples=["PT10M"]
    )

    @field_validator("windows")
    @classmethod
    def _any_required(cls, value: dict[str, list[Window]]) -> dict[str, list[Window]]:
        if "any" not in value:
            raise ValueError("'any' windows are required; channel keys override them")
        return value

    def windows_for(self, channel: Channel) -> list[Window]:
        return self.windows.get(channel, self.windows["any"])
