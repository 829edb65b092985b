"""What a tenant may store for each provider, and how it is shown back (secrets only as set).

Each provider's model mirrors the global settings of the same provider (`NUDGE_TWILIO_*`,
`NUDGE_SMTP_*`) or, for webhooks, the target `PUT /v1/tenant` used to take. Secrets are
write-only: omitted on a `PUT`, the one already stored is kept.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, SecretStr, model_validator


class Provider(StrEnum):
    TWILIO = "twilio"
    SMTP = "smtp"
    WEBHOOK = "webhook"
    ALIYUN = "aliyun"


class AccountIn(BaseModel):
    """The fields every provider's model has in common: its secrets are named here."""

    model_config = ConfigDict(extra="forbid")
    secret_fields: ClassVar[tuple[str, ...]]

    def shown(self) -> dict[str, Any]:
        """What is stored in clear."""
        return self.model_dump(mode="json", exclude=set(self.secret_fields))

    def secrets(self) -> dict[str, str]:
        """The secrets given (those omitted are left as stored)."""
        given = {name: getattr(self, name) for name in self.secret_fields}
        return {name: value.get_secret_value() for name, value in given.items() if value}


class TwilioAccountIn(AccountIn):
    """The tenant's own Twilio account; SMS go out from its number or Messaging Service."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "account_sid": "AC0123456789abcdef0123456789abcdef",
                    "auth_token": "5f2c8e1a9b7d4c3e6a0f1b2d8e9c7a4b",
                    "from_number": "+15005550006",
                }
            ]
        },
    )
    secret_fields: ClassVar[tuple[str, ...]] = ("auth_token",)

    account_sid: str = Field(pattern=r"^AC[0-9a-fA-F]{32}$", description="Account SID (AC...).")
    auth_token: SecretStr | None = Field(
        None,
        max_length=128,
        description="Auth token: signs Twilio's callbacks too. Write-only; omitted, the one "
        "set is kept.",
    )
    from_number: str | None = Field(
        None, pattern=r"^\+[1-9][0-9]{6,14}$", description="E.164 sender for SMS and calls."
    )
    messaging_service_sid: str | None = Field(
        None,
        pattern=r"^MG[0-9a-fA-F]{32}$",
        description="Messaging Service (MG...) for SMS; used instead of the from number.",
    )

    @model_validator(mode="after")
    def _has_a_sender(self) -> Self:
        if not (self.from_number or self.messaging_service_sid):
            raise ValueError("needs from_number or messaging_service_sid")
        return self


class SmtpAccountIn(AccountIn):
    """The tenant's own mail server and sender."""

    secret_fields: ClassVar[tuple[str, ...]] = ("password",)

    host: str = Field(min_length=1, max_length=253, description="SMTP server.")
    port: int = Field(587, ge=1, le=65535, description="587 for STARTTLS, 465 for TLS.")
    username: str = Field("", max_length=256, description="Login; empty sends without AUTH.")
    password: SecretStr | None = Field(
        None, max_length=256, description="Write-only; omitted, the one set is kept."
    )
    starttls: bool = Field(True, description="Upgrade the connection with STARTTLS.")
    use_tls: bool = Field(False, description="Connect with implicit TLS (port 465).")
    from_address: EmailStr = Field(description="From address of reminder emails.")


class WebhookAccountIn(AccountIn):
    """Where the tenant's webhook reminders and visit requests go, and the key that signs them."""

    secret_fields: ClassVar[tuple[str, ...]] = ("secret",)

    url: str = Field(
        min_length=1,
        max_length=2000,
        examples=["https://collections.lender.example/nudge"],
        description="https in production.",
    )
    secret: SecretStr | None = Field(
        None,
        max_length=256,
        description="HMAC-SHA256 key (about 128 random bits, e.g. `secrets.token_urlsafe(32)`). "
        "Write-only; omitted, the one set is kept.",
    )


class AliyunAccountIn(AccountIn):
    """The tenant's own Aliyun SMS account: its AccessKey and the signature (签名) Aliyun
    approved for it. Its SMS go out through Aliyun, with the template codes the templates' SMS
    variants name; Aliyun's status reports and replies come back to the `push_urls` shown."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "access_key_id": "LTAI5tExampleKey0123",
                    "access_key_secret": "q8Zf3Kd0Vw7Rj2Mx9Tb5Ln1Hs6Yc4P",
                    "sign_name": "示例金融",
                }
            ]
        },
    )
    secret_fields: ClassVar[tuple[str, ...]] = ("access_key_secret",)

    access_key_id: str = Field(pattern=r"^[A-Za-z0-9]{12,64}$", description="AccessKey ID.")
    access_key_secret: SecretStr | None = Field(
        None,
        max_length=128,
        description="AccessKey secret: also keys the push URLs' token. Write-only; omitted, "
        "the one set is kept.",
    )
    sign_name: str = Field(
        min_length=2, max_length=40, description="The approved signature, without 【】."
    )


MODELS: dict[Provider, type[AccountIn]] = {
    Provider.TWILIO: TwilioAccountIn,
    Provider.SMTP: SmtpAccountIn,
    Provider.WEBHOOK: WebhookAccountIn,
    Provider.ALIYUN: AliyunAccountIn,
}


class ProviderAccountOut(BaseModel):
    provider: Provider
    settings: dict[str, Any] = Field(description="Everything but the secrets.")
    secrets_set: list[str] = Field(description="The secrets stored (never shown).")
    updated_at: datetime
    push_urls: dict[str, str] = Field(
        default_factory=dict,
        description="Aliyun: where its console's HTTP batch push must post status reports "
        "(`report`) and replies (`up`). They hold a token made from the AccessKey secret.",
    )
