"""SMS through Twilio's Messages resource."""

from typing import Any, ClassVar

from channels.base import Channel, Message
from channels.errors import ConfigError
from channels.status import TWILIO_MESSAGE, StatusMap
from channels.twilio.client import TwilioAdapter, TwilioRequest


class TwilioSmsAdapter(TwilioAdapter):
    name: ClassVar[str] = "twilio_sms"
    channels: ClassVar[frozenset[Channel]] = frozenset({Channel.SMS})
    statuses: ClassVar[StatusMap] = TWILIO_MESSAGE
    rate_per_second: ClassVar[float] = 10.0
    max_concurrency: ClassVar[int] = 10

    def check_settings(self) -> None:
        super().check_settings()
        own = self.own
        if own.account_sid and not (own.from_number or own.messaging_service_sid):
            raise ConfigError(
                "twilio_sms needs NUDGE_TWILIO_FROM_NUMBER or NUDGE_TWILIO_MESSAGING_SERVICE_SID"
            )

    def build(self, message: Message) -> TwilioRequest:
        """A Messaging Service picks the sender itself; otherwise the from number sends."""
        account = self.account_of(message)
        sender = (
            {"messaging_service_sid": account.messaging_service_sid}
            if account.messaging_service_sid
            else {"from_": account.from_number}
        )
        params = {
            "to": message.to,
            "body": message.body,
            "status_callback": self.status_callback(message),
            **sender,
        }
        return TwilioRequest(self.client_for(account), params)

    async def transmit(self, request: TwilioRequest) -> Any:
        return await request.client.messages.create_async(**request.params)
