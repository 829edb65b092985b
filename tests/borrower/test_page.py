"""The borrower's page over HTTP: what it shows and hides, its headers, and the attacks it
resists (forged forms, redirects elsewhere, stale, revoked or altered links, floods)."""

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.engine import Engine

from app.clock import FrozenClock
from app.db import create_session_factory
from app.main import create_app
from app.models.customers import Customer
from app.preferences import service as preferences
from tests.conftest import START, DispatcherFactory, Server, Tenant, app_providers, app_settings
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.borrower import csrf_of, link_template, sent_link
from tests.helpers.enrollments import enrol, put_plan
from tests.servers import serving

pytestmark = pytest.mark.anyio

PERSONAL = ("8613812345678", "138****5678", "wang.fang", "cust-1", "loan-1", "1234.50", "1,234")
"""The customer's phone, email, references and the amount in clear: never on the page."""
PRIVATE_HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "x-robots-tag": "noindex, nofollow",
}


@pytest.fixture
def page(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture
async def link(tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio) -> str:
    link_template(tenant)
    return await sent_link(tenant, make_dispatcher(), twilio)


def assert_private(response: httpx.Response) -> None:
    for name, value in PRIVATE_HEADERS.items():
        assert response.headers[name] == value, name
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_the_page_shows_the_lender_the_masked_amount_and_due_date_and_nothing_personal(
    page: httpx.Client, link: str
) -> None:
    shown = page.get(link)

    assert shown.status_code == 200
    assert_private(shown)
    assert "acme" in shown.text
    assert "US$1,***.**" in shown.text
    assert "2026年12月1日" in shown.text
    assert '<html lang="zh-CN">' in shown.text
    assert not [value for value in PERSONAL if value in shown.text]


async def test_the_language_switch_shows_the_page_in_english(page: httpx.Client, link: str) -> None:
    shown = page.get(f"{link}?lang=en")

    assert '<html lang="en">' in shown.text
    assert "December 1, 2026" in shown.text
    assert "Finding it hard to pay?" in shown.text


@pytest.mark.parametrize(
    "change",
    [
        lambda link: link[:-1] + ("A" if link[-1] != "A" else "B"),
        lambda link: link[:-1],
        lambda link: link + "A",
        lambda link: "/m/" + "A" * 20,
    ],
    ids=["one-character-changed", "shortened", "lengthened", "guessed"],
)
async def test_an_altered_link_shows_the_polite_error_page_with_no_data(
    page: httpx.Client, link: str, change: object
) -> None:
    shown = page.get(change(link))  # type: ignore[operator]

    assert shown.status_code == 404
    assert_private(shown)
    assert "这个链接无效" in shown.text
    assert "this link is not valid" in shown.text
    assert "acme" not in shown.text
    assert "***" not in shown.text


async def test_a_link_expires_after_30_days(
    page: httpx.Client, link: str, clock: FrozenClock
) -> None:
    clock.set(START + timedelta(days=30) - timedelta(seconds=1))
    assert page.get(link).status_code == 200
    clock.set(START + timedelta(days=30))
    expired = page.get(link)

    assert expired.status_code == 410
    assert "this link has expired" in expired.text
    assert "acme" not in expired.text


async def test_a_revoked_link_opens_nothing(page: httpx.Client, link: str, tenant: Tenant) -> None:
    assert tenant.client.delete("/v1/customers/cust-1/links").json() == {"revoked": 1}
    revoked = page.get(link)

    assert revoked.status_code == 410
    assert "no longer valid" in revoked.text
    assert "acme" not in revoked.text


def current(engine: Engine, tenant: Tenant) -> preferences.Preferences:
    with create_session_factory(engine)() as session:
        customer = session.query(Customer).filter_by(tenant_id=tenant.id).one()
        return preferences.read(session, tenant_id=tenant.id, customer_id=customer.id)


@pytest.mark.parametrize("token", [None, "", "forged", "x" * 22])
async def test_a_form_without_the_pages_token_is_refused_and_changes_nothing(
    page: httpx.Client, link: str, engine: Engine, tenant: Tenant, token: str | None
) -> None:
    form = {"off": "voice"} | ({} if token is None else {"csrf": token})
    refused = page.post(f"{link}/channels", data=form)

    assert refused.status_code == 403
    assert_private(refused)
    assert "acme" not in refused.text
    assert current(engine, tenant).channels_off == []


async def test_a_token_of_another_link_is_refused(
    page: httpx.Client, link: str, engine: Engine, tenant: Tenant
) -> None:
    other = link[:-1] + ("A" if link[-1] != "A" else "B")
    form = {"csrf": csrf_of(page.get(link).text), "off": "voice"}

    assert page.post(f"{other}/channels", data=form).status_code == 404
    assert current(engine, tenant).channels_off == []


async def test_a_saved_form_redirects_to_the_same_page_whatever_the_request_names(
    page: httpx.Client, link: str, engine: Engine, tenant: Tenant
) -> None:
    form = {
        "csrf": csrf_of(page.get(link).text),
        "lang": "en",
        "off": "voice",
        "preferred": "sms",
        "next": "https://evil.example/",
        "redirect": "//evil.example",
    }
    saved = page.post(
        f"{link}/channels",
        data=form,
        headers={"Referer": "https://evil.example/", "X-Forwarded-Host": "evil.example"},
    )

    assert saved.status_code == 303
    assert saved.headers["location"] == f"{link}?lang=en&done=channels"
    assert_private(saved)
    stored = current(engine, tenant)
    assert (stored.channels_off, stored.preferred) == (["voice"], ["sms"])
    shown = page.get(saved.headers["location"])
    assert "Saved." in shown.text


async def test_an_unknown_language_is_not_echoed_into_the_redirect(
    page: httpx.Client, link: str
) -> None:
    form = {"csrf": csrf_of(page.get(link).text), "lang": "//x", "off": "voice"}

    assert page.post(f"{link}/channels", data=form).headers["location"] == (f"{link}?done=channels")


async def test_an_invalid_time_window_changes_nothing_and_says_so(
    page: httpx.Client, link: str, engine: Engine, tenant: Tenant
) -> None:
    form = {"csrf": csrf_of(page.get(link).text), "weekday": "9", "start": "25:00", "end": "x"}
    answer = page.post(f"{link}/times", data=form)

    assert answer.headers["location"] == f"{link}?error=times"
    assert current(engine, tenant).inconvenient == []
    assert 'role="alert"' in page.get(answer.headers["location"]).text


async def test_an_inconvenient_window_is_saved_and_listed(
    page: httpx.Client, link: str, engine: Engine, tenant: Tenant
) -> None:
    csrf = csrf_of(page.get(link).text)
    form = {"csrf": csrf, "weekday": ["0", "2"], "start": "12:00", "end": "14:00"}
    page.post(f"{link}/times", data=form)

    [window] = current(engine, tenant).inconvenient
    assert window.model_dump(mode="json") == {"weekdays": [0, 2], "start": "12:00", "end": "14:00"}
    assert "周一、周三 12:00\u201314:00" in page.get(link).text


async def test_the_language_of_future_messages_is_saved(
    page: httpx.Client, link: str, engine: Engine, tenant: Tenant
) -> None:
    form = {"csrf": csrf_of(page.get(link).text), "locale": "en"}
    page.post(f"{link}/language", data=form)

    assert current(engine, tenant).locale == "en"
    assert '<html lang="en">' in page.get(link).text


async def test_a_link_and_a_client_are_each_limited(
    database_url: str,
    clock: FrozenClock,
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
) -> None:
    link_template(tenant)
    dispatcher = make_dispatcher()
    first = await sent_link(tenant, dispatcher, twilio)
    second = await sent_link(tenant, dispatcher, twilio, loan_ref="loan-2")
    settings = app_settings(
        database_url, manage_link_rate_per_minute=3, manage_client_rate_per_minute=6
    )
    app = create_app(settings, clock, app_providers(settings))
    with serving(app) as url, httpx.Client(base_url=url) as client:
        assert [client.get(first).status_code for _ in range(4)] == [200, 200, 200, 429]
        limited = client.get(first)
        assert int(limited.headers["retry-after"]) >= 1
        assert "请稍后再试" in limited.text
        assert "acme" not in limited.text
        assert client.get(second).status_code == 200  # another link, the same client
        assert client.get(second).status_code == 429  # the client's six are spent
        clock.advance(timedelta(minutes=1))
        assert client.get(first).status_code == 200


async def test_a_hardship_request_with_a_reason_not_offered_changes_nothing(
    page: httpx.Client, link: str, tenant: Tenant
) -> None:
    put_plan(tenant)
    enrol(tenant, loan_ref="loan-plan")
    form = {"csrf": csrf_of(page.get(link).text), "reason": "bored", "callback": "evening"}
    answer = page.post(f"{link}/hardship", data=form)

    assert answer.headers["location"] == f"{link}?error=hardship"
    assert tenant.client.get("/v1/enrollments/loan-plan").json()["status"] == "active"


async def test_the_page_runs_no_script_and_sends_none(page: httpx.Client, link: str) -> None:
    shown = page.get(link)

    assert "<script" not in shown.text
    policy = shown.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy
