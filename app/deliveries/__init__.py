"""Delivery records, provider callbacks, inbound replies."""
