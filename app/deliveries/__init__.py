"""The delivery log: what was sent to whom, when, and what became of it."""
