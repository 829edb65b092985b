"""The delivery log as CSV, written while it is read so memory stays flat at any size."""

import csv
import io
import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.deliveries import repository
from app.deliveries.schemas import DeliveryFilter, DeliveryOut
from app.deliveries.service import present

COLUMNS = list(DeliveryOut.model_fields)
CHUNK = 1000
"""Rows fetched from the server-side cursor, and written to the response, at a time."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, CSV injection)."""


def neutralise(value: Any) -> Any:
    """A cell a spreadsheet would run as a formula gets a leading `'`, which it then shows as
    text. Phone numbers start with `+`, so they get it too (and Excel keeps them as text instead
    of turning them into 8.61E+12)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export(
    sessions: sessionmaker[Session],
    *,
    tenant_id: uuid.UUID,
    where: DeliveryFilter,
    reveal: bool,
) -> Iterator[bytes]:
    """Opens its own session: the response streams after the request's session has closed."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    with sessions() as session:
        rows = repository.stream(session, tenant_id=tenant_id, where=where, chunk=CHUNK)
        for count, row in enumerate(rows, start=1):
            cells = present(row, reveal=reveal).model_dump(mode="json")
            writer.writerow({name: neutralise(value) for name, value in cells.items()})
            if count % CHUNK == 0:
                yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode()
