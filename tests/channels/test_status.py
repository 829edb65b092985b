"""Provider status words map into the closed vocabulary; new words become unknown."""

import pytest

from channels.status import TWILIO_CALL, TWILIO_MESSAGE, DeliveryStatus


@pytest.mark.parametrize(
    ("twilio", "expected"),
    [
        ("queued", DeliveryStatus.QUEUED),
        ("accepted", DeliveryStatus.QUEUED),
        ("sending", DeliveryStatus.SENT),
        ("sent", DeliveryStatus.SENT),
        ("delivered", DeliveryStatus.DELIVERED),
        ("read", DeliveryStatus.DELIVERED),
        ("undelivered", DeliveryStatus.UNDELIVERED),
        ("failed", DeliveryStatus.FAILED),
        ("canceled", DeliveryStatus.CANCELED),
        ("partially_delivered", DeliveryStatus.UNKNOWN),
        (None, DeliveryStatus.UNKNOWN),
    ],
)
def test_twilio_message_statuses_normalize(twilio: str | None, expected: DeliveryStatus) -> None:
    assert TWILIO_MESSAGE.normalize(twilio) is expected


@pytest.mark.parametrize(
    ("twilio", "expected"),
    [
        ("queued", DeliveryStatus.QUEUED),
        ("ringing", DeliveryStatus.SENT),
        ("in-progress", DeliveryStatus.ANSWERED),
        ("completed", DeliveryStatus.ANSWERED),
        ("busy", DeliveryStatus.BUSY),
        ("no-answer", DeliveryStatus.NO_ANSWER),
        ("failed", DeliveryStatus.FAILED),
        ("canceled", DeliveryStatus.CANCELED),
        ("no_answer", DeliveryStatus.UNKNOWN),
    ],
)
def test_twilio_call_statuses_normalize(twilio: str, expected: DeliveryStatus) -> None:
    assert TWILIO_CALL.normalize(twilio) is expected
