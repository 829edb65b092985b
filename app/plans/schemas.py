"""Plans and segment rules as tenants write them; what the plan API gives back.

A plan is a document of ordered steps relative to a loan's due date. Everything here is checked
when the plan is saved, so the schedule and the enrolments can trust a stored plan as it is.
"""

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.customers.schemas import CustomerIn
from app.money import check_currency
from app.reminders.schemas import Channels
from app.templates.schemas import TemplateKey, Version
from channels.base import Channel

PlanKey = TemplateKey
"""Plans are named like templates: `gentle`, `first-time-late`."""
Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")]
"""A variant's, segment's or rule's name."""
StepKey = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.+_-]{0,99}$")]
"""A step's key: `d-3`, `d0`, `d+7`; recorded on the reminders the step makes."""
Weight = Annotated[int, Field(ge=1, le=10_000)]
MAX_OFFSET_DAYS = 365
OFFSET = re.compile(r"^([+-]?)(\d{1,3})d$")
HOLDOUT_ARM = "holdout"
"""The arm that receives no message; recorded on reminders like any other arm."""
CHAMPION_ARM = "champion"
"""A plan without variants but with a holdout: the arm that gets the plan's steps."""
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("1e15"), decimal_places=4)]


class DayRange(BaseModel):
    """Inclusive; either bound may be left open."""

    model_config = ConfigDict(extra="forbid")

    min: int | None = Field(None, ge=0, le=10_000)
    max: int | None = Field(None, ge=0, le=10_000)

    @model_validator(mode="after")
    def _ordered(self) -> "DayRange":
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not be more than max")
        return self

    def holds(self, value: int) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


class AmountBand(BaseModel):
    """An amount due band, inclusive, in the loan's own currency; either bound may be open."""

    model_config = ConfigDict(extra="forbid")

    min: Amount | None = None
    max: Amount | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "AmountBand":
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not be more than max")
        return self

    def holds(self, value: Decimal) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


class LoanConditions(BaseModel):
    """Conditions on a loan as it is when enrolled (or rescheduled); absent ones hold."""

    model_config = ConfigDict(extra="forbid")

    days_past_due: DayRange | None = Field(
        None, description="Days the loan is past its due date, in the customer's zone."
    )
    amount_due: AmountBand | None = None


class StepConditions(LoanConditions):
    segment: list[Name] | None = Field(
        None,
        min_length=1,
        max_length=50,
        description="The step is for loans in one of these segments only.",
    )


class SegmentConditions(LoanConditions):
    risk_tier: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        None, min_length=1, max_length=50, description="One of these `attributes.risk_tier`."
    )
    first_time_late: bool | None = Field(None, description="`attributes.first_time_late`.")
    product: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        None, min_length=1, max_length=50, description="One of these `attributes.product`."
    )


class WeightedTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template: TemplateKey
    weight: Weight


