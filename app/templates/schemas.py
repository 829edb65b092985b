"""Templates as tenants write them, and what rendering and preview give back."""

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    field_validator,
    model_validator,
)

from app.customers.schemas import check_jurisdiction, check_timezone, normalize_locale
from app.fields import INT4_MAX
from app.templates.examples import PREVIEW_IN_EN, PREVIEW_IN_ZH, PREVIEW_OUT_EN, PREVIEW_OUT_ZH
from app.templates.lint import DEFAULT_SMS_SEGMENT_LIMIT, Rule, Severity
from app.templates.sms import Encoding
from app.templates.variables import (
    DEFAULT_MAX_LENGTH,
    LEGACY_MAX_LENGTH,
    MAX_TEXT,
    MIN_URL_LENGTH,
    VariableType,
)
from app.templates.webhook import VISIT
from channels.base import Channel

TemplateKey = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$", examples=["due-soon"])]
"""How a reminder names a template, and the path segment that names one."""

LocaleTag = Annotated[str, AfterValidator(normalize_locale), Field(examples=["zh-CN"])]
VariableName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,49}$")]
Source = Annotated[str, Field(min_length=1, max_length=20_000)]
Version = Annotated[int, Field(ge=1, le=INT4_MAX)]
"""A template version number asked for; versions are stored as `INTEGER`."""
RESERVED_NAMES = frozenset({"tenant"})
"""Names templates already see: the tenant's settings as `tenant.display_name` etc."""
PROVIDED_NAMES = frozenset({"tip", "manage_url"})
"""Values Nudge fills in for each send without a declaration: `tip`, a financial-literacy tip
for the customer's situation (app/tips), and `manage_url`, the short link to the borrower's own
page (app/borrower). A template that declares a variable of the same name (saved before Nudge
provided it) keeps its own value."""


SIZED_TYPES = frozenset({VariableType.TEXT, VariableType.URL})


class VariableSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: VariableType
    required: bool = False
    max_length: int | None = Field(
        None,
        ge=1,
        le=MAX_TEXT,
        description=f"Text and URL variables only: the longest value a submission may give "
        f"(default {DEFAULT_MAX_LENGTH}, at most {MAX_TEXT}). Every save renders the template "
        "with values this long, so a message that would be too long is refused then.",
    )

    @model_validator(mode="after")
    def _length_of_text_only(self) -> "VariableSpec":
        if self.type not in SIZED_TYPES:
            if self.max_length is not None:
                raise ValueError("max_length applies to text and url variables only")
        elif self.max_length is None:
            self.max_length = DEFAULT_MAX_LENGTH
        elif self.type == VariableType.URL and self.max_length < MIN_URL_LENGTH:
            raise ValueError(f"a url variable's max_length is at least {MIN_URL_LENGTH}")
        return self

    @property
    def limit(self) -> int:
        """The longest value accepted (types without a max_length are bounded by their parser)."""
        return self.max_length or MAX_TEXT


def with_legacy_lengths(variables: dict[str, Any]) -> dict[str, Any]:
    """Stored variable specs as `VariableSpec` reads them: those saved before `max_length`
    existed accepted texts of up to 500 characters, and reminders already accepted against them
    must still render, so they keep that limit rather than the new default."""
    return {
        name: {"max_length": LEGACY_MAX_LENGTH, **spec} if spec.get("type") in SIZED_TYPES else spec
        for name, spec in variables.items()
    }


APPROVED_PARAMETER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
"""How Aliyun's approved templates name their parameters: `${amount}`."""
ParamName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,40}$")]


class AliyunTemplate(BaseModel):
    """The template Aliyun approved for this SMS, and what fills its parameters: each is a
    template over the declared variables, rendered in the same sandbox as the body. Aliyun
    writes the text itself from its approved copy, so `approved_text` is that copy, for
    previews and the delivery record, and every `${...}` in it must have a parameter."""

    model_config = ConfigDict(extra="forbid")

    template_code: str = Field(pattern=r"^SMS_[0-9]{1,20}$", examples=["SMS_4711"])
    params: dict[ParamName, Annotated[str, Field(max_length=2000)]] = Field(
        max_length=20,
        examples=[{"amount": "{{ amount | money }}", "date": "{{ due_date | date }}"}],
    )
    approved_text: str = Field(
        min_length=1,
        max_length=1000,
        examples=["您的本期还款${amount}将于${date}到期。回复TD退订"],
        description="The template's text as Aliyun approved it, without the 【signature】.",
    )

    @model_validator(mode="after")
    def _params_fill_the_text(self) -> "AliyunTemplate":
        wanted = set(APPROVED_PARAMETER.findall(self.approved_text))
        missing = sorted(wanted - set(self.params))
        if missing:
            named = ", ".join(f"${{{name}}}" for name in missing)
            raise ValueError(f"params must fill every parameter of approved_text: {named}")
        unused = sorted(set(self.params) - wanted)
        if unused:
            raise ValueError(f"params not in approved_text: {', '.join(unused)}")
        return self


