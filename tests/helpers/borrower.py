"""Acting as the borrower does: the link their messages carry and the service calls their
page makes for a known customer."""

import re
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.dispatch.worker import Dispatcher
from app.models.customers import Customer
from app.notices.delivery import Notices
from app.preferences import service
from app.preferences.schemas import Hardship, Preferences, PreferencesIn
from tests.conftest import DispatcherFactory, Tenant
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


def customer_id(db: Session, tenant: Tenant, ref: str = "cust-1") -> uuid.UUID:
    db.rollback()  # see what the API committed
    found = db.scalar(
        sa.select(Customer.id).where(Customer.tenant_id == tenant.id, Customer.ref == ref)
    )
    assert found is not None, f"no customer {ref!r}"
    return found


def state(
    db: Session,
    tenant: Tenant,
    clock: FrozenClock,
    *,
    ref: str = "cust-1",
    source: str = "borrower",
    **fields: Any,
) -> Preferences:
    """Saves the form's fields and commits, as the page's request does."""
    saved = service.save(
        db,
        tenant_id=tenant.id,
        customer_id=customer_id(db, tenant, ref),
        change=PreferencesIn.model_validate(fields),
        source=source,
        now=clock.now(),
    )
    db.commit()
    return saved


def ask_for_help(
    db: Session, tenant: Tenant, clock: FrozenClock, *, ref: str = "cust-1", **fields: Any
) -> Hardship:
    """The hardship form, not committed: the caller commits or rolls back."""
    request = {"reason": "job_loss", "note": None, "callback": None} | fields
    return service.request_hardship(
        db,
        tenant_id=tenant.id,
        customer_id=customer_id(db, tenant, ref),
        now=clock.now(),
        **request,
    )


def notices(make_dispatcher: DispatcherFactory, clock: FrozenClock) -> Notices:
    """The worker's notice sender, as the scheduler builds it beside the dispatcher."""
    dispatcher = make_dispatcher()
    return Notices(
        sessions=dispatcher.sessions,
        registry=dispatcher.registry,
        vault=dispatcher.vault,
        clock=clock,
        retry=dispatcher.retry,
    )
