"""Texts from customers: STOP and START keywords change the opt-out registry, HELP answers,
anything else lands on the customer's timeline."""

# ruff: noqa: RUF001  (full-width letters are what these tests are about)

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.models.inbound import InboundMessage, InboundReceipt
from app.models.optouts import OptOut
from tests.conftest import DispatcherFactory, Server, Tenant, count
from tests.factories import customer
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.api import read, submit
from tests.helpers.twilio import INBOUND_PATH, post_signed, signature

pytestmark = pytest.mark.anyio

PHONE = "+8613812345678"
UNKNOWN = "+8613900000000"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'

STOP_WORDS = [
    "STOP",
    "stop",
    "  Stop  ",
    "S T O P",
    "ＳＴＯＰ",
    "ｓｔｏｐ",
    "STOPALL",
    "StopAll",
    "UNSUBSCRIBE",
    "unsubscribe",
    "CANCEL",
    "cancel",
    "END",
    "End",
    "QUIT",
    "quit",
    "REVOKE",
    "revoke",
    "OPTOUT",
    "opt out",
    "退订",
    " 退 订 ",
    "TD",
    "td",
    " T d ",
    "ＴＤ",
    "Ｔ　Ｄ",
    "T",
    "t",
    "ｔ",
    "退订。",
    "TD退订",
    "退订，别再发了",
    "退订了",
    "请帮我退订",
    " Stop. ",
    "STOP!",
    "ＳＴＯＰ！",
    "“Stop”",
    "\u200bSTOP\u200b",
    "td。",
]
START_WORDS = [
    "START",
    "start",
    " Start ",
    "ＳＴＡＲＴ",
    "YES",
    "yes",
    "Ｙｅｓ",
    "UNSTOP",
    "un stop",
]
NOT_KEYWORDS = [
    "STOP please",
    "don't stop helping me",
    "Please don't stop.",
    "stopp",
    "TDD",
    "yes I paid",
    "已还款，谢谢",
    "",
    "!!!",
]


def text(
    anonymous: httpx.Client, body: str, *, sid: str = "SMin0001", from_phone: str = PHONE
) -> httpx.Response:
    form = {"From": from_phone, "To": "+15005550006", "Body": body, "MessageSid": sid}
    response = post_signed(anonymous, INBOUND_PATH, form)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return response


def sms_opt_outs(db: Session) -> list[tuple[Any, ...]]:
    db.rollback()
    return [
        (row.tenant_id, row.phone, row.channel, row.source)
        for row in db.scalars(sa.select(OptOut).where(OptOut.phone.is_not(None)))
    ]


@pytest.mark.parametrize("word", STOP_WORDS)
def test_every_stop_keyword_opts_the_number_out_of_sms(
    tenant: Tenant, anonymous: httpx.Client, db: Session, word: str
) -> None:
    submit(tenant)
    answer = text(anonymous, word)
    assert "您已退订" in answer.text
    assert sms_opt_outs(db) == [(tenant.id, PHONE, "sms", "inbound_stop")]
    assert count(db, InboundMessage) == 0


@pytest.mark.parametrize("word", START_WORDS)
def test_every_start_keyword_opts_the_number_back_in(
    tenant: Tenant, anonymous: httpx.Client, db: Session, word: str
) -> None:
    submit(tenant)
    text(anonymous, "STOP", sid="SMin0001")
    answer = text(anonymous, word, sid="SMin0002")
    assert "您已恢复接收短信提醒" in answer.text
    assert sms_opt_outs(db) == []


@pytest.mark.parametrize("body", NOT_KEYWORDS)
def test_a_text_that_merely_contains_a_keyword_is_kept_as_a_reply(
    tenant: Tenant, anonymous: httpx.Client, db: Session, body: str
) -> None:
    submit(tenant)
    assert text(anonymous, body).text == EMPTY_TWIML
    assert sms_opt_outs(db) == []
    assert count(db, InboundMessage) == 1


