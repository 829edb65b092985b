"""The borrower page's rate limits: per link and per client address (`app/ratelimit.py`)."""

from datetime import datetime

from app.config import Settings
from app.ratelimit import TokenBuckets


class BorrowerLimits:
    """A minute's worth of requests at once, then the per-minute rate, for each link and for
    each client address on its own; a request must pass both."""

    def __init__(self, settings: Settings) -> None:
        per_link = settings.manage_link_rate_per_minute
        per_client = settings.manage_client_rate_per_minute
        self.links = TokenBuckets[str](per_second=per_link / 60, burst=per_link)
        self.clients = TokenBuckets[str](per_second=per_client / 60, burst=per_client)

    def take(self, *, client: str, link: str, now: datetime) -> int | None:
        """None when the request may go on, else the seconds to wait."""
        waits = [self.clients.take(client, now), self.links.take(link, now)]
        return max((w for w in waits if w is not None), default=None)
