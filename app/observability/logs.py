"""JSON logs carrying the request id, with contact details masked before anything is written."""

import logging
import logging.config
from contextvars import ContextVar
from typing import Any

from app.masking import mask_text, mask_value

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


class RequestContext(logging.Filter):
    """Stamps each record with the id of the request it was logged under, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_TRACEBACKS = logging.Formatter()


class MaskContactDetails(logging.Filter):
    """No phone number or email address reaches a log in clear, whoever logged it: not in the
    message (uvicorn's access log shows query strings, percent-encoded), not in an exception's
    traceback (a database error quotes the row it refused), not in `extra` fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask_text(record.getMessage()), ()
        if record.exc_info:
            # Formatted here, masked, and kept as text: formatters use `exc_text` as it is.
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD_ATTRIBUTES:
                setattr(record, name, _masked(value))
        return True


def _masked(value: object) -> object:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str | dict | list | tuple):
        return mask_value(value)
    return mask_text(str(value))  # the JSON formatter would write its str() anyway


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
