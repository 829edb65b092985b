"""Compliance lint: wording a borrower must never read, shouting, and over-long SMS.

Pure functions of the text, so the same rules run on save, in preview and in tests. Phrases are
compared after folding the usual disguises: full-width forms (NFKC), case, and spaces, dots or
dashes inserted between characters (`逮 捕`, `A.R.R.E.S.T`, full-width `arrest`).
"""

import html
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

PROHIBITED: dict[str, tuple[str, ...]] = {
    "zh": (
        # threats of arrest, violence or public shaming
        "逮捕", "拘留", "坐牢", "抓你", "报警", "通缉", "后果自负", "上门催收", "打断你", "弄死",
        "曝光", "公开你", "挂到网上", "黑名单",
        # contacting family, employers or phone contacts
        "通讯录", "家人", "亲友", "父母", "配偶", "单位", "领导", "同事", "紧急联系人",
        # insults
        "老赖", "骗子", "不要脸", "废物", "无耻",
        # fake legal or police language
        "警方", "公安", "法院", "起诉", "传票", "律师函", "刑事", "立案", "强制执行",
    ),
    "en": (
        # threats of arrest, violence or public shaming
        "arrest", "jail", "prison", "handcuff", "hurt you", "we know where you live",
        "shame you", "tell everyone", "post your name", "publicly",
        # contacting family, employers or phone contacts
        "your family", "your employer", "your boss", "your colleagues", "your contacts",
        "your relatives", "your neighbours", "your neighbors", "your friends",
        # insults
        "deadbeat", "you liar", "you loser", "thief", "shameless", "worthless",
        # fake legal or police language
        "police", "warrant", "lawsuit", "legal action", "criminal", "prosecut", "subpoena",
        "court order", "take you to court", "law enforcement",
    ),
}  # fmt: skip
"""Default prohibited wording by language; every list applies to every message."""

DEFAULT_SMS_SEGMENT_LIMIT = 2

_INVISIBLE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff._\-*·•|/\\~'\"`]+")
_SHOUTING = re.compile(r"(?:[A-Z][^a-zA-Z0-9\n]{0,2}){10,}")
_BANGS = re.compile(r"!{3,}|\?{3,}|[!?]{4,}")
_TAG = re.compile(r"<[^<>]*>")
"""A tag cannot hold `<`: without that, a text of many `<` and no `>` takes quadratic time."""


class Rule(StrEnum):
    PROHIBITED = "prohibited-wording"
    SHOUTING = "shouting"
    SMS_TOO_LONG = "sms-too-long"
    MISSING_OPT_OUT = "missing-opt-out"


class Severity(StrEnum):
    ERROR = "error"
    """Refuses the save."""
    WARNING = "warning"
    """Shown on save and in preview; the message can still be sent."""


@dataclass(frozen=True)
class Finding:
    rule: Rule
    severity: Severity
    field: str
    detail: str


def fold(text: str) -> str:
    """The text as phrases are compared: NFKC, case-folded, separators between letters dropped."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text).casefold())


def visible_text(markup: str) -> str:
    """What a reader of an HTML email sees, roughly: tags removed, entities decoded."""
    return html.unescape(_TAG.sub(" ", markup))


Phrases = Mapping[str, str]
"""Folded phrase -> the phrase as written, which findings quote."""


def phrase_lists(extra: Mapping[str, Sequence[str]]) -> Phrases:
    """The defaults and a tenant's additions, folded once."""
    merged = [*PROHIBITED.values(), *extra.values()]
    return {fold(phrase): phrase for phrases in merged for phrase in phrases if fold(phrase)}


def lint_wording(text: str, *, field: str, phrases: Phrases) -> list[Finding]:
    folded = fold(text)
    findings = [
        Finding(Rule.PROHIBITED, Severity.ERROR, field, f"prohibited wording: '{written}'")
        for phrase, written in phrases.items()
        if phrase in folded
    ]
    normalized = unicodedata.normalize("NFKC", text)
    if match := _SHOUTING.search(normalized):
        findings.append(
            Finding(Rule.SHOUTING, Severity.ERROR, field, f"long run of capitals: '{match[0]}'")
        )
    if match := _BANGS.search(normalized):
        findings.append(
            Finding(Rule.SHOUTING, Severity.ERROR, field, f"repeated punctuation: '{match[0]}'")
        )
    return findings
