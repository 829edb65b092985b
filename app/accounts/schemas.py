"""How a tenant's provider account is shown back: its settings, and its secrets only named.

What a tenant may store for a provider is that provider plugin's own `Account` model
(channels/base.py); secrets are write-only: omitted on a `PUT`, the one already stored is kept.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ProviderAccountOut(BaseModel):
    provider: str = Field(description="The provider plugin's name, as in the URL.")
    settings: dict[str, Any] = Field(description="Everything but the secrets.")
    secrets_set: list[str] = Field(description="The secrets stored (never shown).")
    updated_at: datetime
    callback_urls: dict[str, str] = Field(
        default_factory=dict,
        description="Where the provider must be told to call Nudge for this tenant, when the "
        "provider plugin has such URLs of the tenant's own (Aliyun's push URLs).",
    )