def test_stop_twice_keeps_one_opt_out(tenant: Tenant, anonymous: httpx.Client, db: Session) -> None:
    submit(tenant)
    text(anonymous, "STOP", sid="SMin0001")
    text(anonymous, "TD", sid="SMin0002")
    assert len(sms_opt_outs(db)) == 1


def test_start_leaves_an_opt_out_ops_registered_for_the_customer(
    tenant: Tenant, anonymous: httpx.Client, db: Session
) -> None:
    submit(tenant)
    ops = tenant.client.post("/v1/opt-outs", json={"customer_ref": "cust-1", "channel": "all"})
    assert ops.status_code in (200, 201), ops.text
    text(anonymous, "STOP", sid="SMin0001")
    text(anonymous, "START", sid="SMin0002")
    db.rollback()
    [kept] = db.scalars(sa.select(OptOut)).all()
    assert (kept.channel, kept.source, kept.phone) == ("all", "api", None)


def test_an_english_speaking_customer_is_answered_in_english(
    tenant: Tenant, anonymous: httpx.Client
) -> None:
    submit(tenant, customer=customer(locale="en-US"))
    assert "you are unsubscribed" in text(anonymous, "stop", sid="SMin0001").text
    assert "you are resubscribed" in text(anonymous, "start", sid="SMin0002").text


def test_help_answers_with_the_tenants_name_and_help_line_as_dialled_at_home(
    tenant: Tenant, anonymous: httpx.Client, db: Session
) -> None:
    settings = {"display_name": "Sunny Loans", "help_phone": "+864001234567"}
    assert tenant.client.put("/v1/tenant", json=settings).status_code == 200
    submit(tenant, customer=customer(locale="en-US"))
    answer = text(anonymous, " help ")
    assert "Sunny Loans: for help call 400 123 4567. Reply STOP to unsubscribe." in answer.text
    assert sms_opt_outs(db) == []
    assert count(db, InboundMessage) == 0


def test_help_in_chinese_names_the_help_line(tenant: Tenant, anonymous: httpx.Client) -> None:
    settings = {"display_name": "阳光小贷", "help_phone": "+864001234567"}
    assert tenant.client.put("/v1/tenant", json=settings).status_code == 200
    submit(tenant)
    assert (
        "【阳光小贷】如需帮助，请致电400 123 4567。回复TD退订。" in text(anonymous, "ＨＥＬＰ").text
    )


def test_another_reply_is_stored_once_and_shown_on_the_latest_reminders_timeline(
    tenant: Tenant, anonymous: httpx.Client, db: Session, clock: FrozenClock
) -> None:
    submit(tenant, loan_ref="loan-1")
    clock.advance(timedelta(minutes=1))
    latest = submit(tenant, loan_ref="loan-2")
    for _ in range(2):  # Twilio posting the same message again
        assert text(anonymous, "I paid yesterday", sid="SMreply1").text == EMPTY_TWIML
    db.rollback()
    [stored] = db.scalars(sa.select(InboundMessage)).all()
    assert (stored.tenant_id, stored.from_phone, stored.body, stored.provider_message_id) == (
        tenant.id,
        PHONE,
        "I paid yesterday",
        "SMreply1",
    )
    event = read(tenant, latest)["events"][-1]
    assert event["kind"] == "reply"
    assert event["detail"] == {
        "inbound_message_id": str(stored.id),
        "provider_message_id": "SMreply1",
    }
    assert "paid" not in str(event)