class SmsVariant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal[Channel.SMS]
    locale: LocaleTag
    body: Source = Field(description="The text sent through Twilio (or the console).")
    aliyun: AliyunTemplate | None = Field(
        None,
        description="For tenants with their own Aliyun account: the approved template their "
        "SMS are sent with instead of `body`.",
    )


class EmailVariant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal[Channel.EMAIL]
    locale: LocaleTag
    subject: Annotated[str, Field(min_length=1, max_length=1000)]
    text: Source
    html: Source = Field(description="Autoescaped: variables cannot inject markup.")


class VoiceVariant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal[Channel.VOICE]
    locale: LocaleTag
    script: Source = Field(description="Spoken text; escaped for TwiML `<Say>` when sent.")
    voice: str = Field(
        min_length=1, max_length=60, examples=["Polly.Zhiyu"], description="TTS voice name."
    )
    language: LocaleTag | None = Field(None, description="TTS language; defaults to `locale`.")


class WebhookVariant(BaseModel):
    """A JSON document for the lender's own system (app/templates/webhook.py)."""

    model_config = ConfigDict(extra="forbid")

    channel: Literal[Channel.WEBHOOK]
    locale: LocaleTag
    task: Literal["notice", "visit"] = Field(
        "notice",
        description="`visit` asks the lender's field team for an in-person visit: the payload "
        "then also carries the address and the requested window (docs/templates.md).",
    )
    payload: JsonValue = Field(
        description="A JSON object (or a string holding one) whose string values are "
        "templates; keys and other values are sent as written.",
        examples=[{"event": "payment_due", "amount": "{{ amount }}", "due": "{{ due_date }}"}],
    )


Variant = Annotated[
    SmsVariant | EmailVariant | VoiceVariant | WebhookVariant, Field(discriminator="channel")
]
TEXT_FIELDS: dict[Channel, tuple[str, ...]] = {
    Channel.SMS: ("body",),
    Channel.EMAIL: ("subject", "text", "html"),
    Channel.VOICE: ("script",),
    Channel.WEBHOOK: ("payload",),
}
"""A webhook's one field is its payload, whose string values are its texts."""

STARTER_EXAMPLE: dict[str, Any] = {
    "description": "Three days before the due date",
    "variables": {
        "amount": {"type": "money", "required": True},
        "due_date": {"type": "date", "required": True},
        "pay_url": {"type": "url", "required": False},
    },
    "variants": [
        {
            "channel": "sms",
            "locale": "zh-CN",
            "body": "【{{ tenant.display_name }}】您好，您的本期还款{{ amount | money }}将于"
            "{{ due_date | date }}到期。",
        },
        {
            "channel": "email",
            "locale": "en-US",
            "subject": "Your payment of {{ amount | money }} is due {{ due_date | date }}",
            "text": "Hello, this is {{ tenant.display_name }}.\n\nTip: {{ tip }}",
            "html": "<p>Hello, this is {{ tenant.display_name }}.</p><p>Tip: {{ tip }}</p>",
        },
        {
            "channel": "voice",
            "locale": "zh-CN",
            "script": "您好，这里是{{ tenant.display_name }}。",
            "voice": "Polly.Zhiyu",
        },
    ],
}


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [STARTER_EXAMPLE]})

    description: str = Field("", max_length=500)
    variables: dict[VariableName, VariableSpec] = Field(default_factory=dict, max_length=50)
    variants: list[Variant] = Field(min_length=1, max_length=60)

    @field_validator("variables")
    @classmethod
    def _not_reserved(cls, variables: dict[str, VariableSpec]) -> dict[str, VariableSpec]:
        if taken := RESERVED_NAMES & set(variables):
            raise ValueError(f"'{sorted(taken)[0]}' is reserved: templates see it already")
        if "currency" in variables and variables["currency"].type != VariableType.TEXT:
            raise ValueError("'currency' holds an ISO 4217 code: declare it as text")
        return variables

    @field_validator("variants")
    @classmethod
    def _one_per_channel_and_locale(cls, variants: list[Variant]) -> list[Variant]:
        seen = [(variant.channel, variant.locale) for variant in variants]
        if len(set(seen)) != len(seen):
            raise ValueError("each channel and locale may have one variant")
        return variants

    @property
    def task(self) -> str | None:
        """`visit` for a template that asks for field visits; None for messages."""
        return VISIT if any(getattr(v, "task", None) == VISIT for v in self.variants) else None


