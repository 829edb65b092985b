"""Variable values read by the wording lint: a `note` can carry what a template may not say.

A template's words are linted on save, but its values arrive later, with each reminder. They are
linted at submission (a 422 naming `variables.note`, nothing stored) and again just before each
render, for values stored before the lint knew better: that channel then fails alone with
`WORDING_REFUSED` instead of being sent. Only prohibited wording refuses a value: an account
reference in capitals is not shouting.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from app.errors import FieldError, ValidationFailed
from app.templates.lint import Phrases, Rule, lint_wording


class WordingRefused(ValidationFailed):
    """A value a reminder would send carries prohibited wording."""


def refused_values(
    values: Mapping[str, Any], *, phrases: Phrases, prefix: str = "variables."
) -> list[FieldError]:
    """Each text value with prohibited wording, once, by field path (`items.3.variables.note`),
    its detail listing every rule the value breaks."""
    errors = []
    for field, value in _texts(values, prefix):
        findings = lint_wording(value, field=field, phrases=phrases)
        details = [f.detail for f in findings if f.rule == Rule.PROHIBITED]
        if details:
            detail = f"{Rule.PROHIBITED}: {'; '.join(details)}"
            errors.append(FieldError(field=field, detail=detail))
    return errors


def _texts(values: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, str]]:
    """Each text value by its field path, a digest's loans' too (`variables.loans.1.loan_ref`)."""
    for name, value in values.items():
        if isinstance(value, str):
            yield f"{prefix}{name}", value
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    yield from _texts(item, f"{prefix}{name}.{index}.")


def refuse_values(values: Mapping[str, Any], *, phrases: Phrases) -> None:
    """Raises `WordingRefused` when a value may not be sent."""
    if errors := refused_values(values, phrases=phrases):
        raise WordingRefused(errors)
