"""The adapter contract shared by every delivery channel."""

from enum import StrEnum


class Channel(StrEnum):
    """The ways Nudge can reach a customer; a reminder lists them in order of preference."""

    SMS = "sms"
    VOICE = "voice"
    EMAIL = "email"
    WEBHOOK = "webhook"