def _offset_days(offset: str) -> int:
    match = OFFSET.match(offset)
    assert match is not None  # the field's pattern
    return int(match[2]) * (-1 if match[1] == "-" else 1)


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: StepKey = Field(examples=["d-3"], description="Unique within its list of steps.")
    offset: str = Field(
        pattern=OFFSET.pattern,
        examples=["-3d"],
        description=f"Days from the due date: `-3d` before, `0d` on, `+7d` after (at most "
        f"{MAX_OFFSET_DAYS}).",
    )
    at: str = Field(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        examples=["10:00"],
        description="Local time of day in the customer's zone. A time the clocks skip that day "
        "is moved forward by the gap; a time they repeat is its first occurrence.",
    )
    channels: Channels = Field(description="In order of preference.")
    template: TemplateKey | None = Field(None, examples=["pre-due"])
    templates: list[WeightedTemplate] | None = Field(
        None,
        min_length=2,
        max_length=10,
        description="Instead of `template`: weighted template variants, one chosen per customer; "
        "the first is the step's champion.",
    )
    holdout: float = Field(
        0,
        ge=0,
        lt=1,
        description="Share of customers (0 to 1) that get no message at this step: the step's "
        "control, recorded as its template variant `holdout`.",
    )
    conditions: StepConditions | None = None

    @field_validator("offset")
    @classmethod
    def _offset_in_range(cls, offset: str) -> str:
        if abs(_offset_days(offset)) > MAX_OFFSET_DAYS:
            raise ValueError(f"at most {MAX_OFFSET_DAYS} days from the due date")
        return offset

    @field_validator("templates")
    @classmethod
    def _distinct_templates(cls, templates: list[WeightedTemplate] | None) -> Any:
        if templates is not None and len({t.template for t in templates}) != len(templates):
            raise ValueError("each template may be listed once")
        return templates

    @model_validator(mode="after")
    def _one_template(self) -> "Step":
        if (self.template is None) == (self.templates is None):
            raise ValueError("give exactly one of template or templates")
        if self.holdout and HOLDOUT_ARM in self.template_weights():
            raise ValueError(f"with a holdout, no template of the step may be '{HOLDOUT_ARM}'")
        return self

    @property
    def days(self) -> int:
        """The offset in days from the due date."""
        return _offset_days(self.offset)

    @property
    def local_time(self) -> time:
        hours, minutes = self.at.split(":")
        return time(int(hours), int(minutes))

    def template_weights(self) -> dict[str, int]:
        """The step's templates by weight (one template: all of it)."""
        if self.templates is None:
            assert self.template is not None
            return {self.template: 1}
        return {t.template: t.weight for t in self.templates}

    def template_shares(self) -> dict[str, float]:
        """Each template variant's share, the first the step's champion, the holdout's last;
        without a holdout, the templates' weights as they are (so no customer's template
        changed when holdouts came)."""
        weights = self.template_weights()
        if not self.holdout:
            return dict(weights)
        total = sum(weights.values())
        shares = {key: weight * (1 - self.holdout) / total for key, weight in weights.items()}
        return shares | {HOLDOUT_ARM: self.holdout}

    @property
    def tests_templates(self) -> bool:
        """Whether customers at this step are split: weighted templates or a holdout."""
        return len(self.template_shares()) > 1


Steps = Annotated[list[Step], Field(min_length=1, max_length=30)]


def _distinct_keys(steps: list[Step] | None) -> list[Step] | None:
    keys = [step.key for step in steps or ()]
    if dupes := sorted({key for key in keys if keys.count(key) > 1}):
        raise ValueError(f"step keys must be unique; repeated: {', '.join(dupes)}")
    return steps


class Variant(BaseModel):
    """One arm of a champion/challenger test; the plan's first variant is the champion."""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(examples=["champion"])
    weight: Weight
    steps: Steps | None = Field(None, description="Default: the plan's own steps.")

    @field_validator("name")
    @classmethod
    def _not_holdout(cls, name: str) -> str:
        if name == HOLDOUT_ARM:
            raise ValueError(f"'{HOLDOUT_ARM}' is the arm that gets no message; use `holdout`")
        return name

    _keys = field_validator("steps")(_distinct_keys)


class Digest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    window_hours: int = Field(
        24, ge=1, le=168, description="Steps of one customer's loans due this close are merged."
    )


