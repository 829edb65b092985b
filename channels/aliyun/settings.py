"""Aliyun's settings (only where its API is) and the account a tenant stores: there is no
global Aliyun account, since a signature and its templates are approved for one lender."""

from uuid import UUID

from pydantic import ConfigDict, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from app.config import PROVIDER_SECRET_BITS, Settings, url_setting_refusal
from channels.aliyun.push import push_paths
from channels.base import Account, ProviderSettings

NAME = "aliyun"
"""The plugin's name: in URLs, settings (`NUDGE_ALIYUN_*`) and stored accounts."""


class AliyunSettings(ProviderSettings):
    model_config = SettingsConfigDict(env_prefix="NUDGE_ALIYUN_")

    api_base: str = Field(
        "https://dysmsapi.aliyuncs.com",
        description="Aliyun SMS (Dysmsapi) endpoint for tenants' own Aliyun accounts; point "
        "it at a regional endpoint or a fake.",
    )

    def problems(self, core: Settings) -> list[str]:
        refusal = url_setting_refusal("NUDGE_ALIYUN_API_BASE", self.api_base, core)
        return [refusal] if refusal else []


def configured(_: AliyunSettings) -> bool:
    """Never for tenants without an account of their own: there is no shared sign name."""
    return False


class AliyunAccount(Account):
    """The tenant's own Aliyun SMS account: its AccessKey and the signature (签名) Aliyun
    approved for it. Its SMS go out through Aliyun with the template codes its templates' SMS
    variants name; Aliyun's status reports and replies come back to the push URLs shown as
    `callback_paths` (under Nudge's public URL)."""

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
    secret_fields = ("access_key_secret",)
    secret_bits = PROVIDER_SECRET_BITS

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

    def secret(self) -> str:
        return self.access_key_secret.get_secret_value() if self.access_key_secret else ""

    def callback_paths(self, tenant_id: UUID) -> dict[str, str]:
        return push_paths(tenant_id, self.secret())
