"""Keyword folding as a rule, over text no list of examples would think of."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.deliveries.keywords import KEYWORDS, Keyword, keyword

PUNCTUATION_AND_SPACE = st.text(
    st.characters(categories=["Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Zs", "Zl", "Zp", "Cf"]),
    max_size=6,
)
"""Any punctuation mark, half- or full-width, any space or separator, any invisible format
character (a zero-width space), as a phone's keyboard or a copy-paste adds them."""


@given(
    word=st.sampled_from(sorted(KEYWORDS)),
    before=PUNCTUATION_AND_SPACE,
    after=PUNCTUATION_AND_SPACE,
    lower=st.booleans(),
)
def test_a_keyword_wrapped_in_punctuation_and_spaces_is_still_that_keyword(
    word: str, before: str, after: str, lower: bool
) -> None:
    typed = word.lower() if lower else word
    assert keyword(before + typed + after) is KEYWORDS[word]


@given(before=st.text(max_size=20), after=st.text(max_size=20))
def test_any_text_containing_退订_is_an_opt_out(before: str, after: str) -> None:
    assert keyword(before + "退订" + after) is Keyword.STOP


@pytest.mark.parametrize(
    "text",
    ["don't stop helping me", "Please don't stop.", "STOP please", "I will not quit", "end?!x"],
)
def test_an_english_sentence_that_uses_a_keyword_is_a_reply(text: str) -> None:
    assert keyword(text) is None
