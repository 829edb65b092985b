"""Contact details are masked the way ops expect to read them."""

import pytest

from app.masking import mask_address, mask_email, mask_phone, mask_text, mask_value


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


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "The 'To' number +12025550150 is not a valid phone number.",
            "The 'To' number +1 202***0150 is not a valid phone number.",
        ),
        (  # Twilio also quotes national forms
            "The 'To' number 2025550150 is not a valid phone number.",
            "The 'To' number 202***0150 is not a valid phone number.",
        ),
        ("call (202) 555-0150 or 13812345678", "call 202***0150 or 138****5678"),
        (  # a query string as uvicorn logs it, percent-encoded
            "GET /v1/opt-outs?phone=%2B12025550150&email=wang.fang%40example.com HTTP/1.1",
            "GET /v1/opt-outs?phone=+1 202***0150&email=w***@example.com HTTP/1.1",
        ),
        (
            "pay at https://pay.example.com/?contact=wang.fang@example.com",
            "pay at https://pay.example.com/?contact=w***@example.com",
        ),
    ],
)
def test_free_text_has_every_phone_number_and_email_masked(text: str, masked: str) -> None:
    assert mask_text(text) == masked
    assert mask_text(masked) == masked  # masking twice changes nothing


def test_dates_amounts_ids_and_addresses_in_free_text_stay_readable() -> None:
    text = (
        "1,234.50 (or 1234567.50) due on 2026-12-01 09:30 or 01.12.2026, sent "
        "2026-11-27T09:30:00Z as SM12345678901234567890 to reminder "
        "12345678-8d2e-4a8e-9a53-123456789012 from 192.168.100.200:8000, error 21211"
    )
    assert mask_text(text) == text


def test_strings_inside_an_event_detail_are_masked() -> None:
    detail = {"error": "+12025550150 unreachable", "tries": 2, "others": [{"to": "a@b.example"}]}
    assert mask_value(detail) == {
        "error": "+1 202***0150 unreachable",
        "tries": 2,
        "others": [{"to": "a***@b.example"}],
    }


def test_counts_and_limits_in_an_error_stay_readable() -> None:
    text = "ljust() is given 5000000; numbers given to filters are at most 2048"
    assert mask_text(text) == text
