"""The provider's answer an attempt keeps: no contact detail in clear, and never unbounded."""

from app.dispatch.response import MAX_CHARS, kept_response


def test_a_kept_answer_masks_the_number_and_address_the_provider_echoes() -> None:
    kept = kept_response(
        {"sid": "SM1", "to": "+8613812345678", "body": "Hi zhang.wei@example.com", "price": None}
    )
    assert kept == {
        "sid": "SM1",
        "to": "+86 138****5678",
        "body": "Hi z***@example.com",
        "price": None,
    }


def test_an_answer_too_large_keeps_only_its_beginning() -> None:
    kept = kept_response({"html": "<p>" + "x" * (MAX_CHARS * 3)})
    assert kept is not None
    assert kept["truncated"].startswith('{"html": "<p>xxx')
    assert len(kept["truncated"]) == MAX_CHARS


def test_an_adapter_that_reports_nothing_more_keeps_nothing() -> None:
    assert kept_response({}) is None
