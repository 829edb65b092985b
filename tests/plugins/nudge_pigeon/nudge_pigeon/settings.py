"""Pigeon's global account (`NUDGE_PIGEON_*`), and the account a tenant may store instead."""

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from app.config import Settings, secret_refusal, url_setting_refusal
from channels.base import Account, ProviderSettings


class PigeonSettings(ProviderSettings):
    model_config = SettingsConfigDict(env_prefix="NUDGE_PIGEON_")

    api_base: str = Field("https://api.pigeon.example/v1", description="Pigeon's REST API.")
    api_key: SecretStr = Field(SecretStr(""), description="The global account's API key.")
    signing_secret: SecretStr = Field(
        SecretStr(""), description="The key Pigeon signs the global account's receipts with."
    )
    sender: str = Field("Nudge", description="The sender ID texts show.")

    def problems(self, core: Settings) -> list[str]:
        found = [url_setting_refusal("NUDGE_PIGEON_API_BASE", self.api_base, core)]
        if configured(self):
            found.append(secret_refusal("NUDGE_PIGEON_SIGNING_SECRET", self.signing_secret, core))
        return [problem for problem in found if problem]


def configured(settings: PigeonSettings) -> bool:
    """Tenants without their own account text through the global one once it has a key."""
    return bool(settings.api_key.get_secret_value())


class PigeonAccount(Account):
    """The tenant's own Pigeon account: its texts show its sender ID, its receipts are signed
    with its key."""

    secret_fields = ("api_key", "signing_secret")

    sender: str = Field(pattern=r"^[A-Za-z0-9]{1,11}$", description="Sender ID.")
    api_key: SecretStr | None = Field(None, max_length=128, description="Write-only.")
    signing_secret: SecretStr | None = Field(None, max_length=128, description="Write-only.")

    @classmethod
    def of(cls, settings: PigeonSettings) -> "PigeonAccount | None":
        """The global account, when it is set, as a tenant's would be."""
        if not configured(settings):
            return None
        return cls.model_construct(
            sender=settings.sender,
            api_key=settings.api_key,
            signing_secret=settings.signing_secret,
        )


def key(secret: SecretStr | None) -> str:
    return secret.get_secret_value() if secret else ""
