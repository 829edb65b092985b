"""The delivery log: what was sent to whom, when, what became of it; provider callbacks and
inbound replies."""
