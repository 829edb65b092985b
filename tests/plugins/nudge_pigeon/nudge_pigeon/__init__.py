"""Pigeon SMS for Nudge: texts through Pigeon's REST API, delivery receipts on a signed route."""

from channels.plugin import Plugin
from nudge_pigeon.adapter import PigeonSmsAdapter
from nudge_pigeon.routes import router
from nudge_pigeon.settings import PigeonAccount, PigeonSettings, configured

PLUGIN = Plugin(
    name="pigeon",
    adapters=(PigeonSmsAdapter,),
    settings=PigeonSettings,
    account=PigeonAccount,
    configured=configured,
    routes=router,
)
