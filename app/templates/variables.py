"""Declared template variables: their types, how submitted values are checked, sample values.

Checked at submission, so a value that would break rendering is refused with a field path then
and never fails a send.
"""

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from app.tenants.schemas import check_currency


class VariableType(StrEnum):
    MONEY = "money"
    DATE = "date"
    TEXT = "text"
    URL = "url"
    INT = "int"


_DECIMAL = re.compile(r"^-?\d{1,15}(\.\d{1,6})?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_TEXT = 500


def _money(value: Any) -> Decimal:
    if not isinstance(value, str) or not _DECIMAL.match(value):
        raise ValueError('must be a decimal string such as "1234.50" (never a float)')
    return Decimal(value)


def _date(value: Any) -> date:
    try:
        if isinstance(value, str) and _ISO_DATE.match(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise ValueError('must be an ISO date such as "2026-12-01"')


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be an integer")
    return value


def _url(value: Any) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError("must be an http or https URL")
    return _text(value)


def _text(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ValueError(f"must be a string of at most {MAX_TEXT} characters")
    return value


PARSERS: dict[VariableType, Callable[[Any], Any]] = {
    VariableType.MONEY: _money,
    VariableType.DATE: _date,
    VariableType.TEXT: _text,
    VariableType.URL: _url,
    VariableType.INT: _int,
}

SAMPLES: dict[VariableType, Any] = {
    VariableType.MONEY: "1234.50",
    VariableType.DATE: "2026-12-01",
    VariableType.TEXT: "Sample",
    VariableType.URL: "https://pay.example.com/loan-1",
    VariableType.INT: 3,
}
"""What a dry run on save fills the declared variables with."""


def parse(name: str, kind: VariableType, value: Any) -> Any:
    """The typed value templates see; ValueError says what is wrong with a submitted one."""
    parsed = PARSERS[kind](value)
    if name == "currency":
        return check_currency(parsed)
    return parsed
