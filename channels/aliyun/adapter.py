"""SMS through a tenant's own Aliyun account, with the official Dysmsapi SDK.

The SDK's async call (`send_sms_with_options_async`, on aiohttp) keeps the worker's event loop
free. Aliyun answers a refused message in two ways: HTTP 200 with a `Code` other than `OK`
(the message's own trouble: number, template, limits), or an HTTP error the SDK raises
(credentials, signature, throttling, its own outage). Both are classified here from the code.
"""

import json
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_dysmsapi20170525.models import SendSmsRequest, SendSmsResponse
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.exceptions import RetryError, UnretryableException
from darabonba.runtime import RuntimeOptions

from channels.aliyun.settings import AliyunAccount, AliyunSettings
from channels.base import Adapter, Channel, Message, SendResult
from channels.errors import (
    AmbiguousError,
    ChannelError,
    ConfigError,
    PermanentError,
    RetryableError,
)
from channels.status import DeliveryStatus

OK = "OK"
RETRYABLE_CODES = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",  # the per-number or account send rate
        "isv.DAY_LIMIT_CONTROL",
        "isv.MONTH_LIMIT_CONTROL",
        "Throttling",
        "Throttling.User",
        "Throttling.Api",
        "isp.SYSTEM_ERROR",
        "ServiceUnavailable",
        "InternalError",
    }
)
CONFIG_CODES = frozenset(
    {
        "InvalidAccessKeyId.NotFound",
        "InvalidAccessKeyId.Inactive",
        "SignatureDoesNotMatch",
        "isp.RAM_PERMISSION_DENY",
        "isv.ACCOUNT_NOT_EXISTS",
        "isv.ACCOUNT_ABNORMAL",
        "isv.OUT_OF_SERVICE",
        "isv.PRODUCT_UN_SUBSCRIPT",
        "isv.PRODUCT_UNSUBSCRIBE",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.SMS_SIGN_ILLEGAL",
        "isv.SIGN_STATE_ILLEGAL",
        "isv.SMS_SIGNATURE_SCENE_ILLEGAL",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.TEMPLATE_PARAMS_ILLEGAL",
    }
)
"""The lender's account, signature or template is not usable: no message of theirs will go."""
OPT_OUT_CODES = frozenset({"isv.BLACK_KEY_CONTROL_LIMIT", "isv.CUSTOMER_REFUSED"})
"""The number is on the account's blacklist: its owner unsubscribed (退订) or complained."""
MAINLAND = "+86"


def phone_number(e164: str) -> str:
    """Aliyun's form: a mainland number without its country code, any other as 00 + country
    code + number."""
    if e164.startswith(MAINLAND):
        return e164.removeprefix(MAINLAND)
    return "00" + e164.removeprefix("+")


def classify_code(code: str, message: str, *, status: int = 200) -> ChannelError:
    """Aliyun's refusal in Nudge's terms; any code not listed is this message's alone."""
    said = f"Aliyun {code}: {message}"
    if code in RETRYABLE_CODES or status == 429 or status >= 500:
        return RetryableError(said)
    if code in CONFIG_CODES or status in {401, 403}:
        return ConfigError(said)
    return PermanentError(said, code=code, opt_out=code in OPT_OUT_CODES)


@dataclass(frozen=True)
class AliyunRequest:
    """The SendSms parameters, and the client of the account that sends them."""

    client: Client
    request: SendSmsRequest


class AliyunSmsAdapter(Adapter[AliyunRequest, SendSmsResponse]):
    """Sends only for tenants with their own Aliyun account: there is no shared one, since a
    sign name and its templates are approved for one lender."""

    name: ClassVar[str] = "aliyun_sms"
    channels: ClassVar[frozenset[Channel]] = frozenset({Channel.SMS})
    rate_per_second: ClassVar[float] = 50.0
    max_concurrency: ClassVar[int] = 20

    _clients: dict[tuple[str, str], Client] | None = None

    def build(self, message: Message) -> AliyunRequest:
        account, template = message.account, message.template
        if not isinstance(account, AliyunAccount):
            raise ConfigError("aliyun_sms sends only for a tenant with its own Aliyun account")
        if template is None:
            raise ConfigError("the template's SMS variant names no Aliyun template code")
        request = SendSmsRequest(
            phone_numbers=phone_number(message.to),
            sign_name=account.sign_name,
            template_code=template.code,
            template_param=json.dumps(dict(template.params), ensure_ascii=False),
            out_id=message.reference,
        )
        return AliyunRequest(self._client_for(account), request)

    async def transmit(self, request: AliyunRequest) -> SendSmsResponse:
        settings = self.settings
        runtime = RuntimeOptions(
            connect_timeout=round(settings.channel_connect_timeout_seconds * 1000),
            read_timeout=round(settings.channel_read_timeout_seconds * 1000),
        )
        return await request.client.send_sms_with_options_async(request.request, runtime)

    def parse(self, answer: SendSmsResponse, message: Message) -> SendResult:
        body = answer.body
        if body is None or body.code != OK:
            code = body.code if body is not None else "EmptyAnswer"
            raise classify_code(code or "", (body.message if body else "") or "")
        return SendResult(
            status=DeliveryStatus.SENT,
            provider_message_id=body.biz_id,
            provider_status=body.code,
            raw={"BizId": body.biz_id, "RequestId": body.request_id, "Code": body.code},
        )

    def classify(self, error: Exception) -> ChannelError | None:
        if isinstance(error, AlibabaCloudException):
            return classify_code(
                error.code or "", error.message or "", status=error.status_code or 200
            )
        if isinstance(error, UnretryableException) and isinstance(
            error.inner_exception, RetryError
        ):
            return _network(error.inner_exception)
        return None

    def _client_for(self, account: AliyunAccount) -> Client:
        """One client per AccessKey, kept for the adapter's life (a changed secret gets a new
        one); the key stays in the client and is never logged."""
        if self._clients is None:
            self._clients = {}
        key = (account.access_key_id, account.secret())
        if key not in self._clients:
            own = self.own
            assert isinstance(own, AliyunSettings)
            base = urlsplit(own.api_base)
            config = Config(
                access_key_id=account.access_key_id,
                access_key_secret=account.secret(),
                endpoint=base.netloc,
                protocol=base.scheme.upper(),
            )
            self._clients[key] = Client(config)
        return self._clients[key]


def _network(error: RetryError) -> ChannelError:
    """The SDK folds aiohttp's errors into one; only a refused connection is sure to have sent
    nothing (aiohttp says "Cannot connect to host"), anything later may have been sent."""
    if "Cannot connect to host" in str(error.message):
        return RetryableError(f"Aliyun unreachable, nothing sent: {error.message}")
    return AmbiguousError(f"no answer from Aliyun after sending: {error.message}")
