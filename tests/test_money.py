"""Money as a lender submits it: a currency in use today, an amount that currency can show."""

from decimal import Decimal

import pytest

from app.money import check_amount, check_currency


@pytest.mark.parametrize("code", ["CNY", "USD", "EUR", "JPY", "INR", "XOF", "XAF", "cny"])
def test_currencies_in_circulation_are_accepted(code: str) -> None:
    assert check_currency(code) == code.upper()


@pytest.mark.parametrize(
    ("code", "what"),
    [
        ("XXX", "no currency"),
        ("XTS", "reserved for testing"),
        ("XAU", "gold"),
        ("XDR", "IMF special drawing rights"),
        ("CLF", "a fund code, not tender"),
        ("DEM", "the Deutsche Mark, replaced by the euro"),
        ("HRK", "the kuna, replaced by the euro in 2023"),
        ("VEF", "withdrawn in 2018"),
        ("ZZZ", "not a code at all"),
    ],
)
def test_non_currencies_and_withdrawn_currencies_are_refused(code: str, what: str) -> None:
    with pytest.raises(ValueError, match="not an ISO 4217 currency in use today"):
        check_currency(code)


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("1234.50", "CNY"), ("1234.5", "CNY"), ("1234", "JPY"), ("1234.00", "JPY"), ("1.235", "KWD")],
)
def test_amounts_exact_in_the_currencys_minor_unit_are_accepted(amount: str, currency: str) -> None:
    assert check_amount(Decimal(amount), currency) == Decimal(amount)


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        ("1.234", "CNY", "CNY amounts have at most 2 decimal places"),
        ("1234.50", "JPY", "JPY amounts have whole units"),
        ("1.2345", "KWD", "KWD amounts have at most 3 decimal places"),
        ("0", "CNY", "more than zero"),
        ("0.00", "USD", "more than zero"),
        ("-5.00", "USD", "more than zero"),
    ],
)
def test_amounts_a_borrower_would_read_rounded_or_negative_are_refused(
    amount: str, currency: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        check_amount(Decimal(amount), currency)
