"""Step two of a dispatch round, outside any transaction: each claimed reminder rendered and
composed for every channel it might be sent on, each failure kept against its own channel.

A template is user code and may be slow or broken; here it holds no database lock and no
connection, and its exception fails nothing but that channel of that reminder.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from app.accounts import service as accounts
from app.accounts.vault import Vault
from app.borrower.links import ManageLinks
from app.dispatch.batch import Batch
from app.dispatch.compose import compose, text_of
from app.dispatch.failures import describe, render_reason
from app.models.reasons import DispatchReason
from app.optouts.links import UnsubscribeLinks
from app.templates.budget import RenderBudget
from app.templates.service import render_for_reminders
from channels.base import Channel, Message
from channels.registry import NoAdapter, Registry


@dataclass(frozen=True)
class Draft:
    """A message ready for the provider, and the words the delivery record keeps."""

    message: Message
    provider: str
    """The adapter that sends it: the one of the tenant's own account, else the channel's."""
    text: str
    locale: str
    """The variant's locale, as locale negotiation chose it."""
    manage_token: str | None = None
    """The token of the borrower link the text carries, stored when the send starts."""


@dataclass(frozen=True)
class Failure:
    """Why a channel of a reminder cannot be sent: a reason code and the error's text."""

    channel: Channel
    reason: DispatchReason
    error: str


Drafts = Mapping[uuid.UUID, Mapping[Channel, Draft | Failure]]
"""By reminder, then by channel, in the reminder's order of preference."""


def draft_batch(
    batch: Batch,
    *,
    budget: RenderBudget,
    links: UnsubscribeLinks,
    manage: ManageLinks,
    vault: Vault,
    registry: Registry,
) -> Drafts:
    sends = [
        (item.reminder, item.customer, channel) for item in batch.items for channel in item.channels
    ]
    drafts: dict[uuid.UUID, dict[Channel, Draft | Failure]] = {
        item.reminder.id: {} for item in batch.items
    }
    tenants = {item.reminder.id: item.tenant for item in batch.items}
    tokens = {item.reminder.id: manage.token(item.reminder.id) for item in batch.items}
    urls = {reminder_id: manage.url(token) for reminder_id, token in tokens.items()}
    renders = render_for_reminders(batch.pinned, sends=sends, budget=budget, manage_urls=urls)
    for (reminder, customer, channel), rendered in zip(sends, renders, strict=True):
        if isinstance(rendered, Exception):
            failure = Failure(channel, render_reason(rendered), describe(rendered))
            drafts[reminder.id][channel] = failure
            continue
        try:
            tenant = tenants[reminder.id]
            own = accounts.opened(batch.accounts.get(tenant.id, {}), vault, registry.models)
            provider = registry.own_provider(channel, own)
            account = own[provider] if provider else None
            message = compose(reminder, customer, tenant, rendered, links=links, account=account)
            adapter = registry.adapter_for(channel, provider)
        except NoAdapter as error:
            drafts[reminder.id][channel] = Failure(
                channel, DispatchReason.NO_ADAPTER, describe(error)
            )
            continue
        except Exception as error:
            drafts[reminder.id][channel] = Failure(
                channel, DispatchReason.COMPOSE_ERROR, describe(error)
            )
            continue
        text = text_of(rendered, message)
        carried = tokens[reminder.id] if urls[reminder.id] in text else None
        drafts[reminder.id][channel] = Draft(
            message, adapter.name, text, rendered.locale, manage_token=carried
        )
    return drafts
