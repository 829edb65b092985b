"""The plan document: arms and their weights, the steps each arm gets, and what is refused."""

from typing import Any

import pytest
from pydantic import ValidationError

from app.plans.schemas import PLAN_EXAMPLE, PlanIn

STEP = PLAN_EXAMPLE["steps"][0]
OTHER = {**STEP, "key": "other"}


def refused(body: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        PlanIn.model_validate(body)
    return [
        (".".join(map(str, e["loc"])), e["msg"].removeprefix("Value error, "))
        for e in caught.value.errors()
    ]


def test_a_plan_that_tests_nothing_has_no_arms() -> None:
    plan = PlanIn.model_validate(PLAN_EXAMPLE)
    assert plan.arms() == {}
    assert plan.steps_of(None) == plan.steps


def test_the_holdout_share_is_taken_from_every_variant_in_proportion() -> None:
    plan = PlanIn.model_validate(
        {
            "steps": [STEP],
            "variants": [
                {"name": "champion", "weight": 1},
                {"name": "challenger", "weight": 3, "steps": [OTHER]},
            ],
            "holdout": 0.2,
        }
    )
    assert plan.arms() == pytest.approx({"champion": 0.2, "challenger": 0.6, "holdout": 0.2})
    assert [s.key for s in plan.steps_of("champion")] == ["d-3"]
    assert [s.key for s in plan.steps_of("challenger")] == ["other"]
    assert plan.steps_of("holdout") == []
    assert [path for path, _ in plan.all_steps()] == ["steps.0", "variants.1.steps.0"]


def test_a_holdout_without_variants_splits_the_plan_from_its_control() -> None:
    plan = PlanIn.model_validate({"steps": [STEP], "holdout": 0.1})
    assert plan.arms() == pytest.approx({"champion": 0.9, "holdout": 0.1})
    assert plan.steps_of("champion") == plan.steps


def test_a_steps_holdout_is_taken_from_its_templates_in_proportion() -> None:
    templates = [{"template": "a", "weight": 1}, {"template": "b", "weight": 3}]
    step = {**STEP, "template": None, "templates": templates, "holdout": 0.2}
    [split] = PlanIn.model_validate({"steps": [step]}).steps
    assert split.template_shares() == pytest.approx({"a": 0.2, "b": 0.6, "holdout": 0.2})
    assert list(split.template_shares()) == ["a", "b", "holdout"]  # the champion first
    [alone] = PlanIn.model_validate({"steps": [STEP]}).steps
    assert (alone.template_shares(), alone.tests_templates) == ({STEP["template"]: 1}, False)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, [("steps", "a plan needs at least one step")]),
        (
            {"variants": [{"name": "a", "weight": 1}, {"name": "b", "weight": 1, "steps": [STEP]}]},
            [("steps", "needed by the variants without steps of their own: a")],
        ),
        (
            {"steps": [STEP], "variants": [{"name": "a", "weight": 1}, {"name": "a", "weight": 2}]},
            [("variants", "variant names must be unique")],
        ),
        (
            {"steps": [{**STEP, "template": None}]},
            [("steps.0", "give exactly one of template or templates")],
        ),
        (
            {"steps": [{**STEP, "offset": "+366d"}]},
            [("steps.0.offset", "at most 365 days from the due date")],
        ),
        (
            {
                "steps": [
                    {
                        **STEP,
                        "template": None,
                        "templates": [
                            {"template": "a", "weight": 1},
                            {"template": "a", "weight": 1},
                        ],
                    }
                ]
            },
            [("steps.0.templates", "each template may be listed once")],
        ),
        (
            {"steps": [{**STEP, "template": "holdout", "holdout": 0.1}]},
            [("steps.0", "with a holdout, no template of the step may be 'holdout'")],
        ),
        (
            {"steps": [{**STEP, "holdout": 1}]},
            [("steps.0.holdout", "Input should be less than 1")],
        ),
    ],
)
def test_a_bad_document_is_refused_at_its_field(
    body: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert refused(body) == expected
