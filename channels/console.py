"""Writes each rendered message to the log instead of sending it: development's channel."""

import logging
from typing import ClassVar

from app.masking import mask_address
from channels.base import Adapter, Channel, Message, SendResult
from channels.plugin import Plugin
from channels.status import DeliveryStatus

logger = logging.getLogger("nudge.channels.console")


class ConsoleAdapter(Adapter[Message, Message]):
    """Lets `make run` show what a customer would receive, with no provider account."""

    name: ClassVar[str] = "console"
    channels: ClassVar[frozenset[Channel]] = frozenset(Channel)
    rate_per_second: ClassVar[float] = 1000.0
    max_concurrency: ClassVar[int] = 100

    def build(self, message: Message) -> Message:
        return message

    async def transmit(self, request: Message) -> Message:
        subject = f" {request.subject!r}" if request.subject else ""
        logger.info(
            "%s to %s (reminder %s)%s:\n%s",
            request.channel,
            mask_address(request.to),
            request.reference,
            subject,
            request.body,
        )
        return request

    def parse(self, answer: Message, message: Message) -> SendResult:
        return SendResult(
            status=DeliveryStatus.SENT,
            provider_message_id=f"console-{message.reference}",
            provider_status="logged",
        )


PLUGIN = Plugin(name="console", adapters=(ConsoleAdapter,))
"""Never `configured`: the registry falls back to it outside production."""
