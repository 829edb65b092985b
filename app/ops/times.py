"""Moments on the dashboard: read in the tenant's time zone, the UTC instant on hover.

People answering "when did the borrower get it" think in the lender's local time; the logs and
the API speak UTC. Each moment is a `<time>` element carrying both, so neither has to be
converted by hand.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup

SHOWN = "%Y-%m-%d %H:%M:%S"


def moment(at: datetime, zone: ZoneInfo) -> Markup:
    """`<time datetime="...Z" title="... UTC">` with the local wall-clock time as its text."""
    utc = at.astimezone(UTC)
    return Markup('<time datetime="{}" title="{} UTC">{}</time>').format(
        utc.strftime("%Y-%m-%dT%H:%M:%SZ"), utc.strftime(SHOWN), at.astimezone(zone).strftime(SHOWN)
    )


def local_input(value: str, zone: ZoneInfo) -> datetime:
    """A `datetime-local` field's value as the moment it names in `zone` (an explicit offset
    wins); ValueError when it is no date and time."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
