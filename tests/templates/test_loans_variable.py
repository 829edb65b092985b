"""The `loans` variable a digest carries: each loan checked as its own variables would be, and
the dry run on save tries the most loans with the largest values."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from app.templates.budget import RenderBudget
from app.templates.check import check_template, typed_values
from app.templates.lint import phrase_lists
from app.templates.schemas import TemplateIn, VariableSpec
from app.templates.variables import MAX_LOANS

SPECS = {"loans": VariableSpec(type="loans", required=True)}
TENANT = {
    "display_name": "Sunrise Lending",
    "help_phone": "+864001234567",
    "default_locale": "en",
    "default_timezone": "UTC",
    "default_currency": "JPY",
    "default_policy": "default",
}


def loan(**change: Any) -> dict[str, Any]:
    return {
        "loan_ref": "loan-1",
        "amount": "1200",
        "currency": "JPY",
        "due_date": "2026-12-01",
        **change,
    }


def errors_of(loans: Any) -> list[str]:
    _, errors = typed_values(SPECS, {"loans": loans}, currency="JPY")
    return [f"{error.field}: {error.detail}" for error in errors]


def test_loans_are_typed_like_the_variables_of_one_loan() -> None:
    values, errors = typed_values(
        SPECS, {"loans": [loan(), loan(loan_ref="loan-2", amount="30")]}, currency="USD"
    )
    assert errors == []
    assert values["loans"][1] == {
        "loan_ref": "loan-2",
        "amount": Decimal(30),
        "currency": "JPY",
        "due_date": date(2026, 12, 1),
    }


@pytest.mark.parametrize(
    ("loans", "detail"),
    [
        ([], "must be a list of 1 to 10 loans"),
        ([loan()] * (MAX_LOANS + 1), "must be a list of 1 to 10 loans"),
        ({"loan_ref": "loan-1"}, "must be a list of 1 to 10 loans"),
        ([loan(extra=1)], "loan 0 must have exactly loan_ref, amount, currency, due_date"),
        ([loan(), loan(amount=12.5)], "loan 1: must be a positive decimal string"),
        ([loan(amount="12.5")], "loan 0: "),
        ([loan(currency="XXX")], "loan 0: "),
        ([loan(due_date="2026-13-01")], "loan 0: must be an ISO date"),
        ([loan(loan_ref="x" * 201)], "loan 0: must be a string of at most 200"),
        ([loan(), loan(currency="USD", amount="1")], "must all be in one currency"),
        ([loan(amount="9" * 15), loan(amount="1")], "must total less than 15 whole digits"),
    ],
)
def test_a_wrong_list_of_loans_is_refused_naming_the_loan(loans: Any, detail: str) -> None:
    [error] = errors_of(loans)
    assert error.startswith(f"variables.loans: loans: {detail}"), error


def test_the_dry_run_refuses_a_template_whose_list_of_the_most_loans_is_too_long_for_an_sms() -> (
    None
):
    body = TemplateIn.model_validate(
        {
            "variables": {"loans": {"type": "loans", "required": True}},
            "variants": [
                {
                    "channel": "sms",
                    "locale": "en",
                    "body": "{% for l in loans %}{{ l.loan_ref }} {{ l.amount | money }} "
                    "{{ l.due_date | date }}; {% endfor %}Reply STOP to opt out",
                }
            ],
        }
    )
    errors, _ = check_template(
        body,
        tenant=TENANT,
        phrases=phrase_lists({}),
        segment_limit=2,
        budget=RenderBudget(),
    )
    assert [error.field for error in errors] == ["variants.0.body"]
    assert "the longest values" in errors[0].detail, errors[0].detail