@pytest.mark.parametrize("word", ["STOP", "退订。", "TD退订"])
def test_a_stop_from_an_unknown_number_opts_it_out_of_every_tenant_sharing_the_sender(
    new_tenant: Any, anonymous: httpx.Client, db: Session, word: str
) -> None:
    first, second = new_tenant("first"), new_tenant("second")
    submit(first)
    answer = text(anonymous, word, from_phone=UNKNOWN)
    assert answer.text == EMPTY_TWIML
    assert sorted(sms_opt_outs(db), key=str) == sorted(
        [(t.id, UNKNOWN, "sms", "inbound_stop") for t in (first, second)], key=str
    )
    listed = second.client.get("/v1/opt-outs", params={"phone": UNKNOWN}).json()["items"]
    assert [(o["channel"], o["source"]) for o in listed] == [("sms", "inbound_stop")]


def test_other_texts_from_an_unknown_number_are_dropped(
    tenant: Tenant, anonymous: httpx.Client, db: Session
) -> None:
    submit(tenant)
    for n, word in enumerate(("HELP", "START", "hello")):
        answer = text(anonymous, word, sid=f"SMin000{n}", from_phone=UNKNOWN)
        assert answer.text == EMPTY_TWIML
    assert count(db, OptOut) == 0
    assert count(db, InboundMessage) == 0


async def test_after_a_stop_from_an_unknown_number_a_new_customer_with_it_is_not_texted(
    tenant: Tenant, anonymous: httpx.Client, make_dispatcher: DispatcherFactory, twilio: FakeTwilio
) -> None:
    text(anonymous, "退订，别再发了", from_phone=UNKNOWN)
    texted = submit(tenant, customer=customer(ref="later", phone=UNKNOWN), channels=["sms"])
    emailed = submit(
        tenant, customer=customer(ref="later-too", phone=UNKNOWN), channels=["sms", "email"]
    )
    await make_dispatcher().run_once()
    assert read(tenant, texted)["status"] == "suppressed"
    assert read(tenant, texted)["events"][-1]["reason"] == "OPTED_OUT"
    assert [a["channel"] for a in read(tenant, emailed)["attempts"]] == ["email"]
    assert twilio.received == []


def test_an_unsigned_stop_is_refused_and_opts_nobody_out(
    tenant: Tenant, anonymous: httpx.Client, db: Session
) -> None:
    submit(tenant)
    form = {"From": PHONE, "Body": "STOP", "MessageSid": "SMin0001"}
    forged = signature(INBOUND_PATH, form, token="not-the-token")
    for headers in ({}, {"X-Twilio-Signature": forged}):
        response = anonymous.post(INBOUND_PATH, data=form, headers=headers)
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
    assert count(db, OptOut) == 0


async def test_stop_answers_the_tenant_that_last_texted_the_number(
    new_tenant: Any,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    anonymous: httpx.Client,
    db: Session,
    clock: FrozenClock,
) -> None:
    earlier, later = new_tenant("earlier"), new_tenant("later")
    dispatcher = make_dispatcher()
    submit(earlier, channels=["sms"])
    await dispatcher.run_once()
    clock.advance(timedelta(minutes=5))
    submit(later, channels=["sms"])
    await dispatcher.run_once()
    text(anonymous, "STOP")
    assert sms_opt_outs(db) == [(later.id, PHONE, "sms", "inbound_stop")]


async def test_after_stop_the_next_sms_is_suppressed_and_after_start_it_is_sent(
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    anonymous: httpx.Client,
    clock: FrozenClock,
) -> None:
    dispatcher = make_dispatcher()
    text_before = submit(tenant, channels=["sms"], loan_ref="loan-1")
    await dispatcher.run_once()
    assert read(tenant, text_before)["status"] == "sent"

    text(anonymous, "ｓｔｏｐ", sid="SMin0001")
    clock.advance(timedelta(hours=1))
    suppressed = submit(tenant, channels=["sms"], loan_ref="loan-2")
    await dispatcher.run_once()
    body = read(tenant, suppressed)
    assert (body["status"], body["events"][-1]["reason"]) == ("suppressed", "OPTED_OUT")
    assert len(twilio.received) == 1

    text(anonymous, " Start ", sid="SMin0002")
    clock.advance(timedelta(hours=1))
    sent_again = submit(tenant, channels=["sms"], loan_ref="loan-3")
    await dispatcher.run_once()
    assert read(tenant, sent_again)["status"] == "sent"
    assert len(twilio.received) == 2


