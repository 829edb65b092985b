"""How big each part of the benchmark is: the issue's sizes, or all of them scaled down."""

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Sizes:
    ingest: int = 50_000
    """Reminders posted to the batch endpoint (and written by each raw ceiling)."""
    ingest_batch: int = 1_000
    ingest_clients: int = 4
    submit_rate: float = 200.0
    """Single submits a second, open loop."""
    submit_seconds: float = 20.0
    recovery_limit_s: float = 60.0
    """How long to wait for an ordinary submit under 50 ms after the load; `recovery_s` is
    this (and `recovery_reached` 0) when none came."""
    wire: int = 20_000
    """Requests the raw aiohttp loop posts to the stand-in."""
    dispatch: int = 20_000
    dispatch_customers: int = 5_000
    wave: int = 100_000
    wave_spread_s: float = 120.0
    """The policy's `spread` in the second wave run (the presets use ten minutes)."""
    backlog_small: int = 10_000
    backlog_large: int = 1_000_000
    contacts_small: int = 10
    contacts_large: int = 10_000
    drain_limit_s: float = 900.0
    """A dispatch or wave run that has not finished by then fails the benchmark."""

    def scaled(self, factor: float) -> "Sizes":
        """Every count and duration times `factor` (at least 1; the batch size, the number of
        clients, the rate, the small number of contacts and the drain limit stay)."""
        fixed = {
            "ingest_batch",
            "ingest_clients",
            "submit_rate",
            "contacts_small",
            "drain_limit_s",
        }
        changed = {}
        for field in fields(self):
            if field.name in fixed:
                continue
            value = getattr(self, field.name)
            changed[field.name] = (
                max(1, round(value * factor)) if isinstance(value, int) else value * factor
            )
        return replace(self, **changed)
