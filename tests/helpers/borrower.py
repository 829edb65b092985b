"""A lender whose reminders carry the borrower link, and the link as the borrower got it."""

import re
from typing import Any

from app.dispatch.worker import Dispatcher
from tests.conftest import Tenant
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.api import submit

KEY = "with-link"
LINK = re.compile(r"https://nudge\.example(/m/[A-Za-z0-9_-]+)")


def link_template(tenant: Tenant) -> None:
    """SMS and voice, in Chinese and English, each ending with `{{ manage_url }}`."""
    variables = {
        "amount": {"type": "money", "required": True},
        "due_date": {"type": "date", "required": True},
    }
    body: dict[str, Any] = {
        "description": "due soon, with the borrower's page",
        "variables": variables,
        "variants": [
            {
                "channel": "sms",
                "locale": "zh-CN",
                "body": "【{{ tenant.display_name }}】您的还款{{ amount | money }}将于"
                "{{ due_date | date }}到期。设置提醒：{{ manage_url }}",
            },
            {
                "channel": "sms",
                "locale": "en",
                "body": "{{ tenant.display_name }}: {{ amount | money }} due {{ due_date | date }}."
                " Settings: {{ manage_url }}",
            },
            {
                "channel": "voice",
                "locale": "zh-CN",
                "script": "您好，这里是{{ tenant.display_name }}，您的还款即将到期。",
                "voice": "Polly.Zhiyu",
            },
            {
                "channel": "voice",
                "locale": "en",
                "script": "Hello, this is {{ tenant.display_name }}: your payment is due soon.",
                "voice": "Polly.Joanna",
            },
        ],
    }
    saved = tenant.client.put(f"/v1/templates/{KEY}", json=body)
    assert saved.status_code in {200, 201}, saved.text


def texts_to(twilio: FakeTwilio) -> list[str]:
    return [r.form["Body"] for r in twilio.received if r.resource == "Messages"]


def link_in(text: str) -> str:
    """The link's path (after the public URL)."""
    found = LINK.search(text)
    assert found, text
    return found.group(1)


async def sent_link(
    tenant: Tenant, dispatcher: Dispatcher, twilio: FakeTwilio, **fields: Any
) -> str:
    """The path of the link in the SMS a reminder of `link_template` sent."""
    before = len(texts_to(twilio))
    submit(tenant, template=KEY, **{"channels": ["sms"]} | fields)
    await dispatcher.run_once()
    return link_in(texts_to(twilio)[before])


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)
