"""Email through an SMTP relay: the service's own, or each tenant's."""

from channels.plugin import Plugin
from channels.smtp.adapter import SmtpAdapter
from channels.smtp.settings import SmtpAccount, SmtpSettings, configured

PLUGIN = Plugin(
    name="smtp",
    adapters=(SmtpAdapter,),
    settings=SmtpSettings,
    account=SmtpAccount,
    configured=configured,
)
