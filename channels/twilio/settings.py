"""Twilio's global account (`NUDGE_TWILIO_*`) and the account a tenant may store instead."""

from typing import Self

from pydantic import ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from app.config import PROVIDER_SECRET_BITS, Settings, secret_refusal, url_setting_refusal
from channels.base import Account, ProviderSettings


class TwilioSettings(ProviderSettings):
    model_config = SettingsConfigDict(env_prefix="NUDGE_TWILIO_")

    account_sid: str = Field("", description="Twilio account SID (AC...).")
    auth_token: SecretStr = Field(SecretStr(""), description="Twilio auth token.")
    from_number: str = Field("", description="E.164 sender for SMS and calls.")
    messaging_service_sid: str = Field(
        "", description="Messaging Service (MG...) for SMS; used instead of the from number."
    )
    api_base: str = Field(
        "https://api.twilio.com",
        description="Twilio REST base URL; point it at a Twilio-compatible gateway or a fake.",
    )
    say_language: str = Field("zh-CN", description="<Say> language when the template names none.")
    say_voice: str = Field("", description="<Say> voice when the template names none.")

    def problems(self, core: Settings) -> list[str]:
        """A blank or sample token would fail every send, and Twilio cannot report delivery to
        a loopback or plain-http callback address."""
        found = [url_setting_refusal("NUDGE_TWILIO_API_BASE", self.api_base, core)]
        if self.account_sid:
            found.append(secret_refusal("NUDGE_TWILIO_AUTH_TOKEN", self.auth_token, core))
            if core.env != "development" and not core.public_url.startswith("https://"):
                found.append("NUDGE_PUBLIC_URL must be Nudge's https address for Twilio callbacks")
        return [problem for problem in found if problem]


def configured(settings: TwilioSettings) -> bool:
    return bool(settings.account_sid)


class TwilioAccount(Account):
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
    secret_fields = ("auth_token",)
    secret_bits = PROVIDER_SECRET_BITS

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

    def token(self) -> str:
        return self.auth_token.get_secret_value() if self.auth_token else ""

    @classmethod
    def of(cls, settings: TwilioSettings) -> "TwilioAccount | None":
        """The global account, when it is set, as a tenant's would be."""
        if not (settings.account_sid and settings.auth_token.get_secret_value()):
            return None
        return cls.model_construct(
            account_sid=settings.account_sid,
            auth_token=settings.auth_token,
            from_number=settings.from_number or None,
            messaging_service_sid=settings.messaging_service_sid or None,
        )