def replies_on_timeline(tenant: Tenant, reminder_id: str) -> int:
    return sum(event["kind"] == "reply" for event in read(tenant, reminder_id)["events"])


def test_a_replayed_start_after_a_stop_changes_nothing(
    tenant: Tenant, anonymous: httpx.Client, db: Session
) -> None:
    """A signed START captured and posted again must not re-subscribe a customer who has since
    texted STOP: the signature has no timestamp, so the message id is what makes it a replay."""
    submit(tenant)
    text(anonymous, "STOP", sid="SMin0001")
    first = text(anonymous, "START", sid="SMin0002")
    text(anonymous, "STOP", sid="SMin0003")
    replayed = text(anonymous, "START", sid="SMin0002")
    assert replayed.text == first.text
    assert sms_opt_outs(db) == [(tenant.id, PHONE, "sms", "inbound_stop")]


def test_a_replayed_stop_after_a_start_changes_nothing(
    tenant: Tenant, anonymous: httpx.Client, db: Session
) -> None:
    submit(tenant)
    first = text(anonymous, "STOP", sid="SMin0001")
    text(anonymous, "START", sid="SMin0002")
    assert text(anonymous, "STOP", sid="SMin0001").text == first.text
    assert sms_opt_outs(db) == []


REPLAYED = ["STOP", "START", "HELP", "I paid yesterday"]


def state(tenant: Tenant, reminder_id: str, db: Session) -> tuple[Any, ...]:
    """Everything an inbound text can change."""
    return (
        sms_opt_outs(db),
        count(db, InboundMessage),
        count(db, InboundReceipt),
        replies_on_timeline(tenant, reminder_id),
    )


@pytest.mark.parametrize("body", REPLAYED)
def test_each_keyword_replayed_is_answered_as_the_first_time_and_acts_once(
    tenant: Tenant, anonymous: httpx.Client, db: Session, body: str
) -> None:
    settings = {"display_name": "Sunny Loans", "help_phone": "+864001234567"}
    assert tenant.client.put("/v1/tenant", json=settings).status_code == 200
    reminder_id = submit(tenant, customer=customer(locale="en-US"))
    first = text(anonymous, body, sid="SMin0001")
    after_first = state(tenant, reminder_id, db)
    assert after_first[2] == 1
    for _ in range(3):
        assert text(anonymous, body, sid="SMin0001").text == first.text
        assert state(tenant, reminder_id, db) == after_first


@pytest.mark.parametrize("body", REPLAYED)
def test_concurrent_posts_of_one_message_act_once_and_get_one_answer(
    tenant: Tenant, server: Server, db: Session, body: str
) -> None:
    """Eight posts of one message id at once: the first to write its receipt acts, the others
    wait for it and answer alike (without the receipt a reply 500s on its unique id and two
    STOPs may both find no opt-out and add one each)."""
    reminder_id = submit(tenant, customer=customer(locale="en-US"))
    if body == "START":
        with httpx.Client(base_url=server.url, timeout=60) as client:
            text(client, "STOP", sid="SMin0000")
    threads = 8
    ready = threading.Barrier(threads)

    def post(_: int) -> httpx.Response:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            client.get("/healthz")  # connected before the race starts
            ready.wait()
            return text(client, body, sid="SMin0001")

    with ThreadPoolExecutor(threads) as pool:
        answers = {response.text for response in pool.map(post, range(threads))}
    assert len(answers) == 1
    opt_outs, stored, receipts, replies = state(tenant, reminder_id, db)
    assert len(opt_outs) == (1 if body == "STOP" else 0)
    assert receipts == (2 if body == "START" else 1)
    assert (stored, replies) == ((1, 1) if body == "I paid yesterday" else (0, 0))
