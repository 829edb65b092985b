"""Aliyun's HTTP batch push into Nudge: status reports and customers' replies for one tenant.

Aliyun signs nothing it pushes, so each tenant's push URLs carry a token keyed with its own
AccessKey secret (channels/aliyun/push.py): a post whose token is not the named tenant's is
refused before its body is read. A report then applies only to an attempt of that tenant;
one about another tenant's message refuses the whole post (403) and nothing of it is applied,
so a lender that learned its own token cannot move another lender's deliveries. Reports move
attempts forward only (app/deliveries/callbacks.py) and a reply acts once per Aliyun
`sequence_id`, so a repeated push, which Aliyun says can happen, changes nothing.
"""

import logging
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path

from app.accounts import service as accounts
from app.accounts.vault import VaultDep
from app.clock import ClockDep
from app.db import SessionDep
from app.deliveries import callbacks, inbound, queries
from app.errors import NudgeError, problem_responses
from app.masking import mask_phone
from channels.aliyun.adapter import AliyunSmsAdapter
from channels.aliyun.push import ACKNOWLEDGED, MAX_ITEMS, SmsReport, SmsUp, e164, token_matches

logger = logging.getLogger(__name__)

PROVIDER = AliyunSmsAdapter.name


class NotThisTenants(NudgeError):
    status, slug, title = 403, "bad-push-token", "Not a push URL of this tenant's, or its message"


def verified_tenant(
    tenant_id: Annotated[uuid.UUID, Path(description="The tenant the push URL was made for.")],
    token: Annotated[str, Path(max_length=128, description="The push URL's token.")],
    session: SessionDep,
    vault: VaultDep,
) -> uuid.UUID:
    """The tenant, once the URL's token is the one made with its AccessKey secret."""
    secret = accounts.aliyun_secret(session, tenant_id=tenant_id, vault=vault)
    if secret is None or not token_matches(
        token, tenant_id=str(tenant_id), access_key_secret=secret
    ):
        raise NotThisTenants("the push URL's token is not this tenant's")
    return tenant_id


PushTenant = Annotated[uuid.UUID, Depends(verified_tenant)]

router = APIRouter(prefix="/v1/webhooks/aliyun/{tenant_id}/{token}", tags=["webhooks"])


@router.post(
    "/report",
    summary="Aliyun SMS status reports (HTTP batch push, SmsReport)",
    description="A JSON array of Aliyun's status reports for the tenant's messages. Each "
    "moves its delivery attempt forward (delivered, or undelivered with Aliyun's `err_code`); "
    "repeated and late reports change nothing, reports on messages Nudge did not send are "
    "ignored. A report on another tenant's message refuses the whole push. Answers Aliyun's "
    '`{"code": 0, "msg": "接收成功"}`.',
    responses=problem_responses(403, 413, 422),
)
def status_reports(
    tenant_id: PushTenant,
    reports: Annotated[list[SmsReport], Body(max_length=MAX_ITEMS)],
    session: SessionDep,
    clock: ClockDep,
) -> dict[str, Any]:
    now = clock.now()
    for report in reports:
        attempts = queries.attempts_by_provider_id(
            session, provider=PROVIDER, provider_message_id=report.biz_id
        )
        own = [attempt for attempt in attempts if attempt.tenant_id == tenant_id]
        if attempts and not own:
            raise NotThisTenants(f"report {report.biz_id} is about another tenant's message")
        if not own:
            logger.info("Aliyun report on unknown message %s ignored", report.biz_id)
            continue
        status = callbacks.StatusReport(
            provider_message_id=report.biz_id,
            provider_status=report.err_code or str(report.status),
            status=report.status,
            error_code=None if report.success else report.err_code,
            error_message=None if report.success else report.err_msg,
            reference=report.out_id or None,
            to=e164(report.phone_number),
        )
        callbacks.apply_report(session, own[0], status, now=now)
    return ACKNOWLEDGED


@router.post(
    "/up",
    summary="Aliyun SMS replies (HTTP batch push, SmsUp)",
    description="A JSON array of texts customers sent to the tenant's signature. 退订, TD and "
    "the other opt-out keywords opt the phone out of the tenant's SMS; START opts it back "
    "in; anything else is kept on the customer's timeline. Each `sequence_id` acts once. "
    'Answers Aliyun\'s `{"code": 0, "msg": "接收成功"}`; no text is sent back (Aliyun sends '
    "only approved templates).",
    responses=problem_responses(403, 413, 422),
)
def replies(
    tenant_id: PushTenant,
    texts: Annotated[list[SmsUp], Body(max_length=MAX_ITEMS)],
    session: SessionDep,
    clock: ClockDep,
) -> dict[str, Any]:
    for text in texts:
        phone = e164(text.phone_number)
        received = inbound.Inbound(
            from_phone=phone,
            to_phone="",
            body=text.content,
            provider_message_id=f"{tenant_id}/{text.sequence_id}",
            provider=PROVIDER,
        )
        inbound.handle(session, inbound=received, clock=clock, tenant_ids=[tenant_id])
        logger.info("Aliyun reply from %s handled", mask_phone(phone))
    return ACKNOWLEDGED
