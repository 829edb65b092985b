"""What a send records and says about language: the negotiated locale on the attempt and in the
delivery log, and the help line in the form the customer dials."""

from typing import Any

import pytest

from tests.conftest import DispatcherFactory, Tenant
from tests.factories import customer
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.api import read, submit

pytestmark = pytest.mark.anyio


def set_tenant(tenant: Tenant, **settings: Any) -> None:
    body = {"display_name": "Sunrise Lending", "help_phone": "+864001234567", **settings}
    assert tenant.client.put("/v1/tenant", json=body).status_code == 200


@pytest.mark.parametrize(
    ("tag", "tenant_default", "used", "words"),
    [
        ("zh-TW", "en-US", "zh-Hant", "您本期應繳金額"),
        ("zh-HK", "en-US", "zh-Hant", "您本期應繳金額"),
        ("zh-SG", "en-US", "zh-Hans", "您的本期还款"),
        ("zh", "en-US", "zh-Hans", "您的本期还款"),
        ("en-GB", "zh-CN", "en", "A friendly reminder"),
        ("en-IN", "zh-CN", "en", "A friendly reminder"),
    ],
)
async def test_the_attempt_and_the_delivery_log_record_the_locale_the_words_are_in(
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    tag: str,
    tenant_default: str,
    used: str,
    words: str,
) -> None:
    set_tenant(tenant, default_locale=tenant_default)
    reminder_id = submit(tenant, customer=customer(locale=tag), channels=["sms"])
    assert await make_dispatcher().run_once() == 1
    [request] = twilio.received
    assert words in request.form["Body"]
    [attempt] = read(tenant, reminder_id)["attempts"]
    assert attempt["locale"] == used
    [delivery] = tenant.client.get("/v1/deliveries").json()["items"]
    assert delivery["locale"] == used


@pytest.mark.parametrize(
    ("phone", "jurisdiction", "shown", "not_shown"),
    [
        ("+8613812345678", "CN", "请致电400 123 4567。", "+86"),
        ("+14155550123", "US", "请致电+86 400 123 4567。", "请致电400"),
    ],
)
async def test_the_help_line_is_national_for_customers_in_its_country_and_international_for_others(
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    phone: str,
    jurisdiction: str,
    shown: str,
    not_shown: str,
) -> None:
    set_tenant(tenant, default_locale="zh-CN")
    person = customer(phone=phone, jurisdiction=jurisdiction, locale="zh-CN")
    submit(tenant, customer=person, channels=["sms"])
    assert await make_dispatcher().run_once() == 1
    [request] = twilio.received
    assert shown in request.form["Body"]
    assert not_shown not in request.form["Body"]
