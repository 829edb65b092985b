"""SMS encoding and segment counts, as carriers bill them."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.templates.sms import GSM7_BASIC, GSM7_EXTENSION, Encoding, measure

CHINESE = "您"


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("", Encoding.GSM7, 0),
        ("a" * 160, Encoding.GSM7, 1),
        ("a" * 161, Encoding.GSM7, 2),
        ("a" * 306, Encoding.GSM7, 2),
        ("a" * 307, Encoding.GSM7, 3),
        (CHINESE * 70, Encoding.UCS2, 1),
        (CHINESE * 71, Encoding.UCS2, 2),
        (CHINESE * 134, Encoding.UCS2, 2),
        (CHINESE * 135, Encoding.UCS2, 3),
        ("a" * 158 + "€", Encoding.GSM7, 1),  # exactly 160 septets
        ("a" * 159 + "€", Encoding.GSM7, 2),  # € takes two septets: 161 in all
        ("a" * 158 + "^", Encoding.GSM7, 1),
        ("a" * 159 + "^", Encoding.GSM7, 2),
        ("a" * 160 + "é", Encoding.GSM7, 2),  # é is in the basic table
        ("a" * 159 + "ê", Encoding.UCS2, 3),  # ê is not: the whole message becomes UCS-2
        ("😀" * 35, Encoding.UCS2, 1),  # each emoji is two UTF-16 units
        ("😀" * 36, Encoding.UCS2, 2),
    ],
)
def test_encoding_and_segments_on_the_edges(text: str, encoding: Encoding, segments: int) -> None:
    size = measure(text)
    assert (size.encoding, size.segments) == (encoding, segments)


def test_an_extension_character_is_not_split_across_parts() -> None:
    # 152 septets then `€` (2): it cannot share the first 153-septet part.
    assert measure("a" * 152 + "€" + "a" * 10).segments == 2
    assert measure("a" * 152 + "€" + "a" * 152).segments == 3


gsm_basic = st.text(alphabet=sorted(GSM7_BASIC), max_size=800)
gsm_any = st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENSION), max_size=800)
non_gsm = st.characters(codec="utf-8").filter(
    lambda c: c not in GSM7_BASIC and c not in GSM7_EXTENSION
)


@given(gsm_basic)
def test_basic_gsm_text_is_billed_at_160_then_153_per_part(text: str) -> None:
    size = measure(text)
    assert size.encoding is Encoding.GSM7
    expected = 0 if not text else 1 if len(text) <= 160 else math.ceil(len(text) / 153)
    assert size.segments == expected


@given(gsm_any, non_gsm)
def test_one_character_outside_gsm_makes_the_whole_message_ucs2(text: str, other: str) -> None:
    size = measure(text + other)
    assert size.encoding is Encoding.UCS2
    assert size.segments >= math.ceil(size.units / 67)


@given(gsm_any)
def test_every_part_holds_at_most_its_limit_and_no_more_parts_than_needed(text: str) -> None:
    size = measure(text)
    if size.units <= 160:
        assert size.segments == (1 if text else 0)
    else:
        assert math.ceil(size.units / 153) <= size.segments <= math.ceil(size.units / 152)


@given(gsm_any, gsm_any)
def test_appending_text_never_reduces_the_segment_count(text: str, more: str) -> None:
    assert measure(text + more).segments >= measure(text).segments