PLAN_EXAMPLE: dict[str, Any] = {
    "description": "Gentle cadence for first-time late payers",
    "steps": [
        {"key": "d-3", "offset": "-3d", "at": "10:00", "channels": ["sms"], "template": "pre-due"},
        {"key": "d0", "offset": "0d", "at": "09:30", "channels": ["sms"], "template": "due-today"},
        {
            "key": "d+3",
            "offset": "+3d",
            "at": "18:00",
            "channels": ["sms", "email"],
            "template": "overdue",
            "conditions": {"amount_due": {"min": "100"}},
        },
    ],
    "attribution_hours": 72,
    "promise_grace_days": 2,
    "digest": {"enabled": True, "window_hours": 24},
}


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [PLAN_EXAMPLE]})

    description: str = Field("", max_length=500)
    variants: list[Variant] | None = Field(
        None, min_length=2, max_length=10, description="The first is the champion."
    )
    steps: list[Step] = Field(
        default_factory=list,
        max_length=30,
        validate_default=True,
        description="Ordered; may be empty only when every variant has its own steps.",
    )
    holdout: float = Field(
        0, ge=0, lt=1, description="Share of customers (0 to 1) that get no message: the control."
    )
    attribution_hours: int = Field(
        72, ge=1, le=720, description="A repayment this soon after a delivered reminder counts."
    )
    promise_grace_days: int = Field(
        2, ge=0, le=60, description="A promise to pay pauses the plan until its date plus these."
    )
    digest: Digest = Field(default_factory=Digest)

    @field_validator("variants")
    @classmethod
    def _distinct_names(cls, variants: list[Variant] | None) -> list[Variant] | None:
        names = [variant.name for variant in variants or ()]
        if len(set(names)) != len(names):
            raise ValueError("variant names must be unique")
        return variants

    @field_validator("steps")
    @classmethod
    def _steps_for_every_arm(cls, steps: list[Step], info: ValidationInfo) -> list[Step]:
        """Checked after `variants` (declared first); skipped when they were invalid."""
        _distinct_keys(steps)
        if steps or "variants" not in info.data:
            return steps
        variants: list[Variant] | None = info.data["variants"]
        if not variants:
            raise ValueError("a plan needs at least one step")
        if without := [v.name for v in variants if v.steps is None]:
            named = ", ".join(without)
            raise ValueError(f"needed by the variants without steps of their own: {named}")
        return steps

    def arms(self) -> dict[str, float]:
        """Each arm's weight, the holdout's share included; empty when the plan tests nothing
        (every customer gets its steps, and reminders carry no arm)."""
        weights: dict[str, float] = {v.name: v.weight for v in self.variants or ()}
        if not weights and not self.holdout:
            return {}
        weights = weights or {CHAMPION_ARM: 1}
        total = sum(weights.values())
        arms = {name: weight * (1 - self.holdout) / total for name, weight in weights.items()}
        return arms | ({HOLDOUT_ARM: self.holdout} if self.holdout else {})

    def steps_of(self, arm: str | None) -> list[Step]:
        """The steps an arm's customers get: none for the holdout."""
        if arm == HOLDOUT_ARM:
            return []
        for variant in self.variants or ():
            if variant.name == arm:
                return variant.steps or self.steps
        return self.steps

    def all_steps(self) -> list[tuple[str, Step]]:
        """Every step any arm can reach, with its field path (`variants.1.steps.0`)."""
        found = [(f"steps.{i}", step) for i, step in enumerate(self.steps)]
        for v, variant in enumerate(self.variants or ()):
            found += [(f"variants.{v}.steps.{i}", s) for i, s in enumerate(variant.steps or ())]
        return found


class PlanOut(PlanIn):
    key: str = Field(examples=["gentle"])
    version: int = Field(examples=[1], description="Starts at 1; a changed body adds one.")
    created_at: datetime


class SegmentRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(examples=["first-time-late"], description="Recorded as what chose it.")
    segment: Name = Field(examples=["first-time-late"])
    conditions: SegmentConditions = Field(
        default_factory=SegmentConditions, description="All must hold; none: every loan."
    )
    plan: PlanKey = Field(description="The plan this segment's loans are enrolled in.")


SEGMENTS_EXAMPLE: dict[str, Any] = {
    "rules": [
        {
            "name": "hardship-flag",
            "segment": "hardship",
            "conditions": {"risk_tier": ["hardship"]},
            "plan": "hardship",
        },
        {
            "name": "first-late",
            "segment": "first-time-late",
            "conditions": {"first_time_late": True, "days_past_due": {"max": 30}},
            "plan": "gentle",
        },
        {"name": "everyone-else", "segment": "standard", "plan": "standard"},
    ]
}


class SegmentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [SEGMENTS_EXAMPLE]})

    rules: list[SegmentRule] = Field(
        max_length=100, description="Ordered: the first rule whose conditions hold chooses."
    )

    @field_validator("rules")
    @classmethod
    def _consistent(cls, rules: list[SegmentRule]) -> list[SegmentRule]:
        names = [rule.name for rule in rules]
        if len(set(names)) != len(names):
            raise ValueError("rule names must be unique")
        plans: dict[str, str] = {}
        for rule in rules:
            if plans.setdefault(rule.segment, rule.plan) != rule.plan:
                raise ValueError(f"segment '{rule.segment}' maps to one plan; rule '{rule.name}'")
        return rules

    def plan_for(self, segment: str) -> str | None:
        """The plan a segment's loans are enrolled in, for an enrolment that names it."""
        return next((rule.plan for rule in self.rules if rule.segment == segment), None)


class SegmentsOut(SegmentsIn):
    version: int = Field(description="0 until the tenant saves rules; a changed list adds one.")
    created_at: datetime | None


DueDate = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2099, 12, 31))]


SIMULATE_EXAMPLE: dict[str, Any] = {
    "customer": {
        "ref": "cust-1",
        "phone": "+8613812345678",
        "timezone": "Asia/Shanghai",
        "locale": "zh-CN",
    },
    "due_date": "2026-12-10",
    "amount_due": "1234.50",
    "currency": "CNY",
}


class SimulateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [SIMULATE_EXAMPLE]})

    customer: CustomerIn = Field(
        description="As reminders give it: the stored customer with these fields over it "
        "(nothing is saved); its contact history and opt-outs count."
    )
    due_date: DueDate
    amount_due: Amount | None = Field(None, description="For the steps' amount conditions.")
    currency: Annotated[str, AfterValidator(check_currency)] | None = None
    loan_ref: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="For per-loan caps; absent, every loan's contacts count (the strictest).",
    )
    segment: Name | None = Field(None, description="For the steps' segment conditions.")
    attributes: dict[str, JsonValue] = Field(default_factory=dict, max_length=50)
    arm: Name | None = Field(
        None,
        description="The variant (or `holdout`, which gets no step) to simulate; default the "
        "customer's own arm, as their enrolment would draw it.",
    )
    version: Version | None = Field(None, description="Default: the current version.")


class SimulatedStep(BaseModel):
    key: str
    templates: list[str] = Field(description="The step's template, or its weighted ones.")
    template: str | None = Field(
        None, description="The one this customer would be sent; null when the step sends nothing."
    )
    channels: list[Channel]
    local: datetime = Field(description="The step's moment in the customer's zone.")
    send_at: datetime = Field(description="The same moment in UTC.")
    outcome: Literal["send", "defer", "suppress", "expire", "skipped"] = Field(
        description="`skipped`: see `skipped`; otherwise the contact policy's verdict then."
    )
    skipped: Literal["past", "conditions", "holdout"] | None = Field(
        None, description="`holdout`: the customer is in the step's holdout share."
    )
    reason: str | None = Field(None, description="Why not then, e.g. `QUIET_HOURS`, `OPTED_OUT`.")
    channel: Channel | None = Field(None, description="The channel it would go out on.")
    sent_at: datetime | None = Field(None, description="When it would go out (UTC).")
    sent_local: datetime | None = Field(None, description="The same, in the customer's zone.")


class SimulateOut(BaseModel):
    plan: str
    version: int
    arm: str | None
    timezone: str = Field(description="The customer's zone the steps are placed in.")
    policy: str | None = Field(description="The contact policy that decided; null if none did.")
    steps: list[SimulatedStep]
