"""JSON logs carrying the request id, with contact details masked before anything is written."""

import logging
import logging.config
from contextvars import ContextVar
from typing import Any

from app.masking import mask_text

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


class RequestContext(logging.Filter):
    """Stamps each record with the id of the request it was logged under, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class MaskContactDetails(logging.Filter):
    """No phone number or email address reaches a log in clear, whoever logged it (uvicorn's
    access log shows query strings, for one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask_text(record.getMessage()), ()
        return True


def config() -> dict[str, Any]:
    """A `logging.config.dictConfig` for the service, uvicorn's loggers included."""
    formatter = {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        "json_ensure_ascii": False,  # Chinese stays readable
    }
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "default",
        "filters": ["context", "mask"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": RequestContext}, "mask": {"()": MaskContactDetails}},
        "formatters": {"default": formatter},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": "INFO"},
        "loggers": {
            **{
                name: {"handlers": [], "propagate": True}
                for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
            },
            "apscheduler": {"level": "WARNING"},  # not a line per dispatch tick
        },
    }


def configure() -> None:
    logging.config.dictConfig(config())
