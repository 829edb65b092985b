"""Imports every table so that `Base.metadata` is complete (for Alembic and the drift test)."""

from app.accounts.models import ProviderAccount
from app.audit.models import AuditEntry
from app.customers.models import Customer
from app.db import Base
from app.deliveries.inbound_models import InboundMessage, InboundReceipt
from app.deliveries.pending_models import PendingCallback
from app.dispatch.models import DispatchHeartbeat
from app.idempotency.models import IdempotencyRecord
from app.optouts.models import OptOut
from app.policy.models import PolicyRecord
from app.reminders.models import DeliveryAttempt, Reminder, ReminderEvent
from app.templates.models import TemplateLintSettings, TemplateVersion
from app.tenants.models import ApiKey, Tenant
from app.visits.models import VisitOutcome

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Base",
    "Customer",
    "DeliveryAttempt",
    "DispatchHeartbeat",
    "IdempotencyRecord",
    "InboundMessage",
    "InboundReceipt",
    "OptOut",
    "PendingCallback",
    "PolicyRecord",
    "ProviderAccount",
    "Reminder",
    "ReminderEvent",
    "TemplateLintSettings",
    "TemplateVersion",
    "Tenant",
    "VisitOutcome",
]
