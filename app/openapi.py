"""The OpenAPI document: FastAPI's own, with every error declared as the problem+json it is.

FastAPI declares a 422 `application/json` body (`HTTPValidationError`) on each operation that
takes parameters, and puts a declared response's model under `application/json`; Nudge answers
every error as RFC 9457 problem+json, so the document says exactly that; except the errors
of the borrower's page (app/manage), which a person reads in a browser: those are HTML.
"""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from app.errors import PROBLEM_MEDIA_TYPE

FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def with_problem_validation_errors(app: FastAPI) -> Callable[[], dict[str, Any]]:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            for item in document.get("paths", {}).values():
                for operation in item.values():
                    _problems_only(operation.get("responses", {}))
            schemas = document.get("components", {}).get("schemas", {})
            for name in FASTAPI_VALIDATION_SCHEMAS:
                schemas.pop(name, None)
            app.openapi_schema = document
        return app.openapi_schema

    return openapi


def _problems_only(responses: dict[str, Any]) -> None:
    problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for status, response in responses.items():
        if status == "422" and PROBLEM_MEDIA_TYPE not in response.get("content", {}):
            response["description"] = "Invalid parameters or body (field paths in `errors`)."
        page = "text/html" in response.get("content", {})  # the borrower's polite pages
        if status.isdigit() and int(status) >= 400 and not page:
            response["content"] = problem
