"""A phone number's country, which picks a customer's policy, opt-out footer and help line form
when no jurisdiction is stated: read from the calling code where it names one country, from
the number itself where several countries share the code."""

import phonenumbers
import pytest

from app.customers.jurisdiction import jurisdiction_of, region_of


def parsed(phone: str) -> str | None:
    """The answer phonenumbers gives for the whole number."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(phone))
    except phonenumbers.NumberParseException:
        return None
    return region if region and region != "ZZ" else None


@pytest.mark.parametrize(
    ("phone", "region"),
    [
        ("+8613812345678", "CN"),
        ("+85291234567", "HK"),
        ("+12125550123", "US"),
        ("+14165550123", "CA"),  # +1 is shared: the area code decides
        ("+442071234567", "GB"),
        ("+74951234567", "RU"),
        ("+77011234567", "KZ"),  # +7 is shared too
        ("+919876543210", "IN"),
        ("+80012345678", "001"),  # a number of no country, as phonenumbers names it
        ("8613812345678", None),  # not E.164
        ("+", None),
        (None, None),
    ],
)
def test_the_region_of_a_number_is_the_one_its_digits_name(
    phone: str | None, region: str | None
) -> None:
    assert region_of(phone) == region
    if phone is not None:
        assert region_of(phone) == parsed(phone)


def test_a_stated_jurisdiction_wins_over_the_phones_country() -> None:
    assert jurisdiction_of(stated="CN", phone="+12125550123") == "CN"
    assert jurisdiction_of(stated=None, phone="+12125550123") == "US"
