"""What a customer's text means: opt out, opt back in, ask for help, or none of these.

Phones type keywords in many ways: full-width on a Chinese keyboard, with the
punctuation a sentence ends with (`退订。`, ` Stop. `), spaced out (`T D`). The text is folded
before it is compared, by Unicode's own tables rather than a hand list of characters.
"""

import unicodedata
from enum import StrEnum


class Keyword(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"


KEYWORDS = {
    **dict.fromkeys(
        ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"),
        Keyword.STOP,
    ),
    **dict.fromkeys(("退订", "TD", "T"), Keyword.STOP),
    **dict.fromkeys(("START", "YES", "UNSTOP"), Keyword.START),
    "HELP": Keyword.HELP,
}
"""Whole-text keywords, as they read once folded."""

CHINESE_STOP = "退订"
"""Anywhere in a text, an opt-out: `TD退订`, `退订，别再发了`. Chinese carriers and regulators
treat it so, and a borrower who writes it wants no more texts, whatever else they add."""

KEPT_CATEGORIES = frozenset("LMN")
"""Letters, marks and digits; punctuation (P), separators (Z), symbols (S) and controls and
invisible formatting (C) are dropped."""


def fold(body: str) -> str:
    """Only letters, marks and digits, NFKC-normalised (full-width letters become ASCII),
    upper-cased. Punctuation is dropped before normalising as well as after, because NFKC
    turns some of it into other characters (a dashed overline into a space and a combining
    mark)."""
    return _letters(unicodedata.normalize("NFKC", _letters(body))).upper()


def _letters(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in KEPT_CATEGORIES)


def keyword(body: str) -> Keyword | None:
    """A text that is only a keyword is that keyword; any text containing 退订 is an opt-out;
    an English sentence that merely uses a keyword ("don't stop helping me") is a reply."""
    folded = fold(body)
    if folded in KEYWORDS:
        return KEYWORDS[folded]
    return Keyword.STOP if CHINESE_STOP in folded else None
