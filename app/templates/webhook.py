"""The webhook variant's payload: a JSON object whose string values are templates.

Only string values are rendered (keys, numbers, booleans and nulls are kept as written), each in
the same metered sandbox and under one budget for the whole payload, so what is sent is always
the JSON the tenant wrote with its strings filled in: a value cannot break the document's
structure, whatever it holds. The payload may be given as an object or as a string holding one;
anything else is refused on save with its field path.

One string is data rather than text: a value that is exactly one variable (`"{{ loans }}"`)
holding a list sends the list itself (a digest's loans, each field a JSON string as templates
print them), and one left absent sends `null`. The list is the typed value submission checked,
so it carries its own structure, and a receiver reads the loans without parsing text.
"""

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

MAX_SOURCE = 20_000
"""Characters the payload template may have, as compact JSON."""
MAX_DEPTH = 8
"""Nesting of objects and arrays: receivers rarely want more, and walking it stays cheap."""

VISIT = "visit"
VISIT_ADDRESS, VISIT_START, VISIT_END = "visit_address", "visit_start", "visit_end"
VISIT_VARIABLES = (VISIT_ADDRESS, VISIT_START, VISIT_END)
"""What a visit template must declare, as required text: where, and the local window."""


def payload_object(payload: Any) -> dict[str, Any]:
    """The payload as an object; ValueError saying why it is not one."""
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError as error:
            raise ValueError(f"is not JSON: {error}") from None
        except RecursionError:
            raise ValueError(f"nests objects and arrays more than {MAX_DEPTH} deep") from None
    if not isinstance(payload, dict):
        raise ValueError("must be a JSON object (or a string holding one)")
    if _deeper_than(payload, MAX_DEPTH):
        raise ValueError(f"nests objects and arrays more than {MAX_DEPTH} deep")
    if len(json.dumps(payload, ensure_ascii=False, separators=(",", ":"))) > MAX_SOURCE:
        raise ValueError(f"has more than {MAX_SOURCE} characters as JSON")
    return payload


def _deeper_than(value: Any, levels: int) -> bool:
    """Stops looking one level past the limit, so no payload can exhaust the stack here."""
    items = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
    )
    if items is None:
        return False
    return levels == 0 or any(_deeper_than(item, levels - 1) for item in items)


def sources(payload: dict[str, Any], path: str = "payload") -> Iterator[tuple[str, str]]:
    """Each string value with its field path (`payload.customer.name`, `payload.lines.0`)."""
    items = payload.items() if isinstance(payload, dict) else enumerate(payload)
    for key, value in items:
        where = f"{path}.{key}"
        if isinstance(value, str):
            yield where, value
        elif isinstance(value, dict | list):
            yield from sources(value, where)  # type: ignore[arg-type]


WHOLE_VARIABLE = re.compile(r"^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")


def data_of(source: str, values: Mapping[str, Any]) -> tuple[bool, Any]:
    """(True, the value as JSON data) when `source` is exactly a variable holding a list or
    left absent; (False, None) when it is a text to render."""
    match = WHOLE_VARIABLE.match(source)
    if match is None or match[1] not in values:
        return False, None
    value = values[match[1]]
    if value is None or isinstance(value, list):
        return True, _json_ready(value)
    return False, None


def _json_ready(value: Any) -> Any:
    """Money as its decimal string and dates in ISO 8601, as `{{ amount }}` prints them."""
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


def fill(value: Any, render: Callable[[str, str], Any], path: str = "payload") -> Any:
    """The payload with each string value replaced by `render(path, source)`."""
    if isinstance(value, str):
        return render(path, value)
    if isinstance(value, dict):
        return {key: fill(item, render, f"{path}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, render, f"{path}.{index}") for index, item in enumerate(value)]
    return value


def visit_template_problems(
    variables: Mapping[str, Any], variants: Sequence[Any]
) -> list[tuple[str, str]]:
    """Field paths and why a template asking for visits is not one: a visit is a request to the
    lender's field team, so every variant is a webhook visit variant, and the address and the
    window are declared."""
    if not any(getattr(v, "task", None) == VISIT for v in variants):
        return []
    problems = [
        (f"variants.{index}", "a visit template has only webhook variants with task 'visit'")
        for index, variant in enumerate(variants)
        if getattr(variant, "task", None) != VISIT
    ]
    for name in VISIT_VARIABLES:
        spec = variables.get(name)
        if spec is None or spec.type != "text" or not spec.required:
            problems.append((f"variables.{name}", "a visit template declares it as required text"))
    return problems
