"""Pydantic field types shared by the request schemas, and the bounds they hold input to."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
"""The moments Nudge accepts. Python's calendar ends at years 1 and 9999, so a moment near
either edge overflows as soon as it is moved to UTC or a span is added to it; no reminder,
filter or dry run needs to leave this century."""

LONGEST_SPAN = timedelta(days=366)
"""A year, leap or not: no contact rule looks further back or ahead. It keeps every moment
plus or minus a span inside the calendar, and the contact history a policy reads small."""

INT4_MAX = 2**31 - 1
"""The largest value of an `INTEGER` column on PostgreSQL (SQLite's hold 64 bits): larger
integers are refused before a query has to bind them."""


def check_instant(moment: datetime) -> datetime:
    """`moment` in UTC, if it has an offset and lies within [EARLIEST, LATEST].

    Compared before it is converted: comparing aware datetimes never overflows, converting
    `9999-12-31T23:59:59-14:00` to UTC does.
    """
    if moment.utcoffset() is None:
        raise ValueError("must have a UTC offset, e.g. 2026-11-28T02:00:00Z")
    if not EARLIEST <= moment <= LATEST:
        raise ValueError(f"must be between {EARLIEST:%Y-%m-%dT%H:%MZ} and {LATEST:%Y-%m-%dT%H:%MZ}")
    return moment.astimezone(UTC)


InstantIn = Annotated[AwareDatetime, AfterValidator(check_instant)]
"""A moment with an explicit offset (a naive one is refused), within Nudge's range, in UTC."""

SpanIn = Annotated[timedelta, Field(ge=timedelta(0), le=LONGEST_SPAN)]
"""A duration of a contact rule: not negative, at most LONGEST_SPAN."""
