"""The ops dashboard over HTTP: signing in, the session's safety, and what each page shows."""

import html
import re
import uuid
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.main import create_app
from app.ops import endpoints
from app.ops.session import SESSION_COOKIE, SIGN_IN_COOKIE
from app.reminders.models import DeliveryAttempt, Reminder
from app.tenants import service as tenants
from app.tenants.service import Scope
from tests.conftest import START, Tenant, app_providers, app_settings
from tests.factories import customer, reminder
from tests.helpers.ops import Send, SignIn, csrf_token, issue_key, sign_in
from tests.servers import serving

pytestmark = pytest.mark.anyio
NEXT_PAGE = re.compile(r'href="(/ops/deliveries\?[^"]+)" rel="next"')


def test_a_key_with_deliveries_read_signs_in_and_reaches_the_delivery_log(
    browser: httpx.Client, tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    assert browser.get("/ops/deliveries").headers["location"] == "/ops/login"
    signed_in = sign_in(browser, issue_key(db, clock, tenant, Scope.DELIVERIES_READ))
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/ops/deliveries")
    page = browser.get("/ops/deliveries")
    assert page.status_code == 200
    assert "Delivery log" in page.text


@pytest.mark.parametrize(
    ("scopes", "status", "message"),
    [
        ((Scope.REMINDERS_READ, Scope.PII_READ), 403, "lacks the deliveries:read scope"),
        (None, 401, "unknown or revoked"),
    ],
)
def test_sign_in_is_refused_for_a_bad_key_or_one_without_deliveries_read(
    browser: httpx.Client,
    tenant: Tenant,
    db: Session,
    clock: FrozenClock,
    scopes: tuple[Scope, ...] | None,
    status: int,
    message: str,
) -> None:
    secret = "nudge_not-a-key" if scopes is None else issue_key(db, clock, tenant, *scopes)
    refused = sign_in(browser, secret)
    assert refused.status_code == status
    assert message in refused.text
    assert SESSION_COOKIE not in browser.cookies
    assert browser.get("/ops/deliveries").status_code == 303


def test_an_admin_key_implies_deliveries_read(browser: httpx.Client, tenant: Tenant) -> None:
    secret = tenant.client.headers["Authorization"].removeprefix("Bearer ")
    assert sign_in(browser, secret).status_code == 303


def test_the_session_cookie_is_http_only_same_site_strict_and_never_holds_the_key(
    browser: httpx.Client, tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    secret = issue_key(db, clock, tenant, Scope.DELIVERIES_READ)
    response = sign_in(browser, secret)
    [cookie] = [
        header
        for header in response.headers.get_list("set-cookie")
        if header.startswith(f"{SESSION_COOKIE}=")
    ]
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=strict", "path=/ops"} <= flags
    assert "secure" not in flags  # the test server's public URL is plain http
    assert secret not in cookie
    assert secret.removeprefix("nudge_") not in cookie


def test_the_session_cookie_is_secure_when_the_public_url_is_https(
    database_url: str, clock: FrozenClock, tenant: Tenant
) -> None:
    settings = app_settings(database_url, public_url="https://nudge.example")
    app = create_app(settings, clock, app_providers(settings))
    with serving(app) as url, httpx.Client(base_url=url) as client:
        secret = tenant.client.headers["Authorization"].removeprefix("Bearer ")
        form = client.get("/ops/login")
        assert "secure" in form.headers["set-cookie"].lower()
        response = client.post(
            "/ops/login",
            data={"api_key": secret, "csrf": csrf_token(form)},
            headers={"Cookie": f"{SIGN_IN_COOKIE}={form.cookies[SIGN_IN_COOKIE]}"},
        )
        session_cookie = next(
            h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
        )
        assert "secure" in session_cookie.lower()


def test_a_cross_site_sign_in_post_without_the_csrf_token_is_refused(
    browser: httpx.Client, tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    secret = issue_key(db, clock, tenant, Scope.DELIVERIES_READ)
    forged = browser.post("/ops/login", data={"api_key": secret})
    assert forged.status_code == 403
    browser.get("/ops/login")  # the cookie alone, without the page's token, is not enough
    forged = browser.post("/ops/login", data={"api_key": secret, "csrf": "guessed"})
    assert forged.status_code == 403
    assert SESSION_COOKIE not in browser.cookies


def test_a_cross_site_sign_out_without_the_csrf_token_is_refused(signed_in: SignIn) -> None:
    browser = signed_in(Scope.DELIVERIES_READ)
    assert browser.post("/ops/logout", data={}).status_code == 403
    assert browser.get("/ops/deliveries").status_code == 200
    token = csrf_token(browser.get("/ops/deliveries"))
    assert browser.post("/ops/logout", data={"csrf": token}).status_code == 303
    assert browser.get("/ops/deliveries").status_code == 303


def test_revoking_the_key_ends_its_dashboard_session_at_once(
    browser: httpx.Client, tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    secret = issue_key(db, clock, tenant, Scope.DELIVERIES_READ)
    sign_in(browser, secret)
    assert browser.get("/ops/deliveries").status_code == 200
    key = tenants.find_active_key(db, secret)
    assert key is not None
    tenants.revoke_key(db, key_id=key.id, clock=clock)
    db.commit()
    assert browser.get("/ops/deliveries").headers["location"] == "/ops/login"


def test_a_tampered_session_cookie_is_not_a_session(signed_in: SignIn) -> None:
    browser = signed_in(Scope.DELIVERIES_READ)
    value = browser.cookies[SESSION_COOKIE]
    browser.cookies.clear()
    browser.cookies.set(SESSION_COOKIE, "x" + value, path="/ops")
    assert browser.get("/ops/deliveries").status_code == 303


@pytest.mark.parametrize("cookie", [SESSION_COOKIE, SIGN_IN_COOKIE])
def test_a_cookie_that_is_not_ascii_is_no_session_and_no_sign_in(
    browser: httpx.Client, tenant: Tenant, db: Session, clock: FrozenClock, cookie: str
) -> None:
    """Browsers send whatever bytes a cookie holds; a mangled one is simply not ours."""
    secret = issue_key(db, clock, tenant, Scope.DELIVERIES_READ)
    token = csrf_token(browser.get("/ops/login"))
    header = {"Cookie": f"{cookie}=e30.{'é' * 64}".encode("latin-1")}
    page = browser.get("/ops/deliveries", headers=header)
    assert (page.status_code, page.headers["location"]) == (303, "/ops/login")
    signing_in = browser.post("/ops/login", data={"api_key": secret, "csrf": token}, headers=header)
    assert signing_in.status_code == 403
    assert SESSION_COOKIE not in browser.cookies


def test_a_csrf_field_that_is_not_ascii_is_refused(
    signed_in: SignIn, browser: httpx.Client, tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    browser.get("/ops/login")
    secret = issue_key(db, clock, tenant, Scope.DELIVERIES_READ)
    refused = browser.post("/ops/login", data={"api_key": secret, "csrf": "é" * 32})
    assert refused.status_code == 403
    signed_in(Scope.DELIVERIES_READ)
    assert browser.post("/ops/logout", data={"csrf": "令牌"}).status_code == 403
    assert browser.get("/ops/deliveries").status_code == 200


async def test_another_tenants_reminder_is_not_found(
    signed_in: SignIn,
    send: Send,
    new_tenant,  # type: ignore[no-untyped-def]
) -> None:
    [their_reminder] = await send(new_tenant("theirs"), {})
    browser = signed_in(Scope.DELIVERIES_READ)
    assert browser.get(f"/ops/reminders/{their_reminder}").status_code == 404
    assert browser.get(f"/ops/reminders/{uuid.uuid4()}").status_code == 404
    assert "cust-1" not in browser.get("/ops/deliveries").text


async def test_the_delivery_log_filters_and_links_each_attempt_to_its_timeline(
    signed_in: SignIn, send: Send, tenant: Tenant
) -> None:
    first, second = await send(
        tenant,
        {"customer": customer(ref="cust-a"), "channels": ["sms"]},
        {"customer": customer(ref="cust-b", phone="+8613900001111"), "channels": ["voice"]},
    )
    browser = signed_in(Scope.DELIVERIES_READ)
    voice = browser.get("/ops/deliveries", params={"channel": "voice"}).text
    assert "cust-b" in voice
    assert "cust-a" not in voice
    assert f"/ops/reminders/{second}" in voice
    by_customer = browser.get("/ops/deliveries", params={"customer_ref": "cust-a"}).text
    assert f"/ops/reminders/{first}" in by_customer
    assert "cust-b" not in by_customer
    later = (START + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert "Nothing matches." in browser.get("/ops/deliveries", params={"since": later}).text
    timeline = browser.get(f"/ops/reminders/{first}").text
    assert "accepted" in timeline
    assert "twilio_sms" in timeline
    assert "1,234.50" in timeline


async def test_the_delivery_log_pages_newest_first(
    signed_in: SignIn,
    send: Send,
    tenant: Tenant,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refs = [f"cust-{n:02}" for n in range(3)]
    for ref in refs:
        await send(tenant, {"customer": customer(ref=ref)})
        clock.advance(timedelta(seconds=1))
    monkeypatch.setattr(endpoints, "PAGE_SIZE", 2)  # the server runs in this process
    browser = signed_in(Scope.DELIVERIES_READ)
    pages: list[list[str]] = []
    url: str | None = "/ops/deliveries"
    while url:
        page = browser.get(url).text
        pages.append([ref for ref in reversed(refs) if f"<td>{ref}</td>" in page])
        found = NEXT_PAGE.search(page)
        url = html.unescape(found.group(1)) if found else None
    assert pages == [["cust-02", "cust-01"], ["cust-00"]]


@pytest.mark.parametrize(
    ("accept_language", "heading"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "发送记录"),
        ("en-GB,en;q=0.9", "Delivery log"),
        ("fr", "Delivery log"),
    ],
)
def test_the_browsers_language_picks_chinese_or_english(
    signed_in: SignIn, accept_language: str, heading: str
) -> None:
    browser = signed_in(Scope.DELIVERIES_READ)
    page = browser.get("/ops/deliveries", headers={"Accept-Language": accept_language})
    assert f"<h1>{heading}</h1>" in page.text
    login = browser.get("/ops/login", headers={"Accept-Language": accept_language})
    assert ("登录" in login.text) == heading.startswith("发")


@pytest.mark.parametrize(
    ("scopes", "shown", "hidden"),
    [
        ((Scope.DELIVERIES_READ,), "+86 139****1111", "+8613900001111"),
        ((Scope.DELIVERIES_READ, Scope.PII_READ), "+8613900001111", "****"),
    ],
)
async def test_contact_details_are_masked_without_pii_read(
    signed_in: SignIn,
    send: Send,
    tenant: Tenant,
    scopes: tuple[Scope, ...],
    shown: str,
    hidden: str,
) -> None:
    [reminder_id] = await send(tenant, {"customer": customer(phone="+8613900001111")})
    browser = signed_in(*scopes)
    log = browser.get("/ops/deliveries").text
    timeline = browser.get(f"/ops/reminders/{reminder_id}").text
    for page in (log, timeline):
        assert shown in page
        assert hidden not in page
    masked_email = "w***@example.com"
    assert (masked_email in timeline) == (Scope.PII_READ not in scopes)


async def test_the_chart_draws_each_days_sends_and_delivery_rate_per_channel(
    signed_in: SignIn, send: Send, tenant: Tenant, db: Session
) -> None:
    [reminder_id] = await send(tenant, {"channels": ["sms"]})
    sent = db.scalars(sa.select(DeliveryAttempt)).one()
    today = START.date().isoformat()
    two_days_ago = (START - timedelta(days=2)).date().isoformat()
    history = [
        (timedelta(days=2), "sms", "delivered"),
        (timedelta(days=2), "sms", "undelivered"),
        (timedelta(days=2), "sms", "sent"),
        (timedelta(days=2, hours=1), "voice", "answered"),
        (timedelta(days=20), "sms", "delivered"),  # outside the 14 days
    ]
    for ago, channel, status in history:
        db.add(
            DeliveryAttempt(
                tenant_id=tenant.id,
                reminder_id=uuid.UUID(reminder_id),
                customer_id=sent.customer_id,
                channel=channel,
                provider="twilio",
                status=status,
                started_at=START - ago,
            )
        )
    db.commit()
    page = signed_in(Scope.DELIVERIES_READ).get("/ops/chart").text
    assert '<svg id="chart-sms"' in page
    assert '<svg id="chart-voice"' in page
    assert f'data-day="{today}" data-sends="1"' in page  # the one the dispatcher sent
    assert f'data-day="{two_days_ago}" data-sends="3"' in page
    assert f"{two_days_ago}: Sends 3, Delivery rate 50%" in page  # sent is not final yet
    assert f"{two_days_ago}: Sends 1, Delivery rate 100%" in page  # the answered call
    assert page.count("<rect") == 28  # 14 days, two channels
    assert db.scalar(sa.select(sa.func.count()).select_from(Reminder)) == 1


def test_the_backlog_counts_pending_reminders_by_when_they_are_due(
    signed_in: SignIn, tenant: Tenant
) -> None:
    for offset in (timedelta(hours=-3), timedelta(minutes=-5), timedelta(hours=5)):
        response = tenant.client.post(
            "/v1/reminders",
            json={
                **reminder(),
                "send_at": (START + offset).isoformat(),
                "loan_ref": f"loan-{offset}",
            },
        )
        assert response.status_code == 202, response.text
    page = signed_in(Scope.DELIVERIES_READ).get("/ops/backlog").text
    row = page.split("<th>scheduled</th>")[1].split("</tr>")[0]
    assert [cell.split(">")[1].split("<")[0] for cell in row.split("<td")[1:]] == [
        "1",
        "1",
        "0",
        "1",
        "0",
    ]
    assert "(180 min ago)" in page


def test_a_bad_time_or_cursor_in_the_log_filter_is_a_422_naming_the_field(
    signed_in: SignIn,
) -> None:
    browser = signed_in(Scope.DELIVERIES_READ)
    for params, field in (
        ({"since": "yesterday"}, "query.since"),
        ({"since": "9999-12-31T23:59:59-14:00"}, "query.since"),
        ({"until": "9999-12-31T23:59"}, "query.until"),
        ({"until": "0001-01-01T00:00"}, "query.until"),
        ({"cursor": "x"}, "query.cursor"),
    ):
        response = browser.get("/ops/deliveries", params=params)
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == [field]


def test_a_session_ends_after_twelve_hours(signed_in: SignIn, clock: FrozenClock) -> None:
    browser = signed_in(Scope.DELIVERIES_READ)
    clock.advance(timedelta(hours=11, minutes=59))
    assert browser.get("/ops/backlog").status_code == 200
    clock.advance(timedelta(minutes=1))
    assert browser.get("/ops/backlog").headers["location"] == "/ops/login"
