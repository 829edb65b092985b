"""Declared template variables: their types, how submitted values are checked, and the values
the save's dry run renders with (samples, and the extremes each type accepts).

Checked at submission, so a value that would break rendering is refused with a field path then
and never fails a send. Every type is bounded (text and URLs by their declared `max_length`,
numbers by their digits), so the dry run on save can try the largest value a submission may
bring.
"""

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from app.money import check_amount, check_currency


class VariableType(StrEnum):
    MONEY = "money"
    DATE = "date"
    TEXT = "text"
    URL = "url"
    INT = "int"


_DECIMAL = re.compile(r"^\d{1,15}(\.\d{1,6})?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_URL_CHARACTERS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")
"""RFC 3986's characters: a link in an SMS or a voice script is plain ASCII, percent-encoded."""
MAX_TEXT = 500
"""The most `max_length` may be for a text or URL variable."""
DEFAULT_MAX_LENGTH = 200
"""A text or URL variable's `max_length` when the template does not say."""
LEGACY_MAX_LENGTH = MAX_TEXT
"""Templates stored before `max_length` existed accepted this much, and still do."""
MAX_INT = 10**15 - 1
"""Integers have at most 15 digits, like the whole part of money."""


def _money(value: Any, max_length: int) -> Decimal:
    if not isinstance(value, str) or not _DECIMAL.match(value):
        raise ValueError('must be a positive decimal string such as "1234.50" (never a float)')
    return Decimal(value)


def _date(value: Any, max_length: int) -> date:
    try:
        if isinstance(value, str) and _ISO_DATE.match(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise ValueError('must be an ISO date such as "2026-12-01"')


def _int(value: Any, max_length: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_INT:
        raise ValueError("must be an integer of at most 15 digits")
    return value


def _url(value: Any, max_length: int) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError("must be an http or https URL")
    if not _URL_CHARACTERS.match(value):
        raise ValueError("must be percent-encoded: no spaces or characters beyond ASCII")
    return _text(value, max_length)


def _text(value: Any, max_length: int) -> str:
    if not isinstance(value, str) or len(value) > max_length:
        raise ValueError(f"must be a string of at most {max_length} characters")
    return value


PARSERS: dict[VariableType, Callable[[Any, int], Any]] = {
    VariableType.MONEY: _money,
    VariableType.DATE: _date,
    VariableType.TEXT: _text,
    VariableType.URL: _url,
    VariableType.INT: _int,
}

SAMPLES: dict[VariableType, Any] = {
    VariableType.MONEY: "1234",
    VariableType.DATE: "2026-12-01",
    VariableType.TEXT: "Sample",
    VariableType.URL: "https://pay.example.com/loan-1",
    VariableType.INT: 3,
}
"""What a dry run on save fills the declared variables with first (whole money: exact in any
currency)."""

EXTREMES: dict[VariableType, tuple[Any, Any]] = {
    VariableType.MONEY: ("999999999999999", "1"),
    VariableType.DATE: ("9999-12-31", "0001-01-01"),
    VariableType.INT: (MAX_INT, -MAX_INT),
}
"""The largest and the smallest value of the bounded types, as submitted. Money is whole, so
it is exact in every currency; formatting adds the currency's decimals whatever the amount."""

MIN_URL_LENGTH = 20
"""The least `max_length` a URL variable may declare."""
WIDEST_CHARACTER = "\U0001f600"
"""Four bytes in UTF-8 and two UTF-16 units: the most a character of a text can weigh."""
ESCAPED_CHARACTER = '"'
"""Five bytes once HTML-escaped (`&#34;`), the most a character can weigh in email HTML; in a URL
`&` weighs as much."""


def _url_of_length(length: int) -> str:
    start = "https://e.co/?"
    return start + "&" * (length - len(start))


def sample(kind: VariableType, max_length: int) -> Any:
    if kind == VariableType.TEXT:
        return SAMPLES[kind][:max_length]
    if kind == VariableType.URL and len(SAMPLES[kind]) > max_length:
        return _url_of_length(max_length)
    return SAMPLES[kind]


def largest(kind: VariableType, max_length: int) -> Any:
    """The longest text (of the widest character), the largest number, the last date."""
    if kind == VariableType.TEXT:
        return WIDEST_CHARACTER * max_length
    if kind == VariableType.URL:
        return _url_of_length(max_length)
    return EXTREMES[kind][0]


def smallest(kind: VariableType, max_length: int) -> Any:
    """The longest text of characters HTML escaping widens most, the smallest number, the
    first date."""
    if kind == VariableType.TEXT:
        return ESCAPED_CHARACTER * max_length
    if kind == VariableType.URL:
        return _url_of_length(max_length)
    return EXTREMES[kind][1]


def empty(kind: VariableType, max_length: int) -> Any:
    """Empty text, zero; a URL or a date cannot be empty, so their samples, and money is at
    least one unit."""
    return {VariableType.TEXT: "", VariableType.INT: 0, VariableType.MONEY: "1"}.get(
        kind, sample(kind, max_length)
    )


def parse(name: str, kind: VariableType, value: Any, *, max_length: int = MAX_TEXT) -> Any:
    """The typed value templates see; ValueError says what is wrong with a submitted one."""
    parsed = PARSERS[kind](value, max_length)
    if name == "currency":
        return check_currency(parsed)
    return parsed


def money_errors(
    kinds: Mapping[str, VariableType], values: Mapping[str, Any], *, currency: str
) -> dict[str, str]:
    """Why each parsed money value cannot be an amount of `currency`, by variable name."""
    errors = {}
    for name, kind in kinds.items():
        if kind == VariableType.MONEY and values.get(name) is not None:
            try:
                check_amount(values[name], currency)
            except ValueError as error:
                errors[name] = str(error)
    return errors
