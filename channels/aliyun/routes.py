"""Aliyun's HTTP batch push into Nudge, for one tenant per URL (see the package docstring).

`POST /v1/webhooks/aliyun/{tenant id}/{token}/report` takes `SmsReport` arrays and `.../up`
`SmsUp` arrays. The token is checked first, against the tenant's own AccessKey secret; then
every report must be about a message of that tenant (or one Nudge did not send, which is
ignored) before any is recorded, so a refused push changes nothing.
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from starlette.concurrency import run_in_threadpool

from channels.aliyun.push import (
    ACKNOWLEDGED,
    MAX_ITEMS,
    SmsReport,
    SmsUp,
    e164,
    token_matches,
)
from channels.aliyun.settings import AliyunAccount
from channels.plugin import CallbackRefused, Host, InboundText, StatusReport

TenantId = Annotated[uuid.UUID, Path(description="The tenant the push URL was made for.")]
Token = Annotated[str, Path(max_length=128, description="The push URL's token.")]


def verified(host: Host, tenant_id: uuid.UUID, token: str) -> AliyunAccount:
    """The tenant's account, once the URL's token is the one its AccessKey secret makes."""
    account = host.accounts().get(tenant_id)
    if not (
        isinstance(account, AliyunAccount)
        and token_matches(token, tenant_id=str(tenant_id), access_key_secret=account.secret())
    ):
        raise CallbackRefused("the push URL's token is not this tenant's")
    return account


def status_of(report: SmsReport) -> StatusReport:
    return StatusReport(
        provider_message_id=report.biz_id,
        provider_status=report.err_code or report.status,
        status=report.status,
        error_code=None if report.success else report.err_code,
        error_message=None if report.success else report.err_msg,
        reference=report.out_id or None,
        to=e164(report.phone_number),
    )


def owned(host: Host, account: AliyunAccount, reports: list[SmsReport]) -> list[SmsReport]:
    """The reports about this account's messages; refused whole when one is about another
    tenant's (BizIds are unique only within one Aliyun account, so the owner decides)."""
    kept = []
    for report in reports:
        owner = host.account_of_message(report.biz_id, report.out_id or None)
        if owner is None:
            continue  # not a message Nudge sent: the lender's other systems share the account
        if owner != account:
            raise CallbackRefused(f"report {report.biz_id} is about another tenant's message")
        kept.append(report)
    return kept


def router(host: Host) -> APIRouter:
    routes = APIRouter(prefix="/{tenant_id}/{token}", tags=["webhooks"])

    @routes.post(
        "/report",
        summary="Aliyun SMS status reports (HTTP batch push, SmsReport)",
        description="A JSON array of Aliyun's status reports for the tenant's messages. Each "
        "moves its delivery attempt forward (delivered, or undelivered with Aliyun's "
        "`err_code`); repeated and late reports change nothing, reports on messages Nudge did "
        "not send are ignored. A report on another tenant's message refuses the whole push. "
        'Answers Aliyun\'s `{"code": 0, "msg": "接收成功"}`.',
    )
    async def status_reports(
        tenant_id: TenantId,
        token: Token,
        reports: Annotated[list[SmsReport], Body(max_length=MAX_ITEMS)],
    ) -> dict[str, Any]:
        account = await run_in_threadpool(verified, host, tenant_id, token)
        for report in await run_in_threadpool(owned, host, account, reports):
            await run_in_threadpool(host.record_status, status_of(report))
        return ACKNOWLEDGED

    @routes.post(
        "/up",
        summary="Aliyun SMS replies (HTTP batch push, SmsUp)",
        description="A JSON array of texts customers sent to the tenant's signature. 退订, TD "
        "and the other opt-out keywords opt the phone out of the tenant's SMS; START opts it "
        "back in; anything else is kept on the customer's timeline. Each `sequence_id` acts "
        'once. Answers Aliyun\'s `{"code": 0, "msg": "接收成功"}`; nothing is texted back '
        "(Aliyun sends only approved templates).",
    )
    async def replies(
        tenant_id: TenantId,
        token: Token,
        texts: Annotated[list[SmsUp], Body(max_length=MAX_ITEMS)],
    ) -> dict[str, Any]:
        await run_in_threadpool(verified, host, tenant_id, token)
        for text in texts:
            phone = e164(text.phone_number)
            received = InboundText(
                from_phone=phone,
                to=text.sign_name,
                body=text.content,
                provider_message_id=f"{tenant_id}/{text.sequence_id}",
                owner=tenant_id,
            )
            await run_in_threadpool(host.receive_text, received)
        return ACKNOWLEDGED

    return routes
