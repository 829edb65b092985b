"""Aliyun SMS (Dysmsapi 2017-05-25) for lenders in mainland China, each with its own account.

Sending (`adapter.py`): the official SDK (`alibabacloud-dysmsapi20170525`) calls `SendSms` with
the tenant's AccessKey, its approved sign name, the template code the template's `aliyun` part
names and the parameters rendered from it (`TemplateParam`), and the reminder id as `OutId`.
Aliyun renders the text itself, from the template it approved: Nudge cannot change a word.

Receiving (`push.py`): Aliyun's "HTTP batch push" posts JSON arrays of status reports
(`SmsReport`) and customers' replies (`SmsUp`) to a URL set in the lender's console. Those
posts carry no signature and no credential of any kind (Aliyun documents none), so the URL
itself is the credential: each tenant's push URLs hold a token, an HMAC-SHA256 of the tenant's
id under its own AccessKey secret, checked in constant time. A post is then accepted only
about messages that tenant sent: a report naming another tenant's message is refused whole.
A replay of a genuine post is harmless: a report moves an attempt forward only, and an uplink
text acts once per `sequence_id`. Changing the AccessKey secret changes the URLs.
"""

from channels.aliyun.adapter import AliyunSmsAdapter
from channels.aliyun.routes import router
from channels.aliyun.settings import NAME, AliyunAccount, AliyunSettings, configured
from channels.plugin import Plugin

PLUGIN = Plugin(
    name=NAME,
    adapters=(AliyunSmsAdapter,),
    settings=AliyunSettings,
    account=AliyunAccount,
    configured=configured,
    routes=router,
)