class FindingOut(BaseModel):
    rule: Rule
    severity: Severity
    field: str = Field(examples=["variants.0.body"])
    detail: str


class TemplateOut(TemplateIn):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(examples=["pre-due"])
    version: int = Field(examples=[2], description="Starts at 1; every PUT adds one.")
    created_at: datetime
    warnings: list[FindingOut] = Field(
        default_factory=list, description="Lint findings that did not refuse the save."
    )


class TemplateSummary(BaseModel):
    key: str
    version: int = Field(description="The current version.")
    description: str
    channels: list[Channel]
    locales: list[str]
    created_at: datetime


class LintSettings(BaseModel):
    """A tenant's additions to the lint; `PUT /v1/templates/_lint` replaces them."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "extra_phrases": {"zh": ["砍头息"], "en": ["final warning"]},
                    "sms_segment_limit": 2,
                }
            ]
        },
    )

    extra_phrases: dict[str, list[Annotated[str, Field(min_length=1, max_length=100)]]] = Field(
        default_factory=dict,
        description="More prohibited wording by language (`zh`, `en`...); every list applies "
        "to every message, beside Nudge's defaults.",
    )
    sms_segment_limit: int = Field(DEFAULT_SMS_SEGMENT_LIMIT, ge=1, le=10)


class AliyunRendered(BaseModel):
    """What Aliyun is asked to send, and what the carrier will deliver."""

    template_code: str
    params: dict[str, str] = Field(description="`TemplateParam`, rendered.")
    text: str = Field(description="The approved text with the parameters filled in.")
    carrier_text: str | None = Field(
        None,
        description="Preview: what the customer will read, `【sign name】` and the text; absent "
        "while the tenant has no Aliyun account to take the sign name from.",
    )


class Rendered(BaseModel):
    """What one channel's send says, after the opt-out footer: kept in the delivery record."""

    channel: Channel
    locale: str = Field(description="The variant's locale, as locale negotiation chose it.")
    version: int
    body: str | None = Field(None, description="SMS text.")
    encoding: Encoding | None = None
    segments: int | None = None
    subject: str | None = None
    text: str | None = None
    html: str | None = None
    script: str | None = Field(
        None, description="Voice script as spoken; the voice adapter escapes it for TwiML."
    )
    voice: str | None = None
    language: str | None = None
    opt_out_footer: str | None = Field(None, description="The footer appended, if any.")
    payload: dict[str, Any] | None = Field(None, description="Webhook: the JSON rendered.")
    aliyun: AliyunRendered | None = Field(
        None, description="SMS with an Aliyun template: its parameters, as Aliyun will fill them."
    )


class PreviewIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [PREVIEW_IN_ZH, PREVIEW_IN_EN]}
    )

    channel: Literal[Channel.SMS, Channel.EMAIL, Channel.VOICE, Channel.WEBHOOK]
    locale: LocaleTag
    variables: dict[str, Any] = Field(default_factory=dict)
    jurisdiction: Annotated[str | None, AfterValidator(lambda v: v and check_jurisdiction(v))] = (
        Field(
            None,
            description="The customer's country, for the opt-out footer and the help line's "
            "form (national when it is the help line's country).",
        )
    )
    timezone: Annotated[str | None, AfterValidator(lambda v: v and check_timezone(v))] = None
    version: Version | None = Field(None, description="Defaults to the current version.")


class PreviewOut(Rendered):
    model_config = ConfigDict(json_schema_extra={"examples": [PREVIEW_OUT_ZH, PREVIEW_OUT_EN]})

    findings: list[FindingOut]
