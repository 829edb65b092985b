"""A tenant's own Aliyun SMS account, as a message carries it to the adapter."""

from dataclasses import dataclass, field


@dataclass(frozen=True, kw_only=True)
class AliyunAccount:
    """The lender's AccessKey and its approved signature (签名): Aliyun sends only in the name
    of a signature approved for that account, so the sign name belongs with the key."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    sign_name: str
