"""The global mail server (`NUDGE_SMTP_*`) and the one a tenant may store instead."""

from pydantic import EmailStr, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from app.config import PROVIDER_SECRET_BITS, Settings, host_setting_refusal, secret_refusal
from channels.addresses import host_refusal
from channels.base import Account, ProviderSettings


class SmtpSettings(ProviderSettings):
    model_config = SettingsConfigDict(env_prefix="NUDGE_SMTP_")

    host: str = Field("", description="SMTP server; empty leaves email to the console.")
    port: int = Field(587, description="SMTP port: 587 for STARTTLS, 465 for TLS.")
    username: str = Field("", description="SMTP login; empty sends without AUTH.")
    password: SecretStr = Field(SecretStr(""), description="SMTP password.")
    starttls: bool = Field(True, description="Upgrade the connection with STARTTLS.")
    use_tls: bool = Field(False, description="Connect with implicit TLS (port 465).")
    from_address: str = Field("", description="From address of reminder emails.")

    def problems(self, core: Settings) -> list[str]:
        found = [host_setting_refusal("NUDGE_SMTP_HOST", self.host, core)]
        if self.username:
            found.append(secret_refusal("NUDGE_SMTP_PASSWORD", self.password, core))
        return [problem for problem in found if problem]


def configured(settings: SmtpSettings) -> bool:
    return bool(settings.host)


class SmtpAccount(Account):
    """The tenant's own mail server and sender."""

    secret_fields = ("password",)
    secret_bits = PROVIDER_SECRET_BITS

    host: str = Field(min_length=1, max_length=253, description="SMTP server.")
    port: int = Field(587, ge=1, le=65535, description="587 for STARTTLS, 465 for TLS.")
    username: str = Field("", max_length=256, description="Login; empty sends without AUTH.")
    password: SecretStr | None = Field(
        None, max_length=256, description="Write-only; omitted, the one set is kept."
    )
    starttls: bool = Field(True, description="Upgrade the connection with STARTTLS.")
    use_tls: bool = Field(False, description="Connect with implicit TLS (port 465).")
    from_address: EmailStr = Field(description="From address of reminder emails.")

    def required_secrets(self) -> tuple[str, ...]:
        """A server without a login needs no password."""
        return self.secret_fields if self.username else ()

    def refusals(self, *, production: bool, allow_private: bool) -> dict[str, str]:
        refusal = host_refusal(
            "host", self.host, production=production, allow_private=allow_private
        )
        return {} if refusal is None else {"host": refusal}

    @classmethod
    def of(cls, settings: SmtpSettings) -> "SmtpAccount | None":
        """The global server, when it is set, as a tenant's would be."""
        if not (settings.host and settings.from_address):
            return None
        return cls.model_construct(
            host=settings.host,
            port=settings.port,
            username=settings.username,
            password=settings.password,
            starttls=settings.starttls,
            use_tls=settings.use_tls,
            from_address=settings.from_address,
        )
