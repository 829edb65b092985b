"""Every table and the closed vocabularies they store, below every domain package.

Importing the package imports each table, so `Base.metadata` is complete (for Alembic and the
drift test). Nothing here imports a service, an endpoint or a domain package.
"""

from app.db import Base
from app.models.accounts import ProviderAccount
from app.models.audit import AuditEntry
from app.models.borrower_links import BorrowerLink
from app.models.customers import Customer
from app.models.deliveries import DeliveryAttempt
from app.models.dispatch import DispatchHeartbeat
from app.models.enrollments import Enrollment, LoanEvent
from app.models.idempotency import IdempotencyRecord
from app.models.inbound import InboundMessage, InboundReceipt
from app.models.optouts import OptOut
from app.models.pending_callbacks import PendingCallback
from app.models.plans import PlanVersion, SegmentRuleSet
from app.models.policy import PolicyRecord
from app.models.preferences import CustomerEvent, CustomerPreferences, LenderNotice
from app.models.reminders import Reminder, ReminderEvent
from app.models.templates import TemplateLintSettings, TemplateVersion
from app.models.tenants import ApiKey, Tenant
from app.models.tips import TipLibraryVersion
from app.models.visits import VisitOutcome

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Base",
    "BorrowerLink",
    "Customer",
    "CustomerEvent",
    "CustomerPreferences",
    "DeliveryAttempt",
    "DispatchHeartbeat",
    "Enrollment",
    "IdempotencyRecord",
    "InboundMessage",
    "InboundReceipt",
    "LenderNotice",
    "LoanEvent",
    "OptOut",
    "PendingCallback",
    "PlanVersion",
    "PolicyRecord",
    "ProviderAccount",
    "Reminder",
    "ReminderEvent",
    "SegmentRuleSet",
    "TemplateLintSettings",
    "TemplateVersion",
    "Tenant",
    "TipLibraryVersion",
    "VisitOutcome",
]
