"""The dashboard's words: both languages complete, and the browser's preference honoured."""

import pytest

from app.ops.i18n import CATALOGUE, pick_language


def test_chinese_and_english_have_the_same_words() -> None:
    assert CATALOGUE["zh"].keys() == CATALOGUE["en"].keys()


def test_no_word_hides_behind_a_dict_method_in_templates() -> None:
    """Jinja reads `t.clear` as the dict's method before the key, so such keys would vanish."""
    assert not {key for key in CATALOGUE["en"] if hasattr(dict, key)}


@pytest.mark.parametrize(
    ("accept_language", "language"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("zh-TW", "zh"),
        ("ZH", "zh"),
        ("en-US,en;q=0.9", "en"),
        ("en;q=0.5, zh-Hans-CN;q=0.9", "zh"),
        ("fr-FR, de;q=0.8", "en"),
        ("zh;q=0, en", "en"),
        ("", "en"),
        (None, "en"),
        ("*", "en"),
        ("zh;q=abc", "en"),
    ],
)
def test_accept_language_picks_the_page_language(
    accept_language: str | None, language: str
) -> None:
    assert pick_language(accept_language) == language
