"""The console adapter writes the rendered message to the log instead of sending it."""

import logging

import pytest

from app.clock import FrozenClock
from channels.base import Channel, Message, ProviderSettings
from channels.console import ConsoleAdapter
from channels.status import DeliveryStatus
from tests.conftest import settings

pytestmark = pytest.mark.anyio


async def test_console_logs_the_rendered_message_with_the_address_masked_and_reports_it_sent(
    clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = ConsoleAdapter(settings(), ProviderSettings(), clock=clock)
    message = Message(
        channel=Channel.EMAIL,
        to="wei@example.cn",
        reference="rem-1",
        subject="Repayment due",
        body="Your repayment of 1,234.50 is due on 1 December.",
    )
    with caplog.at_level(logging.INFO, logger="nudge.channels.console"):
        result = await adapter.send(message)
    assert (result.status, result.provider_message_id) == (DeliveryStatus.SENT, "console-rem-1")
    logged = caplog.records[0].getMessage()
    assert "w***@example.cn" in logged
    assert "wei@example.cn" not in logged
    assert "'Repayment due'" in logged
    assert "1,234.50 is due" in logged
