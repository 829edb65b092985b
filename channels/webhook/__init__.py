"""A signed JSON POST to each tenant's own URL."""

from channels.plugin import Plugin
from channels.webhook.account import NAME, WebhookAccount
from channels.webhook.adapter import WebhookAdapter


def configured(_: object) -> bool:
    """Always: each tenant sets its own target, and a message without one is refused."""
    return True


PLUGIN = Plugin(
    name=NAME,
    adapters=(WebhookAdapter,),
    account=WebhookAccount,
    configured=configured,
)
