"""The help line as each customer dials it: national at home, international from abroad."""

import pytest

from app.templates.helpline import as_dialled, home_region


@pytest.mark.parametrize(
    ("help_phone", "region", "shown"),
    [
        ("+864001234567", "CN", "400 123 4567"),
        ("+864001234567", "US", "+86 400 123 4567"),
        ("+864001234567", "HK", "+86 400 123 4567"),
        ("+864001234567", None, "+86 400 123 4567"),
        ("+12025550123", "US", "(202) 555-0123"),
        ("+12025550123", "CN", "+1 202-555-0123"),
    ],
)
def test_a_customer_in_the_help_lines_country_sees_its_national_form(
    help_phone: str, region: str | None, shown: str
) -> None:
    assert as_dialled(help_phone, customer_region=region) == shown


@pytest.mark.parametrize("absent", [None, ""])
def test_no_help_line_stays_none_so_templates_can_leave_it_out(absent: str | None) -> None:
    assert as_dialled(absent, customer_region="CN") == absent


def test_the_phones_country_decides_where_the_customer_dials_from_before_a_stated_one() -> None:
    assert home_region("+14155550123", "CN") == "US"
    assert home_region(None, "CN") == "CN"
