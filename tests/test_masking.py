"""Contact details are masked the way ops expect to read them."""

import pytest

from app.masking import mask_address, mask_email, mask_phone


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+8613812345678", "+86 138****5678"),
        ("+14155550123", "+1 415***0123"),
        ("+919812345678", "+91 981***5678"),
        ("+3225551234", "+32 2***1234"),
    ],
)
def test_phone_numbers_keep_country_prefix_and_last_four_digits(e164: str, masked: str) -> None:
    assert mask_phone(e164) == masked


def test_emails_keep_the_first_letter_and_the_domain() -> None:
    assert mask_email("zhang.wei@example.com") == "z***@example.com"


def test_customer_refs_are_not_contact_details_and_stay_readable() -> None:
    assert mask_address("cust-1001") == "cust-1001"
    assert mask_address("+8613812345678") == "+86 138****5678"
