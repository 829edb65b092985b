"""Twilio: SMS and voice calls, their status callbacks and inbound texts."""

from channels.plugin import Plugin
from channels.twilio.routes import router
from channels.twilio.settings import TwilioAccount, TwilioSettings, configured
from channels.twilio.sms import TwilioSmsAdapter
from channels.twilio.voice import TwilioVoiceAdapter

PLUGIN = Plugin(
    name="twilio",
    adapters=(TwilioSmsAdapter, TwilioVoiceAdapter),
    settings=TwilioSettings,
    account=TwilioAccount,
    configured=configured,
    routes=router,
)
