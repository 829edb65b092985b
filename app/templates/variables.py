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
    LOANS = "loans"
    """A digest's loans: a list of {loan_ref, amount, currency, due_date}, all in one currency."""


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


MAX_LOANS = 10
"""The most loans one reminder lists: a longer list would not fit the shortest channel."""
MAX_LOAN_REF = 200
LOAN_FIELDS = ("loan_ref", "amount", "currency", "due_date")
MAX_LOANS_TOTAL = Decimal(10**15)
"""The loans' total stays within money's 15 whole digits, so `sum` prints like any amount."""


def _loans(value: Any, max_length: int) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_LOANS:
        raise ValueError(f"must be a list of 1 to {MAX_LOANS} loans")
    loans: list[dict[str, Any]] = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != set(LOAN_FIELDS):
            raise ValueError(f"loan {index} must have exactly {', '.join(LOAN_FIELDS)}")
        try:
            currency = check_currency(_text(item["currency"], 3))
            loan = {
                "loan_ref": _text(item["loan_ref"], MAX_LOAN_REF),
                "amount": check_amount(_money(item["amount"], 0), currency),
                "currency": currency,
                "due_date": _date(item["due_date"], 0),
            }
        except ValueError as error:
            raise ValueError(f"loan {index}: {error}") from None
        loans.append(loan)
    if len({loan["currency"] for loan in loans}) > 1:
        raise ValueError("must all be in one currency")
    if sum(Decimal(loan["amount"]) for loan in loans) >= MAX_LOANS_TOTAL:
        raise ValueError("must total less than 15 whole digits")
    return loans


PARSERS: dict[VariableType, Callable[[Any, int], Any]] = {
    VariableType.MONEY: _money,
    VariableType.DATE: _date,
    VariableType.TEXT: _text,
    VariableType.URL: _url,
    VariableType.INT: _int,
    VariableType.LOANS: _loans,
}

SAMPLES: dict[VariableType, Any] = {
    VariableType.MONEY: "1234",
    VariableType.DATE: "2026-12-01",
    VariableType.TEXT: "Sample",
    VariableType.URL: "https://pay.example.com/loan-1",
    VariableType.INT: 3,
    VariableType.LOANS: [
        {"loan_ref": "loan-1", "amount": "1234", "currency": "USD", "due_date": "2026-12-01"},
        {"loan_ref": "loan-2", "amount": "567", "currency": "USD", "due_date": "2026-12-03"},
    ],
}
"""What a dry run on save fills the declared variables with first (whole money: exact in any
currency). Loans are two, so the wording lint reads a digest's list; their currency is the
tenant's (`loans_in`)."""

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


def _loans_of(loan_ref: str, amount: str, due_date: str) -> list[dict[str, str]]:
    fields = {"loan_ref": loan_ref, "amount": amount, "currency": "USD", "due_date": due_date}
    return [fields] * MAX_LOANS


def loans_in(loans: list[dict[str, Any]], currency: str) -> list[dict[str, Any]]:
    """A dry run's loans in the tenant's currency, as a plan's are in the loans'."""
    return [loan | {"currency": currency} for loan in loans]


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
    if kind == VariableType.LOANS:  # the most loans, the largest total
        return _loans_of(WIDEST_CHARACTER * MAX_LOAN_REF, "9" * 14, "9999-12-31")
    return EXTREMES[kind][0]


def smallest(kind: VariableType, max_length: int) -> Any:
    """The longest text of characters HTML escaping widens most, the smallest number, the
    first date."""
    if kind == VariableType.TEXT:
        return ESCAPED_CHARACTER * max_length
    if kind == VariableType.URL:
        return _url_of_length(max_length)
    if kind == VariableType.LOANS:
        return _loans_of(ESCAPED_CHARACTER * MAX_LOAN_REF, "1", "0001-01-01")
    return EXTREMES[kind][1]


def empty(kind: VariableType, max_length: int) -> Any:
    """Empty text, zero; a URL, a date or loans cannot be empty, so their samples, and money is
    at least one unit."""
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
