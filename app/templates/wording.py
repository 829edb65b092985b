"""How the lint reads a text: the disguises folded away, in two views its rules are written for.

Collectors who know a word list is watching write `ｊｉａ人` (full-width pinyin), `dan位`,
`單位` (Traditional), `逮 捕`, `a.r.r.e.s.t`, `p0lice` or `j a i l`. Rules are not matched on the
raw text but on:

- the **word view** (`words`): NFKC, case-folded, letter look-alike digits inside words undone
  (`arr3st`), letters spelt out one by one joined again (`c.o.n.t.a.c.t`), every run of other
  characters made one space: English rules match whole words there;
- the **restored view** (`clauses`): the same folding, separators dropped, Traditional made
  Simplified (OpenCC), then every stretch that sounds like a word the rules use (toneless pinyin,
  pypinyin) and is that word with syllables spelt in Latin letters is written as the word:
  `jia人`, `ｊｉａ人` -> `家人`, `b a o 警` -> `报警`. Chinese rules match characters there.
"""

import re
import unicodedata
from collections.abc import Iterable

from opencc import OpenCC
from pypinyin import lazy_pinyin

_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_SEPARATORS = re.compile(r"[\s._\-*·•|/\\~'\"`]+")
_LOOK_ALIKES = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "@": "a", "$": "s", "5": "s"})
_DISGUISED_WORD = re.compile(r"[a-z0-9@$]*[a-z][a-z0-9@$]*")
"""A word with at least one letter, whose digits and symbols may stand for letters (`f@mily`)."""
_SPELT_OUT = re.compile(r"(?<![a-z])[a-z](?:[ .\-_*·•'](?=[a-z](?![a-z]))[a-z]){2,}(?![a-z])")
_NOT_WORD = re.compile(r"[^\w']+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_PIECE = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
)
_TO_SIMPLIFIED = OpenCC("t2s")
_CLAUSE_END = re.compile(r"[,!?;:\n\u3001\u3002\uff0c\uff01\uff1f\uff1b\uff1a]+")
"""Commas, stops, question and exclamation marks, semicolons and colons, half- and full-width."""


def folded(text: str) -> str:
    """NFKC (full-width forms, compatibility characters) and case folding, invisibles dropped."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text).casefold())


def words(text: str) -> str:
    """The word view: ` we will contact your boss ` for `We will c.o.n.t.a.c.t your b.o.s.s`.

    Padded with spaces so a rule can ask for a whole word with a space on each side."""
    plain = _DISGUISED_WORD.sub(
        lambda word: word[0].translate(_LOOK_ALIKES), folded(text).replace("\u2019", "'")
    )
    joined = _SPELT_OUT.sub(lambda m: re.sub(r"[^a-z]", "", m[0]), plain)
    return f" {_NOT_WORD.sub(' ', joined).strip()} "


def has_chinese(text: str) -> bool:
    return _HAN.search(text) is not None


Vocabulary = dict[str, list[tuple[tuple[str, ...], str]]]
"""First syllable -> the rule words starting with it, longest first, as (syllables, word)."""


def vocabulary(rule_words: Iterable[str]) -> Vocabulary:
    """The words Chinese rules are written with, by sound."""
    found: Vocabulary = {}
    for word in sorted(set(rule_words), key=len, reverse=True):
        sound = tuple(lazy_pinyin(word))
        found.setdefault(sound[0], []).append((sound, word))
    return found


def _tokens(clause: str) -> list[tuple[str, str | None]]:
    """Each Chinese character with its syllable; each run of other characters as one token
    (`bao`, `1,234.50`), which has no character."""
    pieces = _PIECE.findall(clause)
    sounds = lazy_pinyin(clause)
    if len(pieces) != len(sounds):  # never seen; then the characters alone are compared
        return [(piece, piece if _HAN.match(piece) else None) for piece in pieces]
    return [
        (sound, piece if _HAN.match(piece) else None)
        for piece, sound in zip(pieces, sounds, strict=True)
    ]


def _written_as(tokens: list[tuple[str, str | None]], word: str) -> bool:
    """Whether tokens that sound like `word` are the word with some syllables spelt in Latin
    letters (`ｊｉａ人`, `dan位`, `laolai` is not, it is one token): every character among them is
    the word's own. Other words that only sound alike stay as written (合理安排 is not 立案,
    行事曆 is not 刑事); the homophones collectors use (`爆光`) are rule words themselves."""
    return all(
        char == wanted for (_, char), wanted in zip(tokens, word, strict=True) if char is not None
    )


def restored(clause: str, words_: Vocabulary) -> str:
    """The clause in Simplified characters, with each rule word that is written in disguise put
    back: `你的ｊｉａ人` -> `你的家人`, `再不還錢就b a o 警` -> `再不还钱就报警`."""
    tokens = _tokens(_TO_SIMPLIFIED.convert(squeezed(clause)))
    out, at = [], 0
    while at < len(tokens):
        for sound, word in words_.get(tokens[at][0], ()):
            span = tokens[at : at + len(sound)]
            if tuple(s for s, _ in span) == sound and _written_as(span, word):
                out.append(word)
                at += len(sound)
                break
        else:
            out.append(tokens[at][1] or tokens[at][0])
            at += 1
    return "".join(out)


def clauses(text: str, words_: Vocabulary) -> list[str]:
    """The restored view, clause by clause: a rule pairing two words needs them in one clause."""
    return [restored(clause, words_) for clause in _CLAUSE_END.split(folded(text)) if clause]


def squeezed(text: str) -> str:
    """Folded, with every separator dropped: `逮 捕` and `A.R.R.E.S.T` read `逮捕`, `arrest`."""
    return _SEPARATORS.sub("", folded(text))
