"""Compliance lint: wording a borrower must never read, shouting, and over-long SMS.

Pure functions of the text, so the same rules run on save, in preview, on variable values and in
tests. The default rules are `threats.py`; a tenant's extra phrases are compared after folding
the usual disguises: full-width forms (NFKC), case, and spaces, dots or dashes inserted between
characters (`逮 捕`, `A.R.R.E.S.T`, full-width `arrest`).
"""

import html
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from app.templates.threats import threats
from app.templates.wording import squeezed

DEFAULT_SMS_SEGMENT_LIMIT = 2

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


def visible_text(markup: str) -> str:
    """What a reader of an HTML email sees, roughly: tags removed, entities decoded."""
    return html.unescape(_TAG.sub(" ", markup))


Phrases = Mapping[str, str]
"""Folded phrase -> the phrase as written, which findings quote: a tenant's additions to the
default rules (`threats.py`), which always apply."""


def phrase_lists(extra: Mapping[str, Sequence[str]]) -> Phrases:
    """A tenant's additions, folded once."""
    return {
        squeezed(phrase): phrase
        for phrases in extra.values()
        for phrase in phrases
        if squeezed(phrase)
    }


def lint_wording(text: str, *, field: str, phrases: Phrases) -> list[Finding]:
    folded = squeezed(text)
    findings = [
        Finding(
            Rule.PROHIBITED,
            Severity.ERROR,
            field,
            f"prohibited wording ({t.category}): '{t.quote}'",
        )
        for t in threats(text)
    ]
    findings += [
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
