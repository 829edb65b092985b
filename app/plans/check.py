"""Whether a plan can ever be sent as written: every template, channel and locale it reaches.

Pure: the caller reads the current templates first. The rules are the submission check's
(`app.templates.locales.pick_variant` chooses a variant everywhere), applied to each step of
each arm, so a plan saved today never makes reminders that submission would refuse.
"""

from collections.abc import Mapping

from app.errors import FieldError
from app.plans.schemas import PlanIn, Step
from app.templates.locales import pick_variant
from app.templates.schemas import TemplateIn
from app.templates.variables import VariableType


def check_plan(
    plan: PlanIn, *, templates: Mapping[str, TemplateIn], default_locale: str
) -> list[FieldError]:
    """Every reason a step could not be sent, by field path (`variants.1.steps.0.channels.1`).

    `templates`: the current body of each template the plan names that exists."""
    errors = []
    for path, step in plan.all_steps():
        errors += _step_errors(step, path, templates, default_locale)
        if plan.digest.enabled:
            errors += _digest_errors(step, path, templates)
    return errors


def _digest_errors(step: Step, path: str, templates: Mapping[str, TemplateIn]) -> list[FieldError]:
    """A digest's message lists several loans: a template that does not read `loans` would
    show the borrower one loan's amount as if it were all they owe."""
    return [
        FieldError(
            field=field,
            detail=f"the plan merges loans (digest): template '{key}' must declare the "
            "variable `loans` (type `loans`), as the starters do",
        )
        for field, key in _template_paths(step, path)
        if key in templates and not _reads_loans(templates[key])
    ]


def _reads_loans(template: TemplateIn) -> bool:
    spec = template.variables.get("loans")
    return spec is not None and spec.type == VariableType.LOANS


def _template_paths(step: Step, path: str) -> list[tuple[str, str]]:
    if step.templates is None:
        assert step.template is not None
        return [(f"{path}.template", step.template)]
    return [(f"{path}.templates.{i}.template", t.template) for i, t in enumerate(step.templates)]


def _step_errors(
    step: Step, path: str, templates: Mapping[str, TemplateIn], default_locale: str
) -> list[FieldError]:
    errors, found = [], {}
    for field, key in _template_paths(step, path):
        if key not in templates:
            errors.append(FieldError(field=field, detail=f"no template '{key}'"))
        else:
            found[key] = templates[key]
    for position, channel in enumerate(step.channels):
        for key, template in found.items():
            if pick_variant(template.variants, channel, None, default_locale) is None:
                detail = f"no-variant: template '{key}' has no {channel} variant in any locale"
                errors.append(FieldError(field=f"{path}.channels.{position}", detail=detail))
        locales = {
            key: sorted(v.locale for v in template.variants if v.channel == channel)
            for key, template in found.items()
        }
        if len({tuple(offered) for offered in locales.values() if offered}) > 1:
            said = "; ".join(f"'{key}': {', '.join(tags)}" for key, tags in locales.items())
            errors.append(
                FieldError(
                    field=f"{path}.templates",
                    detail=f"the step's templates must offer the same {channel} locales, so "
                    f"an arm never changes a customer's language ({said})",
                )
            )
    return errors
