"""The one owner of a reminder's and an attempt's state.

Only this package changes `Reminder.status` or `DeliveryAttempt.status`, writes timeline events
and appends attempts to the audit chain; docs/architecture.md (Lifecycle) says why and how.
"""
