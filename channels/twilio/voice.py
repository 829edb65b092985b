"""Voice calls through Twilio's Calls resource, the script read out by inline TwiML <Say>."""

from typing import Any, ClassVar

from twilio.twiml.voice_response import VoiceResponse

from channels.base import Channel, Message
from channels.errors import ConfigError
from channels.status import TWILIO_CALL, StatusMap
from channels.twilio.client import TwilioAdapter, TwilioRequest


class TwilioVoiceAdapter(TwilioAdapter):
    name: ClassVar[str] = "twilio_voice"
    channels: ClassVar[frozenset[Channel]] = frozenset({Channel.VOICE})
    statuses: ClassVar[StatusMap] = TWILIO_CALL
    rate_per_second: ClassVar[float] = 1.0
    """Twilio's default outbound calls per second for an account."""
    max_concurrency: ClassVar[int] = 5

    def check_settings(self) -> None:
        super().check_settings()
        if self.own.account_sid and not self.own.from_number:
            raise ConfigError("twilio_voice needs NUDGE_TWILIO_FROM_NUMBER to place calls")

    def build(self, message: Message) -> TwilioRequest:
        """TwiML goes inline, so no URL of Nudge's has to serve it; the library escapes it."""
        twiml = VoiceResponse()
        twiml.say(
            message.body,
            language=message.language or self.own.say_language,
            voice=message.voice or self.own.say_voice or None,
        )
        account = self.account_of(message)
        if account.from_number is None:
            raise ConfigError("twilio_voice needs a Twilio from_number to place calls")
        params = {
            "to": message.to,
            "from_": account.from_number,
            "twiml": str(twiml),
            "status_callback": self.status_callback(message),
        }
        return TwilioRequest(self.client_for(account), params)

    async def transmit(self, request: TwilioRequest) -> Any:
        return await request.client.calls.create_async(**request.params)
