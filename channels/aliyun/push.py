"""What Aliyun's HTTP batch push posts (status reports and customers' replies), how Nudge
answers it, and the token that makes a push URL a tenant's own (see the package docstring)."""

import hashlib
import hmac
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from channels.status import DeliveryStatus

ACKNOWLEDGED = {"code": 0, "msg": "接收成功"}
"""Aliyun checks only that the answer is HTTP 200 with a numeric `code`; anything else makes it
push again (after 1, 5 and 10 minutes)."""
MAX_ITEMS = 1000
TOKEN_CONTEXT = b"nudge aliyun push v1 "


class SmsReport(BaseModel):
    """One `SmsReport` item: what the carrier said about one message. Fields Aliyun adds later
    are ignored, not refused: refusing would make it push the whole batch again and again."""

    model_config = ConfigDict(extra="ignore")

    phone_number: str = Field(max_length=32)
    send_time: str = Field("", max_length=32)
    report_time: str = Field("", max_length=32)
    success: bool
    err_code: str = Field("", max_length=64)
    err_msg: str = Field("", max_length=500)
    sms_size: str = Field("", max_length=8)
    biz_id: str = Field(min_length=1, max_length=64)
    out_id: str = Field("", max_length=256)

    @property
    def status(self) -> DeliveryStatus:
        """The carrier's final word: delivered, or not (`err_code` says why)."""
        return DeliveryStatus.DELIVERED if self.success else DeliveryStatus.UNDELIVERED


class SmsUp(BaseModel):
    """One `SmsUp` item: a text a customer sent to the lender's signature."""

    model_config = ConfigDict(extra="ignore")

    phone_number: str = Field(max_length=32)
    send_time: str = Field("", max_length=32)
    content: str = Field("", max_length=2000)
    sign_name: str = Field("", max_length=64)
    dest_code: str = Field("", max_length=32)
    sequence_id: int | str = Field(description="Aliyun's number for this text: it acts once.")


def e164(phone_number: str) -> str:
    """Aliyun writes mainland numbers without a country code, others as 00 + country code."""
    if phone_number.startswith("00"):
        return "+" + phone_number.removeprefix("00")
    if phone_number.startswith("+"):
        return phone_number
    return "+86" + phone_number


def push_token(tenant_id: str, access_key_secret: str) -> str:
    """The secret part of a tenant's push URLs: only Nudge and whoever holds the tenant's
    AccessKey secret can make it, and it names no secret itself."""
    mac = hmac.new(access_key_secret.encode(), TOKEN_CONTEXT + tenant_id.encode(), hashlib.sha256)
    return mac.hexdigest()


def push_paths(tenant_id: UUID, access_key_secret: str) -> dict[str, str]:
    """The paths, under Nudge's public URL, to give Aliyun's console for this tenant."""
    base = f"/v1/webhooks/aliyun/{tenant_id}/{push_token(str(tenant_id), access_key_secret)}"
    return {"report": f"{base}/report", "up": f"{base}/up"}


def token_matches(token: str, *, tenant_id: str, access_key_secret: str) -> bool:
    return hmac.compare_digest(token.encode(), push_token(tenant_id, access_key_secret).encode())
