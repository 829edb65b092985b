"""A tenant's own settings: how it signs its messages and what it assumes when callers don't say."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from app.customers.schemas import (
    check_jurisdiction,
    check_timezone,
    normalize_locale,
    normalize_phone,
)
from app.models.tenants import DEFAULT_JURISDICTION_POLICIES
from app.money import check_currency

Jurisdiction = Annotated[str, AfterValidator(check_jurisdiction)]
PolicyName = Annotated[str, Field(min_length=1, max_length=100)]


class TenantSettings(BaseModel):
    """`PUT /v1/tenant` replaces all of these; templates see them as `tenant.<name>`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "display_name": "阳光小贷",
                    "help_phone": "+864001234567",
                    "default_locale": "zh-CN",
                    "default_timezone": "Asia/Shanghai",
                    "default_currency": "CNY",
                    "default_policy": "cn",
                    "jurisdiction_policies": {"CN": "cn", "US": "us-regf", "IN": "in-rbi"},
                }
            ]
        },
    )

    display_name: str = Field(
        min_length=1, max_length=200, description="How messages name the lender."
    )
    help_phone: Annotated[str | None, AfterValidator(lambda v: v and normalize_phone(v, None))] = (
        Field(None, description="Help line quoted in messages, in E.164.")
    )
    default_locale: Annotated[str, AfterValidator(normalize_locale)] = Field(
        "en-US", description="Locale when neither the customer nor a template variant has one."
    )
    default_timezone: Annotated[str, AfterValidator(check_timezone)] = Field(
        "UTC", description="Time zone when a customer has none and none follows from the phone."
    )
    default_currency: Annotated[str, AfterValidator(check_currency)] = Field(
        "USD", description="ISO 4217 currency of `money` variables without a `currency`."
    )
    default_policy: str = Field(
        "default",
        min_length=1,
        max_length=100,
        description="Contact policy for customers whose reminder names none and whose "
        "jurisdiction `jurisdiction_policies` does not map.",
    )
    jurisdiction_policies: dict[Jurisdiction, PolicyName] = Field(
        default_factory=lambda: dict(DEFAULT_JURISDICTION_POLICIES),
        max_length=300,
        description="The policy for each customer jurisdiction (ISO 3166-1 alpha-2; the phone "
        "number's region when the customer states none), for reminders that name no policy.",
    )

    def policies_named(self) -> dict[str, str]:
        """Field path -> policy name, for the policy service to check that each exists."""
        return {"default_policy": self.default_policy} | {
            f"jurisdiction_policies.{code}": name
            for code, name in self.jurisdiction_policies.items()
        }


class TenantSettingsIn(TenantSettings):
    """What `PUT /v1/tenant` takes: the settings, and the tenant's own webhook target."""

    model_config = ConfigDict(extra="forbid")

    webhook_url: str | None = Field(
        None,
        max_length=2000,
        examples=["https://collections.lender.example/nudge"],
        description="Where this tenant's webhook-channel reminders and visit requests are "
        "POSTed; https in production. Null removes the target and its secret.",
    )
    webhook_secret: SecretStr | None = Field(
        None,
        max_length=256,
        description="HMAC-SHA256 key that signs the POSTs and the visit-outcome callbacks "
        "(about 128 random bits, e.g. `secrets.token_urlsafe(32)`). Write-only: never "
        "returned. Omitted, the one already set is kept.",
    )
    webhook_secret_set: bool | None = Field(
        None,
        description="Read-only, as `GET` shows it; ignored here, so that a `GET`'s answer can "
        "be changed and sent back as it is (the secret set is kept).",
    )


class TenantSettingsOut(TenantSettings):
    """What `GET /v1/tenant` shows: the webhook secret only as set or not."""

    webhook_url: str | None = None
    webhook_secret_set: bool = Field(
        False, description="Whether a webhook signing secret is set (it is never shown)."
    )
