"""Loans enrolled in a reminder plan: their reminders, the events that pause or end them."""
