"""Nudge: polite, compliant repayment reminders."""
