"""Money as Nudge accepts it: a currency in use today and an amount that currency can show.

Both rules come from Babel's copy of the Unicode CLDR, the same data `format_currency` renders
with, so what a borrower reads is exactly what the lender submitted:

- a currency is accepted when CLDR lists it as legal tender, with no end date, in at least one
  territory. That keeps every circulating ISO 4217 code (`CNY`, `USD`, `EUR`, `XOF`...) and
  refuses `XXX` (no currency), `XTS` (testing), precious metals (`XAU`), units of account
  (`XDR`), fund codes (`CLF`, `USN`) and withdrawn currencies (`DEM`, `HRK`, `VEF`);
- an amount is positive and no finer than the currency's minor unit as CLDR formats it
  (`get_currency_precision`: 2 for CNY, 0 for JPY, 3 for KWD): `1.234` CNY would be shown as
  `¥1.23`, so it is refused rather than rounded.
"""

from decimal import Decimal

from babel.core import get_global
from babel.numbers import get_currency_precision

ACTIVE_CURRENCIES = frozenset(
    code
    for periods in get_global("territory_currencies").values()
    for code, _start, end, tender in periods
    if end is None and tender
)
"""ISO 4217 codes that are legal tender somewhere now, by the CLDR data Babel ships."""


def check_currency(code: str) -> str:
    """`code` in upper case, if it is a currency in use today."""
    code = code.upper()
    if code not in ACTIVE_CURRENCIES:
        raise ValueError(
            f"'{code}' is not an ISO 4217 currency in use today, such as 'CNY' or 'USD'"
        )
    return code


def minor_digits(currency: str) -> int:
    """How many decimals `currency` is shown with: 2 for CNY, 0 for JPY, 3 for KWD."""
    return int(get_currency_precision(currency))


def check_amount(amount: Decimal, currency: str) -> Decimal:
    """`amount`, if it is positive and exact in `currency`'s minor unit."""
    if amount <= 0:
        raise ValueError("must be more than zero")
    digits = minor_digits(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-digits)):
        unit = "whole units" if digits == 0 else f"at most {digits} decimal places"
        raise ValueError(f"{currency} amounts have {unit}; {amount} is finer than that")
    return amount
